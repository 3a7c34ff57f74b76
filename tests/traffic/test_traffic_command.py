"""`dokeos-audit traffic`: exit codes, options, and a JSON document for every real-world capture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.traffic.helpers import REALDATA, REPO, V1, V2, make_flow, write_dump

REALDATA_FILES = sorted(
    p.relative_to(REALDATA).as_posix()
    for p in REALDATA.rglob("*")
    if p.is_file() and p.name not in ("README.md", "SHA256SUMS")
)

V1_PARTICIPATIONS = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/participations?training_ids=1,2,3,4,5,6",
    "request_headers": V1,
    "status": 200,
    "response_json": [{"id": 1}],
}
V2_TRAININGS = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/trainings",
    "request_headers": V2,
    "status": 200,
    "response_json": {"data": []},
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["traffic", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_realdata_copy_lists_every_file_of_the_shared_set() -> None:
    assert len(REALDATA_FILES) == 66


@pytest.mark.parametrize("name", REALDATA_FILES)
def test_every_real_world_capture_gives_a_json_document(name: str) -> None:
    code, stdout, stderr = run(str(REALDATA / name), "--format", "json")
    document = json.loads(stdout)
    assert document["tool"]["name"] == "dokeos-audit"
    assert code in (0, 2)
    if code == 2:
        assert document["errors"], "a capture with nothing read must say why"
        assert all(e["path"] == str(REALDATA / name) for e in document["errors"])
    assert "Traceback" not in stderr


def test_all_real_world_captures_in_one_run_exit_zero_with_errors_listed() -> None:
    code, stdout, _ = run(*(str(REALDATA / n) for n in REALDATA_FILES), "--format", "json")
    document = json.loads(stdout)
    assert code == 0
    assert document["summary"]["flows_read"] > 500
    assert {e["path"] for e in document["errors"]} >= {
        str(REALDATA / "mitmproxy/dumpfile-010.mitm")
    }


def test_broken_capture_in_a_subprocess_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    capture = tmp_path / "broken.har"
    capture.write_text('{"log": {"entries": [{"request": ')
    process = subprocess.run(
        [sys.executable, "-m", "auditor", "traffic", str(capture), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert process.returncode == 2
    assert "Traceback" not in process.stderr
    assert json.loads(process.stdout)["errors"]
    assert process.stderr.strip().splitlines()[-1].startswith("dokeos-audit: error:")


def test_exit_one_on_findings_zero_without(tmp_path: Path) -> None:
    bad = write_dump(tmp_path / "bad.mitm", [make_flow(V1_PARTICIPATIONS)])
    good = write_dump(tmp_path / "good.mitm", [make_flow(V2_TRAININGS)])
    assert run(str(bad))[0] == 1
    assert run(str(good))[0] == 0


def test_fail_on_and_select_change_the_outcome(tmp_path: Path) -> None:
    bad = write_dump(tmp_path / "bad.mitm", [make_flow(V1_PARTICIPATIONS)])
    assert run(str(bad), "--fail-on", "never")[0] == 0
    code, stdout, _ = run(str(bad), "--select", "DK003", "--format", "json")
    assert code == 1
    assert [f["rule"] for f in json.loads(stdout)["findings"]] == ["DK003"]
    code, stdout, _ = run(str(bad), "--ignore", "DK001,DK003", "--format", "json")
    assert code == 0 and json.loads(stdout)["findings"] == []


def test_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    good = write_dump(tmp_path / "good.mitm", [make_flow(V2_TRAININGS)])
    code, _, stderr = run(str(good), "--select", "DK999")
    assert code == 2 and "DK999" in stderr


def test_nothing_readable_exits_two(tmp_path: Path) -> None:
    capture = tmp_path / "nothing.har"
    capture.write_text("not a capture")
    code, _, stderr = run(str(capture))
    assert code == 2 and "not a mitmproxy flow dump or a HAR file" in stderr


def test_text_output_names_the_capture_and_flow_index(tmp_path: Path) -> None:
    bad = write_dump(tmp_path / "bad.mitm", [make_flow(V2_TRAININGS), make_flow(V1_PARTICIPATIONS)])
    _, stdout, _ = run(str(bad))
    assert f"{bad}#1: GET https://acme.dokeos.com/api/participations" in stdout


@pytest.mark.skipif(
    not hasattr(__import__("auditor.config").config, "find_config"),
    reason="this auditor.config has no pyproject loader",
)
def test_hosts_configured_in_pyproject_make_their_traffic_dokeos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = {**V1_PARTICIPATIONS, "request_headers": {"Accept": "application/json"}}
    spec["url"] = "https://lms.example.org/api/participations?training_ids=1,2,3,4,5,6"
    capture = write_dump(tmp_path / "c.mitm", [make_flow(spec)])
    monkeypatch.chdir(tmp_path)
    assert run(str(capture))[0] == 0
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dokeos-audit]\nhosts = ["*.example.org"]\nselect = ["DK003"]\n'
    )
    code, stdout, _ = run(str(capture), "--format", "json")
    assert code == 1
    assert [f["rule"] for f in json.loads(stdout)["findings"]] == ["DK003"]
