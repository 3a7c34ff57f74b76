"""What a session keeps of its findings, and how a live run prints them: each problem once.

A test suite run through the proxy repeats the same requests thousands of times. Keeping
(and printing) one finding per flow made memory and stderr grow with the run; a live
session keeps one finding per distinct problem (rule, endpoint, query shape) with a count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol
from urllib.parse import urlsplit

from auditor.findings import Finding
from auditor.rules.base import RawFinding

ProblemKey = tuple[str, str, str]

_ID_LIKE = re.compile(r"^(\d+|[0-9a-f]{8,}(-[0-9a-f]{4,})*|job[_-][\w-]+)$", re.IGNORECASE)


def query_shape(url: str) -> str:
    """The parameter names of a URL's query, sorted, values left out: `page,per_page`."""
    query = urlsplit(url).query
    if not query:
        return ""
    names = {pair.split("=", 1)[0] for pair in query.split("&") if pair}
    return ",".join(sorted(names))


def path_shape(url: str) -> str:
    """The path with ids replaced, for requests the catalog has no endpoint for."""
    path = urlsplit(url).path
    return "/".join(":id" if _ID_LIKE.match(part) else part for part in path.split("/"))


def problem_key(finding: Finding | RawFinding) -> ProblemKey:
    flow = finding.flow
    url = flow.url if flow is not None else ""
    method = flow.method if flow is not None else ""
    endpoint = finding.endpoint or f"{method} {path_shape(url)}"
    return finding.rule, endpoint, query_shape(url)


class FindingKeeper(Protocol):
    """Where a session puts the findings it completes."""

    def add(self, finding: Finding) -> bool:
        """Keep or count one finding; False when it was dropped as a duplicate."""

    @property
    def findings(self) -> list[Finding]: ...


class EveryFinding:
    """One finding per flow and rule: what `traffic` reports for a capture."""

    def __init__(self) -> None:
        self._findings: list[Finding] = []
        self._reported: set[tuple[str, str, int]] = set()

    def add(self, finding: Finding) -> bool:
        assert finding.flow is not None
        identity = (finding.rule, finding.flow.file, finding.flow.index)
        if identity in self._reported:
            return False  # one finding per flow and rule
        self._reported.add(identity)
        self._findings.append(finding)
        return True

    @property
    def findings(self) -> list[Finding]:
        return self._findings


class DistinctProblems:
    """One finding per distinct problem, the first flow that showed it, and a count."""

    def __init__(self) -> None:
        self._first: dict[ProblemKey, Finding] = {}
        self._counts: dict[ProblemKey, int] = {}

    def add(self, finding: Finding) -> bool:
        key = problem_key(finding)
        if key in self._first:
            self._counts[key] += finding.occurrences
            return True
        self._first[key] = finding
        self._counts[key] = finding.occurrences
        return True

    def count_repeat(self, raw: RawFinding) -> Finding | None:
        """Count a rule's report of a problem already kept, and return the finding kept;
        None when it is new. Repeats skip being completed (fingerprint, redaction): in a
        live run most findings are repeats, and they are on mitmproxy's hot path."""
        key = problem_key(raw)
        kept = self._first.get(key)
        if kept is not None:
            self._counts[key] += raw.occurrences
        return kept

    def occurrences(self, finding: Finding) -> int:
        return self._counts.get(problem_key(finding), 0)

    @property
    def findings(self) -> list[Finding]:
        return [
            replace(finding, occurrences=self._counts[key]) for key, finding in self._first.items()
        ]


class LiveLog:
    """Prints a problem the first time it is seen, then only when its count reaches 10, 100,
    1000…: stderr stays readable over a long run, and the repeats are still visible."""

    def __init__(self, echo: Callable[[str], None], prefix: str = "dokeos-audit") -> None:
        self._echo = echo
        self._prefix = prefix
        self._counts: dict[ProblemKey, int] = {}

    def __call__(self, finding: Finding) -> None:
        key = problem_key(finding)
        before = self._counts.get(key, 0)
        count = before + finding.occurrences
        self._counts[key] = count
        if before == 0:
            flow = finding.flow
            where = f"{flow.method} {flow.url}" if flow is not None else ""
            self._echo(
                f"{self._prefix}: {finding.rule} {finding.severity.value}: {where}: "
                f"{finding.message}"
            )
            return
        milestone = _milestone_between(before, count)
        if milestone:
            rule, endpoint, shape = key
            query = f"?{shape}" if shape else ""
            self._echo(f"{self._prefix}: {rule} seen {milestone} times on {endpoint}{query}")

    def repeats(self) -> dict[ProblemKey, int]:
        return dict(self._counts)


def _milestone_between(before: int, after: int) -> int:
    """The largest power of ten in (before, after], or 0."""
    milestone = 10
    found = 0
    while milestone <= after:
        if milestone > before:
            found = milestone
        milestone *= 10
    return found
