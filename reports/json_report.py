"""The JSON document of SPEC.md: the contract every other tool reads."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

from auditor import TOOL_NAME, __version__
from auditor.catalog import Catalog, load_catalog
from auditor.findings import Finding, RunResult, now_iso
from auditor.redact import redact_runs
from auditor.reports.model import ReportOptions, build_report, is_input_errors
from auditor.reports.verdicts import judge_runs, verdicts_json


def _change_of(catalog: Catalog) -> Callable[[Finding], str]:
    def change_id(finding: Finding) -> str:
        change = catalog.change_for(finding.rule, finding.endpoint)
        return change.id if change is not None else ""

    return change_id


def document(results: Sequence[RunResult], options: ReportOptions | None = None) -> dict[str, Any]:
    results = redact_runs(results)
    catalog = load_catalog()
    readable = [r for r in results if not is_input_errors(r)]
    overall, per_run = judge_runs(readable, catalog.changes, _change_of(catalog))
    if len(results) == 1 and options is None:
        single = results[0].to_json()
        single["summary"]["verdicts"] = verdicts_json(overall)
        return single
    # a report (options given) joins code and traffic and compares with earlier reports:
    # each finding carries what its item learnt, and the document the comparison
    model = build_report(results, catalog, options) if options is not None else None
    evidence = {
        id(finding): item
        for item in (model.items if model is not None else [])
        for finding in item.findings
    }
    run_verdicts = iter(per_run)
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    by_rule: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    runs = []
    for result in results:
        doc = result.to_json()
        if is_input_errors(result):
            # input files `report` could not read belong to no run
            errors.extend(doc["errors"])
            continue
        for finding, raw in zip(result.sorted_findings(), doc["findings"], strict=True):
            raw.setdefault("run", result.name)
            item = evidence.get(id(finding))
            if item is not None and item.evidence is not None:
                raw["evidence"] = item.evidence.to_json()
            if item is not None and item.progress:
                raw["progress"] = item.progress
            findings.append(raw)
        for error in doc["errors"]:
            error.setdefault("run", result.name)
            errors.append(error)
        by_rule.update(doc["summary"]["by_rule"])
        by_severity.update(doc["summary"]["by_severity"])
        doc["summary"]["verdicts"] = verdicts_json(next(run_verdicts))
        meta: dict[str, Any] = {**doc["run"], "summary": doc["summary"]}
        if result.kind == "code":
            meta["calls"] = result.calls
        runs.append(meta)
    report: dict[str, Any] = {"generated_at": _report_time(options)}
    if options is not None and options.title:
        report["title"] = options.title
    comparison = getattr(model, "comparison", None) if model is not None else None
    if comparison is not None:
        report["comparison"] = comparison.to_json()
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "report": report,
        "runs": runs,
        "findings": findings,
        "errors": errors,
        "summary": {
            "files_scanned": sum(r.files_scanned for r in results),
            "flows_read": sum(r.flows_read for r in results),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": dict(sorted(by_severity.items())),
            "verdicts": verdicts_json(overall),
        },
    }


def dumps(value: Any) -> str:
    """JSON whose strings carry no raw ``<``, ``>`` or ``&``: the same data once parsed, but
    inert if a CI page or a report ever pastes it into HTML (those characters can only
    occur inside strings, so escaping them everywhere is exact)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e") + "\n"


def _report_time(options: ReportOptions | None) -> str:
    moment = options.generated_at if options is not None else None
    if moment is None:
        return now_iso()
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def render(results: Sequence[RunResult], options: ReportOptions | None = None) -> str:
    return dumps(document(results, options))
