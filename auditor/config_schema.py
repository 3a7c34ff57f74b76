"""The JSON Schema of ``[tool.dokeos-audit]`` (as ruff publishes ruff.schema.json), for
editors and for checking a configuration before a run. ``python -m auditor.config_schema``
writes docs/dokeos-audit.schema.json; a test keeps it current and in step with config.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from auditor.config import ALL_SELECTOR, CONFIG_KEYS, FAIL_LEVELS
from auditor.findings import Severity
from auditor.rules import ALL_RULES

SCHEMA_ID = "dokeos-audit.schema.json"


def schema() -> dict[str, Any]:
    rule_ids = [rule.id for rule in ALL_RULES]
    rule_list = {
        "description": "Rule ids (DK001...), or ALL; a comma-separated string works too.",
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/$defs/RuleSelector"}, "uniqueItems": True},
            {"type": "string"},
        ],
    }
    patterns = {
        "description": "Patterns with .gitignore rules, relative to this file's folder.",
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    }
    position = {
        "description": "Where it is in the call: a position (0, 1...) or a parameter name.",
        "type": ["integer", "string"],
    }
    properties: dict[str, Any] = {
        "select": {
            **rule_list,
            "description": "The rules to run (default: every rule but DK100). " + _ids(),
        },
        "extend-select": {**rule_list, "description": "Rules to run on top of select."},
        "ignore": {**rule_list, "description": "Rules not to run; wins over select."},
        "exclude": {
            **patterns,
            "description": "What not to scan; replaces the default list (.git, .venv, "
            "caches, /build, /dist...). Patterns follow .gitignore rules, relative to this "
            "file's folder.",
        },
        "extend-exclude": {**patterns, "description": "What not to scan, besides exclude."},
        "force-exclude": {
            "type": "boolean",
            "description": "Exclude even paths named on the command line (pre-commit).",
        },
        "respect-gitignore": {
            "type": "boolean",
            "description": "Leave out what .gitignore files ignore (default: true).",
        },
        "per-file-ignores": {
            "description": 'Rules to leave out of matching files: { "legacy/*.py" = '
            '["DK001"] }; a pattern starting with ! means the files it does not match.',
            "type": "object",
            "additionalProperties": rule_list,
        },
        "hosts": {
            "description": "More Dokeos hosts, or *.patterns, besides those naming dokeos.",
            "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        },
        "fail-on": {
            "description": "Exit 1 when a finding is at or above this level.",
            "enum": list(FAIL_LEVELS),
        },
        "severity": {
            "description": 'A severity per rule: { DK004 = "error" }.',
            "type": "object",
            "propertyNames": {"enum": rule_ids},
            "additionalProperties": {"enum": [s.value for s in Severity]},
        },
        "http-calls": {
            "description": "The project's own HTTP wrappers, taken for HTTP calls.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["call"],
                "additionalProperties": False,
                "properties": {
                    "call": {"type": "string", "description": "acme.lms.Client.call"},
                    **{key: position for key in ("method", "url", "headers", "params", "body")},
                },
            },
        },
        "max-file-size": {
            "description": "Bytes of source analyzed per file at most.",
            "type": "integer",
            "minimum": 1,
        },
        "integrations": {
            "description": "For `report`: which runs make one integration, and its owner.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "description": "hr-sync"},
                    "runs": {
                        "description": "Run names or result files (globs): code-hr*, x.har.",
                        "anyOf": [
                            {"type": "array", "items": {"type": "string"}},
                            {"type": "string"},
                        ],
                    },
                    "owner": {"type": "string", "description": "The team that owns it."},
                },
            },
        },
        "owners": {
            "description": "For `report`: run or integration name = the team that owns it.",
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "docs-url": {
            "description": "Where your copy of docs/rules is served: rule links (SARIF "
            "helpUri) point there. {rule} stands for the id, else /DK00x.md is added.",
            "type": "string",
            "minLength": 1,
        },
    }
    assert list(properties) == list(CONFIG_KEYS), "config.py and its schema disagree"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "[tool.dokeos-audit]",
        "description": "Settings of dokeos-audit, in pyproject.toml or a file given with --config.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": {
            "RuleSelector": {
                "description": "A rule id, in any case, or ALL.",
                "type": "string",
                # ECMA-262 patterns (what JSON Schema uses) have no case-insensitive flag
                "pattern": "^(" + "|".join(_any_case(r) for r in [*rule_ids, ALL_SELECTOR]) + ")$",
            }
        },
    }


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _ids() -> str:
    return ", ".join(f"{rule.id} {rule.name}" for rule in ALL_RULES)


def text() -> str:
    return json.dumps(schema(), indent=2) + "\n"


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parents[1] / "docs" / "dokeos-audit.schema.json"
    )
    target.write_text(text(), encoding="utf-8")
    print(f"wrote {target}")
