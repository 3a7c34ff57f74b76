"""The sandbox's state across restarts, the team's own data, and the command line."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from auditor.cli import cli
from auditor.sandbox.dataset import DatasetError, load_dataset
from tests.sandbox.helpers import TOKEN, V2, Client, running_sandbox
from tests.traffic.helpers import REPO, running_proxy

SANDBOX = [sys.executable, "-m", "auditor", "sandbox", "--port", "0"]


def test_state_file_keeps_tenant_jobs_clock_and_findings_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite3"
    with running_sandbox(state=state, job_delay=3600.0) as sandbox:
        client = Client(sandbox)
        job_id = client.call("DELETE", "user/12").json()["job_id"]
        client.control("POST", "clock", json={"advance": "2h"})
        assert client.get(f"jobs/{job_id}").json()["status"] == "done"
        client.get("groups")  # one page read, never the next: DK004
        client.close()
    with running_sandbox(state=state) as sandbox:
        client = Client(sandbox)
        assert client.get("users/12").status_code == 404  # the deletion was kept
        assert client.control("GET", "clock")["offset_seconds"] >= 7200
        # the job issued before the restart is still known, and still expires
        late = client.get(f"jobs/{job_id}", headers={"X-Sandbox-Advance": "8d"})
        assert late.status_code == 404
        rules = client.rules_seen()
        assert ("DK004", 2) in rules and ("DK006", 4) in rules
        client.close()


def test_the_teams_own_data_is_served(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    users = [{"id": i, "email": f"u{i}@corp.example", "group_ids": [1]} for i in range(1, 26)]
    data.write_text(json.dumps({"users": users, "groups": [{"id": 1, "name": "All"}]}))
    with running_sandbox(data=data) as sandbox:
        client = Client(sandbox)
        page = client.get("users").json()
        assert page["meta"]["total"] == 25 and "group_ids" not in page["data"][0]
        assert client.get("participations").json()["data"] == []
        client.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"users": [{"name": "no id"}]}', "users[0] needs an integer id"),
        ('{"courses": []}', "unknown collection 'courses'"),
    ],
)
def test_a_data_file_the_sandbox_cannot_serve_is_one_line(
    tmp_path: Path, content: str, message: str
) -> None:
    data = tmp_path / "tenant.json"
    data.write_text(content)
    with pytest.raises(DatasetError, match=re.escape(message)):
        load_dataset(data)
    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--data", str(data)])
    assert result.exit_code == 2 and message in result.stderr


def test_the_command_serves_on_loopback_and_writes_the_findings_on_sigterm(
    tmp_path: Path,
) -> None:
    report = tmp_path / "sandbox.json"
    args = [*SANDBOX, "--format", "json", "--output", str(report)]
    with running_proxy(args) as process:  # same startup protocol: a "listening on" line
        base = f"http://127.0.0.1:{process.port}"
        info = requests.get(f"{base}/_sandbox", timeout=10).json()
        assert info["records"]["users"] == 340
        headers = {"Accept": "application/vnd.dokeos+json;version=1", "Authorization": TOKEN}
        assert requests.get(f"{base}/api/users", headers=headers, timeout=10).status_code == 406
        code, stderr = process.stop(signal.SIGTERM)
    assert code == 1, stderr  # a finding: the exit code follows --fail-on
    assert "sandbox listening on http://127.0.0.1:" in stderr
    assert "DK001 error: GET http://127.0.0.1" in stderr and "Traceback" not in stderr
    document = json.loads(report.read_text())
    assert [f["origin"] for f in document["findings"]] == ["sandbox"]


def test_the_command_listens_on_loopback_by_default() -> None:
    from auditor.cli.sandbox_cmd import sandbox_command

    defaults = {p.name: p.default for p in sandbox_command.params}
    assert defaults["listen_host"] == "127.0.0.1" and defaults["port"] == 8900


def test_a_taken_port_is_one_line_and_exit_code_2() -> None:
    with running_sandbox() as sandbox:
        process = subprocess.run(
            [*SANDBOX[:-1], str(sandbox.port)], capture_output=True, text=True, cwd=REPO
        )
    assert process.returncode == 2
    assert "cannot listen on 127.0.0.1" in process.stderr and "Traceback" not in process.stderr


def test_v2_accept_is_what_the_sandbox_answers_with(tmp_path: Path) -> None:
    with running_sandbox() as sandbox:
        response = Client(sandbox).get("groups")
    assert response.headers["Content-Type"] == V2
