"""Findings folded into the items a person fixes: one code line, or one kind of request.

A proxy run of a test suite reports the same problem for thousands of identical requests;
a line of code can hold two findings. The human formats show one item for each, with how
often and when it was seen and a few examples; the JSON keeps every finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.findings import Finding, Severity
from auditor.rules import RULES_BY_ID
from auditor.traffic.digest import problem_key

EXAMPLES = 3
"""Example requests shown for a traffic item."""


@dataclass(frozen=True)
class SnippetLine:
    number: int
    hit: bool
    before: str
    marked: str = ""
    after: str = ""


def item_key(finding: Finding) -> tuple[Any, ...]:
    """What makes findings one item: the file and line, or the rule, endpoint and query
    shape of the request (the same key the live proxy counts problems by)."""
    if finding.location is not None:
        return ("code", finding.location.path, finding.location.line)
    return ("traffic", *problem_key(finding))


def request_label(finding: Finding) -> str:
    """Where a request is, in words: ``nightly.har, request 4`` (1-based)."""
    assert finding.flow is not None
    return f"{finding.flow.file}, request {finding.flow.index + 1}"


def where_of(finding: Finding) -> str:
    if finding.location is not None:
        loc = finding.location
        return f"{loc.path}:{loc.line}:{loc.column}"
    return request_label(finding)


def subject_of(finding: Finding) -> str:
    if finding.location is not None:
        return finding.location.path
    assert finding.flow is not None
    return finding.flow.file


@dataclass
class FindingItem:
    """One thing to fix in one run: its findings (a code line's, or a request kind's)."""

    key: tuple[Any, ...]
    run_index: int
    integration: str = ""
    findings: list[Finding] = field(default_factory=list)
    snippet: tuple[SnippetLine, ...] = ()
    evidence: Any = None
    """What the other side (traffic for code, code for traffic) says: see correlate.py."""
    progress: str = ""
    """"new" or "still open" against the previous report, when one is compared."""

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def origin(self) -> str:
        return "code" if self.first.location is not None else "traffic"

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule for f in self.findings})

    @property
    def severity(self) -> Severity:
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def messages(self) -> list[tuple[Finding, str]]:
        """Each distinct (rule, message) once, with the rule's name."""
        seen: dict[tuple[str, str], Finding] = {}
        for finding in self.findings:
            seen.setdefault((finding.rule, finding.message), finding)
        return [(f, _rule_name(f.rule)) for f in seen.values()]

    @property
    def occurrences(self) -> int:
        """Requests that showed this problem (code: 1 a finding)."""
        return sum(max(1, f.occurrences) for f in self.findings)

    @property
    def examples(self) -> list[Finding]:
        return self.findings[:EXAMPLES]

    @property
    def times(self) -> list[str]:
        return sorted(f.flow.timestamp for f in self.findings if f.flow and f.flow.timestamp)

    @property
    def first_seen(self) -> str:
        times = self.times
        return times[0] if times else ""

    @property
    def last_seen(self) -> str:
        times = self.times
        return times[-1] if times else ""

    @property
    def where(self) -> str:
        return where_of(self.first)

    @property
    def endpoint(self) -> str | None:
        return self.first.endpoint

    @property
    def request(self) -> str:
        """The request kind: ``GET /users?page,per_page`` (parameter names only)."""
        if self.origin != "traffic":
            return self.first.endpoint or ""
        _, endpoint, shape = problem_key(self.first)
        return f"{endpoint}?{shape}" if shape else endpoint

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity.rank, self.first.sort_key)


def _rule_name(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return rule.name if rule is not None else ""


def build_items(
    findings: Iterable[Finding], run_index: int, integration: str = ""
) -> list[FindingItem]:
    """The items of one run's findings (in one file or capture), in the findings' order."""
    items: dict[tuple[Any, ...], FindingItem] = {}
    for finding in findings:
        key = item_key(finding)
        item = items.get(key)
        if item is None:
            item = items[key] = FindingItem(key, run_index, integration)
        item.findings.append(finding)
    out = list(items.values())
    for item in out:
        if item.origin == "code":
            item.snippet = snippet_of(item.findings)
        else:
            item.findings.sort(key=lambda f: (f.flow.timestamp if f.flow else "", f.sort_key))
    return out


def snippet_of(findings: Sequence[Finding]) -> tuple[SnippetLine, ...]:
    """The lines around a code item, once, with every flagged span of its line marked."""
    finding = findings[0]
    context, location = finding.context, finding.location
    if context is None or location is None:
        return ()
    last = max(max(f.location.end_line, f.location.line) for f in findings if f.location)
    spans: list[tuple[int, int]] = []
    for other in findings:
        loc = other.location
        if loc is None:
            continue
        end = loc.end_column - 1 if loc.end_line == loc.line else 1 << 30
        spans.append((loc.column - 1, end))
    lines: list[SnippetLine] = []
    for offset, raw in enumerate(context.lines):
        number = context.start_line + offset
        text = raw.rstrip("\r\n")
        if number == location.line and spans:
            # columns are 1-based, the end exclusive (as ruff and libcst report them); two
            # findings on a line mark the stretch that covers both
            start = min(s for s, _ in spans)
            end = min(max(e for _, e in spans), len(text))
            if 0 <= start < end:
                lines.append(SnippetLine(number, True, text[:start], text[start:end], text[end:]))
                continue
        lines.append(SnippetLine(number, location.line <= number <= last, text))
    return tuple(lines)
