"""Inline suppressions: ``# dokeos-audit: ignore[DK001]`` and ``# noqa: DK001`` comments."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.findings import Finding
from auditor.rules import RULES_BY_ID

_OURS = re.compile(r"dokeos-audit\s*:\s*ignore(?![\w-])(?:\[(?P<ids>[^\]]*)\])?", re.IGNORECASE)
# read as ruff reads noqa comments: bare, or with codes after a colon (E501,W291 or E501 W291)
_NOQA = re.compile(
    r"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")
OURS_PATTERN, NOQA_PATTERN = _OURS, _NOQA
"""Our directive and ruff's noqa as they are read, for the fix that removes unused ones."""
_LOOKS_LIKE_ONE = re.compile(r"#[^\n]*(?:dokeos-audit\s*:|noqa)", re.IGNORECASE)


@dataclass
class Suppression:
    """One suppression comment: the rules it names (None: all of them) and those it used."""

    path: str
    line: int
    column: int
    comment: str
    rules: frozenset[str] | None
    ours: bool
    """Written for us (``dokeos-audit: ignore``, or a noqa naming a DK rule): a bare ``# noqa``
    serves every linter on the line, so it is never reported as unused."""
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str) -> bool:
        return self.rules is None or rule in self.rules


@dataclass(frozen=True)
class UnusedSuppression:
    path: str
    line: int
    column: int
    comment: str
    rules: tuple[str, ...]
    """The ids that suppressed nothing; empty when the whole comment did nothing."""

    @property
    def message(self) -> str:
        what = f" ({', '.join(self.rules)})" if self.rules else ""
        return f"unused suppression{what}: {self.comment}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "comment": self.comment,
            "rules": list(self.rules),
            "message": self.message,
        }


@dataclass
class Suppressed:
    """What suppression did to a run: the findings left, how many it hid, comments unused."""

    kept: list[Finding]
    suppressed: int
    unused: list[UnusedSuppression]


def comments_of(path: str, text: str) -> list[Suppression]:
    """The suppression comments of one file (real comments, not text inside strings)."""
    if not _LOOKS_LIKE_ONE.search(text):
        return []
    out: list[Suppression] = []
    for line, column, comment in _comments(text):
        out.extend(_parse(path, line, column, comment))
    return out


def _parse(path: str, line: int, column: int, comment: str) -> Iterator[Suppression]:
    comment = comment.rstrip()
    for match in _OURS.finditer(comment):
        ids = match.group("ids")
        rules = None
        if ids is not None and ids.strip():
            rules = frozenset(code.upper() for code in re.split(r"[,\s]+", ids.strip()) if code)
        yield Suppression(path, line, column, comment, rules, ours=True)
    for match in _NOQA.finditer(comment):
        codes = match.group("codes")
        if codes is None:
            yield Suppression(path, line, column, comment, None, ours=False)
            continue
        ours = frozenset(c.upper() for c in _CODE.findall(codes) if c.upper().startswith("DK"))
        if ours:
            yield Suppression(path, line, column, comment, ours, ours=True)
        # a noqa naming only other linters' codes (E501) is their business, not ours


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1] + 1, token.string
    except (tokenize.TokenError, SyntaxError):
        # a file the analyzer could still read: fall back to a plain look at each line
        for number, line in enumerate(text.splitlines(), 1):
            at = line.find("#")
            if at != -1:
                yield number, at + 1, line[at:]


def statement_starts(text: str) -> Callable[[int], int]:
    """A function from a line to the first line of the innermost statement that spans it.

    Statements are taken from ``ast`` (far cheaper than another libcst pass), and only for
    files that have findings; a file ``ast`` cannot parse maps each line to itself.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return lambda line: line
    spans = sorted(
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
    )
    first: dict[int, int] = {}
    # sorted by start line, an inner statement comes after the statements around it
    for start, end in spans:
        if end > start:
            for number in range(start, end + 1):
                first[number] = start
        else:
            first[start] = start
    return lambda line: first.get(line, line)


def apply_suppressions(
    findings: Iterable[Finding],
    sources: Mapping[str, str],
    *,
    checked_files: Iterable[str] = (),
    rule_enabled: Callable[[str], bool] = lambda rule: True,
) -> Suppressed:
    """Drop the findings a comment suppresses; list our comments that suppressed nothing.

    A comment counts on the finding's own line, and on the first line of the statement
    the finding sits in (so one comment covers a call written over several lines).
    ``checked_files`` are the files whose unused comments are reported, besides those
    with findings.
    """
    findings = list(findings)
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.location is not None:
            by_file.setdefault(finding.location.path, []).append(finding)
    comments: dict[str, dict[int, list[Suppression]]] = {}
    for path in sorted({*by_file, *checked_files}):
        text = sources.get(path)
        if text is None:
            continue
        by_line: dict[int, list[Suppression]] = {}
        for suppression in comments_of(path, text):
            by_line.setdefault(suppression.line, []).append(suppression)
        if by_line:
            comments[path] = by_line

    kept: list[Finding] = []
    suppressed = 0
    starts: dict[str, Callable[[int], int]] = {}
    for finding in findings:
        loc = finding.location
        in_file = comments.get(loc.path) if loc is not None else None
        if loc is None or not in_file:
            kept.append(finding)
            continue
        lines = [loc.line]
        if loc.path not in starts:
            starts[loc.path] = statement_starts(sources[loc.path])
        first = starts[loc.path](loc.line)
        if first != loc.line:
            lines.append(first)
        hit = next(
            (s for line in lines for s in in_file.get(line, ()) if s.covers(finding.rule)),
            None,
        )
        if hit is None:
            kept.append(finding)
        else:
            hit.used.add(finding.rule)
            suppressed += 1

    unused = [
        entry
        for by_line in comments.values()
        for suppressions in by_line.values()
        for entry in _unused(suppressions, rule_enabled)
    ]
    unused.sort(key=lambda u: (u.path, u.line, u.column))
    return Suppressed(kept, suppressed, unused)


def _unused(
    suppressions: list[Suppression], rule_enabled: Callable[[str], bool]
) -> Iterator[UnusedSuppression]:
    for s in suppressions:
        if not s.ours:
            continue
        if s.rules is None:
            if not s.used:
                yield UnusedSuppression(s.path, s.line, s.column, s.comment, ())
            continue
        # a rule left out of this run (--select, --ignore) may well need its comment
        idle = sorted(r for r in s.rules - s.used if not _known_rule(r) or rule_enabled(r))
        if idle:
            yield UnusedSuppression(s.path, s.line, s.column, s.comment, tuple(idle))


def _known_rule(rule: str) -> bool:
    return rule in RULES_BY_ID
