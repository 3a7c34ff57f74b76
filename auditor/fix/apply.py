"""Applies the fixes of a scan to the files' text: edits of several fixes merged when they
agree, the later one skipped when they collide, every rewritten file checked to parse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditor.findings import Finding
from auditor.fix.model import Edit
from auditor.fix.plan import parse_failure
from auditor.fix.source import LineIndex


@dataclass
class Skipped:
    finding: Finding
    reason: str


@dataclass
class Applied:
    """What one pass of fixes did: the new text of each file it changed."""

    texts: dict[str, str] = field(default_factory=dict)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def fixable(findings: Sequence[Finding], *, unsafe: bool) -> list[Finding]:
    """The findings whose fix this run applies: safe ones first, then by place."""
    chosen = [f for f in findings if f.fix is not None and f.fix.applies(unsafe=unsafe)]
    return sorted(chosen, key=lambda f: (not f.fix.safe if f.fix else True, f.sort_key))


@dataclass
class _Span:
    start: int
    end: int
    replacement: str
    owner: Finding


def apply_fixes(
    findings: Sequence[Finding], read: Callable[[str], str | None], *, unsafe: bool
) -> Applied:
    """Apply every applicable fix whose edits do not collide with an earlier one's.

    ``read`` gives the current text of a path (None: unreadable, its fixes are skipped).
    Identical edits (two reads fixed by one params change) are made once; insertions at
    the same place are both kept, in order; overlapping replacements keep the first fix.
    """
    outcome = Applied()
    texts: dict[str, str | None] = {}
    spans: dict[str, list[_Span]] = {}
    accepted: list[Finding] = []
    for finding in fixable(findings, unsafe=unsafe):
        assert finding.fix is not None
        planned: list[tuple[str, _Span]] = []
        reason = ""
        for edit in finding.fix.edits:
            if edit.path not in texts:
                texts[edit.path] = read(edit.path)
            text = texts[edit.path]
            if text is None:
                reason = f"{edit.path} cannot be read"
                break
            span = _span_of(edit, text, finding)
            if span is None:
                reason = f"{edit.path} changed since it was scanned"
                break
            clash = _clash(span, spans.get(edit.path, []))
            if clash is not None:
                where = clash.owner.location
                at = f" at {where.path}:{where.line}" if where is not None else ""
                reason = f"its edit overlaps the fix of {clash.owner.rule}{at}"
                break
            planned.append((edit.path, span))
        if reason:
            outcome.skipped.append(Skipped(finding, reason))
            continue
        for path, span in planned:
            existing = spans.setdefault(path, [])
            if not any(_same(span, other) for other in existing):
                existing.append(span)
        accepted.append(finding)
    # every file must still parse: when the whole set does not, fixes go in one by one
    for path, file_spans in spans.items():
        text = texts.get(path)
        if text is None:
            continue
        new = _rewrite(text, file_spans)
        if parse_failure(new):
            kept: list[_Span] = []
            for span in file_spans:
                trial = _rewrite(text, [*kept, span])
                if parse_failure(trial):
                    outcome.skipped.append(
                        Skipped(span.owner, f"the rewritten {path} would not parse")
                    )
                    accepted = [f for f in accepted if f is not span.owner]
                else:
                    kept.append(span)
            new = _rewrite(text, kept)
        if new != text:
            outcome.texts[path] = new
    outcome.fixed = accepted
    return outcome


def _span_of(edit: Edit, text: str, owner: Finding) -> _Span | None:
    lines = LineIndex(text)
    start = lines.offset(edit.line, edit.column)
    end = lines.offset(edit.end_line, edit.end_column)
    if start is None or end is None or end < start:
        return None
    return _Span(start, end, edit.replacement, owner)


def _same(a: _Span, b: _Span) -> bool:
    return (a.start, a.end, a.replacement) == (b.start, b.end, b.replacement)


def _clash(span: _Span, existing: list[_Span]) -> _Span | None:
    for other in existing:
        if _same(span, other):
            continue
        if span.start == span.end == other.start == other.end:
            continue  # two insertions at one place: both go in
        if span.start < other.end and other.start < span.end:
            return other
        if span.start == span.end and other.start < span.start < other.end:
            return other
        if other.start == other.end and span.start < other.start < span.end:
            return other
    return None


def _rewrite(text: str, spans: Sequence[_Span]) -> str:
    unique: list[_Span] = []
    for span in spans:
        if not any(_same(span, u) for u in unique):
            unique.append(span)
    ordered = sorted(enumerate(unique), key=lambda item: (item[1].start, item[1].end, item[0]))
    out: list[str] = []
    cursor = 0
    for _, span in ordered:
        out.append(text[cursor : span.start])
        out.append(span.replacement)
        cursor = max(cursor, span.end)
    out.append(text[cursor:])
    return "".join(out)
