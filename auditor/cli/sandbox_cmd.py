"""`dokeos-audit sandbox`: a local server that answers as the Dokeos API V2, strictly."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli.common import (
    check_output,
    emit,
    exit_code,
    format_for,
    project_settings,
    settings_from_options,
    user_errors,
)
from auditor.config import FAIL_LEVELS
from auditor.reports import FORMATS


def _to_stderr(line: str) -> None:
    click.echo(line, err=True)


@click.command("sandbox")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Format of the report written when the sandbox stops (default: text).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write that report to FILE instead of standard output.",
)
@click.option("--select", default=None, metavar="IDS", help="Only these rules (DK001,DK003).")
@click.option("--ignore", default=None, metavar="IDS", help="Skip these rules.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_LEVELS),
    default=None,
    help="Exit 1 when a finding is at or above this level (default: warning).",
)
# --host is where to listen, as the command line has it: every request the
# sandbox answers is Dokeos, so it needs no --host of Dokeos hosts as traffic does
@click.option(
    "--host",
    "listen_host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (another than loopback only if you mean it).",
)
@click.option(
    "--port",
    default=8900,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one and prints it).",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Serve this tenant (JSON: users, groups, participations, ...).",
)
@click.option(
    "--seed",
    default=2024,
    show_default=True,
    type=int,
    help="Seed of the generated tenant (when there is no --data).",
)
@click.option(
    "--users",
    default=340,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Users of the generated tenant.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep the tenant, jobs and clock in this SQLite file across restarts.",
)
@click.option(
    "--job-delay",
    default="2s",
    show_default=True,
    metavar="DURATION",
    help="Sandbox time from a job's start to its work: 0, 0.5, 30s, 1h.",
)
@click.option(
    "--before-cutover",
    is_flag=True,
    help="Answer V1 requests as V1 did instead of refusing them (the tenant today).",
)
@click.option(
    "--frozen-clock",
    is_flag=True,
    help="The clock stands still until POST /_sandbox/clock moves it.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print each finding as it happens.")
@user_errors
def sandbox_command(
    listen_host: str,
    port: int,
    data: Path | None,
    seed: int,
    users: int,
    state: Path | None,
    job_delay: str,
    before_cutover: bool,
    frozen_clock: bool,
    quiet: bool,
    output_format: str | None,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
) -> None:
    """Serve the Dokeos API V2 on 127.0.0.1:8900/api, strictly, and report what breaks it.

    V1 requests get a 406, lists come 20 a page, opt-in attributes only when asked for,
    more than 5 ids is a 400, asynchronous calls answer a job_id and do the work later,
    jobs are gone after 7 days. Every contract break is a finding (origin "sandbox"), at
    GET /_sandbox/findings and in the report written on SIGINT or SIGTERM.
    """
    from auditor.sandbox.clock import parse_duration
    from auditor.sandbox.server import Sandbox, SandboxOptions, serve_until_signal

    settings = settings_from_options(
        project_settings(), select=select, ignore=ignore, fail_on=fail_on
    )
    format_for(output_format, output)  # a report the run could not write, refused before it
    check_output(output)
    options = SandboxOptions(
        host=listen_host,
        port=port,
        seed=seed,
        users=users,
        data=data,
        state=state,
        job_delay=parse_duration(job_delay),
        before_cutover=before_cutover,
        frozen_clock=frozen_clock,
        settings=settings,
        echo=None if quiet else _to_stderr,
    )
    result = serve_until_signal(Sandbox(options), _to_stderr)
    emit([result], output_format, output)
    if output is not None:
        click.echo(
            f"dokeos-audit: sandbox: {len(result.findings)} finding(s) in {result.flows_read} "
            f"request(s); report written to {output}",
            err=True,
        )
    sys.exit(exit_code([result], settings, readable=True))
