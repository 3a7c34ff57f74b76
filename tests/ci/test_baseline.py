"""Baselines: recorded once, they absorb today's findings through unrelated edits (moved code,
lines added above, other functions edited), while a genuinely new finding still fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ci.helpers import SYNC, dokeos_audit, har, scan_json, sync_project

LIST_USERS = """\
def list_users():
    response = requests.get(f"{BASE_URL}/users", headers=HEADERS, timeout=30)
    response.raise_for_status()
    return response.json()
"""
REMOVE_USER = """\
def remove_user(user_id):
    requests.delete(f"{BASE_URL}/user/{user_id}", headers=HEADERS, timeout=30)
"""


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """A project whose four findings are recorded in baseline.json."""
    sync_project(tmp_path / "project")
    outcome = dokeos_audit(
        "scan", tmp_path / "project", "--write-baseline", tmp_path / "baseline.json"
    )
    assert outcome.code == 0, outcome.stderr
    assert "recorded 4 findings" in outcome.stderr
    return tmp_path


def edit(root: Path, text: str) -> None:
    (root / "project" / "sync" / "dokeos.py").write_text(text)


def scan_against_baseline(root: Path) -> tuple[int, list[tuple[str, str, int]], dict]:
    outcome = scan_json(root / "project", "--baseline", root / "baseline.json")
    return outcome.code, outcome.places, outcome.document["summary"]


def test_baseline_file_is_sorted_and_stable(recorded: Path) -> None:
    first = (recorded / "baseline.json").read_text()
    document = json.loads(first)
    entries = document["findings"]
    assert [e["rule"] for e in entries] == ["DK001", "DK002", "DK004", "DK005"]
    assert all(set(e) == {"fingerprint", "rule", "path", "message"} for e in entries)
    assert {e["path"] for e in entries} == {"sync/dokeos.py"}
    dokeos_audit("scan", recorded / "project", "--write-baseline", recorded / "baseline.json")
    assert (recorded / "baseline.json").read_text() == first


def test_unchanged_project_has_no_new_findings(recorded: Path) -> None:
    code, places, summary = scan_against_baseline(recorded)
    assert (code, places) == (0, [])
    assert summary["baseline"] == {"new": 0, "known": 4, "fixed": 0}
    assert summary["by_rule"] == {}


def test_moving_functions_keeps_their_findings_known(recorded: Path) -> None:
    moved = SYNC.replace(LIST_USERS, "").replace(REMOVE_USER, REMOVE_USER + "\n\n" + LIST_USERS)
    assert moved != SYNC
    edit(recorded, moved)
    assert scan_against_baseline(recorded)[:2] == (0, [])


def test_lines_added_above_keep_findings_known(recorded: Path) -> None:
    header = '"""Nightly HR sync against the Dokeos LMS."""\n'
    edit(
        recorded,
        SYNC.replace(
            header,
            header + "\nimport logging\nimport os\n\nLOG = logging.getLogger(__name__)\n"
            'TIMEOUT = int(os.environ.get("SYNC_TIMEOUT", "30"))\n',
        ),
    )
    assert scan_against_baseline(recorded)[:2] == (0, [])


def test_editing_another_function_keeps_findings_known(recorded: Path) -> None:
    edited = SYNC.replace(
        "    response.raise_for_status()\n    return response.json()\n",
        "    response.raise_for_status()\n    users = response.json()\n"
        '    LOG.info("%d users", len(users))\n    return users\n',
    ).replace("        timeout=30,\n", "        timeout=60,\n        allow_redirects=False,\n")
    assert edited.count("timeout=60") == 1
    edit(recorded, edited)
    assert scan_against_baseline(recorded)[:2] == (0, [])


def test_a_new_finding_of_the_same_rule_in_the_same_file_fails_alone(recorded: Path) -> None:
    edit(
        recorded,
        SYNC
        + """

def list_groups():
    response = requests.get(f"{BASE_URL}/groups", headers=HEADERS, timeout=30)
    return response.json()
""",
    )
    code, places, summary = scan_against_baseline(recorded)
    assert code == 1
    assert places == [("DK004", "sync/dokeos.py", 29)]
    assert summary["baseline"] == {"new": 1, "known": 4, "fixed": 0}


def test_a_copy_of_a_known_call_is_new(recorded: Path) -> None:
    edit(recorded, SYNC + "\n\n" + LIST_USERS.replace("list_users", "list_users_again"))
    code, places, _ = scan_against_baseline(recorded)
    assert code == 1
    assert [rule for rule, _, _ in places] == ["DK004"]


def test_fixed_findings_are_counted_and_do_not_fail(recorded: Path) -> None:
    edit(recorded, SYNC.replace(REMOVE_USER, ""))
    code, places, summary = scan_against_baseline(recorded)
    assert (code, places) == (0, [])
    assert summary["baseline"] == {"new": 0, "known": 3, "fixed": 1}


def test_baseline_is_read_before_the_scan_and_must_be_ours(tmp_path: Path) -> None:
    project = sync_project(tmp_path / "project")
    missing = scan_json(project, "--baseline", tmp_path / "absent.json")
    assert missing.code == 2 and "no such file" in missing.stderr
    not_ours = tmp_path / "other.json"
    not_ours.write_text('{"version": "2.1.0", "runs": []}')
    wrong = scan_json(project, "--baseline", not_ours)
    assert wrong.code == 2
    assert len(wrong.stderr.splitlines()) == 1 and "not a dokeos-audit baseline" in wrong.stderr


def test_traffic_baseline_hides_known_flows_and_fails_on_new_ones(tmp_path: Path) -> None:
    capture = tmp_path / "nightly.har"
    baseline = tmp_path / "traffic-baseline.json"
    capture.write_text(har("https://acme.dokeos.com/api/users/1"))
    recorded = dokeos_audit("traffic", capture, "--write-baseline", baseline)
    assert recorded.code == 0
    assert [e["path"] for e in json.loads(baseline.read_text())["findings"]] == [str(capture)]
    assert dokeos_audit("traffic", capture, "--baseline", baseline).code == 0

    capture.write_text(
        har("https://acme.dokeos.com/api/users/1", "https://acme.dokeos.com/api/groups/7")
    )
    again = dokeos_audit("traffic", capture, "--baseline", baseline, "--format", "json")
    assert again.code == 1
    assert [f["flow"]["index"] for f in again.document["findings"]] == [1]
