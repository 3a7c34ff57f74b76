"""A verdict per vendor change that says only what was checked: needs work, ready, not checked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditor.catalog import Change
from auditor.findings import Finding, RunResult

NOT_USED = "no code or traffic here uses these calls"

REPORT_SOURCE = "report"
"""The source of a rule left out by `report --select/--ignore` (not by the run itself)."""


class Verdict(StrEnum):
    NEEDS_WORK = "needs work"
    READY = "ready"
    NOT_CHECKED = "not checked"

    @property
    def css(self) -> str:
        return self.value.replace(" ", "-")

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class Judgement:
    """A verdict and, in plain words, why it is no stronger."""

    verdict: Verdict
    why: str = ""
    """Why a change is not checked."""
    gaps: tuple[str, ...] = ()
    """What could not be looked at (unreadable files, a baseline): the verdict is partial."""
    used: bool = False
    """The code or traffic uses the change's calls (known even when its rules did not run)."""

    @property
    def partial(self) -> bool:
        return bool(self.gaps)

    @property
    def label(self) -> str:
        return self.verdict.label + (", partial" if self.partial else "")

    @property
    def detail(self) -> str:
        """Why, in a few words: the reason it is not checked, and what a partial one misses."""
        return "; ".join(part for part in (self.why, *self.gaps) if part)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict.value}
        if self.why:
            out["why"] = self.why
        if self.partial:
            out["partial"] = True
            out["not_read"] = list(self.gaps)
        return out


@dataclass(frozen=True)
class RunFacts:
    """What a run says about its own coverage: rules left out, calls used, what it missed."""

    rules_left_out: dict[str, str]
    """Rule id → why it did not run, in plain words."""
    endpoints_seen: frozenset[str]
    used_dokeos: bool
    gaps: tuple[str, ...]
    """What the run could not look at (unreadable files, a baseline), in plain words."""

    @classmethod
    def of(cls, result: RunResult) -> RunFacts:
        seen = {str(e) for e in result.extra.get("endpoints_seen", []) or []}
        seen.update(f.endpoint for f in result.findings if f.endpoint)
        return cls(
            rules_left_out=rules_left_out(result),
            endpoints_seen=frozenset(seen),
            # every finding is about Dokeos code or traffic, even one without an endpoint
            used_dokeos=bool(seen or result.findings),
            gaps=tuple(gaps_of(result)),
        )


_SOURCE_WORDS = {
    "command line": "on the command line",
    "configuration": "in the configuration",
    REPORT_SOURCE: "for this report",
}


def rules_left_out(result: RunResult) -> dict[str, str]:
    """The rules a run did not check (summary ``rules``). A result written before runs
    recorded it ran every rule: that was the only way to leave one out silently."""
    coverage = result.extra.get("rules")
    if not isinstance(coverage, dict):
        return {}
    out: dict[str, str] = {}
    for key, verb in (("not_selected", "not selected"), ("ignored", "switched off")):
        entries = coverage.get(key)
        if not isinstance(entries, dict):
            continue
        for rule_id, source in entries.items():
            where = _SOURCE_WORDS.get(str(source), f"({source})")
            out[str(rule_id)] = f"{verb} {where}"
    return out


def gaps_of(result: RunResult) -> list[str]:
    unread = [e for e in result.errors if e.level == "error"]
    gaps: list[str] = []
    if unread:
        flows = sum(1 for e in unread if e.index is not None)
        files = len(unread) - flows
        if files:
            gaps.append(f"{files} file{'s' if files != 1 else ''} could not be read")
        if flows:
            gaps.append(f"{flows} request{'s' if flows != 1 else ''} could not be read")
    baseline = result.extra.get("baseline")
    if isinstance(baseline, dict):
        known = baseline.get("known")
        if isinstance(known, int) and known > 0:
            were = "finding is" if known == 1 else "findings are"
            gaps.append(f"{known} known {were} hidden by a baseline")
    return gaps


def uses_change(change: Change, facts: RunFacts) -> bool:
    if not change.endpoints:
        # the version withdrawal concerns every Dokeos call
        return facts.used_dokeos
    return bool(facts.endpoints_seen & set(change.endpoints))


def judge_run(change: Change, findings: Sequence[Finding], facts: RunFacts) -> Judgement:
    """One run's verdict on one change: needs work with a finding; ready only when every
    rule of the change ran and the run uses its calls; not checked otherwise, with why."""
    used = uses_change(change, facts)
    gaps = facts.gaps
    if findings:
        return Judgement(Verdict.NEEDS_WORK, "", gaps, used=True)
    left_out = {r: facts.rules_left_out[r] for r in change.rules if r in facts.rules_left_out}
    if left_out and len(left_out) == len(change.rules):
        return Judgement(Verdict.NOT_CHECKED, _rules_phrase(left_out, whole=True), gaps, used)
    if not used:
        return Judgement(Verdict.NOT_CHECKED, NOT_USED, gaps, used)
    if left_out:
        return Judgement(Verdict.NOT_CHECKED, _rules_phrase(left_out, whole=False), gaps, used)
    return Judgement(Verdict.READY, "", gaps, used)


def _rules_phrase(left_out: dict[str, str], *, whole: bool) -> str:
    by_reason: dict[str, list[str]] = {}
    for rule_id, reason in left_out.items():
        by_reason.setdefault(reason, []).append(rule_id)
    parts = [f"{_and(ids)} {reason}" for reason, ids in by_reason.items()]
    lead = "its checks did not run" if whole else "only partly checked"
    return f"{lead}: {'; '.join(parts)}"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def combine(judgements: Iterable[Judgement]) -> Judgement:
    """The verdict of several runs (an integration, a portfolio) on one change.

    Needs work when any run needs work. Ready when some run is ready and no run that uses
    these calls left their rules out; otherwise not checked, with the reason that matters.
    """
    items = list(judgements)
    gaps = tuple(dict.fromkeys(gap for j in items for gap in j.gaps))
    if any(j.verdict is Verdict.NEEDS_WORK for j in items):
        return Judgement(Verdict.NEEDS_WORK, "", gaps, used=True)
    unchecked_users = [j for j in items if j.verdict is Verdict.NOT_CHECKED and j.used]
    if unchecked_users:
        return Judgement(Verdict.NOT_CHECKED, unchecked_users[0].why, gaps, used=True)
    if any(j.verdict is Verdict.READY for j in items):
        return Judgement(Verdict.READY, "", gaps, used=True)
    if not items:
        return Judgement(Verdict.NOT_CHECKED, "nothing was checked")
    # "its checks did not run" says more than "nothing uses these calls"
    rules_off = [j for j in items if j.why != NOT_USED]
    return Judgement(Verdict.NOT_CHECKED, (rules_off or items)[0].why, gaps)


def judge_runs(
    runs: Sequence[RunResult], changes: Sequence[Change], change_of: Any
) -> tuple[dict[str, Judgement], list[dict[str, Judgement]]]:
    """Every change's verdict over all runs, and each run's own; ``change_of(finding)`` is
    the change id a finding belongs to."""
    per_run: list[dict[str, Judgement]] = []
    for result in runs:
        facts = RunFacts.of(result)
        by_change: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_change.setdefault(change_of(finding), []).append(finding)
        per_run.append({c.id: judge_run(c, by_change.get(c.id, []), facts) for c in changes})
    overall = {c.id: combine(run[c.id] for run in per_run) for c in changes}
    return overall, per_run


def verdicts_json(judgements: dict[str, Judgement]) -> dict[str, dict[str, Any]]:
    return {change_id: j.to_json() for change_id, j in judgements.items()}
