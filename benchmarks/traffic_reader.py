"""Benchmark (run on demand): our capture reader against bare mitmproxy FlowReader and json.load.

    .venv/bin/python benchmarks/traffic_reader.py [--flows 20000]

Prints flows/second of our reader as a ratio of mitmproxy's FlowReader on the same
generated flow dump, and of `json.load` on the same HAR; then the peak memory of a full
`traffic` analysis on dumps of two sizes, measured in fresh processes (flat = streaming).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mitmproxy import http
from mitmproxy.addons.savehar import SaveHar
from mitmproxy.io import FlowReader, FlowWriter
from mitmproxy.test import tflow

from auditor.config import Settings
from auditor.traffic.capture import CaptureStats, read_capture
from auditor.traffic.session import analyze_captures

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"


def make_flow(i: int) -> http.HTTPFlow:
    """A realistic mix: Dokeos list pages (some gzip), job calls, and other vendors' calls."""
    flow = tflow.tflow(resp=True)
    kind = i % 4
    if kind == 0:
        url = f"https://acme.dokeos.com/api/users?page={1 + i % 7}"
        body = {"data": [{"id": n, "email": f"u{n}@x.test"} for n in range(20)], "meta": {}}
        accept = V2
    elif kind == 1:
        url = f"https://acme.dokeos.com/api/participations?training_ids=1,2,3&page={i}"
        body = [{"id": n, "progressions": [{"m": 1}]} for n in range(5)]
        accept = V1
    elif kind == 2:
        url = f"https://acme.dokeos.com/api/jobs/job-{i}"
        body = {"job_id": f"job-{i}", "status": "done"}
        accept = V2
    else:
        url = f"https://api.github.com/repos/acme/sync/issues?page={i}"
        body = [{"id": n, "title": "x" * 40} for n in range(10)]
        accept = "application/json"
    flow.request = http.Request.make(
        "GET", url, b"", {"Accept": accept, "Authorization": "Bearer t", "User-Agent": "bench"}
    )
    flow.request.timestamp_start = 1_700_000_000 + i
    flow.request.timestamp_end = 1_700_000_000 + i + 0.05
    content = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if i % 3 == 0:
        content = gzip.compress(content)
        headers["Content-Encoding"] = "gzip"
    flow.response = http.Response.make(200, b"", headers)
    flow.response.raw_content = content
    return flow


def write_captures(folder: Path, count: int) -> tuple[Path, Path]:
    dump, har = folder / f"flows-{count}.mitm", folder / f"flows-{count}.har"
    flows = []
    with dump.open("wb") as handle:
        writer = FlowWriter(handle)
        for i in range(count):
            flow = make_flow(i)
            writer.add(flow)
            flows.append(flow)
    har.write_text(json.dumps(SaveHar().make_har(flows)))
    return dump, har


def best_rates(contenders: dict[str, Callable[[], int]], repeat: int = 3) -> dict[str, float]:
    """Best flows/second of each contender, runs interleaved so machine noise hits all alike."""
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(repeat):
        for name, count_flows in contenders.items():
            gc.collect()
            started = time.perf_counter()
            flows = count_flows()
            best[name] = max(best[name], flows / (time.perf_counter() - started))
    return best


def bare_flowreader(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in FlowReader(handle).stream())


def bare_json_load(path: Path) -> int:
    with path.open("rb") as handle:
        return len(json.load(handle)["log"]["entries"])


def our_reader(path: Path) -> int:
    stats = CaptureStats()
    for _ in read_capture(path, str(path), stats):
        pass
    return stats.exchanges


def our_analysis(path: Path) -> int:
    result, _ = analyze_captures([str(path)], Settings())
    return result.flows_read


def peak_rss_mib(path: Path) -> float:
    """Peak resident memory (VmHWM) of a fresh process that analyzes one capture."""
    code = (
        "import sys\n"
        "from auditor.config import Settings\n"
        "from auditor.traffic.session import analyze_captures\n"
        "analyze_captures([sys.argv[1]], Settings())\n"
        "status = open('/proc/self/status').read()\n"
        "print(next(l.split()[1] for l in status.splitlines() if l.startswith('VmHWM')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dump, har = write_captures(folder, args.flows)
        small_dump, small_har = write_captures(folder, args.flows // 4)
        print(
            f"{args.flows} flows: dump {dump.stat().st_size >> 20} MiB, "
            f"HAR {har.stat().st_size >> 20} MiB"
        )

        rates = best_rates(
            {
                "bare": lambda: bare_flowreader(dump),
                "ours": lambda: our_reader(dump),
                "full": lambda: our_analysis(dump),
            }
        )
        bare, ours, full = rates["bare"], rates["ours"], rates["full"]
        print(
            f"flow dump  FlowReader {bare:8.0f} flows/s | our reader {ours:8.0f} flows/s "
            f"= {ours / bare:.2f}x | full analysis {full:8.0f} flows/s = {full / bare:.2f}x"
        )

        rates = best_rates(
            {
                "bare": lambda: bare_json_load(har),
                "ours": lambda: our_reader(har),
                "full": lambda: our_analysis(har),
            }
        )
        bare, ours, full = rates["bare"], rates["ours"], rates["full"]
        print(
            f"HAR        json.load  {bare:8.0f} flows/s | our reader {ours:8.0f} flows/s "
            f"= {ours / bare:.2f}x | full analysis {full:8.0f} flows/s = {full / bare:.2f}x"
        )

        for label, small, large in (("flow dump", small_dump, dump), ("HAR", small_har, har)):
            low, high = peak_rss_mib(small), peak_rss_mib(large)
            print(
                f"peak memory, {label}: {args.flows // 4} flows {low:.0f} MiB, "
                f"{args.flows} flows {high:.0f} MiB (file {large.stat().st_size >> 20} MiB)"
            )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this benchmark process itself peaked at {own:.0f} MiB: it holds the generated flows)")


if __name__ == "__main__":
    main()
