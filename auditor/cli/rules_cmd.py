"""`dokeos-audit rules [RULE_ID]`: the rule list, or one rule's page."""

from __future__ import annotations

import textwrap

import click

from auditor.cli.common import user_errors
from auditor.errors import ConfigError
from auditor.rules import ALL_RULES, RULES_BY_ID
from auditor.rules.base import Rule


def rule_page(rule: Rule) -> str:
    def para(text: str) -> str:
        return textwrap.fill(text, width=88)

    return "\n".join(
        [
            f"{rule.id} {rule.name} (default severity: {rule.severity.value})",
            "",
            "What it finds",
            para(rule.summary),
            "",
            "Why it breaks",
            para(rule.why),
            "",
            "How to fix it",
            para(rule.fix),
            "",
            *(["Automatic fix", para(rule.autofix), ""] if rule.autofix else []),
            "Before",
            textwrap.indent(rule.before, "    "),
            "",
            "After",
            textwrap.indent(rule.after, "    "),
            "",
        ]
    )


@click.command("rules")
@click.argument("rule_id", required=False)
@user_errors
def rules_command(rule_id: str | None) -> None:
    """List the rules, or print what RULE_ID finds, why it breaks and how to fix it."""
    if rule_id is None:
        for rule in ALL_RULES:
            click.echo(f"{rule.id}  {rule.name:<24} {rule.severity.value:<8} {rule.summary}")
        return
    rule = RULES_BY_ID.get(rule_id.strip().upper())
    if rule is None:
        raise ConfigError(f"unknown rule {rule_id!r}; `dokeos-audit rules` lists them")
    click.echo(rule_page(rule), nl=False)
