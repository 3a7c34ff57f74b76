"""SARIF 2.1.0 for code-scanning services: every rule in the driver, one SARIF run per run."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from auditor import TOOL_NAME, __version__
from auditor.findings import ErrorEntry, Finding, RunResult
from auditor.fix.model import Fix
from auditor.redact import REDACTED, redact_runs
from auditor.reports.json_report import dumps
from auditor.rules import ALL_RULES
from auditor.rules.base import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "dokeosAuditFingerprint/v1"
"""Our own key: GitHub recomputes (and warns about) values under its primaryLocationLineHash."""

_LEVELS = {"error": "error", "warning": "warning", "note": "note"}
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def rule_descriptor(rule: Rule, docs_url: str | None = None) -> dict[str, Any]:
    automatic = f"Automatic fix: {rule.autofix}\n\n" if rule.autofix else ""
    help_text = (
        f"{rule.summary}\n\nWhy it breaks: {rule.why}\n\nHow to fix it: {rule.fix}\n\n"
        f"{automatic}Before:\n{rule.before}\n\nAfter:\n{rule.after}\n"
    )
    automatic_md = f"**Automatic fix.** {rule.autofix}\n\n" if rule.autofix else ""
    help_markdown = (
        f"{rule.summary}\n\n**Why it breaks.** {rule.why}\n\n**How to fix it.** {rule.fix}\n\n"
        f"{automatic_md}Before:\n```python\n{rule.before}\n```\n\n"
        f"After:\n```python\n{rule.after}\n```\n"
    )
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        "properties": {"tags": ["dokeos", "api-v2", "migration"], "precision": "high"},
    }
    # the rule's page only where the user keeps one (docs-url): the help above is the
    # whole page, and an address made up here would be a dead link
    url = rule.help_url(docs_url)
    if url is not None:
        descriptor["helpUri"] = url
    return descriptor


def unknown_rule_descriptor(rule_id: str) -> dict[str, Any]:
    """A rule only a newer dokeos-audit knows (its finding came from a JSON result)."""
    return {
        "id": rule_id,
        "shortDescription": {"text": f"{rule_id} (not described by dokeos-audit {__version__})"},
        "defaultConfiguration": {"level": "warning"},
    }


def artifact_location(path: str) -> dict[str, Any]:
    """A relative path against %SRCROOT%, or a file URI for an absolute one."""
    if path.startswith("/") or _WINDOWS_DRIVE.match(path):
        pure = PurePosixPath(path) if path.startswith("/") else PureWindowsPath(path)
        return {"uri": pure.as_uri()}
    # quote(":") too: "a:b.py" would otherwise read as a URI with scheme "a"
    # a file name that is not UTF-8 is its own bytes, percent-encoded
    raw = path.replace("\\", "/").encode("utf-8", "surrogateescape")
    return {"uri": quote(raw, safe="/"), "uriBaseId": SRCROOT}


def _region(finding: Finding) -> dict[str, Any]:
    assert finding.location is not None
    loc = finding.location
    region: dict[str, Any] = {"startLine": loc.line, "startColumn": max(1, loc.column)}
    end_line = max(loc.end_line, loc.line)
    region["endLine"] = end_line
    if end_line > loc.line or loc.end_column > loc.column:
        region["endColumn"] = loc.end_column
    context = finding.context
    if context is not None:
        offset = loc.line - context.start_line
        if 0 <= offset < len(context.lines):
            region["snippet"] = {"text": context.lines[offset]}
    return region


def _context_region(finding: Finding) -> dict[str, Any] | None:
    context, loc = finding.context, finding.location
    if context is None or loc is None or not context.lines:
        return None
    last = context.start_line + len(context.lines) - 1
    # SARIF wants the context to contain the region
    if context.start_line > loc.line or last < max(loc.end_line, loc.line):
        return None
    return {
        "startLine": context.start_line,
        "endLine": last,
        "snippet": {"text": "\n".join(context.lines) + "\n"},
    }


def sarif_result(
    finding: Finding, rule_index: dict[str, int], run: RunResult | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": _LEVELS.get(finding.severity.value, "warning"),
        "message": {"text": finding.message},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"origin": finding.origin, "endpoint": finding.endpoint},
    }
    if finding.fix is not None:
        result["fixes"] = [sarif_fix(finding.fix, run)]
        result["properties"]["fixApplicability"] = finding.fix.applicability.value
    elif finding.no_fix:
        result["properties"]["noFix"] = finding.no_fix
    if finding.location is not None:
        physical: dict[str, Any] = {
            "artifactLocation": artifact_location(
                run.repository_path(finding.location.path)
                if run is not None
                else finding.location.path
            ),
            "region": _region(finding),
        }
        context = _context_region(finding)
        if context is not None:
            physical["contextRegion"] = context
        result["locations"] = [{"physicalLocation": physical}]
    elif finding.flow is not None:
        flow = finding.flow
        # A flow has no line: the capture is the artifact, the flow a logical location.
        result["locations"] = [
            {
                "physicalLocation": {"artifactLocation": artifact_location(flow.file)},
                "logicalLocations": [
                    {
                        "name": f"flow {flow.index}",
                        "fullyQualifiedName": f"{flow.file}#flow-{flow.index}",
                        "kind": "resource",
                    }
                ],
            }
        ]
        result["webRequest"] = {"index": flow.index, "method": flow.method, "target": flow.url}
        if flow.status is not None:
            result["webResponse"] = {"statusCode": flow.status}
        result["properties"]["timestamp"] = flow.timestamp
        result["properties"]["capture"] = flow.file
    return result


def sarif_fix(fix: Fix, run: RunResult | None = None) -> dict[str, Any]:
    """A SARIF ``fix``: the edits grouped by file, each a deleted region and its new text
    (an empty region is an insertion); paths as the results' (from the repository's top)."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        changes.setdefault(edit.path, []).append(
            {
                "deletedRegion": {
                    "startLine": edit.line,
                    "startColumn": edit.column,
                    "endLine": edit.end_line,
                    "endColumn": edit.end_column,
                },
                "insertedContent": {"text": edit.replacement},
            }
        )
    label = "safe fix" if fix.safe else "unsafe fix (changes what the code does)"
    return {
        "description": {"text": f"{fix.message} ({label})"},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(
                    run.repository_path(path) if run is not None else path
                ),
                "replacements": replacements,
            }
            for path, replacements in changes.items()
        ],
    }


def _notification(error: ErrorEntry) -> dict[str, Any]:
    where = f" (flow {error.index})" if error.index is not None else ""
    return {
        "level": "warning",
        "message": {"text": f"{error.path}{where}: {error.reason}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(error.path)}}],
        "descriptor": {"id": "unreadable-input"},
    }


def sarif_run(result: RunResult, *, categorize: bool) -> dict[str, Any]:
    descriptors = [rule_descriptor(rule, result.docs_url) for rule in ALL_RULES]
    known = {d["id"] for d in descriptors}
    for rule_id in sorted({f.rule for f in result.findings} - known):
        descriptors.append(unknown_rule_descriptor(rule_id))
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(e) for e in result.errors],
            }
        ],
        "originalUriBaseIds": {SRCROOT: _source_root(result)},
        "columnKind": "unicodeCodePoints",
        "redactionTokens": [REDACTED],
        "results": [sarif_result(f, rule_index, result) for f in result.sorted_findings()],
        "properties": {
            "runName": result.name,
            "kind": result.kind,
            "filesScanned": result.files_scanned,
            "flowsRead": result.flows_read,
        },
    }
    if categorize:
        # Several runs in one file need distinct categories, or code scanning merges them.
        run["automationDetails"] = {"id": f"{TOOL_NAME}/{result.name}/"}
    return run


def _source_root(result: RunResult) -> dict[str, Any]:
    """What %SRCROOT% stands for: the repository's top (code scanning resolves relative paths
    there), else the project root; for captures, the folder the command ran in."""
    top = result.repository_root or result.root
    if top is None:
        return {"description": {"text": "The folder dokeos-audit ran in (captures as given)."}}
    where = "The top of the git repository" if result.repository_root else "The project root"
    uri = PurePosixPath(top).as_uri() if top.startswith("/") else PureWindowsPath(top).as_uri()
    return {"uri": uri.rstrip("/") + "/", "description": {"text": f"{where} that was scanned."}}


def document(results: Sequence[RunResult]) -> dict[str, Any]:
    results = redact_runs(results)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [sarif_run(r, categorize=len(results) > 1) for r in results],
    }


def render(results: Sequence[RunResult]) -> str:
    return dumps(document(results))
