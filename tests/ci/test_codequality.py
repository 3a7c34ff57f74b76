"""--format codequality: the GitLab Code Quality report a merge request widget reads."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.findings import Finding, FlowRef, RunResult, Severity
from auditor.reports import codequality_report
from tests.ci.helpers import dokeos_audit, sync_project

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_each_finding_is_an_issue_with_the_fields_gitlab_requires(tmp_path: Path) -> None:
    outcome = dokeos_audit("scan", sync_project(tmp_path), "--format", "codequality")
    assert outcome.code == 1
    issues = json.loads(outcome.stdout)
    assert [
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ] == [
        ("DK001", "sync/dokeos.py", 6),
        ("DK004", "sync/dokeos.py", 10),
        ("DK002", "sync/dokeos.py", 21),
        ("DK005", "sync/dokeos.py", 25),
    ]
    for entry in issues:
        assert entry["severity"] in GITLAB_SEVERITIES
        assert entry["description"].startswith(entry["check_name"] + " ")
    assert [i["severity"] for i in issues] == ["major", "minor", "major", "minor"]
    assert len({i["fingerprint"] for i in issues}) == 4


def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    project = sync_project(tmp_path)
    before = json.loads(dokeos_audit("scan", project, "--format", "codequality").stdout)
    script = project / "sync" / "dokeos.py"
    script.write_text("# Owned by the HR team.\n\n" + script.read_text())
    after = json.loads(dokeos_audit("scan", project, "--format", "codequality").stdout)
    assert [i["location"]["lines"]["begin"] for i in after] == [8, 12, 23, 27]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


def test_traffic_findings_point_at_the_capture_and_runs_keep_fingerprints_apart() -> None:
    finding = Finding(
        rule="DK001",
        severity=Severity.ERROR,
        message="asks for version 1",
        origin="traffic",
        endpoint="GET /users",
        fingerprint="f" * 32,
        flow=FlowRef("captures/nightly.har", 3, "GET", "https://acme.dokeos.com/api/users", "t"),
    )
    one = json.loads(codequality_report.render([RunResult("nightly", "traffic", [finding])]))
    assert one[0]["location"] == {"path": "captures/nightly.har", "lines": {"begin": 1}}
    assert "flow 3" in one[0]["description"]
    assert one[0]["fingerprint"] == "f" * 32
    two = json.loads(
        codequality_report.render(
            [RunResult("staging", "traffic", [finding]), RunResult("prod", "traffic", [finding])]
        )
    )
    assert len({i["fingerprint"] for i in two}) == 2
