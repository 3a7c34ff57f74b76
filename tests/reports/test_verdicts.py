"""A verdict per vendor change: needs work, ready, or not exercised."""

from __future__ import annotations

from auditor.findings import RunResult, Severity
from auditor.reports.model import Verdict, build_report
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
    assert result["participations"] is Verdict.NOT_EXERCISED


def test_exercised_endpoints_without_findings_are_ready() -> None:
    run = RunResult(
        "r", "code", extra={"endpoints_seen": ["GET /groups", "PUT /training_gate/:id"]}
    )
    result = verdicts(run)
    assert result["groups"] is Verdict.READY
    assert result["training_gate"] is Verdict.READY
    assert result["deletes"] is Verdict.NOT_EXERCISED


def test_v1_is_ready_when_dokeos_was_used_without_a_v1_header() -> None:
    used = RunResult("r", "code", extra={"endpoints_seen": ["GET /users"]})
    assert verdicts(used)["v1"] is Verdict.READY
    assert verdicts(RunResult("idle", "code"))["v1"] is Verdict.NOT_EXERCISED
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
    assert users.run_verdicts == [Verdict.READY, Verdict.NEEDS_WORK]
    assert [run.verdicts[2] for run in model.runs] == [Verdict.READY, Verdict.NEEDS_WORK]


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
    view = build_report([run]).changes[2].groups[0].findings[0]
    hit = next(line for line in view.snippet if line.hit)
    assert (hit.number, hit.before, hit.marked, hit.after) == (
        5,
        "    value = ",
        "row['tag_ids']",
        "",
    )
    assert [line.number for line in view.snippet] == [2, 3, 4, 5, 6]
