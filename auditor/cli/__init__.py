"""The `dokeos-audit` command line."""

from __future__ import annotations

import importlib

import click

from auditor import __version__

# Each command is imported when it runs: a scan does not pay for mitmproxy, nor traffic
# for libcst, and `dokeos-audit rules` starts at once.
COMMANDS = {
    "scan": ("auditor.cli.scan_cmd", "scan_command"),
    "traffic": ("auditor.cli.traffic_cmd", "traffic_command"),
    "proxy": ("auditor.cli.proxy_cmd", "proxy_command"),
    "report": ("auditor.cli.report_cmd", "report_command"),
    "rules": ("auditor.cli.rules_cmd", "rules_command"),
    "calls": ("auditor.cli.calls_cmd", "calls_command"),
    "sandbox": ("auditor.cli.sandbox_cmd", "sandbox_command"),
}


class LazyCommands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, attribute = where
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dokeos-audit")
def cli() -> None:
    """Find what breaks when a Python integration moves to the Dokeos API V2."""


def main() -> None:
    cli(prog_name="dokeos-audit")
