"""`dokeos-audit traffic CAPTURE...`: the rules over recorded flow dumps and HAR files."""

from __future__ import annotations

import sys
from pathlib import Path

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
    project_settings,
    read_baseline,
    report_errors,
    selection_warnings,
    settings_from_options,
    text_options,
    use_color,
    user_errors,
)
from auditor.config import load_config
from auditor.rules import RULES_BY_ID
from auditor.traffic.session import analyze_captures


@click.command("traffic")
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False))
@output_options
@config_option
@baseline_options
@text_options
@user_errors
def traffic_command(
    captures: tuple[str, ...],
    output_format: str | None,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
    hosts: tuple[str, ...],
    config_file: Path | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    color: str = "auto",
    statistics: bool = False,
    quiet: bool = False,
    exit_zero: bool = False,
) -> None:
    """Check recorded traffic: mitmproxy flow dumps (any version mitmproxy reads) and HAR files.

    The format is told from each file's content, not its name. Each capture is one session,
    analyzed in time order; only Dokeos traffic is checked (the vnd.dokeos media type, a host
    containing "dokeos", or a --host). Flows that cannot be read are listed in `errors`.
    """
    base = load_config(config_file, RULES_BY_ID) if config_file is not None else project_settings()
    settings = settings_from_options(
        base, select=select, ignore=ignore, fail_on=fail_on, hosts=hosts
    )
    if not quiet:
        for note in selection_warnings(settings):
            click.echo(f"dokeos-audit: warning: {note}", err=True)
    chosen = format_for(output_format, output)
    check_output(output)
    check_output(write_baseline)
    known = read_baseline(baseline)
    # each unreadable capture or flow is reported once, with the others, after the run
    result, readable = analyze_captures(list(captures), settings)
    result.docs_url = settings.docs_url
    if readable:
        apply_baseline(result, known, write_baseline)
    text = TextOptions(
        color=use_color(color, sys.stdout) if output is None else color == "always",
        statistics=statistics,
        quiet=quiet,
    )
    emit([result], chosen, output, text)
    report_errors([result])
    if not readable:
        click.echo("dokeos-audit: error: none of the captures could be read", err=True)
        sys.exit(EXIT_USAGE)
    if write_baseline is not None or exit_zero:
        sys.exit(EXIT_OK)
    sys.exit(EXIT_FINDINGS if settings.fails(result.findings) else EXIT_OK)
