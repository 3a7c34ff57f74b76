"""The bundled fixtures as one portfolio: integrations and owners, the same session captured
twice, code joined to the traffic it sent, and progress against earlier reports."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.findings import RunResult, Severity
from auditor.reports import json_report
from auditor.reports.history import burndown_svg
from tests.reports.sample_runs import code_finding, traffic_finding

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path("fixtures")


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results .ci/report makes for lms-sync (its code and both captures of each
    session) and for hr_sync_requests."""
    out = tmp_path_factory.mktemp("results")
    with contextlib.chdir(ROOT):  # run names as .ci/report has them: fixtures/...
        _record(out)
    return out


def _record(out: Path) -> None:
    run_cli(
        "scan", str(FIXTURES / "server"), "--config",
        str(FIXTURES / "server" / "dokeos-audit.toml"), "--format", "json",
        "-o", str(out / "code-lms_sync.json"), "--no-cache",
    )  # fmt: skip
    run_cli(
        "scan", str(FIXTURES / "code" / "hr_sync_requests"), "--format", "json",
        "-o", str(out / "code-hr_sync_requests.json"), "--no-cache",
    )  # fmt: skip
    for capture in ("v1_era.mitm", "v1_era.har", "v2_ready.mitm", "v2_ready.har"):
        run_cli(
            "traffic", str(FIXTURES / "captures" / capture), "--format", "json",
            "-o", str(out / f"traffic-{capture}.json"),
        )  # fmt: skip


@pytest.fixture(scope="module")
def merged(results: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("merged") / "report.json"
    run_cli(
        "report", *sorted(str(p) for p in results.glob("*.json")),
        "--config", str(ROOT / FIXTURES / "portfolio.toml"), "-o", str(path),
    )  # fmt: skip
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def runs_by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["name"]: run for run in document["runs"]}


def test_runs_join_their_integration_from_the_portfolio_file_with_owners(
    merged: dict[str, Any],
) -> None:
    runs = runs_by_name(merged)
    assert runs["fixtures/server"]["summary"]["integration"] == "lms-sync"
    assert runs["fixtures/captures/v1_era.har"]["summary"]["integration"] == "lms-sync"
    assert runs["fixtures/server"]["summary"]["owner"] == "Learning platform team"
    hr = runs[str(FIXTURES / "code" / "hr_sync_requests")]["summary"]
    assert (hr["integration"], hr["owner"]) == ("hr_sync_requests", "HR systems team")


def test_a_capture_and_its_export_are_one_session(merged: dict[str, Any]) -> None:
    runs = runs_by_name(merged)
    har = runs["fixtures/captures/v1_era.har"]["summary"]
    mitm = runs["fixtures/captures/v1_era.mitm"]["summary"]
    assert har["flows_digest"] == mitm["flows_digest"]
    # the first given is kept, the other named as the same session
    assert "same_session_as" not in har
    assert mitm["same_session_as"] == "fixtures/captures/v1_era.har"
    v2 = runs["fixtures/captures/v2_ready.mitm"]["summary"]
    assert v2["same_session_as"] == "fixtures/captures/v2_ready.har"
    assert v2["flows_digest"] != har["flows_digest"]


def test_the_html_counts_a_session_captured_twice_once(results: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run_cli(
        "report", *sorted(str(p) for p in results.glob("traffic-v1_era*.json")),
        "-o", str(page),
    )  # fmt: skip
    html = page.read_text(encoding="utf-8")
    assert "also as fixtures/captures/v1_era.mitm: the same session, counted once" in html
    once = tmp_path / "once.html"
    run_cli("report", str(results / "traffic-v1_era.har.json"), "-o", str(once))
    things = 'class="finding'
    assert html.count(things) == once.read_text(encoding="utf-8").count(things)


def findings_of(document: dict[str, Any], run: str) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["run"] == run]


def test_a_traffic_finding_points_at_the_code_that_sent_it(merged: dict[str, Any]) -> None:
    traffic = findings_of(merged, "fixtures/captures/v1_era.har")
    too_many = next(f for f in traffic if f["rule"] == "DK003")
    # the scan flagged the same call: confirmed from both sides
    assert too_many["evidence"]["confirmed"] is True
    assert too_many["evidence"]["places"] == ["fixtures/server/clients.py:89:20"]
    # the V1 era's GET /users (api_key, no page, no attributes asked) is the call on line 84,
    # not the V2 one that walks pages with response_attributes (line 123)
    users = next(f for f in traffic if f["rule"] == "DK004" and f["endpoint"] == "GET /users")
    assert users["evidence"]["confirmed"] is False
    assert users["evidence"]["places"] == ["fixtures/server/clients.py:84"]
    assert "did not flag it there" in users["evidence"]["summary"]


def test_a_code_finding_says_whether_traffic_confirms_it(merged: dict[str, Any]) -> None:
    code = findings_of(merged, "fixtures/server")
    ids = next(f for f in code if f["rule"] == "DK003")
    assert ids["evidence"]["confirmed"] is True
    assert ids["evidence"]["summary"].startswith("Confirmed by traffic: seen in 1 request, last on")
    # hr_sync_requests has no traffic in this report: nothing to join
    hr = findings_of(merged, str(FIXTURES / "code" / "hr_sync_requests"))
    assert hr and all("evidence" not in f for f in hr)


def test_no_scanned_code_matching_is_said_plainly() -> None:
    code = RunResult("repo", "code", extra={"integration": "crm"})
    code.findings = [
        code_finding("DK004", Severity.WARNING, "a.py", 3, "m", "GET /users", ["x"] * 8)
    ]
    traffic = RunResult("crm.har", "traffic", extra={"integration": "crm"})
    traffic.findings = [
        traffic_finding(
            "DK005", Severity.WARNING, "crm.har", 0, "DELETE",
            "https://acme.dokeos.com/api/user/4", "job not followed", "DELETE /user/:id",
        )
    ]  # fmt: skip
    document = json.loads(json_report.render([code, traffic], _options()))
    by_rule = {f["rule"]: f for f in document["findings"]}
    assert by_rule["DK005"]["evidence"]["summary"].startswith("No scanned code makes this")
    assert by_rule["DK004"]["evidence"]["summary"] == (
        "Not seen in the traffic: no captured request went to GET /users."
    )
    # confirmed items come first: here neither is
    assert not any(f["evidence"]["confirmed"] for f in document["findings"])


def _options() -> Any:
    from auditor.reports.model import ReportOptions

    return ReportOptions()


def test_integration_and_owner_options_on_the_command_line(results: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    run_cli(
        "report", str(results / "code-hr_sync_requests.json"),
        str(results / "traffic-v2_ready.har.json"),
        "--integration", "acme-hr-sync=code-hr_sync_requests,traffic-v2_ready.har",
        "--owner", "acme-hr-sync=HR systems team", "-o", str(path),
    )  # fmt: skip
    document = json.loads(path.read_text(encoding="utf-8"))
    summaries = [run["summary"] for run in document["runs"]]
    assert {s["integration"] for s in summaries} == {"acme-hr-sync"}
    assert {s["owner"] for s in summaries} == {"HR systems team"}
    html = tmp_path / "report.html"
    run_cli(
        "report", str(results / "code-hr_sync_requests.json"),
        "--integration", "acme-hr-sync=code-hr_sync_requests",
        "--owner", "acme-hr-sync=HR systems team", "-o", str(html),
    )  # fmt: skip
    page = html.read_text(encoding="utf-8")
    assert "acme-hr-sync still asks for version 1 in 1 place" in page
    assert "Ask HR systems team to fix acme-hr-sync" in page


def test_progress_against_earlier_reports(results: Path, tmp_path: Path) -> None:
    inputs = sorted(str(p) for p in results.glob("*.json"))
    previous = tmp_path / "history" / "report-2026-11-24.json"
    previous.parent.mkdir()
    run_cli(
        "report", *inputs, "--config", str(ROOT / FIXTURES / "portfolio.toml"), "-o", str(previous)
    )
    week_before = json.loads(previous.read_text(encoding="utf-8"))
    week_before["report"]["generated_at"] = "2026-11-24T09:00:00Z"
    hr = str(FIXTURES / "code" / "hr_sync_requests")
    # a week ago hr_sync_requests also had a finding since fixed; one of today's was not there
    extra = dict(next(f for f in week_before["findings"] if f["run"] == hr))
    extra["fingerprint"] = "fixed-since"
    extra["location"] = {**extra["location"], "line": 999, "end_line": 999}
    week_before["findings"].append(extra)
    dropped = next(
        f for f in week_before["findings"] if f["run"] == "fixtures/server" and f["rule"] == "DK003"
    )
    week_before["findings"].remove(dropped)
    previous.write_text(json.dumps(week_before), encoding="utf-8")

    now = tmp_path / "now.json"
    run_cli(
        "report", *inputs, "--config", str(ROOT / FIXTURES / "portfolio.toml"),
        "--compare", str(previous.parent), "-o", str(now),
    )  # fmt: skip
    comparison = json.loads(now.read_text(encoding="utf-8"))["report"]["comparison"]
    assert comparison["fixed"] == 1
    assert comparison["by_integration"]["hr_sync_requests"]["fixed"] == 1
    # the code's DK003 of lms-sync is new since (its traffic already showed the problem)
    assert comparison["by_integration"]["lms-sync"]["new"] == 1
    assert comparison["by_change"]["participations"]["new"] == 1
    assert [p["report"] for p in comparison["trend"]] == ["24 Nov 2026", "this report"]
    findings = json.loads(now.read_text(encoding="utf-8"))["findings"]
    assert {f["progress"] for f in findings if f["run"] == "fixtures/server"} == {
        "new",
        "still open",
    }

    # an integration missing from today's report has not fixed anything
    only_lms = tmp_path / "only-lms.json"
    run_cli(
        "report", *[p for p in inputs if "hr_sync" not in p],
        "--config", str(ROOT / FIXTURES / "portfolio.toml"), "--compare", str(previous),
        "-o", str(only_lms),
    )  # fmt: skip
    comparison = json.loads(only_lms.read_text(encoding="utf-8"))["report"]["comparison"]
    assert comparison["fixed"] == 0
    html = tmp_path / "only-lms.html"
    run_cli(
        "report", *[p for p in inputs if "hr_sync" not in p],
        "--config", str(ROOT / FIXTURES / "portfolio.toml"), "--compare", str(previous),
        "-o", str(html),
    )  # fmt: skip
    page = html.read_text(encoding="utf-8")
    assert "Not in this report, so nothing of theirs counts as fixed: hr_sync_requests." in page
    assert '<svg class="burndown-chart"' in page


def test_the_burndown_chart_has_a_bar_pair_and_label_per_report() -> None:
    svg = str(burndown_svg([("17 Nov", 10, 5), ("24 Nov", 6, 4), ("<b>", 0, 0)]))
    assert svg.count('class="sev-error"') == 3
    assert svg.count('class="label"') == 3
    assert "&lt;b&gt;" in svg and "<b>" not in svg
