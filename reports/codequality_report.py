"""GitLab Code Quality JSON: the widget on merge requests shows new and fixed findings."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from auditor.findings import Finding, RunResult
from auditor.redact import redact_runs
from auditor.reports.json_report import dumps
from auditor.rules import RULES_BY_ID

# GitLab's scale is info, minor, major, critical, blocker; like ruff's gitlab output we keep
# to the middle of it, an error being what blocks the V2 cutover.
_SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def issue(finding: Finding, run_name: str | None) -> dict[str, Any]:
    rule = RULES_BY_ID.get(finding.rule)
    title = f"{finding.rule} {rule.name}" if rule is not None else finding.rule
    if finding.location is not None:
        path, line = finding.location.path, finding.location.line
    else:
        assert finding.flow is not None
        # a traffic finding has no source line: the capture file, and its flow in the text
        path, line = finding.flow.file, 1
    description = f"{title}: {finding.message}"
    if finding.flow is not None:
        flow = finding.flow
        description += f" ({flow.method} {flow.url}, flow {flow.index})"
    # GitLab matches issues between pipelines by fingerprint: ours survives moved lines;
    # the run name keeps it unique when `report` merges runs that share a file
    fingerprint = finding.fingerprint
    if run_name:
        fingerprint = hashlib.sha256(
            f"{run_name}\x1f{fingerprint}".encode("utf-8", "surrogateescape")
        ).hexdigest()[:32]
    return {
        "type": "issue",
        "description": description,
        "check_name": finding.rule,
        "categories": ["Compatibility"],
        "fingerprint": fingerprint,
        "severity": _SEVERITY.get(finding.severity.value, "minor"),
        "location": {"path": path, "lines": {"begin": line}},
    }


def render(results: Sequence[RunResult]) -> str:
    results = redact_runs(results)
    several = len(results) > 1
    issues = [
        issue(finding, result.name if several else None)
        for result in results
        for finding in result.sorted_findings()
    ]
    return dumps(issues)
