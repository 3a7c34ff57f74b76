"""Every rule's own traffic examples: bad sessions are flagged as often as they say, good never."""

from __future__ import annotations

import pytest

from auditor.rules import ALL_RULES
from auditor.rules.base import Rule, TrafficExample
from auditor.traffic.examples import run_example

CASES = [
    pytest.param(rule, example, kind, id=f"{rule.id}-{kind}-{i}")
    for rule in ALL_RULES
    for kind, examples in (("bad", rule.bad), ("good", rule.good))
    for i, example in enumerate(examples)
    if isinstance(example, TrafficExample)
]


@pytest.mark.parametrize(("rule", "example", "kind"), CASES)
def test_traffic_example(rule: Rule, example: TrafficExample, kind: str) -> None:
    findings = run_example(example)
    own = [f for f in findings if f.rule == rule.id]
    expected = example.expect if kind == "bad" else 0
    assert len(own) == expected, [f.to_json() for f in findings]
    for finding in own:
        assert finding.origin == "traffic"
        assert finding.flow is not None and finding.flow.file == "example"


def test_every_rule_has_bad_and_good_traffic_examples() -> None:
    for rule in ALL_RULES:
        if "traffic" not in rule.checks:
            continue
        assert any(isinstance(e, TrafficExample) for e in rule.bad), rule.id
        assert any(isinstance(e, TrafficExample) for e in rule.good), rule.id
