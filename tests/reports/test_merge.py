"""`dokeos-audit report`: JSON results of several runs merged into one report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.findings import RunResult
from auditor.redact import redact_run
from auditor.reports import json_report
from auditor.reports.merge import load_result_file, load_results
from tests.reports.sample_runs import clean_run, code_run, sample_runs, traffic_run


def write_result(folder: Path, name: str, runs: list[RunResult]) -> Path:
    path = folder / name
    path.write_text(json_report.render(runs), encoding="utf-8")
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_single_run_result_reads_back_to_the_same_findings(tmp_path: Path) -> None:
    original = redact_run(code_run())
    [loaded] = load_result_file(write_result(tmp_path, "billing.json", [code_run()]))
    assert loaded.name == "billing-sync"
    assert loaded.kind == "code"
    assert [f.to_json() for f in loaded.sorted_findings()] == [
        f.to_json() for f in original.sorted_findings()
    ]
    assert loaded.errors == original.errors
    assert loaded.files_scanned == 42
    assert "GET /users" in loaded.extra["endpoints_seen"]


def test_a_merged_result_reads_back_into_its_runs(tmp_path: Path) -> None:
    runs = load_result_file(write_result(tmp_path, "portfolio.json", sample_runs()))
    assert [(r.name, r.kind, len(r.findings)) for r in runs] == [
        ("billing-sync", "code", 7),
        ("nightly capture", "traffic", 4),
        ("crm-connector", "code", 0),
    ]
    assert runs[1].errors[0].index == 5


def test_a_result_without_run_metadata_is_named_after_its_file(tmp_path: Path) -> None:
    document = json.loads(json_report.render([traffic_run()]))
    del document["run"]
    path = tmp_path / "nightly-2026-11-26.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    [run] = load_result_file(path)
    assert run.name == "nightly-2026-11-26"
    assert run.kind == "traffic"


def test_runs_named_after_the_current_folder_take_their_file_name(tmp_path: Path) -> None:
    for name in ("billing.json", "crm.json"):
        run = code_run()
        run.name = "."
        write_result(tmp_path, name, [run])
    loaded = load_results([tmp_path / "billing.json", tmp_path / "crm.json"])
    assert [r.name for r in loaded.runs] == ["billing", "crm"]


def test_runs_with_the_same_name_are_told_apart_by_file(tmp_path: Path) -> None:
    a = write_result(tmp_path, "monday.json", [traffic_run()])
    b = write_result(tmp_path, "tuesday.json", [traffic_run()])
    names = [r.name for r in load_results([a, b]).runs]
    assert names == ["nightly capture (monday)", "nightly capture (tuesday)"]
    # the same file twice: still two names, so filters and SARIF categories stay apart
    assert [r.name for r in load_results([a, a]).runs] == [
        "nightly capture (monday)",
        "nightly capture (monday) #2",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"hello": "world"}', "no tool.name 'dokeos-audit'"),
        (b'{"tool": ', "invalid JSON at line 1"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"tool": {"name": "dokeos-audit"}, "findings": [{"rule": "DK001"}]}', "findings[0]"),
    ],
)
def test_a_file_that_is_not_a_result_is_an_error_entry(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    good = write_result(tmp_path, "good.json", [code_run()])
    loaded = load_results([bad, good])
    assert [r.name for r in loaded.runs] == ["billing-sync"]
    assert len(loaded.unreadable) == 1
    assert loaded.unreadable[0].path == str(bad)
    assert reason in loaded.unreadable[0].reason


def test_a_folder_stands_for_its_json_files(tmp_path: Path) -> None:
    write_result(tmp_path, "b.json", [traffic_run()])
    write_result(tmp_path, "a.json", [code_run()])
    (tmp_path / "notes.txt").write_text("not json", encoding="utf-8")
    assert [r.name for r in load_results([tmp_path]).runs] == ["billing-sync", "nightly capture"]


def test_report_merges_several_runs_into_one_html_page(tmp_path: Path) -> None:
    inputs = [
        write_result(tmp_path, "billing.json", [code_run()]),
        write_result(tmp_path, "nightly.json", [traffic_run()]),
        write_result(tmp_path, "crm.json", [clean_run()]),
    ]
    out = tmp_path / "out" / "report.html"
    code, _, stderr = run_cli("report", *map(str, inputs), "--output", str(out), "--title", "ACME")
    assert (code, stderr) == (0, "")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    for name in ("billing-sync", "nightly capture", "crm-connector"):
        assert f'<th scope="row" class="subject">{name}</th>' in html
    assert "<h1>ACME</h1>" in html


def test_report_lists_an_unreadable_file_and_still_merges_the_others(tmp_path: Path) -> None:
    good = write_result(tmp_path, "billing.json", [code_run()])
    bad = tmp_path / "notes.json"
    bad.write_text('{"todo": []}', encoding="utf-8")
    code, stdout, stderr = run_cli("report", str(good), str(bad), "--format", "json")
    assert code == 0
    assert stderr.splitlines() == [
        f"dokeos-audit: error: {bad}: not a dokeos-audit JSON result (no tool.name 'dokeos-audit')"
    ]
    document = json.loads(stdout)
    assert [r["name"] for r in document["runs"]] == ["billing-sync"]
    assert {"path": str(bad), "reason": stderr.split(": ", 3)[3].strip()} in document["errors"]
    assert len(document["findings"]) == 7


def test_report_exits_2_and_writes_nothing_when_no_file_could_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    out = tmp_path / "report.html"
    code, _, stderr = run_cli("report", str(bad), str(tmp_path / "missing.json"), "-o", str(out))
    assert code == 2
    assert len(stderr.splitlines()) == 3
    assert "missing.json: cannot read it" in stderr
    assert not out.exists()


def test_report_picks_the_format_from_the_output_suffix(tmp_path: Path) -> None:
    good = write_result(tmp_path, "billing.json", [code_run()])
    for name, start in (
        ("r.md", "### Dokeos API V2 readiness"),
        ("r.sarif", "{"),
        ("r.xml", "<?xml"),
        ("r.html", "<!doctype html>"),
    ):
        code, _, _ = run_cli("report", str(good), "-o", str(tmp_path / name))
        assert code == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name
    assert '"version": "2.1.0"' in (tmp_path / "r.sarif").read_text(encoding="utf-8")


def test_report_markdown_to_stdout_and_fail_on(tmp_path: Path) -> None:
    good = write_result(tmp_path, "billing.json", [code_run()])
    code, stdout, _ = run_cli("report", str(good), "--format", "markdown")
    assert code == 0 and "billing-sync" in stdout
    code, _, _ = run_cli("report", str(good), "--format", "text", "--fail-on", "error")
    assert code == 1
    code, stdout, _ = run_cli("report", str(good), "--format", "text", "--select", "DK005")
    assert code == 0
    assert "DK005" in stdout and "DK002" not in stdout
