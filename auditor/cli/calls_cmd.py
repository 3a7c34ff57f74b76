"""`dokeos-audit calls PATH...`: the Dokeos calls the code makes, as the analyzer sees them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    check_output,
    config_option,
    report_errors,
    settings_for,
    user_errors,
    write_output,
)
from auditor.cli.scan_cmd import NO_FILES
from auditor.code.inventory import render_text
from auditor.code.project import find_project_root
from auditor.code.scan import ScanOptions, scan_paths
from auditor.parallel import default_jobs


@click.command("calls")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Output format (default: text).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the list to FILE instead of standard output.",
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    metavar="HOST",
    help="Also treat this host (or *.pattern) as Dokeos; repeatable.",
)
@config_option
@user_errors
def calls_command(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    hosts: tuple[str, ...],
    config_file: Path | None,
) -> None:
    """List the Dokeos HTTP calls the analyzer understood, at the call that names each one.

    Each line shows where the call is, its method and endpoint, the API version it asks
    for, the opt-in attributes it requests and reads, whether it walks pages and whether
    it follows the job it starts. A call missing here is a call the scan cannot judge.
    """
    paths = paths or (Path("."),)
    settings = settings_for(paths[0], config_file, hosts=hosts)
    root = find_project_root(list(paths))
    options = ScanOptions(jobs=default_jobs(), progress=sys.stderr, project_root=root)
    check_output(output)
    result = scan_paths(list(paths), settings, ", ".join(str(p) for p in paths), options=options)
    report_errors([result])
    if output_format == "json":
        text = (
            json.dumps(
                {"calls": result.calls, "errors": [e.to_json() for e in result.errors]}, indent=2
            )
            + "\n"
        )
    else:
        # as every text report: paths as the shell reaches them, from the working directory
        shown = [
            {**call, "location": {**call["location"], "path": call["location"].get("file")}}
            if call["location"].get("file")
            else call
            for call in result.calls
        ]
        text = render_text(shown)
    write_output(text, output)
    if result.files_scanned == 0:
        unread = any(e.file is not None for e in result.errors)
        why = "none of the Python files could be read" if unread else NO_FILES
        click.echo(f"dokeos-audit: error: {why}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK)
