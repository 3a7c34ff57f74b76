"""Plain text, as ruff prints it: ``full`` shows each finding's source line with carets under
it, ``concise`` one ``path:line:col: DK00x message`` line a finding; then a summary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from auditor.findings import Finding, RunResult
from auditor.redact import redact_lines, redact_text, redact_url
from auditor.reports.items import item_key
from auditor.reports.model import is_input_errors
from auditor.rules import RULES_BY_ID

# Control characters from user content could move the cursor or recolour a terminal,
# and a newline would forge a finding line: show them escaped instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE...) reorder what a reader sees:
code or a URL that reads one way and is another ("Trojan Source"). ruff and GitHub warn
about them; we show them escaped, in every human format."""


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def reveal_bidi(text: str) -> str:
    """Bidirectional controls shown as their escapes (``\\u202e``), never applied."""
    return BIDI_CONTROLS.sub(_escaped, text)


_RESET = "\x1b[0m"
_STYLES = {
    "path": "\x1b[1m",
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "note": "\x1b[1;36m",
    "rule": "\x1b[1;31m",
    "gutter": "\x1b[1;34m",
    "dim": "\x1b[2m",
}


def one_line(text: str) -> str:
    return reveal_bidi(_CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text))


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color and text else text


def _where(finding: Finding, paint: _Paint) -> str:
    if finding.location is not None:
        loc = finding.location
        return paint("path", one_line(loc.file or loc.path)) + f":{loc.line}:{loc.column}"
    assert finding.flow is not None
    flow = finding.flow
    return paint("path", one_line(f"{flow.file}#{flow.index}")) + one_line(
        f": {flow.method} {redact_url(flow.url)}"
    )


def finding_line(
    finding: Finding, paint: _Paint | None = None, *, unsafe_fixes: bool = False
) -> str:
    """``path:line:col: DK00x [*] message``: the concise line."""
    paint = paint or _Paint(False)
    message = one_line(redact_text(finding.message))
    marker = fix_marker(finding, unsafe_fixes=unsafe_fixes)
    return f"{_where(finding, paint)}: {paint('rule', finding.rule)} {marker}{message}"


def fix_marker(finding: Finding, *, unsafe_fixes: bool) -> str:
    """ruff's ``[*]`` before the message of a finding ``--fix`` resolves (an unsafe fix
    counts only with ``--unsafe-fixes``)."""
    fix = finding.fix
    return "[*] " if fix is not None and fix.applies(unsafe=unsafe_fixes) else ""


def no_fix_line(finding: Finding) -> str:
    """Why a finding has no fix, under it (for a run that was asked about fixes)."""
    return one_line(f"    no fix: {redact_text(finding.no_fix)}")


def fixable_line(results: Sequence[RunResult]) -> str | None:
    """``[*] N fixable with --fix (M more with --unsafe-fixes).``, or None when nothing is."""
    unsafe_fixes = any(r.unsafe_fixes for r in results)
    safe = unsafe = 0
    for result in results:
        for finding in result.findings:
            if finding.fix is not None:
                if finding.fix.safe:
                    safe += 1
                else:
                    unsafe += 1
    if unsafe_fixes:
        total = safe + unsafe
        return f"[*] {total} fixable with --fix --unsafe-fixes." if total else None
    if safe:
        more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
        return f"[*] {safe} fixable with --fix{more}."
    if unsafe:
        return f"No fixes available with --fix ({unsafe} with --unsafe-fixes)."
    return None


def _full(finding: Finding, paint: _Paint, *, unsafe_fixes: bool, explain: bool) -> list[str]:
    severity = finding.severity.value
    message = one_line(redact_text(finding.message))
    head = f"{_where(finding, paint)}: {paint(severity, severity)}: "
    marker = fix_marker(finding, unsafe_fixes=unsafe_fixes)
    lines = [head + f"{paint('rule', finding.rule)} {marker}{message}"]
    loc, context = finding.location, finding.context
    if loc is not None and context is not None and context.lines:
        first = max(context.start_line, loc.line - 1)
        last = min(context.start_line + len(context.lines) - 1, max(loc.end_line, loc.line) + 1)
        width = len(str(last))
        bar = paint("gutter", " " * width + " |")
        lines.append(bar)
        # masked together, so a secret on the line after its name is masked too
        shown = redact_lines(context.lines)
        for number in range(first, last + 1):
            text = one_line(shown[number - context.start_line].rstrip())
            gutter = paint("gutter", f"{number:>{width}} |")
            lines.append(f"{gutter} {text}".rstrip())
            if loc.line <= number <= max(loc.end_line, loc.line):
                start = loc.column if number == loc.line else 1 + _indent(text)
                end = loc.end_column if number == loc.end_line else len(text) + 1
                carets = "^" * max(1, end - start)
                lines.append(f"{bar} {' ' * (start - 1)}{paint(severity, carets)}")
        lines.append(bar)
    elif finding.flow is not None:
        flow = finding.flow
        status = f" -> {flow.status}" if flow.status is not None else ""
        lines.append(paint("dim", one_line(f"  at {flow.timestamp}{status}")))
    rule = RULES_BY_ID.get(finding.rule)
    if rule is not None:
        lines.append(f"  {paint('dim', 'help:')} {one_line(rule.fix.splitlines()[0])}")
    if finding.fix is not None:
        lines.append(f"  {paint('dim', 'fix:')} {one_line(redact_text(finding.fix.message))}")
    elif explain and finding.no_fix:
        lines.append(f"  {paint('dim', 'no fix:')} {one_line(redact_text(finding.no_fix))}")
    lines.append("")
    return lines


def grouped(findings: Sequence[Finding]) -> list[tuple[Finding, str]]:
    """One entry per item of `report`: identical problems of many requests (rule, endpoint,
    query shape) print once, with how many requests showed them and when."""
    items: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = item_key(finding) if finding.flow is not None else ("one", id(finding))
        items.setdefault(key, []).append(finding)
    entries = []
    for group in items.values():
        note = ""
        requests = sum(max(1, f.occurrences) for f in group)
        if requests > 1:
            times = sorted(f.flow.timestamp for f in group if f.flow and f.flow.timestamp)
            span = f", {times[0]} to {times[-1]}" if times and times[0] != times[-1] else ""
            note = one_line(f" [seen in {requests} requests{span}]")
        entries.append((group[0], note))
    return entries


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def rule_statistics(results: Sequence[RunResult]) -> list[str]:
    """One line per rule, most frequent first, as ``ruff --statistics`` prints them: the
    count, the id, a column for a fix marker, the name."""
    counts: Counter[str] = Counter()
    fixable: set[str] = set()
    for result in results:
        counts.update(f.rule for f in result.findings)
        fixable.update(
            f.rule for f in result.findings if fix_marker(f, unsafe_fixes=result.unsafe_fixes)
        )
    lines = []
    width = max((len(str(n)) for n in counts.values()), default=1)
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = RULES_BY_ID.get(rule_id)
        name = rule.name if rule is not None else ""
        marker = "[*]" if rule_id in fixable else "   "
        lines.append(f"{count:>{width}}\t{rule_id}\t{marker} {name}".rstrip())
    return lines


def summary(results: Sequence[RunResult]) -> str:
    """``Found 3 problems (DK001: 1, DK004: 2).``, with what could not be read."""
    runs = [r for r in results if not is_input_errors(r)]
    by_rule: Counter[str] = Counter()
    for result in runs:
        by_rule.update(result.by_rule())
    total = sum(by_rule.values())
    errors = sum(1 for r in results for e in r.errors if e.level == "error")
    warnings = sum(1 for r in results for e in r.errors if e.level == "warning")
    read = sum(r.files_scanned + r.flows_read for r in runs)
    unread = []
    if errors:
        unread.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        unread.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    tail = f" {' and '.join(unread).capitalize()} (inputs not read in full)." if unread else ""
    if total:
        detail = ", ".join(f"{rule}: {count}" for rule, count in sorted(by_rule.items()))
        return f"Found {total} problem{'s' if total != 1 else ''} ({detail}).{tail}"
    if not read and runs:
        return f"Nothing was checked: no input could be read.{tail}"
    return f"No problems found.{tail}"


def render(
    results: Sequence[RunResult],
    options: object = None,
    *,
    style: str = "full",
    color: bool = False,
    statistics: bool = False,
    quiet: bool = False,
) -> str:
    """Every finding (errors go to stderr, counted in the summary); a report (``options``
    given) folds the identical problems of many requests into one line."""
    paint = _Paint(color)
    lines: list[str] = []
    runs = [r for r in results if not is_input_errors(r)]
    if statistics:
        lines.extend(rule_statistics(results))
    else:
        for result in results:
            prefix = (
                f"[{one_line(result.name)}] "
                if len(runs) > 1 and not is_input_errors(result)
                else ""
            )
            findings = result.sorted_findings()
            entries = grouped(findings) if options is not None else [(f, "") for f in findings]
            unsafe, explain = result.unsafe_fixes, result.explain_fixes
            for finding, note in entries:
                if style == "concise":
                    line = finding_line(finding, paint, unsafe_fixes=unsafe)
                    lines.append(prefix + line + note)
                    if explain and finding.fix is None and finding.no_fix:
                        lines.append(no_fix_line(finding))
                else:
                    full = _full(finding, paint, unsafe_fixes=unsafe, explain=explain)
                    lines.extend([prefix + full[0] + note, *full[1:]])
    if not quiet:
        lines.append(summary(results))
        fixable = fixable_line(runs)
        if fixable is not None:
            lines.append(fixable)
    return "\n".join(lines) + "\n" if lines else ""
