"""Builds captures (flow dumps, HAR) and starts the real proxy for the traffic tests."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mitmproxy import http
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow

from auditor.config import Settings
from auditor.findings import RunResult
from auditor.traffic.session import analyze_captures

REPO = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO / "fixtures" / "server"
REALDATA = REPO / "fixtures" / "realdata"
CAPTURES = REPO / "fixtures" / "captures"
BIN = Path(sys.executable).parent
V1 = {"Accept": "application/vnd.dokeos+json;version=1"}
V2 = {"Accept": "application/vnd.dokeos+json;version=2"}
START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

if str(SERVER_DIR) not in sys.path:
    sys.path.insert(0, str(SERVER_DIR))


def make_flow(spec: Mapping[str, Any], index: int = 0) -> http.HTTPFlow:
    """A mitmproxy HTTP flow from the same dict shape as the rules' TrafficExamples."""
    flow = tflow.tflow(resp=True)
    headers = [(k.encode(), v.encode()) for k, v in spec.get("request_headers", {}).items()]
    body = spec.get("request_body", b"")
    if "request_json" in spec:
        body = json.dumps(spec["request_json"]).encode()
        headers.append((b"content-type", b"application/json"))
    flow.request = http.Request.make(
        spec["method"], spec["url"], body if isinstance(body, bytes) else body.encode(), headers
    )
    moment = spec.get("timestamp")
    started = (
        datetime.fromisoformat(moment) if moment else START + timedelta(seconds=index)
    ).timestamp()
    flow.request.timestamp_start = started
    flow.request.timestamp_end = started + 0.01
    if spec.get("status") is None:
        flow.response = None
        return flow
    response_headers = {"content-type": "application/json"}
    response_headers.update(spec.get("response_headers", {}))
    if "response_raw" in spec:
        content = spec["response_raw"]
    else:
        content = json.dumps(spec.get("response_json")).encode()
    flow.response = http.Response.make(spec["status"], b"")
    # raw bytes and headers set last: make() would re-encode the body or drop the coding
    flow.response.raw_content = content
    for name, value in response_headers.items():
        flow.response.headers[name] = value
    flow.response.headers["content-length"] = str(len(content))
    flow.response.timestamp_start = started + 0.005
    flow.response.timestamp_end = started + 0.01
    return flow


def write_dump(path: Path, flows: Sequence[Any]) -> Path:
    with path.open("wb") as handle:
        writer = FlowWriter(handle)
        for flow in flows:
            writer.add(flow)
    return path


def har_entry(spec: Mapping[str, Any], index: int = 0) -> dict[str, Any]:
    moment = spec.get("timestamp") or (START + timedelta(seconds=index)).isoformat()
    headers = [{"name": k, "value": v} for k, v in spec.get("request_headers", {}).items()]
    content: dict[str, Any] = {"mimeType": "application/json"}
    if "response_text" in spec:
        content["text"] = spec["response_text"]
    elif "response_base64" in spec:
        content["text"] = base64.b64encode(spec["response_base64"]).decode()
        content["encoding"] = "base64"
    else:
        content["text"] = json.dumps(spec.get("response_json"))
    return {
        "startedDateTime": moment,
        "time": 10,
        "request": {
            "method": spec["method"],
            "url": spec["url"],
            "httpVersion": "HTTP/1.1",
            "headers": headers,
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": spec.get("status", 200),
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": k, "value": v} for k, v in spec.get("response_headers", {}).items()
            ],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 10, "receive": 0},
    }


def har_document(entries: Sequence[Any]) -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "tests", "version": "1"},
            "pages": [],
            "entries": list(entries),
        }
    }


def analyze(*paths: Path | str, settings: Settings | None = None) -> tuple[RunResult, bool]:
    return analyze_captures([str(p) for p in paths], settings or Settings())


def rules_of(result: RunResult) -> list[tuple[str, int]]:
    return sorted((f.rule, f.flow.index) for f in result.findings if f.flow is not None)


# -- the real proxy --------------------------------------------------------------------


class RunningProxy:
    def __init__(self, process: subprocess.Popen[str], port: int, stderr_lines: list[str]):
        self.process = process
        self.port = port
        self.stderr_lines = stderr_lines

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str]:
        """Send the signal, wait for the proxy to exit; returns (exit code, all of stderr)."""
        self.process.send_signal(signum)
        try:
            _, rest = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, rest = self.process.communicate()
        return self.process.returncode, "".join(self.stderr_lines) + (rest or "")


_LISTENING = re.compile(r"(?:proxy|sandbox) listening on [^\s]*:(\d+)")


@contextmanager
def running_proxy(args: Sequence[str], startup_timeout: float = 30) -> Iterator[RunningProxy]:
    """Start a proxy (or sandbox) command that listens on a free loopback port; always
    stops it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env.pop(name, None)
    process = subprocess.Popen(
        list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: list[str] = []
    port = None
    deadline = time.monotonic() + startup_timeout
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        match = _LISTENING.search(line)
        if match:
            port = int(match.group(1))
            break
    if port is None:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"proxy did not start: {''.join(lines)}{err}{out}")
    proxy = RunningProxy(process, port, lines)
    try:
        yield proxy
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
