"""The scan and rules commands as a user runs them: output lines, JSON contract, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.code.helpers import write_project

V1_SYNC = """
import requests

HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}

def groups():
    return [g["name"] for g in requests.get(
        "https://acme.dokeos.com/api/groups", headers=HEADERS).json()]
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_concise_text_output_is_one_ruff_like_line_per_finding(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync/groups.py": V1_SYNC})
    done = run("scan", "--output-format", "concise", cwd=tmp_path / "repo")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("sync/groups.py:3:")
    assert " DK001 " in lines[0]
    assert lines[1].startswith("sync/groups.py:6:") and " DK004 " in lines[1]
    assert "Traceback" not in done.stderr


def test_json_document_follows_the_spec_contract(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync/groups.py": V1_SYNC})
    out = tmp_path / "result.json"
    done = run("scan", str(tmp_path / "repo"), "--format", "json", "--output", str(out))
    assert done.returncode == 1 and done.stdout == ""
    document = json.loads(out.read_text())
    assert document["tool"]["name"] == "dokeos-audit"
    first = document["findings"][0]
    assert {"rule", "severity", "message", "origin", "location", "endpoint", "fingerprint"} <= set(
        first
    )
    assert first["origin"] == "code"
    assert set(first["location"]) >= {"path", "line", "column", "end_line", "end_column"}
    assert document["summary"]["files_scanned"] == 1
    assert document["summary"]["by_rule"] == {"DK001": 1, "DK004": 1}
    assert document["errors"] == []


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync/groups.py": V1_SYNC})
    repo = str(tmp_path / "repo")
    assert run("scan", repo, "--fail-on", "never").returncode == 0
    assert run("scan", repo, "--fail-on", "error").returncode == 1
    assert run("scan", repo, "--select", "DK004", "--fail-on", "error").returncode == 0
    assert run("scan", repo, "--select", "DK004").returncode == 1
    write_project(tmp_path / "clean", {"ok.py": "print('no api here')\n"})
    assert run("scan", str(tmp_path / "clean")).returncode == 0


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = run("scan", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    unknown_rule = run("scan", str(tmp_path), "--select", "DK999")
    assert unknown_rule.returncode == 2
    assert unknown_rule.stderr.strip().count("\n") == 0
    assert "DK999" in unknown_rule.stderr and "Traceback" not in unknown_rule.stderr


def test_rules_lists_every_rule_and_prints_one_rules_page() -> None:
    listing = run("rules")
    assert listing.returncode == 0
    assert [line.split()[0] for line in listing.stdout.splitlines()] == [
        "DK001",
        "DK002",
        "DK003",
        "DK004",
        "DK005",
        "DK006",
        "DK100",
    ]
    page = run("rules", "dk002")
    assert page.returncode == 0
    for heading in ("What it finds", "Why it breaks", "How to fix it", "Before", "After"):
        assert heading in page.stdout
    assert "response_attributes" in page.stdout
    bad = run("rules", "DK042")
    assert bad.returncode == 2 and "DK042" in bad.stderr


def test_console_script_and_module_agree(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync/groups.py": V1_SYNC})
    script = Path(sys.executable).with_name("dokeos-audit")
    via_script = subprocess.run(
        [str(script), "scan", str(tmp_path / "repo")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert via_script.stdout == run("scan", str(tmp_path / "repo")).stdout
