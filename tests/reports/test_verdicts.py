"""A verdict per vendor change: needs work, ready, or not checked (and why), never a
"ready" for what nothing checked."""

from __future__ import annotations

from auditor.findings import ErrorEntry, RunResult, Severity
from auditor.reports.model import build_report
from auditor.reports.verdicts import NOT_USED, Judgement, Verdict
from tests.reports.sample_runs import clean_run, code_finding, sample_runs, traffic_run

SOURCE = [f"line {n}" for n in range(1, 30)]


def verdicts(*runs: RunResult) -> dict[str, Verdict]:
    return {change.id: change.verdict for change in build_report(list(runs)).changes}


def test_one_verdict_per_change_of_the_changelog_in_catalog_order() -> None:
    assert list(verdicts(clean_run())) == [
        "v1",
        "participations",
        "users",
        "groups",
        "deletes",
        "syncs",
        "training_gate",
        "jobs",
    ]


def test_a_finding_makes_its_change_need_work() -> None:
    run = RunResult("r", "code", extra={"endpoints_seen": ["GET /users"]})
    run.findings = [
        code_finding("DK004", Severity.WARNING, "a.py", 3, "m", "GET /users", SOURCE),
    ]
    result = verdicts(run)
    assert result["users"] is Verdict.NEEDS_WORK
    assert result["participations"] is Verdict.NOT_CHECKED


def test_exercised_endpoints_without_findings_are_ready() -> None:
    run = RunResult(
        "r", "code", extra={"endpoints_seen": ["GET /groups", "PUT /training_gate/:id"]}
    )
    result = verdicts(run)
    assert result["groups"] is Verdict.READY
    assert result["training_gate"] is Verdict.READY
    assert result["deletes"] is Verdict.NOT_CHECKED


def test_v1_is_ready_when_dokeos_was_used_without_a_v1_header() -> None:
    used = RunResult("r", "code", extra={"endpoints_seen": ["GET /users"]})
    assert verdicts(used)["v1"] is Verdict.READY
    assert verdicts(RunResult("idle", "code"))["v1"] is Verdict.NOT_CHECKED
    with_v1 = RunResult("r", "code", extra={"endpoints_seen": ["GET /users"]})
    with_v1.findings = [code_finding("DK001", Severity.ERROR, "a.py", 2, "v1", None, SOURCE)]
    assert verdicts(with_v1)["v1"] is Verdict.NEEDS_WORK


def test_a_finding_is_evidence_of_its_endpoint_even_if_not_listed_as_seen() -> None:
    # an older result file has no endpoints_seen: its findings still show what was used
    run = RunResult("old", "code")
    run.findings = [
        code_finding("DK002", Severity.ERROR, "a.py", 3, "m", "GET /participations/:id", SOURCE)
    ]
    result = verdicts(run)
    assert result["participations"] is Verdict.NEEDS_WORK
    assert result["v1"] is Verdict.READY


def test_across_runs_one_that_needs_work_outweighs_one_that_is_ready() -> None:
    ready = RunResult("ok", "code", extra={"endpoints_seen": ["GET /users"]})
    broken = RunResult("ko", "code", extra={"endpoints_seen": ["GET /users"]})
    broken.findings = [
        code_finding("DK004", Severity.WARNING, "a.py", 3, "m", "GET /users", SOURCE)
    ]
    model = build_report([ready, broken])
    users = next(c for c in model.changes if c.id == "users")
    assert users.verdict is Verdict.NEEDS_WORK
    assert [j.verdict for j in users.run_verdicts] == [Verdict.READY, Verdict.NEEDS_WORK]
    assert [run.verdicts[2].verdict for run in model.runs] == [Verdict.READY, Verdict.NEEDS_WORK]


def test_traffic_findings_map_to_their_change_by_endpoint() -> None:
    model = build_report([traffic_run()])
    by_id = {c.id: c for c in model.changes}
    assert by_id["syncs"].counts.warning == 1
    assert by_id["jobs"].counts.error == 1
    assert by_id["groups"].verdict is Verdict.READY
    # a V1 request to GET /users is a V1 matter; its unread next page a users one
    assert by_id["users"].counts.warning == 1
    assert by_id["v1"].counts.error == 1


def test_groups_are_per_run_and_file_in_a_stable_order() -> None:
    model = build_report(sample_runs())
    participations = next(c for c in model.changes if c.id == "participations")
    subjects = [(g.run_name, g.subject) for g in participations.groups]
    assert subjects == sorted(subjects)
    users = next(c for c in model.changes if c.id == "users")
    # code before traffic within a run, runs in the order given
    assert [(g.run_index, g.origin) for g in users.groups] == [(0, "code"), (1, "traffic")]


def test_a_rule_no_change_knows_gets_its_own_section() -> None:
    run = RunResult("future", "code")
    run.findings = [code_finding("DK099", Severity.WARNING, "a.py", 3, "new", None, SOURCE)]
    model = build_report([run])
    assert model.changes[-1].id == "other"
    assert model.changes[-1].counts.warning == 1
    assert len(model.catalog_changes) == 8


def test_snippet_marks_the_flagged_columns() -> None:
    finding = code_finding(
        "DK002",
        Severity.ERROR,
        "a.py",
        5,
        "m",
        "GET /users",
        ["a", "b", "c", "d", "    value = row['tag_ids']", "f"],
        column=13,
        end_column=27,
    )
    run = RunResult("r", "code", findings=[finding])
    view = build_report([run]).changes[2].groups[0].items[0]
    hit = next(line for line in view.snippet if line.hit)
    assert (hit.number, hit.before, hit.marked, hit.after) == (
        5,
        "    value = ",
        "row['tag_ids']",
        "",
    )
    assert [line.number for line in view.snippet] == [2, 3, 4, 5, 6]


EVERY_ENDPOINT = [
    "GET /users",
    "GET /participations",
    "GET /groups",
    "POST /groups/:id/:action",
    "DELETE /user/:id",
    "PUT /presence_sessions/sync",
    "PUT /training_gate/:id",
    "GET /jobs/:job_id",
]


def run_with_rules(
    checked: list[str],
    not_selected: dict[str, str] | None = None,
    ignored: dict[str, str] | None = None,
) -> RunResult:
    """A run that used every changed call, with the rule coverage a scan records."""
    rules = {"checked": checked, "not_selected": not_selected or {}, "ignored": ignored or {}}
    return RunResult("r", "code", extra={"endpoints_seen": EVERY_ENDPOINT, "rules": rules})


def judgements(*runs: RunResult) -> dict[str, Judgement]:
    return {change.id: change.judgement for change in build_report(list(runs)).changes}


def test_changes_whose_rules_were_not_selected_are_not_checked_never_ready() -> None:
    others = ["DK002", "DK003", "DK004", "DK005", "DK006"]
    run = run_with_rules(["DK001"], not_selected=dict.fromkeys(others, "command line"))
    result = judgements(run)
    assert result["v1"].verdict is Verdict.READY
    for change_id in ("participations", "users", "groups", "deletes", "syncs", "jobs"):
        assert result[change_id].verdict is Verdict.NOT_CHECKED, change_id
        assert "not selected on the command line" in result[change_id].why
    assert result["deletes"].why == "its checks did not run: DK005 not selected on the command line"


def test_a_rule_ignored_by_the_configuration_leaves_its_changes_not_checked() -> None:
    run = run_with_rules(
        ["DK001", "DK002", "DK003", "DK004", "DK006"], ignored={"DK005": "configuration"}
    )
    result = judgements(run)
    assert result["deletes"].verdict is Verdict.NOT_CHECKED
    assert result["deletes"].why == (
        "its checks did not run: DK005 switched off in the configuration"
    )
    # a change checked by DK005 and another rule is only partly checked: not ready either
    assert result["groups"].verdict is Verdict.NOT_CHECKED
    assert result["groups"].why == ("only partly checked: DK005 switched off in the configuration")
    assert result["users"].verdict is Verdict.READY


def test_a_change_nothing_uses_is_not_checked_and_says_so() -> None:
    run = RunResult("r", "code", extra={"endpoints_seen": ["GET /users"]})
    judgement = judgements(run)["training_gate"]
    assert judgement.verdict is Verdict.NOT_CHECKED
    assert judgement.why == NOT_USED


def test_a_finding_still_needs_work_when_other_rules_were_left_out() -> None:
    run = run_with_rules(["DK004"], not_selected={"DK002": "command line", "DK003": "command line"})
    run.findings = [
        code_finding("DK004", Severity.WARNING, "a.py", 3, "m", "GET /participations", SOURCE)
    ]
    assert judgements(run)["participations"].verdict is Verdict.NEEDS_WORK


def test_analysis_errors_make_the_verdicts_partial() -> None:
    run = RunResult(
        "r",
        "code",
        errors=[ErrorEntry("legacy.py", "syntax error at line 3")],
        extra={"endpoints_seen": EVERY_ENDPOINT},
    )
    result = judgements(run)
    assert result["users"].verdict is Verdict.READY
    assert result["users"].partial
    assert result["users"].label == "Ready, partial"
    assert result["users"].gaps == ("1 file could not be read",)
    # a warning (a file that never mentions Dokeos and does not parse) is no gap
    warned = RunResult(
        "r",
        "code",
        errors=[ErrorEntry("vendored.py", "does not parse", level="warning")],
        extra={"endpoints_seen": EVERY_ENDPOINT},
    )
    assert not judgements(warned)["users"].partial


def test_findings_hidden_by_a_baseline_make_the_verdicts_partial() -> None:
    run = RunResult(
        "r",
        "code",
        extra={"endpoints_seen": EVERY_ENDPOINT, "baseline": {"new": 0, "known": 4, "fixed": 0}},
    )
    assert judgements(run)["users"].gaps == ("4 known findings are hidden by a baseline",)


def test_across_runs_a_run_that_uses_the_calls_without_checking_them_blocks_ready() -> None:
    ready = RunResult("ok", "code", extra={"endpoints_seen": ["DELETE /user/:id"]})
    unchecked = run_with_rules(
        ["DK001", "DK002", "DK003", "DK004", "DK006"], ignored={"DK005": "command line"}
    )
    assert judgements(ready, unchecked)["deletes"].verdict is Verdict.NOT_CHECKED
    # a run that does not use the calls at all does not stand in the way
    idle = run_with_rules(["DK001"], not_selected={"DK005": "command line"})
    idle.extra["endpoints_seen"] = []
    assert judgements(ready, idle)["deletes"].verdict is Verdict.READY


def test_results_written_before_runs_recorded_their_rules_count_as_fully_checked() -> None:
    run = RunResult("old", "code", extra={"endpoints_seen": EVERY_ENDPOINT})
    assert all(j.verdict is Verdict.READY for j in judgements(run).values())
