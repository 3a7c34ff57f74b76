"""JUnit XML for GitLab and Jenkins: one test case per rule and file or capture."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from auditor import TOOL_NAME
from auditor.findings import Finding, RunResult
from auditor.redact import redact_runs
from auditor.reports.model import SeverityCounts, is_input_errors, subject_of
from auditor.rules import RULES_BY_ID

# XML 1.0 cannot carry these at all, not even escaped; user content may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: repr(m.group(0))[1:-1], text)


def _where(finding: Finding) -> str:
    if finding.location is not None:
        loc = finding.location
        return f"{loc.file or loc.path}:{loc.line}:{loc.column}"
    assert finding.flow is not None
    flow = finding.flow
    status = f" -> {flow.status}" if flow.status is not None else ""
    return f"{flow.file} flow {flow.index}: {flow.method} {flow.url}{status} at {flow.timestamp}"


def _testcase(suite: ET.Element, **attributes: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {k: xml_text(v) for k, v in attributes.items()})


def _suite(parent: ET.Element, result: RunResult) -> tuple[int, int, int]:
    suite = ET.SubElement(parent, "testsuite", {"name": xml_text(result.name)})
    cases: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.sorted_findings():
        cases.setdefault((finding.rule, subject_of(finding)), []).append(finding)
    tests = failures = errors = 0
    for (rule_id, subject), findings in sorted(cases.items()):
        rule = RULES_BY_ID.get(rule_id)
        attributes = {"classname": f"{TOOL_NAME}.{rule_id}", "name": subject}
        if findings[0].location is not None:
            attributes["file"] = subject
        case = _testcase(suite, **attributes)
        counts = SeverityCounts.of(findings)
        title = f"{rule_id} {rule.name}" if rule is not None else rule_id
        failure = ET.SubElement(
            case,
            "failure",
            {"type": rule_id, "message": xml_text(f"{title}: {counts.phrase()} in {subject}")},
        )
        lines = [f"{_where(f)}: {f.severity.value}: {f.message}" for f in findings]
        if rule is not None:
            page = rule.help_url(result.docs_url) or rule.help_uri
            lines += ["", f"How to fix it: {rule.fix}", f"See {page}"]
        failure.text = xml_text("\n".join(lines) + "\n")
        tests += 1
        failures += 1
    if not cases and not is_input_errors(result):
        read = f"{result.flows_read} flows" if result.kind == "traffic" else "scanned files"
        _testcase(suite, classname=TOOL_NAME, name=f"no V2 problems in {read}")
        tests += 1
    for entry in result.errors:
        at = f" (flow {entry.index})" if entry.index is not None else ""
        case = _testcase(suite, classname=f"{TOOL_NAME}.unreadable", name=f"{entry.path}{at}")
        ET.SubElement(case, "error", {"type": "unreadable", "message": xml_text(entry.reason)})
        tests += 1
        errors += 1
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    return tests, failures, errors


def render(results: Sequence[RunResult]) -> str:
    root = ET.Element("testsuites", {"name": TOOL_NAME})
    totals = [0, 0, 0]
    for result in redact_runs(results):
        for i, n in enumerate(_suite(root, result)):
            totals[i] += n
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
