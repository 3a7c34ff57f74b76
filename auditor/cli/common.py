"""What the commands share: output, config and baseline options, atomic writes, exit codes."""

from __future__ import annotations

import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.baseline import BaselineEntry, baseline_text, load_baseline, match_baseline
from auditor.cli.output_target import (
    remove_stale_temporaries,
    resolved_target,
    temporary_prefix,
)
from auditor.config import FAIL_LEVELS, Settings, find_config, load_config, parse_rule_ids
from auditor.errors import AuditError
from auditor.findings import RunResult, now_iso
from auditor.reports import FORMATS, renderer_for
from auditor.rules import RULES_BY_ID

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped with Ctrl-C."""


def output_options(command: F) -> F:
    """--format, --output, --select, --ignore, --fail-on and --host, as on every command."""
    options = [
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default=None,
            help="Output format (default: text).",
        ),
        click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Write the report to FILE instead of standard output.",
        ),
        click.option(
            "--select",
            default=None,
            metavar="IDS",
            help="Only these rules, comma-separated (DK001,DK002).",
        ),
        click.option("--ignore", default=None, metavar="IDS", help="Skip these rules."),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_LEVELS),
            default=None,
            help="Exit 1 when a finding is at or above this level (default: warning).",
        ),
        click.option(
            "--host",
            "hosts",
            multiple=True,
            metavar="HOST",
            help="Also treat this host (or *.pattern) as Dokeos; repeatable.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from_options(
    base: Settings | None = None,
    *,
    select: str | None = None,
    ignore: str | None = None,
    fail_on: str | None = None,
    hosts: Sequence[str] = (),
) -> Settings:
    from dataclasses import replace

    settings = base or Settings()
    changes: dict[str, Any] = {}
    if select is not None:
        changes["select"] = parse_rule_ids(select, RULES_BY_ID)
        changes["select_from"] = "command line"
    if ignore is not None:
        changes["ignore"] = parse_rule_ids(ignore, RULES_BY_ID) or frozenset()
        changes["ignore_from"] = "command line"
    if fail_on is not None:
        changes["fail_on"] = fail_on
    if hosts:
        changes["hosts"] = tuple(settings.hosts) + tuple(hosts)
    return replace(settings, **changes) if changes else settings


def config_option(command: F) -> F:
    """--config FILE: settings from that file instead of the nearest pyproject.toml."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help=(
            "Read settings from FILE: a pyproject.toml ([tool.dokeos-audit]) or a TOML file "
            "with the same keys. Default: the nearest pyproject.toml with that table above "
            "the first PATH (scan) or the working directory (traffic). Command-line options "
            "override it."
        ),
    )(command)


def baseline_options(command: F) -> F:
    """--baseline FILE and --write-baseline FILE."""
    options = [
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Report (and fail on) only the findings this baseline does not hold.",
        ),
        click.option(
            "--write-baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Record the current findings as the baseline in FILE, then exit 0.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_for(
    start: Path | None,
    config_file: Path | None,
    *,
    select: str | None = None,
    ignore: str | None = None,
    fail_on: str | None = None,
    hosts: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Settings:
    """The configuration file's settings (``--config``, else the nearest pyproject.toml
    above ``start``), with the command line on top: --select, --ignore and --fail-on
    replace the file's values, --host and --exclude add to them."""
    from dataclasses import replace

    path = config_file if config_file is not None else find_config(start or Path.cwd())
    base = load_config(path, RULES_BY_ID) if path is not None else Settings()
    settings = settings_from_options(
        base, select=select, ignore=ignore, fail_on=fail_on, hosts=hosts
    )
    if exclude:
        settings = replace(settings, exclude=(*settings.exclude, *exclude))
    return settings


def read_baseline(path: Path | None) -> list[BaselineEntry] | None:
    """The baseline, read before the scan: a wrong path should not cost a whole scan."""
    return load_baseline(path) if path is not None else None


def apply_baseline(
    result: RunResult,
    baseline: list[BaselineEntry] | None,
    write_to: Path | None,
) -> None:
    """Record the findings (--write-baseline), then keep only those the baseline lacks."""
    if write_to is not None:
        try:
            write_atomically(write_to, baseline_text(result.findings))
        except OSError as exc:
            raise AuditError(f"cannot write {write_to}: {exc.strerror or exc}") from None
        count = len(result.findings)
        click.echo(
            f"dokeos-audit: recorded {count} finding{'s' if count != 1 else ''} "
            f"in the baseline {write_to}",
            err=True,
        )
    if baseline is not None:
        match = match_baseline(result.sorted_findings(), baseline)
        result.findings = match.new
        result.extra["baseline"] = match.summary()


def write_atomically(path: Path, text: str) -> None:
    """Write the whole report or nothing: a temporary file beside it, then a rename.

    A symlink is written through (its target replaced); leftovers of killed runs go."""
    path = resolved_target(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); give it the mode open() would have given,
        # or keep the mode of the file it replaces, so a shared CI artifact stays readable.
        os.fchmod(fd, _mode_for(path))
        # a file name that is not UTF-8 is written as its escape (``bad\udcff.py``)
        with os.fdopen(
            fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    # Linux shows the umask without changing it; elsewhere it can only be read by setting
    # it, which another thread could observe, so that is the fallback.
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def stamp_run(result: RunResult, settings: Settings) -> None:
    """When the run was made and which rules it checked (summary ``generated_at`` and
    ``rules``), so no report calls a change whose rules were left out "ready"."""
    result.extra["rules"] = settings.rule_coverage(RULES_BY_ID)
    result.extra["generated_at"] = now_iso()


def emit(results: Sequence[RunResult], output_format: str | None, output: Path | None) -> None:
    write_output(renderer_for(output_format or "text")(results), output)


def write_output(text: str, output: Path | None) -> None:
    """The rendered report on standard output, or whole into FILE (never half-written)."""
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            write_atomically(output, text)
        except OSError as exc:
            raise AuditError(f"cannot write {output}: {exc.strerror or exc}") from None


def exit_code(results: Sequence[RunResult], settings: Settings, *, readable: bool) -> int:
    if not readable:
        return EXIT_USAGE
    findings = [f for r in results for f in r.findings]
    return EXIT_FINDINGS if settings.fails(findings) else EXIT_OK


def fail(message: str) -> None:
    click.echo(f"dokeos-audit: error: {message}", err=True)


def user_errors(command: F) -> F:
    """Turn the errors users can cause into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AuditError as exc:
            fail(str(exc))
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            # click would say "Aborted!" and exit 1, the code for findings: a shell's 130
            # tells a CI step or a script that the run was interrupted, not that it failed
            click.echo("\ndokeos-audit: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper  # type: ignore[return-value]
