"""`dokeos-audit report RESULT.json...`: merge the JSON results of several runs into one report."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from auditor.cli.common import (
    EXIT_USAGE,
    check_output,
    exit_code,
    fail,
    report_errors,
    settings_from_options,
    user_errors,
    write_output,
)
from auditor.cli.common import format_for as common_format_for
from auditor.config import FAIL_LEVELS
from auditor.findings import RunResult
from auditor.reports import FORMATS, TEXT_STYLES, html_report, renderer_for
from auditor.reports.merge import load_results


def format_for(output_format: str | None, output: Path | None) -> str:
    """The explicit format, else the one the output file's name implies, else HTML; a
    format the file's suffix contradicts is refused (see cli.common.format_for)."""
    return common_format_for(output_format, output, default="html")


def render(results: list[RunResult], output_format: str, title: str | None) -> str:
    if output_format == "html":
        return html_report.render(results, title=title)
    return renderer_for(output_format)(results)


@click.command("report")
@click.argument("result_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: from the --output suffix, else html).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option("--title", default=None, help="Title of the HTML report (e.g. the portfolio).")
@click.option("--select", default=None, metavar="IDS", help="Only these rules (DK001,DK002).")
@click.option("--ignore", default=None, metavar="IDS", help="Leave these rules out.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_LEVELS),
    default="never",
    show_default=True,
    help="Exit 1 when a merged finding is at or above this level.",
)
@user_errors
def report_command(
    result_files: tuple[Path, ...],
    output_format: str | None,
    output: Path | None,
    title: str | None,
    select: str | None,
    ignore: str | None,
    fail_on: str,
) -> None:
    """Merge JSON results (files, or folders of them) of scans and captures into one report.

    Each run keeps its name. A file that is not a dokeos-audit JSON result is reported on
    stderr and listed in the report's errors; the others are still merged.
    """
    settings = settings_from_options(select=select, ignore=ignore, fail_on=fail_on)
    chosen = format_for(output_format, output)
    check_output(output)
    loaded = load_results(result_files)
    for entry in loaded.unreadable:
        fail(f"{entry.path}: {entry.reason}")
    if not loaded.runs:
        fail("no dokeos-audit result could be read; nothing to report")
        sys.exit(EXIT_USAGE)
    runs = [
        replace(run, findings=[f for f in run.findings if settings.rule_enabled(f.rule)])
        for run in loaded.runs
    ]
    if chosen in ("text", *TEXT_STYLES):
        report_errors(runs)  # the text report counts them; each is one line on stderr
    text = render(loaded.for_rendering(runs), chosen, title)
    write_output(text, output)
    sys.exit(exit_code(runs, settings, readable=True))
