"""`scan --fix`, `--unsafe-fixes`, `--fix-only` and `--diff` as a ruff user expects them, and
the fixes in every output format."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.findings import Finding
from auditor.fix.model import Applicability, Edit, Fix
from auditor.reports import renderer_for
from tests.ci.helpers import SYNC, dokeos_audit, scan_json, sync_project
from tests.fix.helpers import scan
from tests.reports.test_sarif import validator

V1_LINE = 'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}'
V2_LINE = 'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}'


def _source(root: Path) -> str:
    return (root / "sync" / "dokeos.py").read_text()


def test_fix_applies_the_safe_fixes_and_reports_what_is_left(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--fix", "--format", "json")
    text = _source(root)
    assert V2_LINE in text
    added = '        timeout=30,\n        params={"response_attributes": "progressions"},\n'
    assert added in text
    # the unsafe fixes (pages, the job) are left for --unsafe-fixes
    assert "while True" not in text and "jobs/" not in text
    assert [f["rule"] for f in outcome.document["findings"]] == ["DK004", "DK005"]
    assert outcome.code == 1
    assert "Fixed 2 findings in 1 file (2 remaining, 1 more with --unsafe-fixes)." in outcome.stderr


def test_a_second_fix_changes_nothing(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    dokeos_audit("scan", root, "--fix", "--unsafe-fixes")
    once = _source(root)
    outcome = dokeos_audit("scan", root, "--fix", "--unsafe-fixes")
    assert _source(root) == once
    assert "No fixes applied (1 remaining)." in outcome.stderr


def test_unsafe_fixes_follow_the_job_and_say_why_the_v1_list_has_none(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--fix", "--unsafe-fixes", "--format", "json")
    text = _source(root)
    assert "def _wait_for_dokeos_job(client, url, wait=600.0, **kwargs):" in text
    call = (
        '_wait_for_dokeos_job(requests, f"{BASE_URL}/jobs/{job_id}", headers=HEADERS, timeout=30)'
    )
    assert call in text
    # `return response.json()` reads a V1 bare list: walking V2 pages needs its "data" first
    (left,) = outcome.document["findings"]
    assert left["rule"] == "DK004" and "V1 bare list" in left["no_fix"]
    assert [f.rule for f in scan(root).findings] == ["DK004"]


def test_unsafe_fixes_walk_the_pages(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    path = root / "sync" / "dokeos.py"
    path.write_text(SYNC.replace("return response.json()\n", 'return response.json()["data"]\n'))
    dokeos_audit("scan", root, "--fix", "--unsafe-fixes")
    text = _source(root)
    assert "    def _all_users():\n        page = 1\n        while True:\n" in text
    assert "    return list(_all_users())\n" in text
    assert scan(root).findings == []


def test_fix_only_writes_no_report_and_exits_0(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--fix-only")
    assert outcome.code == 0
    assert outcome.stdout == ""
    assert "Fixed 2 findings" in outcome.stderr
    assert V2_LINE in _source(root)


def test_diff_previews_and_changes_nothing(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--diff")
    assert outcome.code == 1
    assert "--- a/sync/dokeos.py\n+++ b/sync/dokeos.py\n" in outcome.stdout
    assert f"-{V1_LINE}\n+{V2_LINE}\n" in outcome.stdout
    assert "Would fix 2 findings in 1 file (1 more with --unsafe-fixes)." in outcome.stderr
    assert _source(root) == SYNC
    clean = dokeos_audit("scan", root, "--diff", "--select", "DK006")
    assert (clean.code, clean.stdout) == (0, "")


def test_diff_with_unsafe_fixes_shows_them_too(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--diff", "--unsafe-fixes")
    assert "+def _wait_for_dokeos_job(client, url, wait=600.0, **kwargs):" in outcome.stdout
    assert "Would fix 3 findings in 1 file." in outcome.stderr


def test_text_marks_fixable_findings_and_counts_them(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    lines = dokeos_audit("scan", root, "--output-format", "concise").stdout.splitlines()
    marked = [line for line in lines if " [*] " in line]
    assert [line.split(" ")[1] for line in marked] == ["DK001", "DK002"]
    assert lines[-1] == "[*] 2 fixable with --fix (1 more with --unsafe-fixes)."
    unsafe = dokeos_audit("scan", root, "--unsafe-fixes", "--output-format", "concise")
    assert len([line for line in unsafe.stdout.splitlines() if " [*] " in line]) == 3
    assert unsafe.stdout.splitlines()[-1] == "[*] 3 fixable with --fix --unsafe-fixes."
    # ruff's full format: the marker after the rule id, what the fix does under the source
    full = dokeos_audit("scan", root).stdout
    assert ": error: DK001 [*] asks the Dokeos API for version 1" in full
    assert "  fix: ask for version 2\n" in full
    statistics = dokeos_audit("scan", root, "--statistics").stdout.splitlines()
    assert "1\tDK001\t[*] v1-accept-header" in statistics


def test_json_findings_carry_their_fix_or_why_they_have_none(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    findings = {f["rule"]: f for f in scan_json(root).document["findings"]}
    fix = findings["DK001"]["fix"]
    assert fix["applicability"] == "safe"
    assert fix["message"] == "ask for version 2"
    assert fix["edits"] == [
        {
            "path": "sync/dokeos.py",
            "line": 6,
            "column": 59,
            "end_line": 6,
            "end_column": 60,
            "replacement": "2",
        }
    ]
    assert findings["DK005"]["fix"]["applicability"] == "unsafe"
    job_store = sync_project(
        tmp_path / "poller",
        **{
            "sync/poller.py": (
                "import json\nimport requests\n"
                "def poll(path):\n"
                "    for job_id in json.load(open(path)):\n"
                "        requests.get(f'https://acme.dokeos.com/api/jobs/{job_id}').json()\n"
            )
        },
    )
    stored = [f for f in scan_json(job_store).document["findings"] if f["rule"] == "DK006"]
    assert stored and "fix" not in stored[0] and "7 days" in stored[0]["no_fix"]


def test_sarif_with_fixes_validates_against_the_schema(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    document = json.loads(renderer_for("sarif")([scan(root)]))
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    change = results["DK001"]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "sync/dokeos.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 6, "startColumn": 59, "endLine": 6, "endColumn": 60},
            "insertedContent": {"text": "2"},
        }
    ]
    assert results["DK005"]["properties"]["fixApplicability"] == "unsafe"


def test_markdown_and_github_show_the_suggested_change(tmp_path: Path) -> None:
    result = scan(sync_project(tmp_path))
    markdown = renderer_for("markdown")([result])
    assert "```diff\n--- a/sync/dokeos.py\n+++ b/sync/dokeos.py\n@@ -6 +6 @@\n" in markdown
    assert f"-{V1_LINE}\n+{V2_LINE}\n```" in markdown
    github = renderer_for("github")([result])
    assert "Suggested change (safe, `dokeos-audit scan --fix`): ask for version 2" in github
    assert f"%0A-{V1_LINE}%0A+{V2_LINE}" in github


def test_a_fix_that_would_print_a_credential_stays_out_of_reports(tmp_path: Path) -> None:
    secret = "ghp_R3alLo0kingT0kenValue0123456789"
    edit = Edit("a.py", 1, 1, 1, 2, f'TOKEN = "{secret}"')
    finding = scan(sync_project(tmp_path)).findings[0]
    from dataclasses import replace

    leaky = replace(finding, fix=Fix(Applicability.SAFE, "m", (edit,), f"+{secret}\n"))
    result = scan(sync_project(tmp_path / "again"))
    result.findings = [leaky]
    for name in ("json", "sarif", "markdown", "github", "html"):
        assert secret not in renderer_for(name)([result]), name


def test_fix_and_write_baseline_do_not_mix(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    outcome = dokeos_audit("scan", root, "--fix", "--write-baseline", tmp_path / "b.json")
    assert outcome.code == 2
    assert "--write-baseline" in outcome.stderr


def test_report_merges_keep_the_fixes(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    result_file = tmp_path / "result.json"
    dokeos_audit("scan", root, "--format", "json", "--output", result_file, "--fail-on", "never")
    merged = dokeos_audit("report", result_file, "--format", "json")
    fixes = [f.get("fix") for f in json.loads(merged.stdout)["findings"]]
    assert Finding.from_json(json.loads(merged.stdout)["findings"][0]).fix is not None
    assert sum(1 for f in fixes if f) == 3


def test_findings_left_by_fix_say_why_they_have_none(tmp_path: Path) -> None:
    root = sync_project(tmp_path)
    lines = dokeos_audit("scan", root, "--fix", "--output-format", "concise").stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if " DK004 " in line)
    assert lines[index + 1].startswith("    no fix: the list is not read as")
    full = dokeos_audit("scan", root, "--fix").stdout
    assert "  no fix: the list is not read as" in full
    # a plain scan keeps one finding a line
    plain = dokeos_audit("scan", root, "--output-format", "concise").stdout.splitlines()
    assert not [line for line in plain if line.startswith("    no fix:")]


def test_github_says_why_a_finding_has_no_fix(tmp_path: Path) -> None:
    result = scan(sync_project(tmp_path))
    github = renderer_for("github")([result])
    assert "No automatic fix: the list is not read as" in github
