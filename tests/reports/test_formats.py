"""Every output format renders the same runs, escapes user content and prints no secret."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from auditor.findings import Location, RunResult
from auditor.redact import REDACTED, redact_text, redact_url
from auditor.reports import FORMATS, RENDERERS, renderer_for, text_report
from tests.reports.sample_runs import (
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    SECRETS,
    code_finding,
    code_run,
    sample_runs,
    traffic_run,
)

# Formats meant to be opened by a browser, a markup renderer or a parser: user markup in
# them must be inert text. Terminal formats (text, github) carry it as plain characters.
MARKUP_FORMATS = ("html", "markdown", "junit", "json", "sarif")


def test_every_advertised_format_has_a_renderer() -> None:
    assert set(FORMATS) == set(RENDERERS)


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_renders_code_and_traffic_findings(output_format: str) -> None:
    out = renderer_for(output_format)(sample_runs())
    assert "sync/participations.py" in out
    assert "captures/nightly.har" in out
    for rule in ("DK001", "DK002", "DK003", "DK004", "DK005", "DK006"):
        assert rule in out, rule


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_secret_reaches_any_format(output_format: str) -> None:
    out = renderer_for(output_format)(sample_runs())
    for secret in SECRETS:
        assert secret not in out, f"{secret} leaked into {output_format}"
    assert REDACTED in out


@pytest.mark.parametrize("output_format", MARKUP_FORMATS)
def test_user_markup_is_never_raw_in_markup_formats(output_format: str) -> None:
    out = renderer_for(output_format)(sample_runs())
    assert HOSTILE_IMG not in out
    assert HOSTILE_SCRIPT not in out
    assert not re.search(r"<img\b", out, re.IGNORECASE)
    assert not re.search(r"<script\b[^>]*>\s*window", out, re.IGNORECASE)


@pytest.mark.parametrize("output_format", FORMATS)
def test_rendering_is_stable_whatever_the_order_of_findings(output_format: str) -> None:
    runs = sample_runs()
    shuffled = sample_runs()
    for run in shuffled:
        run.findings.reverse()
    render = renderer_for(output_format)
    assert render(runs) == render(shuffled)


@pytest.mark.parametrize("output_format", ("text", "github"))
def test_control_characters_cannot_forge_lines_in_terminal_formats(output_format: str) -> None:
    run = code_run()
    source = ["x = 1"] * 5
    run.findings = [
        code_finding(
            "DK001",
            run.findings[0].severity,
            "evil.py",
            2,
            "first line\n::error file=forged.py,line=1::forged\x1b[31m",
            None,
            source,
        )
    ]
    out = renderer_for(output_format)([run])
    assert "\x1b" not in out
    assert not any(line.startswith("::error file=forged.py") for line in out.splitlines())


def test_json_keeps_the_spec_contract() -> None:
    document = json.loads(renderer_for("json")([code_run()]))
    assert document["tool"]["name"] == "dokeos-audit"
    assert document["run"] == {"name": "billing-sync", "kind": "code"}
    finding = document["findings"][0]
    for key in ("rule", "severity", "message", "origin", "location", "endpoint", "fingerprint"):
        assert key in finding
    assert set(finding["location"]) == {"path", "line", "column", "end_line", "end_column"}
    assert document["errors"] == [
        {"path": "legacy/py2_report.py", "reason": "syntax error at line 3"}
    ]
    assert document["summary"]["files_scanned"] == 42
    assert document["summary"]["by_rule"]["DK002"] == 2


def test_json_flow_keeps_the_spec_fields_with_the_url_redacted() -> None:
    document = json.loads(renderer_for("json")([traffic_run()]))
    flow = document["findings"][0]["flow"]
    assert {"file", "index", "method", "url", "timestamp"} <= set(flow)
    assert flow["url"] == f"https://acme.dokeos.com/api/users?page=1&access_token={REDACTED}"


def test_json_of_several_runs_names_the_run_of_every_finding() -> None:
    document = json.loads(renderer_for("json")(sample_runs()))
    assert [r["name"] for r in document["runs"]] == [
        "billing-sync",
        "nightly capture",
        "crm-connector",
    ]
    assert {f["run"] for f in document["findings"]} == {"billing-sync", "nightly capture"}
    assert document["summary"]["by_severity"] == {"error": 6, "warning": 5}


def test_text_lists_one_finding_a_line_like_ruff() -> None:
    out = text_report.render([code_run()], style="concise")
    assert "sync/participations.py:12:12: DK002 reads 'progressions'" in out
    assert out.rstrip().endswith(
        "Found 7 problems (DK001: 1, DK002: 2, DK003: 1, DK004: 2, DK005: 1). "
        "1 error (inputs not read in full)."
    )


def test_full_text_shows_severity_and_the_source_line_with_carets() -> None:
    out = renderer_for("text")([code_run()])
    block = out.split("sync/participations.py:12:12: error: DK002 reads 'progressions'")[1]
    lines = block.splitlines()
    assert lines[1].strip() == "|"
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("12 |"))
    source, carets = lines[at], lines[at + 1]
    # the carets stand under the flagged columns, after the gutter
    column = source.index("|") + 2 + 11
    assert carets[column] == "^" and carets[column - 1] == " "
    assert "\x1b[" not in out


def test_junit_has_one_case_per_rule_and_file_with_the_findings_in_the_failure() -> None:
    root = ET.fromstring(renderer_for("junit")(sample_runs()).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["billing-sync", "nightly capture", "crm-connector"]
    billing = suites["billing-sync"]
    cases = [(c.get("classname"), c.get("name")) for c in billing.findall("testcase")]
    assert ("dokeos-audit.DK002", "accounts/users.py") in cases
    assert ("dokeos-audit.DK002", "sync/participations.py") in cases
    dk002 = next(
        c
        for c in billing.findall("testcase")
        if c.get("classname") == "dokeos-audit.DK002" and c.get("name") == "sync/participations.py"
    )
    failure = dk002.find("failure")
    assert failure is not None
    assert "sync/participations.py:12:12" in (failure.text or "")
    assert billing.get("failures") == "7" and billing.get("errors") == "1"
    nightly = suites["nightly capture"]
    capture_cases = [c.get("name") for c in nightly.findall("testcase")]
    assert capture_cases.count("captures/nightly.har") == 4
    # a run with nothing to fix still shows one passing case, so the suite is not empty
    clean = suites["crm-connector"]
    assert clean.get("tests") == "1" and clean.get("failures") == "0"
    assert clean.find("testcase/failure") is None
    assert root.get("tests") == str(sum(int(s.get("tests") or 0) for s in suites.values()))


def test_junit_stays_well_formed_with_characters_xml_cannot_carry() -> None:
    run = code_run()
    run.findings = [
        code_finding(
            "DK001",
            run.findings[0].severity,
            "a\x00b.py",
            2,
            "bell\x07 and \ud800",
            None,
            ["x"] * 5,
        )
    ]
    root = ET.fromstring(renderer_for("junit")([run]).encode("utf-8", "surrogatepass"))
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "a\\x00b.py"


def test_github_annotations_follow_the_workflow_command_escaping() -> None:
    run = code_run()
    run.findings = [
        code_finding(
            "DK002",
            run.findings[0].severity,
            "dir,with:odd%chars/file.py",
            4,
            "100% wrong\r\nsecond line",
            "GET /users",
            ["x"] * 8,
            column=3,
            end_column=9,
        )
    ]
    run.errors = []
    line = renderer_for("github")([run]).splitlines()[0]
    assert line.startswith(
        "::error file=dir%2Cwith%3Aodd%25chars/file.py,line=4,col=3,endColumn=9,"
        "title=DK002 attribute-not-requested::"
    )
    assert line.split("::", 2)[2].startswith("100%25 wrong%0D%0Asecond line%0A")


def test_github_levels_map_to_error_warning_and_notice() -> None:
    out = renderer_for("github")(sample_runs())
    assert out.count("::error ") == 6
    assert out.count("::warning ") == 5 + 2  # five findings, two unreadable inputs
    assert "title=DK006 job-expired [nightly capture]::captures/nightly.har flow 7" in out


def test_markdown_is_a_pull_request_comment_with_verdicts_and_findings() -> None:
    out = renderer_for("markdown")(sample_runs())
    assert out.startswith("### Dokeos API V2 readiness: 6 of 8 changes need work")
    # a run with an unreadable request makes its ready verdicts partial, and says why
    groups = next(line for line in out.splitlines() if "Groups and their members |" in line)
    assert groups.startswith("| Groups and their members | \u2705 Ready, partial (")
    assert "1 request could not be read" in groups and "1 file could not be read" in groups
    assert "<code>sync/participations.py:12:12</code>" in out
    assert "<code>DK002</code>" in out and "readthedocs" not in out  # no invented address
    # user text cannot open a new table cell or ping anyone
    run = code_run()
    run.findings[0] = code_finding(
        "DK001", run.findings[0].severity, "a|b.py", 5, "ask @security-team | #12", None, ["x"] * 8
    )
    out = renderer_for("markdown")([run])
    assert "a\\|b.py" in out
    assert "@\u200bsecurity-team \\| #\u200b12" in out


def test_markdown_stays_under_the_comment_size_limit() -> None:
    from tests.reports.sample_runs import many_findings_run

    out = renderer_for("markdown")([many_findings_run(3000)])
    assert len(out) < 65_536
    assert "more findings are not listed" in out


def test_redaction_masks_credentials_but_keeps_the_evidence() -> None:
    url = "https://bob:pw@acme.dokeos.com/api/users?page=2&api_key=abc123&training_ids=1,2"
    assert redact_url(url) == (
        f"https://{REDACTED}@acme.dokeos.com/api/users?page=2&api_key={REDACTED}&training_ids=1,2"
    )
    assert redact_text('TOKEN = "sk_live_abcdefghijkl"') == f'TOKEN = "{REDACTED}"'
    line = 'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}'
    assert redact_text(line) == line
    templated = 'headers = {"Authorization": f"Bearer {token}"}'
    assert redact_text(templated) == templated


def test_a_finding_without_location_context_renders_everywhere() -> None:
    run = RunResult("bare", "code", files_scanned=1)
    finding = code_finding("DK004", code_run().findings[3].severity, "x.py", 1, "m", None, [])
    run.findings = [
        type(finding)(
            rule=finding.rule,
            severity=finding.severity,
            message="no context here",
            origin="code",
            endpoint="GET /groups",
            fingerprint="f",
            location=Location("x.py", 1, 1, 1, 1),
        )
    ]
    for output_format in FORMATS:
        assert "no context here" in renderer_for(output_format)([run])
