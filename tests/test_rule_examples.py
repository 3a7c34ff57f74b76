"""Every rule's own code examples: bad ones are flagged as often as they say, good ones never."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.rules import ALL_RULES
from auditor.rules.base import CodeExample
from tests.code.helpers import scan_files

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{kind}-{i}")
    for rule in ALL_RULES
    for kind, examples in (("bad", rule.bad), ("good", rule.good))
    for i, example in enumerate(examples)
    if isinstance(example, CodeExample)
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_code_example(rule, example: CodeExample, tmp_path: Path) -> None:
    # opt-in rules (DK100) run when selected, as a user would select them
    settings = Settings(extend_select=frozenset({rule.id}))
    findings = scan_files(tmp_path, {"example.py": example.source, **example.files}, settings)
    own = [f for f in findings if f.rule == rule.id]
    assert len(own) == example.expect, [f.to_json() for f in findings]


def test_every_rule_has_bad_and_good_code_examples() -> None:
    for rule in ALL_RULES:
        assert any(isinstance(e, CodeExample) for e in rule.bad), rule.id
        assert any(isinstance(e, CodeExample) for e in rule.good), rule.id
