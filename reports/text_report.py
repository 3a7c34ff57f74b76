"""Plain text, one finding a line: ``path:line:col: DK00x message`` (like ruff)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.findings import Finding, RunResult


def finding_line(finding: Finding) -> str:
    if finding.location is not None:
        loc = finding.location
        where = f"{loc.path}:{loc.line}:{loc.column}"
    else:
        assert finding.flow is not None
        flow = finding.flow
        where = f"{flow.file}#{flow.index}: {flow.method} {flow.url}"
    return f"{where}: {finding.rule} {finding.message}"


def render(results: Sequence[RunResult]) -> str:
    lines: list[str] = []
    total = 0
    for result in results:
        prefix = f"[{result.name}] " if len(results) > 1 else ""
        for finding in result.sorted_findings():
            lines.append(prefix + finding_line(finding))
        for error in result.errors:
            at = f" (flow {error.index})" if error.index is not None else ""
            lines.append(f"{prefix}{error.path}{at}: error: {error.reason}")
        total += len(result.findings)
    if total:
        by_rule: dict[str, int] = {}
        for result in results:
            for rule, count in result.by_rule().items():
                by_rule[rule] = by_rule.get(rule, 0) + count
        detail = ", ".join(f"{rule}: {count}" for rule, count in sorted(by_rule.items()))
        lines.append(f"Found {total} problem{'s' if total != 1 else ''} ({detail}).")
    else:
        lines.append("No problems found.")
    return "\n".join(lines) + "\n"
