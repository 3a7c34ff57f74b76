"""Many findings: identical requests fold into one item with a count, code lines into one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.findings import Finding, FlowRef, RunResult, Severity, fingerprint
from auditor.reports import json_report, renderer_for
from auditor.reports.model import ReportOptions, build_report
from auditor.reports.text_report import render as render_text
from tests.reports.sample_runs import code_finding

CAPTURE = "captures/suite-run.mitm"


def suite_run(requests: int) -> RunResult:
    """A test suite through the proxy: the same V1 page of users, over and over."""
    findings = []
    start = datetime(2026, 11, 26, 10, 0, 0)
    for index in range(requests):
        moment = (start + timedelta(seconds=index)).isoformat() + "Z"
        flow = FlowRef(
            CAPTURE,
            index,
            "GET",
            f"https://acme.dokeos.com/api/users?page=1&per_page=50&q=u{index}",
            moment,
            200,
        )
        for rule, severity, message in (
            ("DK001", Severity.ERROR, "asks the Dokeos API for version 1"),
            ("DK004", Severity.WARNING, "uses one page of GET /users as the whole list"),
        ):
            findings.append(
                Finding(
                    rule=rule,
                    severity=severity,
                    message=message,
                    origin="traffic",
                    endpoint="GET /users",
                    fingerprint=fingerprint(rule, CAPTURE, index),
                    flow=flow,
                )
            )
    return RunResult(
        "suite-run", "traffic", findings=findings, flows_read=requests,
        extra={"endpoints_seen": ["GET /users"]},
    )  # fmt: skip


def test_identical_requests_are_one_item_with_count_times_and_examples() -> None:
    model = build_report([suite_run(7761)])
    items = model.items
    assert [(item.rules, item.occurrences) for item in items] == [
        (["DK001"], 7761),
        (["DK004"], 7761),
    ]
    v1 = items[0]
    assert v1.request == "GET /users?page,per_page,q"
    assert v1.first_seen == "2026-11-26T10:00:00Z"
    assert v1.last_seen == "2026-11-26T12:09:20Z"
    assert [f.flow.index for f in v1.examples if f.flow] == [0, 1, 2]
    assert model.counts.total == 2
    assert model.findings_total == 15522


def test_a_different_query_shape_is_a_different_item() -> None:
    run = suite_run(3)
    extra = run.findings[0]
    assert extra.flow is not None
    other = FlowRef(CAPTURE, 9, "GET", "https://acme.dokeos.com/api/users", extra.flow.timestamp)
    run.findings.append(
        Finding("DK001", Severity.ERROR, "v1", "traffic", "GET /users", "x", flow=other)
    )
    requests = sorted(item.request for item in build_report([run]).items)
    assert requests == ["GET /users", "GET /users?page,per_page,q", "GET /users?page,per_page,q"]


def test_a_live_runs_counted_problem_keeps_its_count() -> None:
    run = suite_run(1)
    run.findings = [Finding(**{**run.findings[0].__dict__, "occurrences": 214})]
    [item] = build_report([run]).items
    assert item.occurrences == 214


def test_two_findings_on_one_line_show_one_snippet() -> None:
    source = ["x"] * 20
    source[9] = "    rows = session.get(URL, params={'training_ids': ids}).json()"
    first = code_finding(
        "DK003", Severity.ERROR, "sync.py", 10, "too many ids", "GET /participations", source
    )
    second = code_finding(
        "DK004", Severity.WARNING, "sync.py", 10, "first page only", "GET /participations", source
    )
    run = RunResult("repo", "code", findings=[first, second])
    [item] = build_report([run]).items
    assert item.rules == ["DK003", "DK004"]
    assert len([line for line in item.snippet if line.hit]) == 1
    html = renderer_for("html")([run])
    assert html.count('data-n="10"') == 1
    assert "too many ids" in html and "first page only" in html


def test_json_keeps_every_finding_while_the_human_formats_fold_them(tmp_path: Path) -> None:
    run = suite_run(500)
    document = json.loads(json_report.render([run], ReportOptions()))
    assert len(document["findings"]) == 1000
    markdown = renderer_for("markdown")([run])
    assert markdown.count("| error |") == 1
    assert "seen in 500 requests" in markdown
    html = renderer_for("html")([run])
    assert html.count('<li class="finding') == 2
    assert "in 500 requests" in html
    # the text of `report` folds them too; that of `traffic` keeps one line a finding
    report_text = render_text([run], ReportOptions())
    assert report_text.count("DK001") == 2  # one line, and the closing count
    assert "[seen in 500 requests, 2026-11-26T10:00:00Z to 2026-11-26T10:08:19Z]" in report_text
    assert render_text([run]).count("DK001 asks") == 500
    results = tmp_path / "suite.json"
    results.write_text(json_report.render([run]), encoding="utf-8")
    out = CliRunner().invoke(cli, ["report", str(results), "--format", "text"]).stdout
    assert out.count("DK004 uses one page") == 1
