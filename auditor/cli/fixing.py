"""`scan --fix`, `--unsafe-fixes`, `--fix-only` and `--diff`: the fixes of a scan applied in
passes (a fix skipped for colliding with another is made in the next pass, on the new text),
in memory, then written (or shown as a diff) once the text no longer changes.

`--diff` is ruff's preview; before fixes existed it took a git ref (the files changed since
then), which is now `--changed-since REF`. `--diff REF` keeps working, with a warning, when
REF is not a path that exists; `--diff=REF` always means a ref.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.errors import AuditError
from auditor.findings import Finding, RunResult
from auditor.fix.apply import Skipped, apply_fixes
from auditor.fix.source import unified_diff

F = TypeVar("F", bound=Callable[..., Any])

MAX_PASSES = 6
"""Passes of fixes at most (ruff stops after 100; ours settle in two or three)."""

_DEPRECATED_DIFF = (
    "dokeos-audit: warning: `--diff REF` is deprecated, use `--changed-since REF` "
    "(`--diff` alone previews fixes, as in ruff)"
)


def fix_options(command: F) -> F:
    options = [
        click.option(
            "--fix",
            is_flag=True,
            help="Apply the safe fixes in place, then report what is left.",
        ),
        click.option(
            "--unsafe-fixes",
            is_flag=True,
            help="Also apply (or show) the fixes that change what the code does: chunked "
            "id lists, page loops, waits for jobs.",
        ),
        click.option(
            "--fix-only",
            is_flag=True,
            help="Apply the fixes and report nothing else (exit 0 unless nothing could be read).",
        ),
        click.option(
            "--diff",
            "preview",
            is_flag=True,
            help="Print the diff of what --fix would change, change nothing (exit 1 when "
            "there is something to fix).",
        ),
        click.option(
            "--changed-since",
            "changed_since",
            default=None,
            metavar="REF",
            help="Only analyze and report the Python files changed against git REF "
            "(committed, staged or not) and untracked ones; the rest of the project still "
            "resolves imports. Formerly `--diff REF`.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class ScanCommand(click.Command):
    """`scan`, reading the former `--diff REF` as `--changed-since REF`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, legacy_diff(args))


def legacy_diff(args: list[str], exists: Callable[[str], bool] = os.path.exists) -> list[str]:
    """``--diff=REF`` and ``--diff REF`` (REF not a path) → ``--changed-since=REF``."""
    out: list[str] = []
    index = 0
    warned = False
    while index < len(args):
        arg = args[index]
        if arg == "--":
            out.extend(args[index:])
            break
        ref: str | None = None
        if arg.startswith("--diff="):
            ref = arg.split("=", 1)[1]
        elif arg == "--diff" and index + 1 < len(args):
            following = args[index + 1]
            if following and not following.startswith("-") and not exists(following):
                ref = following
                index += 1
        if ref is None:
            out.append(arg)
        else:
            out.append(f"--changed-since={ref}")
            if not warned:
                click.echo(_DEPRECATED_DIFF, err=True)
                warned = True
        index += 1
    return out


@dataclass
class FixRun:
    """What the passes did: the last scan (what is left), and every file's new text."""

    result: RunResult
    texts: dict[Path, str] = field(default_factory=dict)
    originals: dict[Path, tuple[bytes, str]] = field(default_factory=dict)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    labels: dict[Path, str] = field(default_factory=dict)

    @property
    def changed(self) -> dict[Path, str]:
        return {p: t for p, t in self.texts.items() if t != self.originals[p][1]}


def run_fixes(scan: Callable[[Mapping[str, bytes] | None], RunResult], *, unsafe: bool) -> FixRun:
    """Scan, fix, scan again on the fixed text (held in memory) until nothing changes."""
    overlay: dict[str, bytes] = {}
    run = FixRun(scan(None))
    initial = Counter(_identity(f) for f in run.result.findings)
    fixed: Counter[tuple[str, ...]] = Counter()
    for _ in range(MAX_PASSES):
        result = run.result
        # a finding its fix did not resolve is not fixed again: the edit would only repeat
        current = Counter(_identity(f) for f in result.findings)
        stuck = {i for i, n in fixed.items() if current[i] > initial[i] - n}
        findings = [f for f in result.findings if _identity(f) not in stuck]

        def read(rel: str, result: RunResult = result) -> str | None:
            path = result.paths.get(rel)
            if path is None:
                return None
            return _current(run, path)

        applied = apply_fixes(findings, read, unsafe=unsafe)
        run.skipped = applied.skipped
        if not applied.texts:
            break
        for rel, text in applied.texts.items():
            path = result.paths[rel]
            run.texts[path] = text
            run.labels[path] = rel
            overlay[os.path.realpath(path)] = _encode(text, run.originals[path][0])
        run.fixed.extend(applied.fixed)
        fixed.update(_identity(f) for f in applied.fixed)
        run.result = scan(dict(overlay))
    return run


def _identity(finding: Finding) -> tuple[str, ...]:
    """What stays of a finding when a fix moves its lines: rule, file, endpoint, message."""
    path = finding.location.path if finding.location is not None else ""
    return (finding.rule, path, finding.endpoint or "", finding.message)


def _current(run: FixRun, path: Path) -> str | None:
    if path in run.texts:
        return run.texts[path]
    try:
        raw = path.read_bytes()
        text = _decode(raw)
    except (OSError, AuditError):
        return None
    run.originals[path] = (raw, text)
    return text


def _decode(raw: bytes) -> str:
    from auditor.code.project import decode_source

    return decode_source(raw)


def _encoding(raw: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        return "utf-8"
    return encoding


def _encode(text: str, original: bytes) -> bytes:
    """The text in the file's own encoding (its BOM and PEP 263 cookie kept)."""
    return text.encode(_encoding(original), errors="surrogateescape")


def write_fixed(run: FixRun) -> list[str]:
    """Write every changed file whole or not at all; the paths that could not be written."""
    failed: list[str] = []
    for path, text in run.changed.items():
        raw, _ = run.originals[path]
        try:
            data = _encode(text, raw)
        except (UnicodeEncodeError, LookupError):
            failed.append(f"{run.labels.get(path, path)}: cannot be written in its encoding")
            continue
        try:
            _write_bytes(path, data)
        except OSError as exc:
            failed.append(f"{run.labels.get(path, path)}: {exc.strerror or exc}")
    return failed


def _write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(path.stat().st_mode))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def preview(run: FixRun) -> str:
    """The unified diff of every file the fixes change, as `git diff` shows it."""
    parts = []
    for path in sorted(run.changed, key=lambda p: run.labels.get(p, str(p))):
        label = run.labels.get(path, str(path))
        parts.append(unified_diff(label, run.originals[path][1], run.changed[path], context=3))
    return "".join(parts)


def count_fixes(findings: list[Finding]) -> tuple[int, int]:
    """(safe, unsafe) fixes among these findings."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    return safe, unsafe


def summary(run: FixRun, *, unsafe: bool, preview_only: bool) -> str:
    """ruff's closing words: what was (or would be) fixed, and what is left."""
    fixed = len({f.fingerprint for f in run.fixed})
    files = len(run.changed)
    left = len(run.result.findings)
    _, hidden = count_fixes(run.result.findings)
    verb = "Would fix" if preview_only else "Fixed"
    line = (
        f"{verb} {fixed} finding{'s' if fixed != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}"
        if fixed
        else ("No fixes to make" if preview_only else "No fixes applied")
    )
    details = []
    if not preview_only:
        details.append(f"{left} remaining")
    if hidden and not unsafe:
        details.append(f"{hidden} more with --unsafe-fixes")
    return line + (f" ({', '.join(details)})" if details else "") + "."


def skipped_lines(run: FixRun) -> list[str]:
    lines = []
    for skipped in run.skipped:
        where = skipped.finding.location
        at = f"{where.path}:{where.line}:{where.column}: " if where is not None else ""
        lines.append(f"dokeos-audit: {at}{skipped.finding.rule} fix not applied: {skipped.reason}")
    return lines


@dataclass(frozen=True)
class FixMode:
    unsafe: bool
    """--unsafe-fixes: the fixes that change behaviour too."""
    preview: bool
    """--diff: show, write nothing."""
    report: bool
    """--fix (not --fix-only): the findings left are reported as a scan reports them."""


def fix_command(
    scan: Callable[[Mapping[str, bytes] | None], RunResult],
    mode: FixMode,
    report: Callable[[RunResult], int],
    readable: Callable[[RunResult], bool],
    output: Path | None,
) -> int:
    """Run the passes, write or show the result; the exit code. ``report`` shows what is
    left as a scan does and gives its exit code; ``readable`` says whether the run read
    anything worth judging."""
    from auditor.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, write_output

    run = run_fixes(scan, unsafe=mode.unsafe)
    result = run.result
    for line in skipped_lines(run):
        click.echo(line, err=True)
    if mode.preview:
        write_output(preview(run), output)
        click.echo(summary(run, unsafe=mode.unsafe, preview_only=True), err=True)
        if not readable(result):
            return EXIT_USAGE
        return EXIT_FINDINGS if run.changed else EXIT_OK
    failed = write_fixed(run)
    for line in failed:
        click.echo(f"dokeos-audit: error: {line}", err=True)
    code = report(result) if mode.report else EXIT_OK
    click.echo(summary(run, unsafe=mode.unsafe, preview_only=False), err=True)
    if not readable(result) or failed:
        return EXIT_USAGE
    return code
