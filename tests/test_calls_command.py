"""`dokeos-audit calls`: the Dokeos calls the analyzer understood, as a user reads them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.code.helpers import write_project
from tests.test_cli_scan import run

SYNC = """
import requests

BASE = "https://acme.dokeos.com/api"
V1 = {"Accept": "application/vnd.dokeos+json;version=1"}
V2 = {"Accept": "application/vnd.dokeos+json;version=2"}

def tags():
    users = requests.get(f"{BASE}/users", params={"response_attributes": "tag_ids"},
                         headers=V2).json()["data"]
    return [u["tag_ids"] for u in users]

def remove(user_id):
    job = requests.delete(f"{BASE}/user/{user_id}", headers=V1).json()["job_id"]
    while requests.get(f"{BASE}/jobs/{job}", headers=V2).json()["status"] != "done":
        pass

def github():
    return requests.get("https://api.github.com/users").json()
"""


def test_calls_lists_each_dokeos_call_with_what_it_sends(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync.py": SYNC})
    done = run("calls", cwd=tmp_path / "repo")  # no path: the working directory
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "3 Dokeos calls found."
    users, delete, poll = lines[:3]
    assert users.startswith("sync.py:8:13  GET /users  version=2")
    assert "response_attributes=tag_ids" in users and "pages=first page only" in users
    assert delete.startswith("sync.py:13:11  DELETE /user/:id  version=1")
    assert "job=followed" in delete
    assert poll.startswith("sync.py:14:11  GET /jobs/:job_id")
    assert "github" not in done.stdout


def test_calls_json_is_a_list_of_calls_with_locations(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync.py": SYNC})
    out = tmp_path / "calls.json"
    done = run("calls", "repo", "--format", "json", "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    calls = document["calls"]
    assert [(c["method"], c["endpoint"]) for c in calls] == [
        ("GET", "GET /users"),
        ("DELETE", "DELETE /user/:id"),
        ("GET", "GET /jobs/:job_id"),
    ]
    assert calls[1]["location"] == {
        "path": "sync.py",
        "line": 13,
        "column": 11,
        "file": "repo/sync.py",  # as the shell reaches it from the working directory
    }
    assert calls[1]["versions"] == ["1"] and calls[1]["job"] == "followed"
    assert calls[0]["reads"] == ["data", "tag_ids"]


def test_the_scan_json_carries_the_calls_for_reports(tmp_path: Path) -> None:
    write_project(tmp_path / "repo", {"sync.py": SYNC})
    out = tmp_path / "scan.json"
    run("scan", str(tmp_path / "repo"), "--format", "json", "-o", str(out))
    document = json.loads(out.read_text())
    assert len(document["calls"]) == 3
