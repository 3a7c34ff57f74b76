"""`dokeos-audit scan PATH...`: the static scan of Python sources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from auditor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    apply_baseline,
    baseline_options,
    config_option,
    emit,
    exit_code,
    output_options,
    read_baseline,
    settings_for,
    stamp_run,
    user_errors,
)
from auditor.code.scan import ScanOptions, context_root, default_cache_dir, scan_paths
from auditor.findings import RunResult
from auditor.parallel import default_jobs


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options
@config_option
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Also skip files or folders matching GLOB (added to the configured exclude).",
)
@baseline_options
@click.option(
    "--diff",
    "diff_ref",
    default=None,
    metavar="REF",
    help=(
        "Only analyze and report the Python files changed against git REF (committed, "
        "staged or not) and untracked ones; the rest of the project still resolves imports."
    ),
)
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report suppression comments that suppressed nothing (a warning: fails the run "
    "at --fail-on warning).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to analyze with (default: all cores).",
)
@click.option("--no-cache", is_flag=True, help="Analyze everything again; read no cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where results are cached (default: .dokeos-audit-cache in the first PATH).",
)
@user_errors
def scan_command(
    paths: tuple[Path, ...],
    output_format: str | None,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
    hosts: tuple[str, ...],
    config_file: Path | None,
    exclude: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    diff_ref: str | None,
    report_unused_suppressions: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Scan Python files or folders for code the V2 changes break.

    Settings come from [tool.dokeos-audit] in the nearest pyproject.toml (or --config);
    `# dokeos-audit: ignore[DK001]` or `# noqa: DK001` on a line (or on the first line of
    its statement) suppresses a finding there.
    """
    settings = settings_for(
        paths[0],
        config_file,
        select=select,
        ignore=ignore,
        fail_on=fail_on,
        hosts=hosts,
        exclude=exclude,
    )
    known = read_baseline(baseline)
    # files alone (a pre-commit hook's arguments) are scanned within their project
    root = context_root(paths)
    roots = [root] if root is not None else list(paths)
    options = ScanOptions(
        jobs=jobs or default_jobs(),
        cache_dir=None if no_cache else (cache_dir or default_cache_dir(roots)),
        diff_ref=diff_ref,
        only_files=frozenset(os.path.realpath(p) for p in paths) if root is not None else None,
        report_unused_suppressions=report_unused_suppressions,
        progress=sys.stderr,
    )
    name = ", ".join(str(p) for p in paths)
    result = scan_paths(roots, settings, name, options=options)
    stamp_run(result, settings)
    apply_baseline(result, known, write_baseline)
    emit([result], output_format, output)
    unused = _report_unused(result)
    readable = result.files_scanned > 0 or not result.errors
    code = exit_code([result], settings, readable=readable)
    if code == EXIT_OK and unused and settings.fail_on == "warning":
        code = EXIT_FINDINGS
    if write_baseline is not None and code != EXIT_USAGE:
        code = EXIT_OK
    sys.exit(code)


def _report_unused(result: RunResult) -> int:
    """Unused suppressions as warnings on stderr, whatever the format (stdout stays the
    report); JSON also lists them under summary.unused_suppressions."""
    unused = result.extra.get("unused_suppressions") or []
    for entry in unused:
        click.echo(
            f"{entry['path']}:{entry['line']}:{entry['column']}: warning: {entry['message']}",
            err=True,
        )
    return len(unused)
