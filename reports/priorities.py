"""Where to start: the most urgent things left, said the way a project manager says them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.reports.items import FindingItem

if TYPE_CHECKING:
    from auditor.reports.model import IntegrationView, ReportModel

# What each problem does to the integration on the day of the switch, most damaging first.
# `{who}` is the integration, `{n}` how many places (or kinds of request) show it.
_CONSEQUENCES: dict[str, tuple[Callable[[int], str], str]] = {
    "DK001": (
        lambda n: f"still asks for version 1 in {_places(n)}",
        "it stops working on the day of the switch",
    ),
    "DK003": (
        lambda n: f"asks for more than five trainings or users at once in {_places(n)}",
        "Dokeos will refuse those requests",
    ),
    "DK006": (
        lambda n: f"may look up queued work after it has expired in {_places(n)}",
        "those look-ups will fail after a week",
    ),
    "DK002": (
        lambda n: f"reads details Dokeos will stop sending unless asked, in {_places(n)}",
        "that data will quietly be missing",
    ),
    "DK004": (
        lambda n: f"reads only the first page of a list in {_places(n)}",
        "it will see 20 items where there are more",
    ),
    "DK005": (
        lambda n: f"treats queued work as finished in {_places(n)}",
        "it may act before Dokeos has done the work",
    ),
}
_ORDER = list(_CONSEQUENCES)


def _places(n: int) -> str:
    return "1 place" if n == 1 else f"{n} places"


@dataclass(frozen=True)
class Priority:
    integration: str
    owner: str
    rule: str
    severity: str
    places: int
    sentence: str


def priorities(model: ReportModel, limit: int = 3) -> list[Priority]:
    """The ``limit`` most urgent (integration, problem) pairs: errors before warnings, the
    problems that break the most first, then the most places."""
    found: list[tuple[tuple[int, int, int, str], Priority]] = []
    for integration in model.integrations:
        for rule_id, items in _items_by_rule(integration).items():
            severity = max(items, key=lambda i: i.severity.rank).severity
            order = _ORDER.index(rule_id) if rule_id in _ORDER else len(_ORDER)
            code = sum(1 for i in items if i.origin == "code")
            # a request the code scan also flagged is the same place, counted once
            traffic_only = sum(
                1
                for i in items
                if i.origin != "code" and not (i.evidence is not None and i.evidence.confirmed)
            )
            priority = Priority(
                integration.name,
                integration.owner,
                rule_id,
                severity.value,
                code + traffic_only,
                sentence(integration.name, rule_id, code, traffic_only),
            )
            found.append(((-severity.rank, order, -priority.places, integration.name), priority))
    found.sort(key=lambda pair: pair[0])
    return [priority for _, priority in found[:limit]]


def _items_by_rule(integration: IntegrationView) -> dict[str, list[FindingItem]]:
    by_rule: dict[str, list[FindingItem]] = {}
    for item in integration.items:
        for rule_id in item.rules:
            by_rule.setdefault(rule_id, []).append(item)
    return by_rule


def sentence(who: str, rule_id: str, code: int, requests: int = 0) -> str:
    """``acme still asks for version 1 in 3 places: it stops working on the day of the
    switch.`` Places are lines of code; traffic alone counts kinds of request."""
    consequence = _CONSEQUENCES.get(rule_id)
    places = code or requests
    if consequence is None:
        return f"{who} has {_places(places)} to look at ({rule_id})."
    what, effect = consequence
    text = what(places)
    if not code:
        kinds = "1 kind of request" if requests == 1 else f"{requests} kinds of request"
        text = text.replace(_places(places), f"{kinds} seen in its traffic")
    elif requests:
        text += f" (and {requests} more seen only in its traffic)"
    return f"{who} {text}: {effect}."
