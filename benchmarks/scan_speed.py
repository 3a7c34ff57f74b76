"""Scan speed against ast.parse (django), libcst.parse_module (a Dokeos-dense corpus) and semgrep.

    python benchmarks/scan_speed.py                  # everything the machine allows
    python benchmarks/scan_speed.py --no-semgrep --repeat 5
    python benchmarks/scan_speed.py --profile        # where a cold dense-corpus scan spends

django's source comes from its wheel (``pip download django --no-deps``), kept in
``--cache`` (default ~/.cache/dokeos-audit-bench); semgrep is installed there in a venv
of its own when pip can get it, and skipped with a message otherwise. Each figure is the
best of ``--repeat`` runs, every baseline measured in the same run as what it is compared
with; scan times are in-process (``scan_paths``), the command line's wall time, with the
interpreter's start and imports, is shown beside them.

Targets (issue 5): cold django <= 1.0x ast.parse, warm <= 0.2x, Dokeos-dense <= 1.5x bare
libcst parse.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures" / "code"
DEFAULT_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dokeos-audit-bench"
)

SEMGREP_RULE = """\
rules:
  - id: dokeos-v1-accept-header
    languages: [python]
    severity: ERROR
    message: asks the Dokeos API for the withdrawn version 1
    pattern: '"=~/application\\/vnd\\.dokeos\\+json;\\s*version=1/"'
"""
"""DK001's text half: semgrep finds the literal; we also follow it to the request."""


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


# -- corpora ------------------------------------------------------------------------------


def django_source(cache: Path) -> Path:
    """django's package folder, unpacked from its wheel once."""
    unpacked = cache / "django-src"
    if (unpacked / "django" / "__init__.py").exists():
        return unpacked / "django"
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob("django-*.whl")) or sorted(wheels.glob("Django-*.whl"))
    if not found:
        print("downloading django's wheel with pip ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "django", "--no-deps", "-q", "-d", wheels],
            check=True,
        )
        found = sorted(wheels.glob("[dD]jango-*.whl"))
    tmp = Path(tempfile.mkdtemp(dir=cache))
    with zipfile.ZipFile(found[-1]) as wheel:
        wheel.extractall(tmp)
    tmp.replace(unpacked)
    return unpacked / "django"


def dense_corpus(copies: int, into: Path) -> Path:
    """fixtures/code's integrations, ``copies`` times over: nearly every file is Dokeos."""
    for i in range(copies):
        for project in sorted(FIXTURES.iterdir()):
            if project.is_dir():
                shutil.copytree(project, into / f"copy{i:02d}" / project.name)
    return into


def python_texts(root: Path) -> list[tuple[Path, bytes]]:
    """The files a scan of root reads (same discovery, same skipped folders)."""
    from auditor.code.project import Project

    project = Project.discover([root])
    return [(s.abs_path, s.abs_path.read_bytes()) for s in project.files.values()]


# -- measurements ---------------------------------------------------------------------------


def scan_time(root: Path, repeat: int, *, jobs: int, cache_dir: Path | None) -> tuple[float, int]:
    from auditor.code.scan import ScanOptions, scan_paths
    from auditor.config import Settings

    options = ScanOptions(jobs=jobs, cache_dir=cache_dir)
    findings = len(scan_paths([root], Settings(), options=options).findings)  # warms the cache
    return best_of(repeat, lambda: scan_paths([root], Settings(), options=options)), findings


def cli_time(root: Path, repeat: int, *extra: str) -> float:
    command = [sys.executable, "-m", "auditor", "scan", str(root), "--format", "json"]
    command += ["--output", os.devnull, *extra]
    return best_of(repeat, lambda: subprocess.run(command, check=False, capture_output=True))


def ast_time(texts: list[tuple[Path, bytes]], repeat: int) -> float:
    def parse_all() -> None:
        for _, raw in texts:
            with contextlib.suppress(SyntaxError):
                ast.parse(raw)

    return best_of(repeat, parse_all)


def libcst_time(texts: list[tuple[Path, bytes]], repeat: int) -> float:
    import libcst

    decoded = [raw.decode("utf-8") for _, raw in texts]

    def parse_all() -> None:
        for text in decoded:
            with contextlib.suppress(libcst.ParserSyntaxError):
                libcst.parse_module(text)

    return best_of(repeat, parse_all)


def semgrep_binary(cache: Path) -> Path | None:
    """semgrep from its own venv in the cache, installed with pip on first use."""
    on_path = shutil.which("semgrep")
    if on_path:
        return Path(on_path)
    home = cache / "semgrep-venv"
    binary = home / "bin" / "semgrep"
    if binary.exists():
        return binary
    print("installing semgrep with pip (once) ...", file=sys.stderr)
    try:
        venv.create(home, with_pip=True)
        subprocess.run(
            [home / "bin" / "python", "-m", "pip", "install", "-q", "semgrep"],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"semgrep skipped: it does not install here ({exc})", file=sys.stderr)
        shutil.rmtree(home, ignore_errors=True)
        return None
    return binary if binary.exists() else None


def semgrep_time(binary: Path, root: Path, repeat: int, jobs: int) -> tuple[float, int] | None:
    with tempfile.TemporaryDirectory() as folder:
        rule = Path(folder) / "rule.yaml"
        rule.write_text(SEMGREP_RULE)
        command = [
            str(binary), "scan", "--config", str(rule), "--metrics=off",
            "--disable-version-check", "--json", "--quiet", "--jobs", str(jobs), str(root),
        ]  # fmt: skip
        env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode not in (0, 1):
            print(f"semgrep skipped: it failed ({done.stderr.strip()[-300:]})", file=sys.stderr)
            return None
        matches = len(json.loads(done.stdout or "{}").get("results", []))
        spent = best_of(
            repeat, lambda: subprocess.run(command, capture_output=True, env=env, check=False)
        )
        return spent, matches


# -- report ---------------------------------------------------------------------------------


def line(
    label: str, seconds: float, base: float | None = None, target: float | None = None
) -> None:
    ratio = f"{seconds / base:6.2f}x" if base else "       "
    verdict = ""
    if base and target is not None:
        verdict = f"  target <= {target}x: {'met' if seconds / base <= target else 'MISSED'}"
    print(f"  {label:<44} {seconds:8.3f} s {ratio}{verdict}")


def profile_dense(root: Path, top: int) -> None:
    """A cold single-process scan under cProfile: the functions that hold the time."""
    from auditor.code.scan import ScanOptions, scan_paths
    from auditor.config import Settings

    profiler = cProfile.Profile()
    profiler.enable()
    scan_paths([root], Settings(), options=ScanOptions(jobs=1))
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"\n-- cProfile, cold dense corpus, one process, by {order} --")
        print("\n".join(out.getvalue().splitlines()[4:]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=10, help="copies of fixtures/code")
    parser.add_argument("--jobs", type=int, default=None, help="default: all cores")
    parser.add_argument("--no-semgrep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the dense corpus")
    options = parser.parse_args(argv)

    from auditor.parallel import default_jobs

    jobs = options.jobs or default_jobs()
    options.cache.mkdir(parents=True, exist_ok=True)
    semgrep = None if options.no_semgrep else semgrep_binary(options.cache)
    django = django_source(options.cache)
    django_texts = python_texts(django)
    size = sum(len(raw) for _, raw in django_texts) / 1e6
    print(
        f"django: {len(django_texts)} files, {size:.1f} MB; {jobs} job(s); best of {options.repeat}"
    )

    with tempfile.TemporaryDirectory() as scratch:
        base = ast_time(django_texts, options.repeat)
        line("ast.parse of every file", base)
        cold, _ = scan_time(django, options.repeat, jobs=jobs, cache_dir=None)
        line("scan, cold (no cache)", cold, base, 1.0)
        warm, _ = scan_time(django, options.repeat, jobs=jobs, cache_dir=Path(scratch) / "dj")
        line("scan, warm cache", warm, base, 0.2)
        line(
            "command line, cold (with interpreter start)",
            cli_time(django, options.repeat, "--no-cache"),
            base,
        )
        line(
            "command line, warm",
            cli_time(django, options.repeat, "--cache-dir", str(Path(scratch) / "dj")),
            base,
        )
        if semgrep is not None:
            found = semgrep_time(semgrep, django, options.repeat, jobs)
            if found is not None:
                line(f"semgrep, DK001-like rule ({found[1]} matches)", found[0], base)

        dense = dense_corpus(options.copies, Path(scratch) / "dense")
        dense_texts = python_texts(dense)
        size = sum(len(raw) for _, raw in dense_texts) / 1e6
        print(f"\nDokeos-dense corpus: fixtures/code x{options.copies}, ", end="")
        print(f"{len(dense_texts)} files, {size:.2f} MB")
        bare = libcst_time(dense_texts, options.repeat)
        line("bare libcst.parse_module of every file", bare)
        line("ast.parse of every file", ast_time(dense_texts, options.repeat), bare)
        single, findings = scan_time(dense, options.repeat, jobs=1, cache_dir=None)
        line(f"scan, cold, 1 process ({findings} findings)", single, bare)
        cold, _ = scan_time(dense, options.repeat, jobs=jobs, cache_dir=None)
        line(f"scan, cold, {jobs} processes", cold, bare, 1.5)
        warm, _ = scan_time(dense, options.repeat, jobs=jobs, cache_dir=Path(scratch) / "dc")
        line("scan, warm cache", warm, bare)
        if semgrep is not None:
            found = semgrep_time(semgrep, dense, options.repeat, jobs)
            if found is not None:
                line(f"semgrep, DK001-like rule ({found[1]} matches)", found[0], bare)
        if options.profile:
            profile_dense(dense, 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
