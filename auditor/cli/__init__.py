"""The `dokeos-audit` command line."""

from __future__ import annotations

import click

from auditor import __version__
from auditor.cli.rules_cmd import rules_command
from auditor.cli.scan_cmd import scan_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dokeos-audit")
def cli() -> None:
    """Find what breaks when a Python integration moves to the Dokeos API V2."""


cli.add_command(scan_command)
cli.add_command(rules_command)

for _module, _name in (
    ("auditor.cli.traffic_cmd", "traffic_command"),
    ("auditor.cli.proxy_cmd", "proxy_command"),
    ("auditor.cli.report_cmd", "report_command"),
):
    try:
        _imported = __import__(_module, fromlist=[_name])
    except ModuleNotFoundError as _exc:  # pragma: no cover - while a command is being built
        if _exc.name != _module:
            raise
        continue
    cli.add_command(getattr(_imported, _name))


def main() -> None:
    cli(prog_name="dokeos-audit")
