"""What a rule is: its documentation, its examples, and its checks over code and traffic."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from auditor.findings import FlowRef, Location, Severity
from auditor.fix.model import Fix

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.model import HttpCall, JobPoll
    from auditor.traffic.exchange import Exchange, TrafficHistory


@dataclass(frozen=True)
class CodeExample:
    """Python source that the rule must flag ``expect`` times (bad) or never (good)."""

    source: str
    expect: int = 1
    files: dict[str, str] = field(default_factory=dict)
    """Other modules of the same project, by relative path, for cross-module examples."""
    fixed: str | None = None
    """What ``scan --fix`` (``--unsafe-fixes`` for an unsafe fix) makes of ``source``
    (Fixit's ``expected_replacement``); None when no fix is offered."""
    fixed_files: dict[str, str] = field(default_factory=dict)
    """What the fix makes of the other modules it rewrites."""
    no_fix: str = ""
    """For a bad example without a fix: words of the reason its findings give."""


@dataclass(frozen=True)
class TrafficExample:
    """A short session of flows, as dicts the traffic tests turn into exchanges."""

    flows: tuple[dict[str, Any], ...]
    expect: int = 1


@dataclass(frozen=True)
class RawFinding:
    """What a rule reports; the engine completes it into a Finding (fingerprint, context)."""

    rule: str
    message: str
    endpoint: str | None
    location: Location | None = None
    flow: FlowRef | None = None
    key: str = ""
    """What distinguishes this finding from others of the same rule at the same place."""
    occurrences: int = 1
    """How many flows showed this problem, when a live session counted repeats instead of
    keeping each flow."""
    fix: Fix | None = None
    """The rewrite that resolves it, planned after the rules ran (``auditor.fix``)."""
    no_fix: str = ""
    """Why no fix is offered, when a fixer looked and could not make one safely."""


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    """One line: what it finds."""
    why: ClassVar[str]
    """Why it breaks under V2, in plain words."""
    fix: ClassVar[str]
    """What to do."""
    autofix: ClassVar[str] = ""
    """What ``scan --fix`` does about it (and when it cannot), for the rule's page."""
    before: ClassVar[str]
    after: ClassVar[str]
    bad: ClassVar[tuple[CodeExample | TrafficExample, ...]] = ()
    good: ClassVar[tuple[CodeExample | TrafficExample, ...]] = ()
    checks: ClassVar[tuple[str, ...]] = ("code", "traffic")
    """What the rule reads: code, traffic or both."""

    @property
    def doc_path(self) -> str:
        """This rule's page in the repository (generated from this class)."""
        return f"docs/rules/{self.id}.md"

    def help_url(self, docs_url: str | None) -> str | None:
        """This rule's page in the user's copy of the docs (``docs-url``; ``{rule}`` stands
        for the id, else ``/DK00x.md`` is added); None without one: no invented address."""
        if not docs_url:
            return None
        if "{rule}" in docs_url:
            return docs_url.replace("{rule}", self.id)
        return f"{docs_url.rstrip('/')}/{self.id}.md"

    @property
    def help_uri(self) -> str:
        """What to read about this rule when there is no ``docs-url``: the command that prints
        its page works wherever dokeos-audit is installed."""
        return f"dokeos-audit rules {self.id}"

    # -- code ---------------------------------------------------------------------------
    def check_call(self, call: HttpCall, catalog: Catalog) -> Iterator[RawFinding]:
        return iter(())

    def check_poll(self, poll: JobPoll, catalog: Catalog) -> Iterator[RawFinding]:
        return iter(())

    # -- traffic ------------------------------------------------------------------------
    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        """Called for each Dokeos exchange in time order; ``history`` holds what came before."""
        return iter(())

    def finish_traffic(self, history: TrafficHistory, catalog: Catalog) -> Iterator[RawFinding]:
        """Called once the session ends, for rules that wait for later evidence."""
        return iter(())

    def code_finding(
        self, location: Location, message: str, endpoint: str | None, key: str = ""
    ) -> RawFinding:
        return RawFinding(self.id, message, endpoint, location=location, key=key)
