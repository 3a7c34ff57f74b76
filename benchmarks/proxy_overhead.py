"""Benchmark (run on demand): `dokeos-audit proxy` against bare `mitmdump`, same mode, same run.

    .venv/bin/python benchmarks/proxy_overhead.py [--rounds 5] [--duration 10]
        [--connections 8] [--long 100000] [--accept v1|v2]

Starts a fast local upstream (aiohttp, a full page of 20 users in the Dokeos media type),
a bare `mitmdump -q --mode reverse:` and `dokeos-audit proxy --mode reverse:` in front of
it, then alternates `wrk` runs (8 connections, loopback) on each, so both see the same
noise of a shared machine. Prints requests/s and latency percentiles of every round, the
ratio ours/bare per round and their median, the RSS of both proxies after each round, and
with --long N the RSS of our proxy while it serves N more requests (flat = bounded).
Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ACCEPTS = {
    "v1": "application/vnd.dokeos+json;version=1",
    "v2": "application/vnd.dokeos+json;version=2",
}
UPSTREAM = r"""
import json, sys
from aiohttp import web
page = [{"id": i, "email": f"user{i}@acme.example", "group_ids": [1 + i % 7],
         "role_names": ["learner"]} for i in range(1, 21)]
body = json.dumps(page).encode()
dokeos = {"Content-Type": "application/vnd.dokeos+json;version=1"}
async def users(request):
    return web.Response(body=body, headers=dokeos)
app = web.Application()
app.router.add_get("/api/users", users)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


@dataclass
class WrkRun:
    requests_per_second: float
    latency_ms: dict[str, float]
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def rss_mib(pid: int) -> float:
    """RSS of a process and its children (our proxy's analysis worker counts too)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(rss_mib(int(child)) for child in children)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, accept: str, connections: int, duration: float) -> WrkRun:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{duration:g}s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        "-H",
        "Authorization: Bearer benchmark",
        url,
    ]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))  # type: ignore[union-attr]
    latency = {
        f"p{p}": float(value) * _UNITS[unit]
        for p, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    }
    total = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(n) for n in socket_errors.groups())
    return WrkRun(rps, latency, total, failed)


def start(command: list[str], port: int, **kwargs: object) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = subprocess.Popen(command, env=env, **kwargs)  # type: ignore[call-overload]
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def describe(name: str, run: WrkRun) -> str:
    percentiles = " ".join(f"{k}={v:.2f}ms" for k, v in run.latency_ms.items())
    return f"  {name:<13} {run.requests_per_second:8.1f} req/s  {percentiles}  errors={run.errors}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--accept", choices=sorted(ACCEPTS), default="v1")
    parser.add_argument(
        "--long",
        type=int,
        default=0,
        metavar="N",
        help="then send N requests through our proxy, sampling its RSS",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing (Debian: apt-get install wrk)")
    accept = ACCEPTS[args.accept]
    workdir = Path(tempfile.mkdtemp(prefix="proxy-overhead-"))
    up_port, bare_port, ours_port = free_port(), free_port(), free_port()
    upstream = start([sys.executable, "-c", UPSTREAM, str(up_port)], up_port)
    target = f"reverse:http://127.0.0.1:{up_port}"
    mitmdump = [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()"]
    bare = start(
        [
            *mitmdump,
            "-q",
            "--mode",
            target,
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            str(bare_port),
        ],
        bare_port,
    )
    report = workdir / "ours.json"
    stderr_log = (workdir / "ours.stderr").open("wb")
    ours = start(
        [
            sys.executable,
            "-m",
            "auditor",
            "proxy",
            "--mode",
            target,
            "--listen-port",
            str(ours_port),
            "--format",
            "json",
            "--output",
            str(report),
        ],
        ours_port,
        stderr=stderr_log,
    )
    import mitmproxy.version

    print(
        f"python {sys.version.split()[0]}, mitmproxy {mitmproxy.version.VERSION}, "
        f"{os.cpu_count()} CPUs, {args.connections} connections, {args.duration:g}s a run, "
        f"Accept {args.accept}"
    )
    path = "/api/users?page=1"
    ratios: list[float] = []
    p99_ratios: list[float] = []
    try:
        for url in (f"http://127.0.0.1:{bare_port}{path}", f"http://127.0.0.1:{ours_port}{path}"):
            wrk(url, accept, args.connections, 2)  # warm up: connections, caches, imports
        for round_number in range(1, args.rounds + 1):
            # alternate which goes first, so a slow moment of the machine hits both
            order = ["bare", "ours"] if round_number % 2 else ["ours", "bare"]
            runs: dict[str, WrkRun] = {}
            for name in order:
                port = bare_port if name == "bare" else ours_port
                runs[name] = wrk(
                    f"http://127.0.0.1:{port}{path}", accept, args.connections, args.duration
                )
            ratio = runs["ours"].requests_per_second / runs["bare"].requests_per_second
            p99 = runs["ours"].latency_ms.get("p99", 0) / max(
                runs["bare"].latency_ms.get("p99", 1), 1e-9
            )
            ratios.append(ratio)
            p99_ratios.append(p99)
            print(f"round {round_number}: ratio {ratio:.3f}  (p99 latency ratio {p99:.2f})")
            print(describe("bare mitmdump", runs["bare"]))
            print(describe("dokeos-audit", runs["ours"]))
            print(f"  RSS: bare {rss_mib(bare.pid):.1f} MiB, ours {rss_mib(ours.pid):.1f} MiB")
        print(
            f"throughput ratio ours/bare: median {statistics.median(ratios):.3f}, "
            f"min {min(ratios):.3f}, max {max(ratios):.3f} over {len(ratios)} rounds"
        )
        print(f"p99 latency ratio ours/bare: median {statistics.median(p99_ratios):.2f}")
        if args.long:
            sent, started = 0, time.monotonic()
            first_rss = rss_mib(ours.pid)
            print(f"long run: {args.long} requests through dokeos-audit proxy")
            print(f"  {sent:>8} requests  RSS {first_rss:.1f} MiB")
            while sent < args.long:
                run = wrk(f"http://127.0.0.1:{ours_port}{path}", accept, args.connections, 10)
                sent += run.requests
                print(
                    f"  {sent:>8} requests  RSS {rss_mib(ours.pid):.1f} MiB  "
                    f"{run.requests_per_second:.0f} req/s"
                )
            growth = rss_mib(ours.pid) - first_rss
            print(
                f"  RSS growth over {sent} requests: {growth:+.1f} MiB "
                f"({time.monotonic() - started:.0f}s)"
            )
    finally:
        stop(ours)
        stop(bare)
        stop(upstream)
        stderr_log.close()
    if report.exists():
        document = json.loads(report.read_text())
        summary = document["summary"]
        print(
            f"our report: {summary['flows_read']} flows, {len(document['findings'])} "
            f"distinct problems {summary['by_rule']}, occurrences "
            f"{summary.get('occurrences_by_rule')}"
        )
    lines = (workdir / "ours.stderr").read_text(errors="replace").splitlines()
    print(f"our stderr: {len(lines)} lines")
    for line in lines[:12]:
        print(f"  {line[:160]}")


if __name__ == "__main__":
    main()
