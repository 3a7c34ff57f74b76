"""End to end on the sample integrations (copied): one `--fix` leaves no DK001/DK002 but the
few whose finding says why it has no fix, `--unsafe-fixes` leaves none of the findings that
were offered a fix, every file still parses, and the diff stays about as small as the fixes."""

from __future__ import annotations

import ast
import difflib
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.fix.helpers import fix, scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"
REPOS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

# Findings no safe fix can resolve, each saying why (kept explicit: a new one is a decision)
NO_SAFE_FIX = {
    # the version is the default of an Odoo system parameter: the stored value still decides
    ("odoo_dokeos_connector", "DK001"): 1,
    # response_attributes passed as **params through two helpers of a Dagster resource
    ("dagster_pipeline", "DK002"): 1,
    # the generated get_participation() has no response_attributes; USER_ATTRIBUTES goes
    # through an iter_pages(fetch, **kwargs) helper
    ("openapi_client_sync", "DK002"): 2,
}


def _texts(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8", errors="surrogateescape")
        for p in root.rglob("*.py")
    }


def _changed_lines(before: dict[str, str], after: dict[str, str]) -> int:
    count = 0
    for rel, text in after.items():
        old = before.get(rel, "")
        if old != text:
            for line in difflib.unified_diff(old.splitlines(), text.splitlines(), n=0, lineterm=""):
                if line[:1] in "+-" and not line.startswith(("+++", "---")):
                    count += 1
    return count


@pytest.mark.parametrize("repo", REPOS)
def test_fix_then_unsafe_fixes_on_a_sample_integration(repo: str, tmp_path: Path) -> None:
    root = tmp_path / repo
    shutil.copytree(FIXTURES / repo, root)
    original = _texts(root)
    before = scan(root).findings
    by_rule = Counter(f.rule for f in before)
    safe = Counter(f.rule for f in before if f.fix is not None and f.fix.safe)
    offered = Counter(f.rule for f in before if f.fix is not None)
    for finding in before:
        assert finding.fix is not None or finding.no_fix, (finding.rule, finding.location)

    after_safe = fix(root).result.findings
    left = Counter(f.rule for f in after_safe if f.rule in ("DK001", "DK002"))
    expected = Counter({rule: n for (name, rule), n in NO_SAFE_FIX.items() if name == repo})
    assert left == expected
    for finding in after_safe:
        if finding.rule in ("DK001", "DK002"):
            assert finding.no_fix or (finding.fix is not None and not finding.fix.safe)
    # the safe fixes touch a line or two each, and nothing else
    assert _changed_lines(original, _texts(root)) <= 2 * sum(safe.values())
    others = Counter(f.rule for f in after_safe if f.rule not in ("DK001", "DK002"))
    assert others == Counter({r: n for r, n in by_rule.items() if r not in ("DK001", "DK002")})

    after_all = Counter(f.rule for f in fix(root, unsafe=True).result.findings)
    for rule, count in by_rule.items():
        assert after_all[rule] == count - offered[rule], rule
    for rel, text in _texts(root).items():
        ast.parse(text, rel)
    assert fix(root, unsafe=True).changed == {}
