"""The `dokeos-audit` command line."""

from __future__ import annotations

import importlib
import io
import sys

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
EXTRA_PACKAGES = frozenset({"mitmproxy", "mitmproxy_rs", "aiohttp"})
"""What the `traffic` extra installs: a command that needs it says so instead of failing."""


class LazyCommands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, attribute = where
        try:
            command = getattr(importlib.import_module(module), attribute)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if missing not in EXTRA_PACKAGES:
                raise
            return _needs_the_extra(cmd_name, missing)
        assert isinstance(command, click.Command)
        return command


def _needs_the_extra(name: str, missing: str) -> click.Command:
    """A stand-in for a command whose packages are not installed: one line, exit 2."""

    def explain() -> None:
        click.echo(
            f"dokeos-audit: error: `dokeos-audit {name}` needs {missing}, part of the "
            "`traffic` extra: pip install 'dokeos-audit[traffic]' (from a clone: "
            "pip install '.[traffic]')",
            err=True,
        )
        sys.exit(2)

    return click.Command(
        name,
        callback=explain,
        help="Needs the `traffic` extra (pip install 'dokeos-audit[traffic]').",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dokeos-audit")
def cli() -> None:
    """Find what breaks when a Python integration moves to the Dokeos API V2."""


def main() -> None:
    # file names that are not UTF-8 reach messages as surrogates: print their escapes
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    cli(prog_name="dokeos-audit")
