"""`dokeos-audit scan PATH...`: the static scan of Python sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli.common import emit, exit_code, output_options, settings_from_options, user_errors
from auditor.code.scan import scan_paths


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options
@user_errors
def scan_command(
    paths: tuple[Path, ...],
    output_format: str | None,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
    hosts: tuple[str, ...],
) -> None:
    """Scan Python files or folders for code the V2 changes break."""
    settings = settings_from_options(select=select, ignore=ignore, fail_on=fail_on, hosts=hosts)
    result = scan_paths(list(paths), settings)
    emit([result], output_format, output)
    readable = result.files_scanned > 0 or not result.errors
    sys.exit(exit_code([result], settings, readable=readable))
