"""Benchmark (run on demand, not in CI): hostile mutations of real captures and real code.

    .venv/bin/python benchmarks/fuzz.py [--captures 3000] [--code 200] [--seed 13] [--jobs 2]

Mutates the captures in fixtures/captures and fixtures/realdata (byte flips, cuts,
insertions, duplicated and dropped spans, hostile tokens, gzip wrapping) and the Python
files of fixtures/code, runs each through `dokeos-audit traffic` or `dokeos-audit scan`
(`--format json`), and reports:

- tracebacks (any exception that is not the CLI's own exit), and runs that died of a signal;
- hangs: runs over the timeout;
- peak RSS of any worker process over 1 GiB;
- error entries not accounted for: a mutated capture that lost flows against its original
  with no error entry for it (except where a dropped span took whole entries out of a
  still valid document), or an entry without a one-line reason or naming no input.

It exits 1 when any of those is not zero. Captures are run in batches inside worker
processes (a process per capture would measure mitmproxy's import time); every scan runs
in its own process, since a native crash of the parser must be seen as one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CAPTURE_DIRS = (REPO / "fixtures" / "captures", REPO / "fixtures" / "realdata")
CODE_DIR = REPO / "fixtures" / "code"
CAPTURE_SUFFIXES = {".har", ".mitm", ".zhar", ".json", ""}
RSS_LIMIT_MIB = 1024
BATCH = 25
BATCH_TIMEOUT = 300.0
SCAN_TIMEOUT = 120.0

HOSTILE_TOKENS = [
    b"9" * 5000,
    b'"\\ud800"',
    b"[" * 1000 + b"]" * 1000,
    b"999999999999:",
    b"1e400",
    b'"\xb2"',
    b"\x00" * 64,
    b'"9999-12-31T23:59:59-05:00"',
    b"\xe2\x80\xae",
    b"{" * 50,
]
HOSTILE_CODE = [
    "x = " + "(" * 200 + "1" + ")" * 200 + "\n",
    'password: str = "fuzz-secret"\n',
    "class Client(Client):\n    pass\n",
    "a = 'https://x.dokeos.com/api/users'\n" + "a = a + a\n" * 8 + "requests.get(a)\n",
    "if x:\n" + "".join(f"    pass\nelif y{i}:\n" for i in range(200)) + "    pass\n",
    "\u202e = 1\n",
    "def f(:\n",
]


# -- mutations ------------------------------------------------------------------------------


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One hostile change of a capture, named for the report."""
    kind = rng.choice(["flip", "flips", "cut", "insert", "duplicate", "drop", "token", "gzip"])
    size = max(1, len(data))
    at = rng.randrange(size)
    out = bytearray(data)
    if kind == "flip":
        out[at % len(out)] = rng.randrange(256) if out else 0
    elif kind == "flips":
        for _ in range(rng.randint(2, 8)):
            out[rng.randrange(size) % len(out)] = rng.randrange(256)
    elif kind == "cut":
        del out[at:]
    elif kind == "insert":
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == "duplicate":
        span = rng.randint(1, max(1, size // 10))
        out[at:at] = data[at : at + span]
    elif kind == "drop":
        del out[at : at + rng.randint(1, max(1, size // 10))]
    elif kind == "token":
        token = rng.choice(HOSTILE_TOKENS)
        out[at : at + rng.randint(0, 8)] = token
    else:  # gzip around a flipped copy: the compressed readers see the same damage
        out[at % len(out)] = rng.randrange(256) if out else 0
        return kind, gzip.compress(bytes(out))
    return kind, bytes(out)


def mutate_code(text: str, rng: random.Random) -> tuple[str, str]:
    lines = text.splitlines(keepends=True) or [""]
    kind = rng.choice(["flip", "cut", "dup-line", "drop-line", "hostile", "indent"])
    at = rng.randrange(len(lines))
    if kind == "flip" and text:
        pos = rng.randrange(len(text))
        return kind, text[:pos] + chr(rng.randrange(32, 0x3000)) + text[pos + 1 :]
    if kind == "cut":
        return kind, text[: rng.randrange(len(text) + 1)]
    if kind == "dup-line":
        lines.insert(at, lines[at])
    elif kind == "drop-line":
        del lines[at]
    elif kind == "indent":
        lines[at] = "    " * rng.randint(1, 3) + lines[at]
    else:
        lines.insert(at, rng.choice(HOSTILE_CODE))
    return kind, "".join(lines)


# -- running ------------------------------------------------------------------------------


@dataclass
class Tally:
    runs: Counter[str] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    over_memory: list[str] = field(default_factory=list)
    unaccounted: list[str] = field(default_factory=list)
    error_entries: int = 0
    flows_lost: int = 0
    peak_rss_mib: int = 0
    slowest: tuple[float, str] = (0.0, "")

    def bad(self) -> int:
        return (
            len(self.tracebacks) + len(self.hangs) + len(self.over_memory) + len(self.unaccounted)
        )


def run_process(args: list[str], timeout: float) -> tuple[int | None, str, str, int, float]:
    """(exit code or None on timeout, stdout, stderr, peak RSS MiB, seconds)."""
    started = time.monotonic()
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        out, err = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        code = None
    # each child prints its own peak (its ru_maxrss, its pool workers' too) as it ends
    rss = _peak_of(err)
    return code, out, err, rss, time.monotonic() - started


def _peak_of(stderr: str) -> int:
    marker = "FUZZ-PEAK-RSS-MIB "
    for line in stderr.splitlines():
        if line.startswith(marker):
            return int(line.removeprefix(marker))
    return 0


WORKER = r"""
import json, resource, sys, traceback
from click.testing import CliRunner
from auditor.cli import cli
runner = CliRunner()
for path in sys.argv[1:]:
    result = runner.invoke(cli, ["traffic", path, "--format", "json"])
    record = {"path": path, "exit": result.exit_code}
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        record["traceback"] = "".join(traceback.format_exception(result.exception))[-2000:]
    else:
        try:
            document = json.loads(result.stdout)
            record["flows"] = document["summary"]["flows_read"]
            record["errors"] = document["errors"]
        except (ValueError, KeyError) as exc:
            record["traceback"] = f"output is not the JSON document: {exc}"
    print(json.dumps(record), flush=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"FUZZ-PEAK-RSS-MIB {peak}", file=sys.stderr)
"""

SCAN_WRAPPER = r"""
import resource, runpy, sys
sys.argv = ["dokeos-audit", *sys.argv[1:]]
try:
    runpy.run_module("auditor", run_name="__main__")
finally:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"FUZZ-PEAK-RSS-MIB {max(peak, children)}", file=sys.stderr)
"""


def originals() -> dict[Path, int]:
    """Every capture and the flows it reads unmutated (the baseline losses are judged by)."""
    files = [
        p
        for folder in CAPTURE_DIRS
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in CAPTURE_SUFFIXES and p.name not in ("SHA256SUMS",)
    ]
    counts: dict[Path, int] = {}
    for record in _run_batch([str(p) for p in files], Tally(), "originals"):
        counts[Path(record["path"])] = int(record.get("flows", 0))
    return counts


def _run_batch(paths: list[str], tally: Tally, label: str) -> list[dict[str, Any]]:
    code, out, err, rss, seconds = run_process(
        [sys.executable, "-c", WORKER, *paths], BATCH_TIMEOUT
    )
    tally.peak_rss_mib = max(tally.peak_rss_mib, rss)
    if rss > RSS_LIMIT_MIB:
        tally.over_memory.append(f"{label}: {rss} MiB")
    if code is None:
        tally.hangs.append(f"{label}: over {BATCH_TIMEOUT:.0f} s ({len(paths)} captures)")
    elif code != 0:
        tally.tracebacks.append(f"{label}: worker exited {code}: {err[-1500:]}")
    records = []
    for line in out.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    if seconds / max(1, len(paths)) > tally.slowest[0]:
        tally.slowest = (seconds / max(1, len(paths)), label)
    return records


def fuzz_captures(count: int, seed: int, jobs: int, workdir: Path) -> Tally:
    tally = Tally()
    baseline = originals()
    sources = list(baseline)
    rng = random.Random(seed)
    made: list[tuple[Path, Path, str]] = []
    for n in range(count):
        source = rng.choice(sources)
        kind, data = mutate_bytes(source.read_bytes(), rng)
        target = workdir / f"capture-{n:05d}{source.suffix}"
        target.write_bytes(data)
        made.append((target, source, kind))
        tally.runs[f"capture:{kind}"] += 1
    by_target = {str(t): (s, k) for t, s, k in made}
    batches = [made[i : i + BATCH] for i in range(0, len(made), BATCH)]

    def run(batch: list[tuple[Path, Path, str]]) -> list[dict[str, Any]]:
        label = f"captures {batch[0][0].name}..{batch[-1][0].name}"
        return _run_batch([str(t) for t, _, _ in batch], tally, label)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for records in pool.map(run, batches):
            for record in records:
                source, kind = by_target[record["path"]]
                _judge_capture(record, source, kind, baseline[source], tally)
    return tally


def _judge_capture(
    record: dict[str, Any], source: Path, kind: str, flows_before: int, tally: Tally
) -> None:
    where = f"{Path(record['path']).name} ({kind} of {source.relative_to(REPO)})"
    if "traceback" in record:
        tally.tracebacks.append(f"{where}: {record['traceback']}")
        return
    errors = record.get("errors", [])
    tally.error_entries += len(errors)
    for entry in errors:
        reason = entry.get("reason")
        if entry.get("path") != record["path"] or not isinstance(reason, str) or not reason:
            tally.unaccounted.append(f"{where}: error entry {entry}")
        elif "\n" in reason:
            tally.unaccounted.append(f"{where}: a reason of several lines: {reason!r}")
    lost = max(0, flows_before - int(record.get("flows", 0)))
    tally.flows_lost += lost
    # dropping a span can remove whole entries and leave a valid document: nothing to report
    if lost and not errors and kind != "drop":
        tally.unaccounted.append(f"{where}: {lost} flow(s) lost with no error entry")


def fuzz_code(count: int, seed: int, jobs: int, workdir: Path) -> Tally:
    tally = Tally()
    projects = sorted(p for p in CODE_DIR.iterdir() if p.is_dir())
    rng = random.Random(seed + 1)
    cases: list[tuple[Path, str]] = []
    for n in range(count):
        project = rng.choice(projects)
        files = sorted(project.rglob("*.py"))
        if not files:
            continue
        victim = rng.choice(files)
        target = workdir / f"code-{n:04d}"
        shutil.copytree(project, target)
        kind, text = mutate_code(victim.read_text(encoding="utf-8"), rng)
        (target / victim.relative_to(project)).write_text(text, encoding="utf-8")
        cases.append((target, f"{kind} of {victim.relative_to(REPO)}"))
        tally.runs[f"code:{kind}"] += 1

    def run(case: tuple[Path, str]) -> None:
        target, label = case
        code, out, err, rss, seconds = run_process(
            [
                sys.executable,
                "-c",
                SCAN_WRAPPER,
                "scan",
                str(target),
                "--format",
                "json",
                "--jobs",
                "1",
                "--no-cache",
            ],
            SCAN_TIMEOUT,
        )
        tally.peak_rss_mib = max(tally.peak_rss_mib, rss)
        if seconds > tally.slowest[0]:
            tally.slowest = (seconds, label)
        if rss > RSS_LIMIT_MIB:
            tally.over_memory.append(f"{label}: {rss} MiB")
        if code is None:
            tally.hangs.append(f"{label}: over {SCAN_TIMEOUT:.0f} s")
            return
        if code < 0 or code not in (0, 1, 2) or "Traceback" in err:
            tally.tracebacks.append(f"{label}: exit {code}: {err[-800:]}")
            return
        try:
            document = json.loads(out)
        except ValueError:
            tally.tracebacks.append(f"{label}: exit {code}, no JSON document: {err[-300:]}")
            return
        errors = document.get("errors", [])
        tally.error_entries += len(errors)
        for entry in errors:
            if not isinstance(entry.get("reason"), str) or "\n" in entry.get("reason", "\n"):
                tally.unaccounted.append(f"{label}: error entry {entry}")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, cases))
    return tally


def summary(name: str, tally: Tally, seconds: float) -> str:
    total = sum(tally.runs.values())
    kinds = ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(tally.runs.items()))
    lines = [
        f"{name}: {total} mutations in {seconds:.0f} s ({kinds})",
        f"  tracebacks {len(tally.tracebacks)} · hangs {len(tally.hangs)} · "
        f"over {RSS_LIMIT_MIB} MiB {len(tally.over_memory)} · "
        f"unaccounted {len(tally.unaccounted)}",
        f"  error entries {tally.error_entries} · flows lost {tally.flows_lost} · "
        f"peak RSS {tally.peak_rss_mib} MiB · slowest {tally.slowest[0]:.2f} s "
        f"({tally.slowest[1]})",
    ]
    for title, items in (
        ("traceback", tally.tracebacks),
        ("hang", tally.hangs),
        ("memory", tally.over_memory),
        ("unaccounted", tally.unaccounted),
    ):
        for item in items[:10]:
            text = item.strip()
            # where it happened, and the end of the traceback (what was raised)
            shown = text if len(text) <= 1200 else f"{text[:300]} ... {text[-900:]}"
            lines.append(f"  {title}: {shown}")
        if len(items) > 10:
            lines.append(f"  ... {len(items) - 10} more {title} lines")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=3000)
    parser.add_argument("--code", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory(prefix="dokeos-fuzz-") as tmp:
        work = Path(tmp)
        sections: list[tuple[str, Callable[[], Tally]]] = [
            ("captures", lambda: fuzz_captures(options.captures, options.seed, options.jobs, work)),
            ("code", lambda: fuzz_code(options.code, options.seed, options.jobs, work)),
        ]
        for name, run in sections:
            started = time.monotonic()
            tally = run()
            print(summary(name, tally, time.monotonic() - started), flush=True)
            bad += tally.bad()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
