"""The JSON document of SPEC.md: the contract every other tool reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from auditor import TOOL_NAME, __version__
from auditor.findings import RunResult


def document(results: Sequence[RunResult]) -> dict[str, Any]:
    if len(results) == 1:
        return results[0].to_json()
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    by_rule: dict[str, int] = {}
    runs = []
    for result in results:
        doc = result.to_json()
        for finding in doc["findings"]:
            finding.setdefault("run", result.name)
            findings.append(finding)
        for error in doc["errors"]:
            error.setdefault("run", result.name)
            errors.append(error)
        for rule, count in doc["summary"]["by_rule"].items():
            by_rule[rule] = by_rule.get(rule, 0) + count
        runs.append({"name": result.name, "kind": result.kind, "summary": doc["summary"]})
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "runs": runs,
        "findings": findings,
        "errors": errors,
        "summary": {
            "files_scanned": sum(r.files_scanned for r in results),
            "flows_read": sum(r.flows_read for r in results),
            "by_rule": dict(sorted(by_rule.items())),
        },
    }


def render(results: Sequence[RunResult]) -> str:
    return json.dumps(document(results), indent=2, ensure_ascii=False) + "\n"
