"""The real proxy (our command, and mitmdump with the addon) in front of the sandbox.

The sandbox runs as the tenant is before the cut-over (`before_cutover`): V1 requests are
still answered as V1 did, which is the traffic a team records today to see what will break.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients import API_KEY, TOKEN, V1, V2, ApiClient, v1_era_run, v2_ready_run

from auditor.sandbox.server import Sandbox, SandboxOptions
from tests.traffic.helpers import REPO, analyze, running_proxy

ADDON = REPO / "auditor" / "traffic" / "addon.py"
PROXY = [sys.executable, "-m", "auditor", "proxy", "--listen-port", "0"]
MITMDUMP = [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()"]
SECRETS = (TOKEN.split()[-1], API_KEY, "fake-cookie-42")


@pytest.fixture
def server() -> Iterator[Sandbox]:
    # one tenant per test: the V1-era run deletes a user
    sandbox = Sandbox(SandboxOptions(port=0, job_delay=0.0, before_cutover=True))
    sandbox.start_in_thread()
    yield sandbox
    sandbox.stop_thread()


def client_for(server: Sandbox, proxy_url: str, mode: str, library: str, accept: str) -> ApiClient:
    if mode == "reverse":
        return ApiClient(f"{proxy_url}/api", accept, library=library)
    return ApiClient(server.url, accept, library=library, proxy=proxy_url)


def mode_args(server: Sandbox, mode: str) -> list[str]:
    if mode == "reverse":
        return ["--mode", f"reverse:{server.root}"]
    return []


def findings_by_rule(report: Path) -> dict[str, int]:
    document = json.loads(report.read_text())
    return document["summary"]["by_rule"]


@pytest.mark.parametrize(
    ("mode", "library"),
    [("regular", "requests"), ("reverse", "httpx"), ("regular", "httpx"), ("reverse", "requests")],
)
def test_v1_client_through_proxy_reports_dk001_and_dk003(
    server: Sandbox, tmp_path: Path, mode: str, library: str
) -> None:
    report = tmp_path / "report.json"
    saved = tmp_path / "saved.mitm"
    args = [*PROXY, *mode_args(server, mode), "--format", "json", "--output", str(report)]
    with running_proxy([*args, "--save-flows", str(saved)]) as proxy:
        client = client_for(server, proxy.url, mode, library, V1)
        outcome = v1_era_run(client)
        client.close()
        code, stderr = proxy.stop(signal.SIGTERM)
    # the traffic itself went through untouched
    assert outcome["users"] == (200, 340) and outcome["participations"] == 200
    assert code == 1
    by_rule = findings_by_rule(report)
    assert by_rule["DK001"] == 6 and by_rule["DK003"] == 1
    assert set(by_rule) == {"DK001", "DK002", "DK003", "DK004", "DK005"}
    # each finding was printed live, before the report
    assert stderr.count("dokeos-audit: DK001 error:") == 6
    assert "DK003 error: GET " in stderr and "Traceback" not in stderr
    for secret in SECRETS:
        assert secret not in stderr and secret not in report.read_text()
        assert secret.encode() not in saved.read_bytes()
    # the saved flows are a capture `traffic` reads back to the same findings
    replay, readable = analyze(saved)
    assert readable and replay.by_rule() == by_rule


def test_v2_ready_client_through_reverse_proxy_has_no_findings(
    server: Sandbox, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    args = [*PROXY, *mode_args(server, "reverse"), "--format", "json", "--output", str(report)]
    with running_proxy(args) as proxy:
        client = client_for(server, proxy.url, "reverse", "httpx", V2)
        outcome = v2_ready_run(client)
        client.close()
        code, stderr = proxy.stop(signal.SIGTERM)
    assert outcome["users"] == 340 and outcome["delete"] == "done"
    document = json.loads(report.read_text())
    assert code == 0, stderr
    assert document["findings"] == []
    assert document["summary"]["flows_read"] > 15
    assert "GET /jobs/:job_id" in document["summary"]["endpoints_seen"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_writes_the_whole_report(server: Sandbox, tmp_path: Path, signum: int) -> None:
    report = tmp_path / "report.json"
    args = [*PROXY, "--format", "json", "--output", str(report)]
    with running_proxy(args) as proxy:
        client = client_for(server, proxy.url, "regular", "requests", V1)
        # findings that wait for the end of the session (DK004) must be in the report too
        client.call("GET", "users")
        client.close()
        code, _ = proxy.stop(signum)
    document = json.loads(report.read_text())
    assert code == 1
    assert document["summary"]["by_rule"] == {"DK001": 1, "DK002": 1, "DK004": 1}
    assert not list(tmp_path.glob(".report.json.*"))  # no temporary file left behind


def test_mitmdump_with_the_addon_script_reports_live_and_on_exit(
    server: Sandbox, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    args = [
        *MITMDUMP,
        "-q",
        "--listen-host",
        "127.0.0.1",
        "--listen-port",
        "0",
        "-s",
        str(ADDON),
        "--set",
        f"dokeos_audit_report={report}",
    ]
    with running_proxy(args) as proxy:
        client = client_for(server, proxy.url, "regular", "httpx", V1)
        client.call("GET", "participations", params={"user_ids": "1,2,3,4,5,6"})
        client.close()
        _, stderr = proxy.stop(signal.SIGTERM)
    assert "DK001 error" in stderr and "DK003 error" in stderr
    assert findings_by_rule(report) == {"DK001": 1, "DK002": 1, "DK003": 1}


def test_exception_inside_the_addon_never_breaks_proxied_traffic(
    server: Sandbox, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    args = [
        *MITMDUMP,
        "-q",
        "--listen-host",
        "127.0.0.1",
        "--listen-port",
        "0",
        "-s",
        str(REPO / "tests" / "traffic" / "breaks_a_rule.py"),
        "-s",
        str(ADDON),
        # the broken rule is patched into this process: analyze here, not in the worker
        "--set",
        "dokeos_audit_offload=false",
        "--set",
        f"dokeos_audit_report={report}",
    ]
    with running_proxy(args) as proxy:
        client = client_for(server, proxy.url, "regular", "requests", V1)
        status, body = client.call("GET", "participations", params={"user_ids": "1,2,3,4,5,6"})
        client.close()
        proxy.stop(signal.SIGTERM)
    assert status == 200 and isinstance(body, list)
    document = json.loads(report.read_text())
    assert "a bug inside a rule" in document["errors"][0]["reason"]
    assert document["summary"]["flows_read"] == 1


def test_proxy_refuses_a_reverse_mode_without_url() -> None:
    from click.testing import CliRunner

    from auditor.cli import cli

    result = CliRunner().invoke(cli, ["proxy", "--mode", "reverse:nowhere"])
    assert result.exit_code == 2 and "http://" in result.stderr


def test_proxy_listens_on_loopback_by_default() -> None:
    from auditor.cli.proxy_cmd import proxy_command

    defaults = {p.name: p.default for p in proxy_command.params}
    assert defaults["listen_host"] == "127.0.0.1" and defaults["listen_port"] == 8080


def test_addon_module_imports_on_its_own() -> None:
    # mitmdump -s and our CLI load it from different ends; neither order may cycle
    for code in ("import auditor.traffic.addon", "import auditor.cli, auditor.traffic.addon"):
        process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert process.returncode == 0, process.stderr
