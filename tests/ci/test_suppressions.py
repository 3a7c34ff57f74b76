"""Inline suppressions: `# dokeos-audit: ignore[...]` and `# noqa: DK...` hide a finding on
their line or on the first line of its statement; unused ones can be reported."""

from __future__ import annotations

from pathlib import Path

from tests.ci.helpers import SYNC, dokeos_audit, scan_json, sync_project, write_project


def with_comment(line: int, comment: str, text: str = SYNC) -> str:
    lines = text.splitlines()
    lines[line - 1] = f"{lines[line - 1]}  {comment}"
    return "\n".join(lines) + "\n"


def scan_sync(tmp_path: Path, text: str, *args: str) -> tuple[list[tuple[str, int]], dict]:
    sync_project(tmp_path)
    (tmp_path / "sync" / "dokeos.py").write_text(text)
    outcome = scan_json(tmp_path, *args)
    return [(rule, line) for rule, _, line in outcome.places], outcome.document["summary"]


def test_ignore_with_the_rule_id_hides_that_finding_and_counts_it(tmp_path: Path) -> None:
    found, summary = scan_sync(tmp_path, with_comment(10, "# dokeos-audit: ignore[DK004]"))
    assert ("DK004", 10) not in found
    assert len(found) == 3
    assert summary["suppressed"] == 1
    assert summary["by_rule"] == {"DK001": 1, "DK002": 1, "DK005": 1}


def test_ignore_of_another_rule_hides_nothing(tmp_path: Path) -> None:
    found, summary = scan_sync(tmp_path, with_comment(10, "# dokeos-audit: ignore[DK002]"))
    assert ("DK004", 10) in found
    assert summary["suppressed"] == 0


def test_several_ids_and_bare_ignore(tmp_path: Path) -> None:
    text = with_comment(25, "# dokeos-audit: ignore")
    text = with_comment(6, "# dokeos-audit: ignore[DK002, DK001]", text)
    found, summary = scan_sync(tmp_path, text)
    assert found == [("DK002", 21), ("DK004", 10)]
    assert summary["suppressed"] == 2


def test_comment_on_the_first_line_of_a_multiline_statement_covers_its_other_lines(
    tmp_path: Path,
) -> None:
    text = """\
        import requests


        def fetch_user(user_id):
            response = requests.get(  # dokeos-audit: ignore[DK001]
                f"https://acme.dokeos.com/api/users/{user_id}",
                headers={"Accept": "application/vnd.dokeos+json;version=1"},
                timeout=10,
            )
            return response.json()


        def fetch_group(group_id):
            response = requests.get(
                f"https://acme.dokeos.com/api/groups/{group_id}",
                headers={"Accept": "application/vnd.dokeos+json;version=1"},
                timeout=10,
            )
            return response.json()
        """
    write_project(tmp_path, {"lookups.py": text})
    outcome = scan_json(tmp_path)
    assert outcome.places == [("DK001", "lookups.py", 16)]
    assert outcome.document["summary"]["suppressed"] == 1


def test_comment_on_the_first_line_of_an_enclosing_block_does_not_cover_its_body(
    tmp_path: Path,
) -> None:
    text = with_comment(9, "# dokeos-audit: ignore[DK004]")  # the `def list_users():` line
    found, summary = scan_sync(tmp_path, text)
    assert ("DK004", 10) in found
    assert summary["suppressed"] == 0


def test_noqa_with_our_code_and_bare_noqa_suppress(tmp_path: Path) -> None:
    text = with_comment(10, "# noqa: DK004")
    text = with_comment(25, "# noqa", text)
    found, summary = scan_sync(tmp_path, text)
    assert found == [("DK001", 6), ("DK002", 21)]
    assert summary["suppressed"] == 2


def test_noqa_for_other_linters_does_not_hide_our_findings(tmp_path: Path) -> None:
    found, summary = scan_sync(tmp_path, with_comment(10, "# noqa: E501"))
    assert ("DK004", 10) in found
    assert summary["suppressed"] == 0


def test_the_words_inside_a_string_are_not_a_suppression(tmp_path: Path) -> None:
    text = SYNC.replace(
        '    return response.json()["progressions"]',
        '    print("# dokeos-audit: ignore"); return response.json()["progressions"]',
    )
    found, _ = scan_sync(tmp_path, text)
    assert ("DK002", 21) in found


def test_unused_suppressions_are_reported_and_fail_the_run(tmp_path: Path) -> None:
    text = with_comment(10, "# dokeos-audit: ignore[DK004,DK003]")
    text = with_comment(13, "# dokeos-audit: ignore", text)
    text = with_comment(25, "# noqa: DK005", text)
    sync_project(tmp_path)
    (tmp_path / "sync" / "dokeos.py").write_text(text)
    (tmp_path / "sync" / "report.py").write_text("print('done')  # noqa: DK002\n")
    args = ("--select", "DK003,DK004,DK005", "--fail-on", "warning")

    quiet = scan_json(tmp_path, *args)
    assert quiet.places == []
    assert quiet.code == 0

    loud = scan_json(tmp_path, *args, "--report-unused-suppressions")
    unused = [f for f in loud.document["findings"] if f["rule"] == "DK100"]
    # findings of their own (ruff's RUF100): an id, a place, counted in the summary
    assert [(f["location"]["path"], f["location"]["line"]) for f in unused] == [
        ("sync/dokeos.py", 10),
        ("sync/dokeos.py", 13),
    ]  # DK002 is not selected in this run: its comment may still be needed
    assert "(DK003)" in unused[0]["message"] and unused[0]["severity"] == "warning"
    assert unused[0]["location"]["column"] > 1 and unused[0]["fingerprint"]
    assert loud.document["summary"]["by_rule"] == {"DK100": 2}
    assert loud.code == 1
    assert (
        scan_json(tmp_path, *args, "--report-unused-suppressions", "--fail-on", "error").code == 0
    )


def test_text_output_hides_suppressed_findings(tmp_path: Path) -> None:
    sync_project(tmp_path)
    (tmp_path / "sync" / "dokeos.py").write_text(with_comment(6, "# noqa: DK001"))
    outcome = dokeos_audit("scan", tmp_path, "--select", "DK001")
    assert outcome.stdout == "No problems found.\n"
    assert outcome.code == 0
