"""Plain text, one finding a line: ``path:line:col: DK00x message`` (like ruff)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from auditor.findings import Finding, RunResult
from auditor.redact import redact_text, redact_url
from auditor.reports.items import item_key
from auditor.reports.model import is_input_errors

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


def one_line(text: str) -> str:
    return reveal_bidi(_CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text))


def finding_line(finding: Finding) -> str:
    if finding.location is not None:
        loc = finding.location
        where = f"{loc.path}:{loc.line}:{loc.column}"
    else:
        assert finding.flow is not None
        flow = finding.flow
        where = f"{flow.file}#{flow.index}: {flow.method} {redact_url(flow.url)}"
    return one_line(f"{where}: {finding.rule} {redact_text(finding.message)}")


def grouped_lines(findings: Sequence[Finding]) -> list[str]:
    """One line per item of `report`: identical problems of many requests (rule, endpoint,
    query shape) print once, with how many requests showed them and when."""
    items: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = item_key(finding) if finding.flow is not None else ("one", id(finding))
        items.setdefault(key, []).append(finding)
    lines = []
    for group in items.values():
        line = finding_line(group[0])
        requests = sum(max(1, f.occurrences) for f in group)
        if requests > 1:
            times = sorted(f.flow.timestamp for f in group if f.flow and f.flow.timestamp)
            span = f", {times[0]} to {times[-1]}" if times and times[0] != times[-1] else ""
            line += one_line(f" [seen in {requests} requests{span}]")
        lines.append(line)
    return lines


def render(results: Sequence[RunResult], options: object = None) -> str:
    """Every finding on its line; a report (``options`` given) folds identical requests."""
    lines: list[str] = []
    runs = [r for r in results if not is_input_errors(r)]
    for result in results:
        prefix = (
            f"[{one_line(result.name)}] " if len(runs) > 1 and not is_input_errors(result) else ""
        )
        findings = result.sorted_findings()
        found = grouped_lines(findings) if options is not None else map(finding_line, findings)
        for line in found:
            lines.append(prefix + line)
        for error in result.errors:
            at = f" (flow {error.index})" if error.index is not None else ""
            level = error.level
            lines.append(
                one_line(f"{prefix}{error.path}{at}: {level}: {redact_text(error.reason)}")
            )
    by_rule: Counter[str] = Counter()
    for result in runs:
        by_rule.update(result.by_rule())
    total = sum(by_rule.values())
    if total:
        detail = ", ".join(f"{rule}: {count}" for rule, count in sorted(by_rule.items()))
        lines.append(f"Found {total} problem{'s' if total != 1 else ''} ({detail}).")
    else:
        lines.append("No problems found.")
    return "\n".join(lines) + "\n"
