"""Scan real API clients from PyPI: zero findings and no crash, on demand (needs PyPI).

    .venv/bin/python benchmarks/real_clients.py [--stress] [package ...]

Downloads the wheels (pip download, cached in benchmarks/.cache/), then:
- runs `dokeos-audit scan` on each, as a user would: they talk to GitHub, Canvas, GitLab,
  Atlassian or nothing at all, so every finding is a false alarm and the command must exit 0;
- with --stress, also analyzes every file of every package as if all of it could involve
  Dokeos (no prefilter), to prove the analyzer survives large real code bases.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

PACKAGES = (
    "canvasapi",
    "PyGithub",
    "python-gitlab",
    "atlassian-python-api",
    "django",
    "requests",
    "httpx",
    "aiohttp",
)
CACHE = Path(__file__).resolve().parent / ".cache" / "wheels"


def fetch(package: str) -> Path:
    target = CACHE / package
    if not target.exists():
        download = CACHE / "downloads"
        download.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(download),
                package,
            ],
            check=True,
        )
        wheel = max(
            (
                w
                for w in download.glob("*.whl")
                if w.name.lower().startswith(package.lower().replace("-", "_"))
            ),
            key=lambda w: w.stat().st_mtime,
        )
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    return target


def scan(source: Path) -> tuple[int, dict, float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        # each package is a project of its own (as its authors scan it), not a part of
        # this repository, whose tests import requests, httpx and aiohttp by those names
        [
            *(sys.executable, "-m", "auditor", "scan", str(source), "--project-root"),
            *(str(source), "--format", "json", "--no-cache"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    document = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return done.returncode, document, elapsed, done.stderr


def stress(source: Path) -> tuple[int, int, int, float]:
    """Every file analyzed, every host Dokeos: (files, calls modelled, errors, seconds)."""
    from auditor.catalog import load_catalog
    from auditor.code.analyzer import Analyzer
    from auditor.code.project import Project

    catalog = load_catalog().with_hosts(["*"])
    project = Project.discover([source])
    project.read_all()
    analyzer = Analyzer(project, catalog)
    started = time.perf_counter()
    analyzer.analyze_all(list(project.files))
    model = analyzer.model()
    return len(project.files), len(model.calls), len(analyzer.errors), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--stress", action="store_true")
    options = parser.parse_args()
    failures = 0
    print(f"{'package':<24} {'files':>6} {'findings':>9} {'errors':>7} {'seconds':>8}  exit")
    for package in options.packages:
        source = fetch(package)
        code, document, elapsed, stderr = scan(source)
        findings = len(document.get("findings", []))
        errors = len(document.get("errors", []))
        files = document.get("summary", {}).get("files_scanned", 0)
        ok = code == 0 and findings == 0 and "Traceback" not in stderr
        failures += not ok
        print(
            f"{package:<24} {files:>6} {findings:>9} {errors:>7} {elapsed:>8.2f}  {code}"
            f"{'' if ok else '  <-- FAIL'}"
        )
        if options.stress:
            n, calls, analysis_errors, seconds = stress(source)
            print(
                f"  stress: {n} files analyzed, {calls} calls modelled, "
                f"{analysis_errors} files with analysis errors, {seconds:.1f}s"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
