"""Verdicts from real scans and captures: a change whose rules did not run is never "ready"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HR_SYNC = FIXTURES / "code" / "hr_sync_requests"
V1_CAPTURE = FIXTURES / "captures" / "v1_era.har"


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def verdicts_of(path: Path) -> dict[str, dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    verdicts: dict[str, dict[str, Any]] = document["summary"]["verdicts"]
    return verdicts


@pytest.fixture(scope="module")
def full_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "hr.json"
    run_cli("scan", str(HR_SYNC), "--format", "json", "-o", str(out), "--no-cache")
    return out


def test_scan_select_records_its_rules_and_leaves_the_rest_not_checked(tmp_path: Path) -> None:
    out = tmp_path / "hr.json"
    run_cli(
        "scan", str(HR_SYNC), "--select", "DK001", "--format", "json", "-o", str(out),
        "--no-cache",
    )  # fmt: skip
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["summary"]["rules"]["checked"] == ["DK001"]
    assert document["summary"]["rules"]["not_selected"]["DK005"] == "command line"
    verdicts = verdicts_of(out)
    assert verdicts["v1"]["verdict"] == "needs work"
    assert verdicts["deletes"] == {
        "verdict": "not checked",
        "why": "its checks did not run: DK005 not selected on the command line",
    }
    assert {v["verdict"] for k, v in verdicts.items() if k != "v1"} == {"not checked"}


def test_ignore_in_pyproject_is_not_checked_by_configuration(tmp_path: Path) -> None:
    project = tmp_path / "hr"
    shutil.copytree(HR_SYNC, project)
    (project / "pyproject.toml").write_text(
        '[tool.dokeos-audit]\nignore = ["DK005"]\n', encoding="utf-8"
    )
    out = tmp_path / "hr.json"
    run_cli("scan", str(project), "--format", "json", "-o", str(out), "--no-cache")
    verdicts = verdicts_of(out)
    assert verdicts["deletes"]["verdict"] == "not checked"
    assert verdicts["deletes"]["why"] == (
        "its checks did not run: DK005 switched off in the configuration"
    )
    html = tmp_path / "report.html"
    run_cli("report", str(out), "-o", str(html))
    page = html.read_text(encoding="utf-8")
    assert "DK005 switched off in the configuration" in page
    assert "Deleting users" in page


def test_report_select_turns_the_other_changes_not_checked(full_scan: Path, tmp_path: Path) -> None:
    # the defect of issue 11: `report --select DK001` painted every other change green
    assert verdicts_of(full_scan)["users"]["verdict"] == "needs work"
    merged = tmp_path / "merged.json"
    run_cli("report", str(full_scan), "--select", "DK001", "-o", str(merged))
    verdicts = verdicts_of(merged)
    assert verdicts["v1"]["verdict"] == "needs work"
    for change_id in ("participations", "users", "deletes"):
        assert verdicts[change_id]["verdict"] == "not checked"
        assert "not selected for this report" in verdicts[change_id]["why"]
    markdown = tmp_path / "report.md"
    run_cli("report", str(full_scan), "--select", "DK001", "-o", str(markdown))
    text = markdown.read_text(encoding="utf-8")
    assert "Ready" not in text.split("<details>")[0]
    assert "Not checked (its checks did not run: DK005 not selected for this report)" in text


def test_traffic_records_its_rules_and_time_span(tmp_path: Path) -> None:
    out = tmp_path / "v1.json"
    run_cli("traffic", str(V1_CAPTURE), "--ignore", "DK004", "--format", "json", "-o", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    summary = document["summary"]
    assert summary["rules"]["ignored"] == {"DK004": "command line"}
    assert summary["first_request"] <= summary["last_request"]
    assert summary["first_request"].endswith("Z")
    assert len(summary["flows_digest"]) == 32
    assert summary["verdicts"]["users"]["verdict"] == "needs work"  # DK002 still found it
    assert "DK004" not in summary["by_rule"]


def test_a_scan_with_unreadable_files_says_its_verdicts_are_partial(tmp_path: Path) -> None:
    project = tmp_path / "hr"
    shutil.copytree(HR_SYNC, project)
    (project / "broken_dokeos.py").write_text(
        'ACCEPT = "application/vnd.dokeos+json;version=2"\ndef f(:\n', encoding="utf-8"
    )
    out = tmp_path / "hr.json"
    run_cli("scan", str(project), "--format", "json", "-o", str(out), "--no-cache")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert any(e.get("level", "error") == "error" for e in document["errors"])
    verdicts = document["summary"]["verdicts"]
    assert verdicts["users"]["partial"] is True
    assert verdicts["users"]["not_read"] == ["1 file could not be read"]
