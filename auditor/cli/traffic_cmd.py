"""`dokeos-audit traffic CAPTURE...`: the rules over recorded flow dumps and HAR files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor import config
from auditor.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    apply_baseline,
    baseline_options,
    config_option,
    emit,
    exit_code,
    output_options,
    read_baseline,
    settings_from_options,
    user_errors,
)
from auditor.config import Settings
from auditor.findings import ErrorEntry
from auditor.rules import RULES_BY_ID
from auditor.traffic.session import analyze_captures


def project_settings() -> Settings | None:
    """`[tool.dokeos-audit]` of the nearest pyproject.toml above the working directory.

    Captures live outside the project, so the configuration (its Dokeos hosts above all)
    is looked up from where the command runs. Older auditor.config versions had no loader.
    """
    find_config = getattr(config, "find_config", None)
    load_config = getattr(config, "load_config", None)
    if find_config is None or load_config is None:
        return None
    path = find_config(Path.cwd())
    return load_config(path, RULES_BY_ID) if path is not None else None


def _report_error(error: ErrorEntry) -> None:
    where = f" (flow {error.index})" if error.index is not None else ""
    click.echo(f"dokeos-audit: warning: {error.path}{where}: {error.reason}", err=True)


@click.command("traffic")
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False))
@output_options
@config_option
@baseline_options
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
) -> None:
    """Check recorded traffic: mitmproxy flow dumps (any version mitmproxy reads) and HAR files.

    The format is told from each file's content, not its name. Each capture is one session,
    analyzed in time order; only Dokeos traffic is checked (the vnd.dokeos media type, a host
    containing "dokeos", or a --host). Flows that cannot be read are listed in `errors`.
    """
    base = (
        config.load_config(config_file, RULES_BY_ID)
        if config_file is not None
        else project_settings()
    )
    settings = settings_from_options(
        base, select=select, ignore=ignore, fail_on=fail_on, hosts=hosts
    )
    known = read_baseline(baseline)
    result, readable = analyze_captures(list(captures), settings, on_error=_report_error)
    if readable:
        apply_baseline(result, known, write_baseline)
    emit([result], output_format, output)
    if not readable:
        click.echo("dokeos-audit: error: none of the captures could be read", err=True)
        sys.exit(EXIT_USAGE)
    if write_baseline is not None:
        sys.exit(EXIT_OK)
    sys.exit(exit_code([result], settings, readable=readable))
