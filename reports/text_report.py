"""Plain text, one finding a line: ``path:line:col: DK00x message`` (like ruff)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from auditor.findings import Finding, RunResult
from auditor.reports.model import is_input_errors
from auditor.reports.redact import redact_text, redact_url

# Control characters from user content could move the cursor or recolour a terminal,
# and a newline would forge a finding line: show them escaped instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


def finding_line(finding: Finding, *, unsafe_fixes: bool = False) -> str:
    if finding.location is not None:
        loc = finding.location
        where = f"{loc.path}:{loc.line}:{loc.column}"
    else:
        assert finding.flow is not None
        flow = finding.flow
        where = f"{flow.file}#{flow.index}: {flow.method} {redact_url(flow.url)}"
    marker = fix_marker(finding, unsafe_fixes=unsafe_fixes)
    return one_line(f"{where}: {finding.rule} {marker}{redact_text(finding.message)}")


def fix_marker(finding: Finding, *, unsafe_fixes: bool) -> str:
    """ruff's ``[*]`` before the message of a finding ``--fix`` resolves (an unsafe fix
    counts only with ``--unsafe-fixes``)."""
    fix = finding.fix
    return "[*] " if fix is not None and fix.applies(unsafe=unsafe_fixes) else ""


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


def render(results: Sequence[RunResult]) -> str:
    lines: list[str] = []
    runs = [r for r in results if not is_input_errors(r)]
    for result in results:
        prefix = (
            f"[{one_line(result.name)}] " if len(runs) > 1 and not is_input_errors(result) else ""
        )
        for finding in result.sorted_findings():
            lines.append(prefix + finding_line(finding, unsafe_fixes=result.unsafe_fixes))
            if result.explain_fixes and finding.fix is None and finding.no_fix:
                lines.append(one_line(f"    no fix: {redact_text(finding.no_fix)}"))
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
    fixable = fixable_line(runs)
    if fixable is not None:
        lines.append(fixable)
    return "\n".join(lines) + "\n"
