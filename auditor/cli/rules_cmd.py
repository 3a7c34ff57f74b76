"""`dokeos-audit rules [RULE]`: the rule list, or one rule's page, by id or by name."""

from __future__ import annotations

import json
import textwrap
from typing import Any

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


def rule_json(rule: Rule) -> dict[str, Any]:
    """What `rules --format json` prints of a rule (as ruff's `rule --output-format json`)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity.value,
        "checks": list(rule.checks),
        "summary": rule.summary,
        "why": rule.why,
        "fix": rule.fix,
        "before": rule.before,
        "after": rule.after,
        "page": rule.doc_path,
    }


def find_rule(text: str) -> Rule:
    """A rule by id (``DK002``, any case) or by name (``attribute-not-requested``)."""
    wanted = text.strip()
    rule = RULES_BY_ID.get(wanted.upper())
    if rule is None:
        rule = next((r for r in ALL_RULES if r.name == wanted.lower().replace("_", "-")), None)
    if rule is None:
        raise ConfigError(f"unknown rule {text!r}; `dokeos-audit rules` lists them")
    return rule


@click.command("rules")
@click.argument("rule", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table, or the rule's page; json: every field of the rule(s).",
)
@user_errors
def rules_command(rule: str | None, output_format: str) -> None:
    """List the rules, or print what RULE (an id or a name) finds, why it breaks and how to
    fix it."""
    if rule is None:
        if output_format == "json":
            click.echo(json.dumps([rule_json(r) for r in ALL_RULES], indent=2))
            return
        for each in ALL_RULES:
            click.echo(f"{each.id}  {each.name:<24} {each.severity.value:<8} {each.summary}")
        return
    found = find_rule(rule)
    if output_format == "json":
        click.echo(json.dumps(rule_json(found), indent=2))
        return
    click.echo(rule_page(found), nl=False)
