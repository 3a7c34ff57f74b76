"""GitHub Actions workflow commands: one ``::error``/``::warning`` annotation per finding."""

from __future__ import annotations

import re
from collections.abc import Sequence

from auditor.findings import Finding, RunResult
from auditor.redact import redact_runs
from auditor.reports.model import SeverityCounts, is_input_errors
from auditor.rules import RULES_BY_ID

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}
# GitHub only un-escapes %25, %0D, %0A (and %3A, %2C in properties); any other control
# character would reach the log viewer raw, so it is shown as a visible escape instead.
_OTHER_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def escape_data(text: str) -> str:
    text = _OTHER_CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: dict[str, str | int]) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return (
        f"::{name} {props}::{escape_data(message)}"
        if props
        else f"::{name}::{escape_data(message)}"
    )


def annotation(finding: Finding, run_name: str | None, run: RunResult | None = None) -> str:
    rule = RULES_BY_ID.get(finding.rule)
    title = f"{finding.rule} {rule.name}" if rule is not None else finding.rule
    if run_name:
        title = f"{title} [{run_name}]"
    properties: dict[str, str | int] = {}
    message = finding.message
    if finding.location is not None:
        loc = finding.location
        # GitHub resolves an annotation's file against the repository's top
        path = run.repository_path(loc.path) if run is not None else loc.path
        properties = {"file": path, "line": loc.line, "col": loc.column}
        if loc.end_line > loc.line:
            properties["endLine"] = loc.end_line
        elif loc.end_column > loc.column:
            properties["endColumn"] = loc.end_column
    elif finding.flow is not None:
        # a capture is rarely part of the repository: no file, the flow goes in the text
        flow = finding.flow
        status = f" -> {flow.status}" if flow.status is not None else ""
        message = (
            f"{flow.file} flow {flow.index}: {flow.method} {flow.url}{status} "
            f"at {flow.timestamp}\n{message}"
        )
    properties["title"] = title
    if rule is not None:
        docs = run.docs_url if run is not None else None
        message = f"{message}\n{rule.fix}\n{rule.help_url(docs) or 'See: ' + rule.help_uri}"
    message += suggestion(finding)
    return command(_COMMANDS.get(finding.severity.value, "warning"), message, properties)


def suggestion(finding: Finding) -> str:
    """The suggested change under the annotation's text: what the fix does, and its diff."""
    fix = finding.fix
    if fix is None:
        return f"\n\nNo automatic fix: {finding.no_fix}" if finding.no_fix else ""
    how = "dokeos-audit scan --fix" if fix.safe else "dokeos-audit scan --fix --unsafe-fixes"
    text = f"\n\nSuggested change ({fix.applicability.value}, `{how}`): {fix.message}"
    if fix.diff:
        text += "\n" + fix.diff.rstrip("\n")
    return text


def render(results: Sequence[RunResult]) -> str:
    results = redact_runs(results)
    runs = [r for r in results if not is_input_errors(r)]
    lines: list[str] = []
    for result in results:
        run_name = result.name if len(runs) > 1 and not is_input_errors(result) else None
        lines.extend(annotation(f, run_name, result) for f in result.sorted_findings())
        for error in result.errors:
            at = f" (flow {error.index})" if error.index is not None else ""
            properties: dict[str, str | int] = {}
            if error.index is None and error.path.endswith(".py"):
                properties["file"] = result.repository_path(error.path)
                if error.line is not None:
                    properties["line"] = error.line
                    properties["col"] = error.column or 1
            properties["title"] = "dokeos-audit could not read this file"
            lines.append(command("warning", f"{error.path}{at}: {error.reason}", properties))
    counts = SeverityCounts.of(f for r in runs for f in r.findings)
    lines.append(f"dokeos-audit: {counts.phrase()}.")
    return "\n".join(lines) + "\n"
