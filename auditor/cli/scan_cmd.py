"""`dokeos-audit scan [PATH...]`: the static scan of Python sources."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    TextOptions,
    apply_baseline,
    baseline_options,
    check_output,
    config_option,
    emit,
    format_for,
    output_options,
    read_baseline,
    report_errors,
    selection_warnings,
    settings_for,
    stamp_run,
    text_options,
    use_color,
    user_errors,
)
from auditor.cli.fixing import FixMode, ScanCommand, fix_command, fix_options
from auditor.code.project import find_project_root
from auditor.code.scan import (
    ScanOptions,
    default_cache_dir,
    discover,
    display_paths,
    scan_paths,
)
from auditor.config import Settings
from auditor.errors import ConfigError
from auditor.findings import RunResult
from auditor.parallel import default_jobs

F = TypeVar("F", bound=Callable[..., Any])

NO_FILES = "No Python files found under the given path(s)"


def scope_options(command: F) -> F:
    """What is scanned: the project root, excludes, .gitignore."""
    options = [
        click.option(
            "--project-root",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            default=None,
            help="The project the paths belong to (default: the nearest folder above them "
            "with a pyproject.toml, setup.cfg, setup.py or .git). All of it is read so "
            "imports resolve; only the paths given are reported.",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="PATTERN",
            help="Leave out what matches (gitignore rules, relative to the project root); "
            "replaces the configured and default exclude. Repeatable.",
        ),
        click.option(
            "--extend-exclude",
            multiple=True,
            metavar="PATTERN",
            help="Leave out what matches, on top of the configured exclude. Repeatable.",
        ),
        click.option(
            "--force-exclude",
            is_flag=True,
            default=None,
            help="Apply the excludes to the paths given too (as a pre-commit hook needs).",
        ),
        click.option(
            "--respect-gitignore/--no-respect-gitignore",
            default=None,
            help="Leave out what .gitignore files ignore (default: yes).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("scan", cls=ScanCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@output_options
@config_option
@scope_options
@baseline_options
@fix_options
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report suppression comments that suppressed nothing, as DK100 findings (the same "
    "as --extend-select DK100).",
)
@text_options
@click.option(
    "--show-files",
    is_flag=True,
    help="List the files that would be scanned and why, and what is left out, then exit.",
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
    help="Where results are cached (default: .dokeos-audit-cache at the project root).",
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
    project_root: Path | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool | None,
    respect_gitignore: bool | None,
    baseline: Path | None,
    write_baseline: Path | None,
    fix: bool,
    unsafe_fixes: bool,
    fix_only: bool,
    preview: bool,
    changed_since: str | None,
    report_unused_suppressions: bool,
    color: str,
    statistics: bool,
    quiet: bool,
    exit_zero: bool,
    show_files: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Scan Python files or folders (default: the working directory) for code the V2
    changes break.

    Settings come from [tool.dokeos-audit] in the nearest pyproject.toml (or --config);
    `# dokeos-audit: ignore[DK001]` or `# noqa: DK001` on a line (or on the first line of
    its statement) suppresses a finding there. Paths print relative to the working
    directory; the JSON's location.path is relative to the project root.
    """
    paths = paths or (Path("."),)
    root = project_root or find_project_root(list(paths))
    settings = settings_for(
        root if project_root is not None else paths[0],
        config_file,
        select=select,
        ignore=ignore,
        extend_select="DK100" if report_unused_suppressions else None,
        fail_on=fail_on,
        hosts=hosts,
        exclude=exclude or None,
        extend_exclude=extend_exclude,
        force_exclude=force_exclude,
        respect_gitignore=respect_gitignore,
        project_root=root,
    )
    if not quiet:
        for note in selection_warnings(settings):
            click.echo(f"dokeos-audit: warning: {note}", err=True)
    options = ScanOptions(
        jobs=jobs or default_jobs(),
        cache_dir=None if no_cache else (cache_dir or default_cache_dir(root)),
        diff_ref=changed_since,
        project_root=root,
        progress=None if quiet else sys.stderr,
    )
    if show_files:
        sys.exit(_show_files(list(paths), settings, options))
    chosen = format_for(output_format, output)
    check_output(output)
    check_output(write_baseline)
    known = read_baseline(baseline)
    name = ", ".join(str(p) for p in paths)
    text = TextOptions(
        color=use_color(color, sys.stdout) if output is None else color == "always",
        statistics=statistics,
        quiet=quiet,
    )

    def report(result: RunResult) -> int:
        """Show what is left (the findings, unreadable files); the exit code."""
        emit([result], chosen, output, text)
        report_errors([result])
        if not readable(result):
            unread = any(e.file is not None and e.level == "error" for e in result.errors)
            why = "none of the Python files could be read" if unread else NO_FILES
            click.echo(f"dokeos-audit: error: {why}", err=True)
            return EXIT_USAGE
        code = EXIT_FINDINGS if settings.fails(result.findings) else EXIT_OK
        return EXIT_OK if write_baseline is not None or exit_zero else code

    def readable(result: RunResult) -> bool:
        # with --changed-since, nothing changed is nothing to check; else nothing read fails
        return result.files_scanned > 0 or (changed_since is not None and not result.errors)

    if fix or fix_only or preview:
        if write_baseline is not None:
            raise ConfigError("--write-baseline records findings: run it without --fix or --diff")

        def scan(overlay: Mapping[str, bytes] | None) -> RunResult:
            result = scan_paths(
                list(paths), settings, name, options=replace(options, overlay=overlay)
            )
            stamp_run(result, settings)
            result.unsafe_fixes = unsafe_fixes
            result.explain_fixes = True
            apply_baseline(result, known, None)
            return result

        mode = FixMode(unsafe=unsafe_fixes, preview=preview, report=not (fix_only or preview))
        sys.exit(fix_command(scan, mode, report, readable, output))
    result = scan_paths(list(paths), settings, name, options=options)
    stamp_run(result, settings)
    result.unsafe_fixes = result.explain_fixes = unsafe_fixes
    apply_baseline(result, known, write_baseline)
    sys.exit(report(result))


def _show_files(paths: list[Path], settings: Settings, options: ScanOptions) -> int:
    """Each file that would be scanned with why, then what is left out with why."""
    project = discover(paths, settings, options)
    for path, reason in project.errors:
        click.echo(f"dokeos-audit: error: {path}: {reason}", err=True)
    display = display_paths(project.root, options.cwd)
    for rel in sorted(project.in_scope):
        click.echo(f"{display(rel)}  ({project.reasons[rel]})")
    for rel, reason in sorted(project.left_out):
        folder = "/" if rel.endswith("/") else ""
        click.echo(f"{display(rel.rstrip('/'))}{folder}  (left out: {reason})")
    others = len(project.files) - len(project.in_scope)
    if others:
        click.echo(
            f"and {others} other file{'s' if others != 1 else ''} of the project at "
            f"{project.root}, read for what links them to the files above (not reported)"
        )
    if not project.in_scope:
        click.echo(f"dokeos-audit: error: {NO_FILES}", err=True)
        return EXIT_USAGE
    return EXIT_OK
