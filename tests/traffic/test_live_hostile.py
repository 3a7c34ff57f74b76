"""The live proxy under hostile input (issue 13, items 9, 10 and 13): bombs, deep bodies,
signals while the report is written, and addresses that expose it."""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import pytest
from click.testing import CliRunner
from clients import V1, ApiClient

from auditor.cli import cli
from auditor.sandbox.server import Sandbox, SandboxOptions
from auditor.traffic import bodies
from auditor.traffic.proxy import is_loopback
from auditor.traffic.saved_flows import DROPPED_BODY_HEADER, redacted_copy
from tests.traffic.helpers import analyze, make_flow, running_proxy, write_dump
from tests.traffic.test_live_proxy import MITMDUMP, PROXY

BOMB_MIB = 256


def brotli_bomb(mib: int) -> bytes:
    """mib MiB of zeros as brotli, built a MiB at a time (never held whole)."""
    compressor = brotli.Compressor(quality=1)
    zeros = bytes(1 << 20)
    parts = [compressor.process(zeros) for _ in range(mib)]
    return b"".join(parts) + compressor.finish()


class _BombServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, bomb: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _BombHandler)
        self.bomb = bomb


class _BombHandler(BaseHTTPRequestHandler):
    server: _BombServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/api/bomb"):
            body, headers = self.server.bomb, {"Content-Encoding": "br"}
        else:
            body, headers = b'[{"id": 1}]', {}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def bomb_server() -> Iterator[_BombServer]:
    server = _BombServer(brotli_bomb(BOMB_MIB))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def get_through(proxy_port: int, server_port: int, path: str) -> tuple[int, int]:
    """GET through the proxy without decoding the body: (status, raw bytes received)."""
    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=60)
    try:
        connection.request("GET", f"http://127.0.0.1:{server_port}{path}", headers={"Accept": V1})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def peak_rss_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def test_bomb_responses_stall_no_other_client_and_cost_no_memory(
    bomb_server: _BombServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    port = bomb_server.server_address[1]
    with running_proxy([*PROXY, "--format", "json", "--output", str(report)]) as proxy:
        for _ in range(4):
            assert get_through(proxy.port, port, "/api/bomb")[0] == 200
        started = time.monotonic()
        assert get_through(proxy.port, port, "/api/users") == (200, 11)
        waited = time.monotonic() - started
        peak = peak_rss_mib(proxy.process.pid)
        code, stderr = proxy.stop(signal.SIGTERM)
    # each bomb decodes to 256 MiB: decoded in the loop, whole, the small call would wait
    # seconds behind them and the proxy would hold gigabytes
    assert waited < 3, waited
    assert peak < 1024, peak
    document = json.loads(report.read_text())
    assert code == 1 and "Traceback" not in stderr
    assert document["summary"]["flows_read"] == 5 and document["errors"] == []


def test_second_and_later_signals_while_stopping_still_leave_the_whole_report(
    tmp_path: Path,
) -> None:
    server = Sandbox(SandboxOptions(port=0, job_delay=0.0, before_cutover=True))
    server.start_in_thread()
    report = tmp_path / "report.html"
    try:
        with running_proxy([*PROXY, "--format", "html", "--output", str(report)]) as proxy:
            client = ApiClient(server.url, V1, proxy=proxy.url)
            for page in range(60):
                client.call("GET", "users", params={"page": page + 1})
            client.close()
            proxy.process.send_signal(signal.SIGINT)
            # keep interrupting, as an impatient user does, until the proxy has exited
            deadline = time.monotonic() + 30
            while proxy.process.poll() is None and time.monotonic() < deadline:
                proxy.process.send_signal(signal.SIGINT if time.monotonic() % 2 else signal.SIGTERM)
                time.sleep(0.005)
            code, stderr = proxy.stop(signal.SIGTERM)
    finally:
        server.stop_thread()
    assert code == 1, stderr
    assert "Traceback" not in stderr
    assert report.read_text().rstrip().endswith("</html>")
    assert not list(tmp_path.glob(".report.html.*"))


# -- --save-flows ---------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_saved_flows_keep_bodies_nested_deeper_than_python_parses(tmp_path: Path) -> None:
    body = '{"password": "deep-secret-1", "items": ' + nested(1200) + "}"
    flow = make_flow(
        {
            "method": "POST",
            "url": "https://acme.dokeos.com/api/users",
            "request_headers": {"Accept": V1, "content-type": "application/json"},
            "request_body": body.encode(),
            "status": 200,
            "response_json": {"ok": True},
        }
    )
    saved = write_dump(tmp_path / "saved.mitm", [redacted_copy(flow)])
    assert b"deep-secret-1" not in saved.read_bytes()
    replay, _ = analyze(saved)
    assert replay.flows_read == 1 and replay.errors == []


def test_saved_copy_of_a_bomb_is_cut_while_decoding_and_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bodies, "MAX_DECODED_BYTES", 1 << 20)
    flow = make_flow(
        {
            "method": "GET",
            "url": "https://acme.dokeos.com/api/users",
            "request_headers": {"Accept": V1},
            "status": 200,
            "response_raw": brotli_bomb(64),
            "response_headers": {"content-encoding": "br"},
        }
    )
    tracemalloc.start()
    try:
        copy = redacted_copy(flow)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak  # mitmproxy's get_content() would have held 64 MiB
    assert copy.response is not None and copy.response.raw_content == b""
    assert "dropped" in copy.response.headers[DROPPED_BODY_HEADER]
    assert flow.response is not None and flow.response.raw_content  # the original flows on


# -- exposure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("", False),
        ("::", False),
        ("192.168.1.10", False),
        ("myhost.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_proxy_warns_before_listening_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.cli import proxy_cmd

    # never really listen on every interface in a test: stop right after the warning
    monkeypatch.setattr(proxy_cmd, "run_proxy", lambda *args, **kwargs: None)
    result = CliRunner().invoke(cli, ["proxy", "--listen-host", "0.0.0.0"])
    assert "warning: listening on 0.0.0.0" in result.stderr
    assert "--listen-host 127.0.0.1" in result.stderr
    quiet = CliRunner().invoke(cli, ["proxy", "--listen-host", "127.0.0.1"])
    assert "warning" not in quiet.stderr


def test_mitmdump_without_quiet_is_told_it_prints_every_url(tmp_path: Path) -> None:
    from tests.traffic.test_live_proxy import ADDON

    args = [*MITMDUMP, "--listen-host", "127.0.0.1", "--listen-port", "0", "-s", str(ADDON)]
    with running_proxy(args) as proxy:
        assert proxy.process.stderr is not None
        # printed right after the listening line, in the same hook
        warning = proxy.process.stderr.readline()
        proxy.stop(signal.SIGTERM)
    assert "run it with -q" in warning, warning
    assert "is not a loopback address" not in warning
