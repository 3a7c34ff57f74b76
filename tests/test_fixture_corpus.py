"""The scanner measured on the annotated corpus of integrations in fixtures/code/.

Each repository is scanned on its own through the command line, as a user
would run it; the findings are compared with the ``# expect:`` annotations
(see tests/corpus.py for the annotation format).
"""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from tests.corpus import (
        ScanRun,
        collect_annotations,
        format_report,
        project_roots,
        scan_projects,
        score_projects,
    )
except ImportError:  # pragma: no cover - tests/ on sys.path instead of the project root
    from corpus import (  # type: ignore[no-redef]
        ScanRun,
        collect_annotations,
        format_report,
        project_roots,
        scan_projects,
        score_projects,
    )

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT_ROOT / "fixtures" / "code"
CLEAN_REPOS = ("v2_ready", "other_apis", "v2_ready_lookalikes")
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
MIN_RULE_PRECISION = 0.9
MIN_RULE_RECALL = 0.9


@pytest.fixture(scope="module")
def corpus_runs() -> dict[Path, ScanRun]:
    return scan_projects(project_roots(CORPUS), cwd=PROJECT_ROOT)


def _describe(run: ScanRun) -> str:
    return (
        f"exit code {run.returncode}\nstderr:\n{run.stderr[-3000:]}\n"
        f"findings: {sorted(str(m) for m in run.findings)}"
    )


def test_corpus_is_large_enough_to_measure_every_rule() -> None:
    counts: dict[str, int] = {}
    near_misses = 0
    for root in project_roots(CORPUS):
        annotations = collect_annotations(root)
        near_misses += len(annotations.near_misses)
        for mark in annotations.expected:
            counts[mark.rule] = counts.get(mark.rule, 0) + 1
    assert sum(counts.values()) >= 80, counts
    assert all(counts.get(f"DK00{i}", 0) >= 8 for i in range(1, 7)), counts
    assert near_misses >= sum(counts.values())
    assert {"v2_ready", "other_apis"} <= {root.name for root in project_roots(CORPUS)}


def test_every_repository_is_scanned_without_errors(corpus_runs: dict[Path, ScanRun]) -> None:
    problems = []
    for root, run in corpus_runs.items():
        if run.document is None or run.returncode not in (0, 1) or "Traceback" in run.stderr:
            problems.append(f"{root.name}: {_describe(run)}")
        elif run.document.get("errors"):
            problems.append(f"{root.name}: errors {run.document['errors']}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("repo", CLEAN_REPOS)
def test_clean_repositories_have_no_findings(corpus_runs: dict[Path, ScanRun], repo: str) -> None:
    run = corpus_runs[CORPUS / repo]
    assert run.document is not None, _describe(run)
    assert run.document["findings"] == [], _describe(run)
    assert run.returncode == 0, _describe(run)


def test_precision_and_recall_over_the_corpus(corpus_runs: dict[Path, ScanRun]) -> None:
    unreadable = [root.name for root, run in corpus_runs.items() if run.document is None]
    assert not unreadable, f"no JSON result for {unreadable}"
    score = score_projects(corpus_runs)
    report = format_report(score)
    print(report)
    assert score.precision >= MIN_PRECISION and score.recall >= MIN_RECALL, (
        f"precision {score.precision:.2f} (min {MIN_PRECISION}), "
        f"recall {score.recall:.2f} (min {MIN_RECALL})\n{report}"
    )
    weak = {
        rule: (round(s.precision, 2), round(s.recall, 2))
        for rule, s in score.by_rule.items()
        if s.precision < MIN_RULE_PRECISION or s.recall < MIN_RULE_RECALL
    }
    assert not weak, f"rules below {MIN_RULE_PRECISION}/{MIN_RULE_RECALL}: {weak}\n{report}"
