"""Code and traffic of one integration joined: which requests confirm a code finding, and
which code most likely sent a request that shows a problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.findings import RunResult
from auditor.reports.items import FindingItem
from auditor.reports.wording import plural, when
from auditor.traffic.digest import problem_key

if TYPE_CHECKING:
    from auditor.reports.model import IntegrationView, ReportModel

V1_RULE = "DK001"
"""Its findings point at a header definition, not at a call: matched on the rule alone."""

PLACES_SHOWN = 3


@dataclass
class Evidence:
    """What the other side says about an item, in one sentence, and where to look."""

    summary: str
    confirmed: bool = False
    """Seen in code and traffic both."""
    places: list[str] = field(default_factory=list)

    @property
    def more_places(self) -> list[str]:
        """The places the summary does not already name."""
        return [place for place in self.places if place not in self.summary]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"confirmed": self.confirmed, "summary": self.summary}
        if self.places:
            out["places"] = self.places
        return out


def correlate(model: ReportModel, runs: Sequence[RunResult]) -> None:
    """Attach evidence to the items of each integration that has both code and traffic;
    items seen on both sides come first in their file or capture."""
    for integration in model.integrations:
        if integration.has_code and integration.has_traffic:
            _join(integration, runs)
    for change in model.changes:
        for group in change.groups:
            group.items.sort(key=lambda item: not (item.evidence and item.evidence.confirmed))


def _join(integration: IntegrationView, runs: Sequence[RunResult]) -> None:
    code = [item for item in integration.items if item.origin == "code"]
    traffic = [item for item in integration.items if item.origin == "traffic"]
    traffic_runs = [runs[run.index] for run in integration.runs if run.kind == "traffic"]
    code_runs = [runs[run.index] for run in integration.runs if run.kind == "code"]
    endpoints_used = {str(e) for r in traffic_runs for e in r.extra.get("endpoints_seen") or []}
    calls = [call for r in code_runs for call in r.calls]
    v1_flows = {
        (f.flow.file, f.flow.index)
        for item in traffic
        for f in item.findings
        if f.rule == V1_RULE and f.flow is not None
    }
    for item in code:
        item.evidence = _code_evidence(item, traffic, endpoints_used)
    for item in traffic:
        item.evidence = _traffic_evidence(item, code, calls, v1_flows)


def _same_problem(rule: str, endpoint: str | None, other: FindingItem) -> bool:
    if rule not in other.rules:
        return False
    return rule == V1_RULE or (endpoint is not None and other.endpoint == endpoint)


def _code_evidence(
    item: FindingItem, traffic: list[FindingItem], endpoints_used: set[str]
) -> Evidence:
    endpoint = item.endpoint
    seen = [t for t in traffic if any(_same_problem(r, endpoint, t) for r in item.rules)]
    if seen:
        requests = sum(t.occurrences for t in seen)
        last = max((t.last_seen for t in seen), default="")
        on = f", last on {when(last)}" if last else ""
        return Evidence(
            f"Confirmed by traffic: seen in {plural(requests, 'request')}{on}.",
            confirmed=True,
            places=[t.request for t in seen[:PLACES_SHOWN]],
        )
    if V1_RULE in item.rules:
        return Evidence("Not seen in the traffic: no captured request asked for version 1.")
    if endpoint is not None and endpoint in endpoints_used:
        return Evidence(
            f"The traffic has requests to {endpoint}, none with this problem: that code may "
            "not have run while the traffic was captured, or the problem may not be real."
        )
    what = f"to {endpoint}" if endpoint else "of this kind"
    return Evidence(f"Not seen in the traffic: no captured request went {what}.")


def _traffic_evidence(
    item: FindingItem,
    code: list[FindingItem],
    calls: list[dict[str, Any]],
    v1_flows: set[tuple[str, int]],
) -> Evidence:
    flagged = [c for c in code if any(_same_problem(r, item.endpoint, c) for r in item.rules)]
    if flagged:
        places = [c.where for c in flagged[:PLACES_SHOWN]]
        lead = (
            "Version 1 is asked for in the code at"
            if V1_RULE in item.rules
            else "Most likely sent by the code flagged at"
        )
        more = f" (and {len(flagged) - PLACES_SHOWN} more)" if len(flagged) > PLACES_SHOWN else ""
        return Evidence(f"{lead} {', '.join(places)}{more}.", confirmed=True, places=places)
    candidates = _likely_calls(item, calls, v1_flows)
    if candidates:
        places = [_call_place(call) for call in candidates[:PLACES_SHOWN]]
        return Evidence(
            f"Most likely sent by {', '.join(places)} (the same call); the code scan did not "
            "flag it there, so that code is worth a look.",
            places=places,
        )
    return Evidence(
        "No scanned code makes this request: it may come from code that was not scanned."
    )


def _likely_calls(
    item: FindingItem, calls: list[dict[str, Any]], v1_flows: set[tuple[str, int]]
) -> list[dict[str, Any]]:
    """The calls with the request's endpoint, best match first: the same API version, the
    same opt-in attributes asked for (or not), pages walked when the request names one."""
    first = item.first
    if first.flow is None or item.endpoint is None:
        return []
    _, _, shape = problem_key(first)
    params = set(shape.split(",")) if shape else set()
    asks_v1 = (first.flow.file, first.flow.index) in v1_flows
    scored: list[tuple[int, int, dict[str, Any]]] = []
    for order, call in enumerate(calls):
        if call.get("endpoint") != item.endpoint:
            continue
        versions = [str(v) for v in call.get("versions") or []]
        score = 0
        if asks_v1 == ("1" in versions):
            score += 2
        if ("response_attributes" in params) == bool(call.get("response_attributes")):
            score += 1
        if ("page" in params) == (call.get("pages") == "walked"):
            score += 1
        scored.append((-score, order, call))
    scored.sort(key=lambda entry: (entry[0], entry[1]))
    if not scored:
        return []
    best = scored[0][0]
    return [call for score, _, call in scored if score == best]


def _call_place(call: dict[str, Any]) -> str:
    location = call.get("location") or {}
    return f"{location.get('path', '?')}:{location.get('line', '?')}"
