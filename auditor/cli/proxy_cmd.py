"""`dokeos-audit proxy`: mitmproxy with the audit addon, findings live, a report when it stops."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli.common import (
    check_output,
    emit,
    exit_code,
    format_for,
    output_options,
    project_settings,
    settings_from_options,
    user_errors,
)
from auditor.traffic.addon import DokeosAudit
from auditor.traffic.proxy import (
    ignore_stop_signals,
    is_loopback,
    run_proxy,
    validate_mode,
)


@click.command("proxy")
@click.option(
    "--listen-host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 exposes the proxy to the network: only if you mean it).",
)
@click.option("--listen-port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--mode",
    default="regular",
    show_default=True,
    metavar="regular|reverse:URL",
    help="Regular (HTTP_PROXY) or reverse proxy in front of URL.",
)
@click.option(
    "--save-flows",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save the flows (credentials redacted) as a mitmproxy dump for `traffic`.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print each finding as it happens.")
@output_options
@user_errors
def proxy_command(
    listen_host: str,
    listen_port: int,
    mode: str,
    save_flows: Path | None,
    quiet: bool,
    output_format: str | None,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
    hosts: tuple[str, ...],
) -> None:
    """Run a proxy that checks the Dokeos traffic going through it.

    Point the integration at it (HTTP_PROXY=http://127.0.0.1:8080 in regular mode, or its
    base URL at the proxy in reverse mode). Each finding is printed on stderr as it happens;
    on SIGINT or SIGTERM the report is written (--output, --format) and the exit code says
    whether there were findings.
    """
    settings = settings_from_options(
        project_settings(), select=select, ignore=ignore, fail_on=fail_on, hosts=hosts
    )
    validate_mode(mode)
    format_for(output_format, output)  # a report the run could not write, refused before it
    check_output(output)
    addon = DokeosAudit(settings=settings)
    extra = {
        "dokeos_audit_save_flows": str(save_flows) if save_flows else "",
        "dokeos_audit_quiet": quiet,
    }
    if not is_loopback(listen_host):
        click.echo(
            f"dokeos-audit: warning: listening on {listen_host or 'every interface'}: anyone who "
            "can reach this machine can use the proxy and see its traffic (use "
            "--listen-host 127.0.0.1 unless you mean it)",
            err=True,
        )
    # once it stops, further SIGINT/SIGTERM are held until the process exits: the report
    # written below must not be lost to an impatient second Ctrl-C
    run_proxy(
        addon, listen_host=listen_host, listen_port=listen_port, mode=mode, extra_options=extra
    )
    result = addon.result()
    emit([result], output_format, output)
    if output is not None:
        click.echo(
            f"dokeos-audit: {len(result.findings)} finding(s) in {result.flows_read} flow(s); "
            f"report written to {output}",
            err=True,
        )
    ignore_stop_signals()
    sys.exit(exit_code([result], settings, readable=True))
