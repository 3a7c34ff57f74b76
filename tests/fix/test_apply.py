"""Applying fixes: edits that agree are made once, colliding ones keep the first and report
the other (made in the next pass), every file still parses, and its bytes stay its own."""

from __future__ import annotations

from pathlib import Path

import libcst

from auditor.code.modules import ModuleInfo
from auditor.findings import Finding, Location, Severity
from auditor.fix.apply import apply_fixes
from auditor.fix.model import Applicability, Edit, Fix
from auditor.fix.plan import parse_failure
from auditor.fix.source import LineIndex, ModuleSource, apply_edits
from tests.fix.helpers import fix, scan, write

TEXT = 'A = "v1"\nB = {"page": 1}\n'


def _finding(line: int, *edits: Edit, rule: str = "DK002", safe: bool = True) -> Finding:
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    return Finding(
        rule=rule,
        severity=Severity.ERROR,
        message="m",
        origin="code",
        endpoint=None,
        fingerprint=f"{rule}-{line}-{len(edits)}",
        location=Location("a.py", line, 1, line, 2),
        fix=Fix(applicability, "fix it", edits),
    )


def _apply(*findings: Finding, unsafe: bool = False, text: str = TEXT):
    return apply_fixes(list(findings), lambda path: text if path == "a.py" else None, unsafe=unsafe)


def test_identical_edits_of_two_findings_are_made_once() -> None:
    edit = Edit("a.py", 2, 15, 2, 15, ', "response_attributes": "tag_ids"')
    outcome = _apply(_finding(1, edit), _finding(2, edit))
    assert outcome.texts["a.py"] == 'A = "v1"\nB = {"page": 1, "response_attributes": "tag_ids"}\n'
    assert len(outcome.fixed) == 2 and outcome.skipped == []


def test_overlapping_edits_keep_the_first_fix_and_report_the_other() -> None:
    first = _finding(1, Edit("a.py", 1, 5, 1, 9, '"v2"'))
    second = _finding(2, Edit("a.py", 1, 6, 1, 8, "V2"), rule="DK001")
    outcome = _apply(first, second)
    assert outcome.texts["a.py"].startswith('A = "v2"\n')
    (skipped,) = outcome.skipped
    assert skipped.finding is second
    assert skipped.reason == "its edit overlaps the fix of DK002 at a.py:1"


def test_insertions_at_one_place_are_both_kept_in_order() -> None:
    first = _finding(1, Edit("a.py", 1, 1, 1, 1, "import itertools\n"))
    second = _finding(2, Edit("a.py", 1, 1, 1, 1, "import time\n"))
    outcome = _apply(first, second)
    assert outcome.texts["a.py"] == "import itertools\nimport time\n" + TEXT


def test_unsafe_fixes_wait_for_unsafe_fixes_and_safe_ones_go_first() -> None:
    unsafe = _finding(1, Edit("a.py", 2, 6, 2, 16, "{}"), safe=False)
    safe = _finding(2, Edit("a.py", 2, 15, 2, 15, ', "x": 2'))
    assert _apply(unsafe).texts == {}
    outcome = _apply(unsafe, safe, unsafe=True)
    assert outcome.fixed == [safe]
    assert outcome.skipped[0].finding is unsafe


def test_a_fix_that_breaks_the_file_is_not_applied() -> None:
    broken = _finding(1, Edit("a.py", 1, 5, 1, 5, "("))
    fine = _finding(2, Edit("a.py", 2, 15, 2, 15, ', "x": 2'))
    outcome = _apply(broken, fine)
    assert outcome.texts["a.py"] == 'A = "v1"\nB = {"page": 1, "x": 2}\n'
    assert [s.finding for s in outcome.skipped] == [broken]
    assert parse_failure("x = (\n")


def test_a_file_changed_since_the_scan_is_left_alone() -> None:
    stale = _finding(1, Edit("a.py", 9, 1, 9, 2, "x"))
    outcome = _apply(stale)
    assert outcome.texts == {} and "changed since it was scanned" in outcome.skipped[0].reason


def test_edits_are_minimal_and_regenerated_by_libcst() -> None:
    module = ModuleInfo.parse("m.py", "m", "x = 1  # keep\ny = 'a'\n")
    source = ModuleSource(module)
    node = module.tree.body[1].body[0].value  # type: ignore[attr-defined]
    edit = source.edit(node, node.with_changes(value="'b'"))
    assert edit == Edit("m.py", 2, 6, 2, 7, "b")
    assert apply_edits(module.text, [edit]) == "x = 1  # keep\ny = 'b'\n"


def test_line_index_counts_characters_and_python_line_ends() -> None:
    lines = LineIndex("é = 1\r\nb = '\x0c'\rc\n")
    assert lines.position(2) == (1, 3)
    assert lines.position(7) == (2, 1)
    assert lines.offset(3, 1) == 15
    assert lines.offset(9, 1) is None


def test_crlf_and_a_latin_1_cookie_survive_a_fix(tmp_path: Path) -> None:
    body = (
        "# -*- coding: latin-1 -*-\r\n"
        "# Société Générale\r\n"
        "import requests\r\n"
        'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}\r\n'
        "def users():\r\n"
        '    return requests.get("https://acme.dokeos.com/api/users/1", headers=HEADERS).json()\r\n'
    )
    path = tmp_path / "legacy.py"
    path.write_bytes(body.encode("latin-1"))
    fix(tmp_path)
    assert path.read_bytes() == body.replace("version=1", "version=2").encode("latin-1")


def test_a_bom_stays(tmp_path: Path) -> None:
    body = 'import requests\nH = {"Accept": "application/vnd.dokeos+json;version=1"}\n'
    body += "def f():\n    return requests.get('https://acme.dokeos.com/api/users/1', headers=H)\n"
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    fix(tmp_path)
    assert path.read_bytes() == b"\xef\xbb\xbf" + body.replace("version=1", "version=2").encode()


def test_fixes_that_collide_in_one_pass_are_all_made_in_the_next(tmp_path: Path) -> None:
    # DK002 adds to the params dict inside the call DK004's fix moves into a generator:
    # the two edits overlap, so the page walk comes in the second pass, on the new text
    write(
        tmp_path,
        {
            "users.py": """
            import requests

            H = {"Accept": "application/vnd.dokeos+json;version=2"}
            URL = "https://acme.dokeos.com/api/users"


            def tags():
                r = requests.get(URL, params={"status": "active"}, headers=H)
                return [u["tag_ids"] for u in r.json()["data"]]
            """
        },
    )
    run = fix(tmp_path, unsafe=True)
    text = (tmp_path / "users.py").read_text()
    assert '"status": "active", "response_attributes": "tag_ids", "page": page' in text
    assert 'return [u["tag_ids"] for u in _all_users()]' in text
    assert sorted(f.rule for f in run.fixed) == ["DK002", "DK004"]
    assert scan(tmp_path).findings == []
    libcst.parse_module(text)
