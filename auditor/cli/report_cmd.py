"""`dokeos-audit report RESULT.json...`: merge the JSON results of several runs into one report."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import (
    EXIT_USAGE,
    check_output,
    config_option,
    exit_code,
    fail,
    project_settings,
    report_errors,
    settings_from_options,
    user_errors,
    write_output,
)
from auditor.cli.common import format_for as common_format_for
from auditor.config import FAIL_LEVELS, Settings, load_config
from auditor.findings import RunResult
from auditor.reports import (
    FORMATS,
    TEXT_STYLES,
    html_report,
    json_report,
    markdown_report,
    renderer_for,
    text_report,
)
from auditor.reports.history import load_history
from auditor.reports.integrations import (
    IntegrationSpec,
    assign,
    mark_same_sessions,
    parse_pairs,
    specs_from_options,
)
from auditor.reports.merge import load_results
from auditor.reports.model import ReportOptions
from auditor.reports.verdicts import REPORT_SOURCE
from auditor.rules import RULES_BY_ID


def format_for(output_format: str | None, output: Path | None) -> str:
    """The explicit format, else the one the output file's name implies, else HTML; a
    format the file's suffix contradicts is refused (see cli.common.format_for)."""
    return common_format_for(output_format, output, default="html")


def render(results: list[RunResult], output_format: str, options: ReportOptions) -> str:
    """The formats a person reads (and the merged JSON) take the report's own options."""
    if output_format == "html":
        return html_report.render(results, title=options.title, options=options)
    if output_format == "markdown":
        return markdown_report.render(results, options)
    if output_format == "json":
        return json_report.render(results, options)
    if output_format == "text":
        return text_report.render(results, options)
    return renderer_for(output_format)(results)


def leave_rules_out(extra: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The run's record of the rules it checked, less those this report leaves out: their
    findings are dropped, so their changes are not checked here (never "ready")."""
    left_out = settings.rule_coverage(RULES_BY_ID)
    coverage = extra.get("rules")
    if not isinstance(coverage, dict):
        coverage = {"checked": list(RULES_BY_ID), "not_selected": {}, "ignored": {}}
    checked = [str(r) for r in coverage.get("checked") or [] if isinstance(r, str)]
    not_selected = dict(coverage.get("not_selected") or {})
    ignored = dict(coverage.get("ignored") or {})
    moved = [r for r in checked if r in left_out["ignored"] or r in left_out["not_selected"]]
    for rule_id in moved:
        if rule_id in left_out["ignored"]:
            ignored[rule_id] = REPORT_SOURCE
            checked.remove(rule_id)
        elif rule_id in left_out["not_selected"]:
            not_selected[rule_id] = REPORT_SOURCE
            checked.remove(rule_id)
    if not moved:
        return extra  # the report leaves out nothing this run checked: its record stands
    rules = {"checked": checked, "not_selected": not_selected, "ignored": ignored}
    return {**extra, "rules": rules}


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
@click.option(
    "--integration",
    "integrations",
    multiple=True,
    metavar="NAME=RESULT[,RESULT...]",
    help=(
        "Group runs into the integration NAME: result files, run names or glob patterns "
        "(repeatable). Default: a run's folder or capture name."
    ),
)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    metavar="NAME=TEAM",
    help="The team that owns an integration or a run (repeatable).",
)
@click.option(
    "--compare",
    "compare",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PREVIOUS",
    help=(
        "An earlier merged report (report --format json), or a folder of dated ones: show "
        "what was fixed, what is new and what remains, with a burn-down chart (repeatable)."
    ),
)
@config_option
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
    integrations: tuple[str, ...],
    owners: tuple[str, ...],
    compare: tuple[Path, ...],
    config_file: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str,
) -> None:
    """Merge JSON results (files, or folders of them) of scans and captures into one report.

    Each run keeps its name. A file that is not a dokeos-audit JSON result is reported on
    stderr and listed in the report's errors; the others are still merged.
    """
    base = (
        load_config(config_file, RULES_BY_ID)
        if config_file is not None
        else project_settings() or Settings()
    )
    settings = settings_from_options(base, select=select, ignore=ignore, fail_on=fail_on)
    specs = specs_from_options(integrations) + [
        IntegrationSpec(str(e["name"]), tuple(e["runs"]), str(e.get("owner", "")))
        for e in settings.integrations
    ]
    owner_of = {**settings.owners, **dict(parse_pairs(owners, "--owner"))}
    chosen = format_for(output_format, output)
    check_output(output)
    history = load_history(compare)
    loaded = load_results(result_files)
    for entry in loaded.unreadable:
        fail(f"{entry.path}: {entry.reason}")
    if not loaded.runs:
        fail("no dokeos-audit result could be read; nothing to report")
        sys.exit(EXIT_USAGE)
    runs = [
        replace(
            run,
            findings=[f for f in run.findings if settings.rule_enabled(f.rule)],
            extra=leave_rules_out(run.extra, settings),
        )
        for run in loaded.runs
    ]
    assign(runs, loaded.sources, specs, owner_of)
    mark_same_sessions(runs)
    if chosen in ("text", *TEXT_STYLES):
        report_errors(runs)  # the text report counts them; each is one line on stderr
    options = ReportOptions(title=title, history=tuple(history))
    text = render(loaded.for_rendering(runs), chosen, options)
    write_output(text, output)
    sys.exit(exit_code(runs, settings, readable=True))
