"""The rule pages under docs/rules, generated from the rule classes (as ruff generates its
own): ``python -m auditor.rule_docs`` writes them; a test checks they are current."""

from __future__ import annotations

import sys
from pathlib import Path

from auditor.rules import ALL_RULES
from auditor.rules.base import Rule

HEADER = "<!-- Generated from the rule class by `python -m auditor.rule_docs`: edit the class. -->"


def rule_markdown(rule: Rule) -> str:
    checks = " and ".join(rule.checks)
    return "\n".join(
        [
            HEADER,
            f"# {rule.id} {rule.name}",
            "",
            f"Default severity: **{rule.severity.value}**. Checks: {checks}.",
            "",
            "## What it finds",
            "",
            rule.summary,
            "",
            "## Why it breaks",
            "",
            rule.why,
            "",
            "## How to fix it",
            "",
            rule.fix,
            "",
            *(["## Automatic fix", "", rule.autofix, ""] if rule.autofix else []),
            "Before:",
            "",
            "```python",
            rule.before,
            "```",
            "",
            "After:",
            "",
            "```python",
            rule.after,
            "```",
            "",
            "## Options",
            "",
            f'- Leave it out: `ignore = ["{rule.id}"]` in `[tool.dokeos-audit]`, or '
            f"`--ignore {rule.id}`; for some files only, `per-file-ignores`.",
            f"- Hide one finding: `# dokeos-audit: ignore[{rule.id}]` (or `# noqa: {rule.id}`) "
            "on the reported line or the first line of its statement.",
            f'- Change its severity: `[tool.dokeos-audit.severity]` `{rule.id} = "error"`.',
            "",
            f"In a terminal: `dokeos-audit rules {rule.id}` (or `dokeos-audit rules {rule.name}`).",
            "",
        ]
    )


def index_markdown() -> str:
    lines = [
        HEADER,
        "# The rules",
        "",
        "| id | name | severity | what it finds |",
        "|---|---|---|---|",
    ]
    for rule in ALL_RULES:
        summary = rule.summary.replace("|", "\\|")
        lines.append(
            f"| [{rule.id}]({rule.id}.md) | {rule.name} | {rule.severity.value} | {summary} |"
        )
    lines += [
        "",
        "Reports link here when `docs-url` in `[tool.dokeos-audit]` names where your copy of "
        "this folder is served (`https://git.example.org/tools/dokeos-audit/-/blob/main/"
        "docs/rules`, or a pattern with `{rule}`).",
        "",
    ]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """File name in docs/rules → its text."""
    out = {f"{rule.id}.md": rule_markdown(rule) for rule in ALL_RULES}
    out["README.md"] = index_markdown()
    return out


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "docs" / "rules"
    )
    for path in write(target):
        print(f"wrote {path}")
