"""Every rule's bad code examples carry what the fix makes of them (Fixit's
``expected_replacement``): the fix is offered, its result is exactly that source, it parses,
it leaves no finding of the rule, and fixing again changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst
import pytest

from auditor.config import Settings
from auditor.rules import ALL_RULES
from auditor.rules.base import CodeExample
from tests.fix.helpers import fix, scan, write

SAFE_RULES = {"DK001", "DK002", "DK100"}

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-bad-{i}")
    for rule in ALL_RULES
    for i, example in enumerate(rule.bad)
    if isinstance(example, CodeExample)
]


def _project(tmp_path: Path, example: CodeExample) -> Path:
    return write(tmp_path, {"example.py": example.source, **example.files})


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_bad_example_is_fixed_as_its_rule_says(rule, example: CodeExample, tmp_path: Path) -> None:
    root = _project(tmp_path, example)
    # opt-in rules (DK100) run when selected, as a user would select them
    settings = Settings(extend_select=frozenset({rule.id}))
    own = [f for f in scan(root, settings).findings if f.rule == rule.id]
    assert own, "a bad example must be flagged"
    if example.fixed is None and not example.fixed_files:
        assert all(f.fix is None for f in own), [f.fix for f in own]
        assert all(example.no_fix in f.no_fix for f in own), [f.no_fix for f in own]
        return
    assert all(f.fix is not None for f in own), [f.no_fix for f in own]
    safe = rule.id in SAFE_RULES
    assert {f.fix.applicability.value for f in own if f.fix} <= ({"safe"} if safe else {"unsafe"})
    run = fix(root, unsafe=not safe, settings=settings)
    expected = {"example.py": example.fixed or example.source, **example.fixed_files}
    for rel, text in expected.items():
        assert (root / rel).read_text() == text, rel
        ast.parse(text)
        libcst.parse_module(text)
    for rel, text in example.files.items():
        if rel not in example.fixed_files:
            assert (root / rel).read_text() == text, f"{rel} should not change"
    assert not [f for f in run.result.findings if f.rule == rule.id]
    assert not [f for f in scan(root, settings).findings if f.rule == rule.id]
    again = fix(root, unsafe=True, settings=settings)
    assert again.changed == {}, "a second --fix must change nothing"


def test_every_bad_code_example_says_what_its_fix_is() -> None:
    for rule in ALL_RULES:
        for example in rule.bad:
            if isinstance(example, CodeExample):
                assert example.fixed is not None or example.fixed_files or example.no_fix, rule.id


def test_every_fixable_rule_has_an_example_with_a_fix() -> None:
    for rule in ALL_RULES:
        if rule.id == "DK006":
            continue
        assert any(isinstance(e, CodeExample) and e.fixed for e in rule.bad) or any(
            isinstance(e, CodeExample) and e.fixed_files for e in rule.bad
        ), rule.id
