"""What the human reports show: integrations and what is left in each, findings folded into
items under the vendor change they belong to, and a verdict per change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from auditor.catalog import Catalog, Change, load_catalog
from auditor.findings import ErrorEntry, Finding, RunResult
from auditor.reports.changes import OTHER, OTHER_CHANGE_ID, PLAIN_WORDS, PlainWords
from auditor.reports.integrations import (
    INTEGRATION_KEY,
    OWNER_KEY,
    SAME_SESSION_KEY,
    is_repeat,
    mark_same_sessions,
)
from auditor.reports.integrations import assign as assign_integrations
from auditor.reports.items import FindingItem, SnippetLine, build_items, subject_of, where_of
from auditor.reports.verdicts import Judgement, RunFacts, Verdict, combine, judge_run
from auditor.rules import RULES_BY_ID
from auditor.rules.base import Rule

__all__ = [
    "ChangeView",
    "FindingGroup",
    "FindingItem",
    "IntegrationView",
    "ReportModel",
    "ReportOptions",
    "RunView",
    "SeverityCounts",
    "SnippetLine",
    "Verdict",
    "build_report",
    "is_input_errors",
    "subject_of",
    "where_of",
]

SEVERITIES = ("error", "warning", "note")

ITEMS_SHOWN_PER_GROUP = 200
"""Items listed in one file or capture block; past that the page says how many it left out
(the JSON and SARIF results list every finding)."""


@dataclass(frozen=True)
class SeverityCounts:
    error: int = 0
    warning: int = 0
    note: int = 0

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> SeverityCounts:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in findings:
            counts[finding.severity.value] += 1
        return cls(**counts)

    @classmethod
    def of_items(cls, items: Iterable[FindingItem]) -> SeverityCounts:
        counts = dict.fromkeys(SEVERITIES, 0)
        for item in items:
            counts[item.severity.value] += 1
        return cls(**counts)

    @property
    def total(self) -> int:
        return self.error + self.warning + self.note

    def items(self) -> list[tuple[str, int]]:
        return [("error", self.error), ("warning", self.warning), ("note", self.note)]

    def phrase(self) -> str:
        """``3 errors, 1 warning`` (only the non-zero ones), or ``no findings``."""
        parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in self.items() if n]
        return ", ".join(parts) if parts else "no findings"

    def bar(self, width: float, scale_to: int) -> list[tuple[str, float, float]]:
        """Stacked bar segments (severity, x, width); a total of ``scale_to`` fills ``width``."""
        if not self.total or scale_to <= 0:
            return []
        segments: list[tuple[str, float, float]] = []
        x = 0.0
        for severity, count in self.items():
            if not count:
                continue
            # a lone finding must stay visible next to thousands
            w = max(2.0, width * count / scale_to)
            segments.append((severity, round(x, 1), round(w, 1)))
            x += w
        return segments


@dataclass(frozen=True)
class ReportOptions:
    """What the report command adds to the runs: a title, its own time, comparisons."""

    title: str | None = None
    generated_at: datetime | None = None
    """When the report is made (default: now); fixed in tests."""
    history: tuple[object, ...] = ()
    """Earlier reports to compare with (``history.PastReport``), oldest first."""


@dataclass
class FindingGroup:
    """The items of one change in one file or capture of one run: a <details> block."""

    run_index: int
    run_name: str
    integration: str
    origin: str
    subject: str
    items: list[FindingItem] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for item in self.items for f in item.findings]

    @property
    def counts(self) -> SeverityCounts:
        return SeverityCounts.of_items(self.items)

    @property
    def occurrences(self) -> int:
        return sum(item.occurrences for item in self.items)

    @property
    def shown(self) -> list[FindingItem]:
        return self.items[:ITEMS_SHOWN_PER_GROUP]

    @property
    def left_out(self) -> int:
        return max(0, len(self.items) - ITEMS_SHOWN_PER_GROUP)

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule for f in self.findings})


@dataclass
class ChangeView:
    id: str
    words: PlainWords
    technical_title: str
    endpoints: tuple[str, ...]
    rules: list[Rule]
    judgement: Judgement
    groups: list[FindingGroup]
    run_verdicts: list[Judgement]

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict

    @property
    def items(self) -> list[FindingItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def counts(self) -> SeverityCounts:
        """Items to fix by severity (a code line, or one kind of request)."""
        return SeverityCounts.of_items(self.items)

    @property
    def findings_total(self) -> int:
        return sum(len(group.findings) for group in self.groups)


@dataclass
class RunView:
    index: int
    name: str
    kind: str
    integration: str
    owner: str
    files_scanned: int
    flows_read: int
    counts: SeverityCounts
    errors: list[ErrorEntry]
    verdicts: list[Judgement]
    gaps: tuple[str, ...] = ()
    """What the run could not look at: its verdicts are partial."""
    made_at: str = ""
    first_request: str = ""
    last_request: str = ""
    same_as: list[str] = field(default_factory=list)
    """Other runs of the same session (a capture's export), counted once."""

    @property
    def kind_label(self) -> str:
        return {"code": "Code scan", "traffic": "Recorded traffic"}.get(self.kind, self.kind)

    @property
    def read_label(self) -> str:
        if self.kind == "traffic" or (self.flows_read and not self.files_scanned):
            return f"{self.flows_read} request{'s' if self.flows_read != 1 else ''}"
        return f"{self.files_scanned} file{'s' if self.files_scanned != 1 else ''}"


@dataclass
class IntegrationView:
    """One integration: its runs, what is left to fix, and what "done" needs."""

    name: str
    owner: str
    runs: list[RunView]
    items: list[FindingItem]
    judgements: list[Judgement]
    """One per change, in the report's change order."""

    @property
    def counts(self) -> SeverityCounts:
        return SeverityCounts.of_items(self.items)

    @property
    def has_code(self) -> bool:
        return any(run.kind == "code" for run in self.runs)

    @property
    def has_traffic(self) -> bool:
        return any(run.kind == "traffic" for run in self.runs)

    def clean(self, kind: str) -> bool | None:
        """Whether its runs of that kind found nothing (None: there is no such run)."""
        runs = [run for run in self.runs if run.kind == kind]
        if not runs:
            return None
        return all(run.counts.total == 0 and not run.gaps for run in runs)

    @property
    def done(self) -> bool:
        return (
            self.clean("code") is True
            and self.clean("traffic") is True
            and not any(j.verdict is Verdict.NOT_CHECKED and j.used for j in self.judgements)
        )

    @property
    def status(self) -> str:
        if self.counts.total:
            return "needs work"
        if self.done:
            return "done"
        return "not fully checked"

    @property
    def rank_key(self) -> tuple[int, int, int, str]:
        counts = self.counts
        return (-counts.error, -counts.warning, -counts.note, self.name)


@dataclass
class ReportModel:
    runs: list[RunView]
    changes: list[ChangeView]
    integrations: list[IntegrationView]
    unreadable: list[ErrorEntry]
    rule_ids: list[str]
    generated_at: datetime
    switch_over: date | None
    findings_total: int
    comparison: object = None
    """``history.Comparison`` when earlier reports were given."""

    @property
    def needs_work(self) -> list[ChangeView]:
        return [c for c in self.changes if c.verdict is Verdict.NEEDS_WORK]

    @property
    def catalog_changes(self) -> list[ChangeView]:
        return [c for c in self.changes if c.id != OTHER_CHANGE_ID]

    @property
    def items(self) -> list[FindingItem]:
        return [item for change in self.changes for item in change.items]

    @property
    def counts(self) -> SeverityCounts:
        return SeverityCounts.of_items(self.items)

    @property
    def chart_scale(self) -> int:
        return max((c.counts.total for c in self.changes), default=0)

    @property
    def integration_scale(self) -> int:
        return max((i.counts.total for i in self.integrations), default=0)

    @property
    def partial(self) -> bool:
        """Some run could not look at everything: no verdict here is the whole story."""
        return any(run.gaps for run in self.runs)

    @property
    def days_to_switch_over(self) -> int | None:
        if self.switch_over is None:
            return None
        return (self.switch_over - self.generated_at.date()).days

    def verdict_count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.catalog_changes if c.verdict is verdict)


def is_input_errors(result: RunResult) -> bool:
    """The pseudo-run `report` adds for input files it could not read: no run of its own."""
    return result.kind == "merged" and not result.findings


def change_of(finding: Finding, catalog: Catalog) -> str:
    change = catalog.change_for(finding.rule, finding.endpoint)
    return change.id if change is not None else OTHER_CHANGE_ID


def build_report(
    results: Sequence[RunResult],
    catalog: Catalog | None = None,
    options: ReportOptions | None = None,
) -> ReportModel:
    """Group every finding under the vendor change it belongs to, in a stable order."""
    catalog = catalog or load_catalog()
    options = options or ReportOptions()
    all_runs = [r for r in results if not is_input_errors(r)]
    unreadable = [e for r in results if is_input_errors(r) for e in r.errors]
    if any(INTEGRATION_KEY not in r.extra for r in all_runs):
        assign_integrations(all_runs, [], [], {})
    mark_same_sessions(all_runs)
    # a capture's export carries the same requests: counted once, named beside the first
    runs = [r for r in all_runs if not is_repeat(r)]
    repeats: dict[str, list[str]] = {}
    for run in all_runs:
        if is_repeat(run):
            repeats.setdefault(str(run.extra[SAME_SESSION_KEY]), []).append(run.name)

    change_ids = [c.id for c in catalog.changes]
    by_change_run: dict[tuple[str, int], list[Finding]] = {}
    for index, result in enumerate(runs):
        for finding in result.sorted_findings():
            key = (change_of(finding, catalog), index)
            by_change_run.setdefault(key, []).append(finding)
    if any(key[0] == OTHER_CHANGE_ID for key in by_change_run):
        change_ids.append(OTHER_CHANGE_ID)

    facts_by_run = [RunFacts.of(r) for r in runs]
    changes: list[ChangeView] = []
    for change_id in change_ids:
        change = next((c for c in catalog.changes if c.id == change_id), None)
        by_subject: dict[tuple[int, int, str], list[Finding]] = {}
        run_verdicts: list[Judgement] = []
        for index, _result in enumerate(runs):
            findings = by_change_run.get((change_id, index), [])
            if change is not None:
                run_verdicts.append(judge_run(change, findings, facts_by_run[index]))
            else:
                run_verdicts.append(_other_judgement(findings))
            for finding in findings:
                origin_rank = 0 if finding.location is not None else 1
                by_subject.setdefault((index, origin_rank, subject_of(finding)), []).append(finding)
        groups = []
        for (index, _, subject), findings in sorted(by_subject.items()):
            result = runs[index]
            integration = str(result.extra.get(INTEGRATION_KEY, result.name))
            groups.append(
                FindingGroup(
                    index,
                    result.name,
                    integration,
                    findings[0].origin,
                    subject,
                    build_items(findings, index, integration),
                )
            )
        rule_ids = (
            change.rules
            if change is not None
            else sorted({f.rule for g in groups for f in g.findings})
        )
        changes.append(
            ChangeView(
                id=change_id,
                words=PLAIN_WORDS.get(change_id) or _fallback_words(change),
                technical_title=change.title if change is not None else "",
                endpoints=change.endpoints if change is not None else (),
                rules=[RULES_BY_ID[r] for r in rule_ids if r in RULES_BY_ID],
                judgement=combine(run_verdicts),
                groups=groups,
                run_verdicts=run_verdicts,
            )
        )

    run_views = [
        RunView(
            index=index,
            name=result.name,
            kind=result.kind,
            integration=str(result.extra.get(INTEGRATION_KEY, result.name)),
            owner=str(result.extra.get(OWNER_KEY, "")),
            files_scanned=result.files_scanned,
            flows_read=result.flows_read,
            counts=SeverityCounts.of_items(
                item for c in changes for g in c.groups if g.run_index == index for item in g.items
            ),
            errors=list(result.errors),
            verdicts=[c.run_verdicts[index] for c in changes],
            gaps=facts_by_run[index].gaps,
            made_at=str(result.extra.get("generated_at") or ""),
            first_request=str(result.extra.get("first_request") or ""),
            last_request=str(result.extra.get("last_request") or ""),
            same_as=repeats.get(result.name, []),
        )
        for index, result in enumerate(runs)
    ]
    integrations = _integrations(run_views, changes)
    generated_at = options.generated_at or datetime.now(UTC)
    model = ReportModel(
        runs=run_views,
        changes=changes,
        integrations=integrations,
        unreadable=unreadable,
        rule_ids=sorted({f.rule for r in runs for f in r.findings}),
        generated_at=generated_at,
        switch_over=catalog.switch_over,
        findings_total=sum(len(r.findings) for r in runs),
    )
    from auditor.reports.correlate import correlate

    correlate(model, runs)
    if options.history:
        from auditor.reports.history import compare

        model.comparison = compare(model, runs, options.history)
    return model


def _integrations(runs: list[RunView], changes: list[ChangeView]) -> list[IntegrationView]:
    by_name: dict[str, list[RunView]] = {}
    for run in runs:
        by_name.setdefault(run.integration, []).append(run)
    out = []
    for name, members in by_name.items():
        indexes = {run.index for run in members}
        owners = list(dict.fromkeys(run.owner for run in members if run.owner))
        out.append(
            IntegrationView(
                name=name,
                owner=", ".join(owners),
                runs=members,
                items=[item for c in changes for item in c.items if item.run_index in indexes],
                judgements=[combine(c.run_verdicts[run.index] for run in members) for c in changes],
            )
        )
    return sorted(out, key=lambda i: i.rank_key)


def _other_judgement(findings: Sequence[Finding]) -> Judgement:
    if findings:
        return Judgement(Verdict.NEEDS_WORK, used=True)
    return Judgement(Verdict.NOT_CHECKED, "no finding of a rule this version does not know")


def _fallback_words(change: Change | None) -> PlainWords:
    """A change the plain-words table does not know yet: the rules' own texts stand in."""
    if change is None:
        return OTHER
    rules = [RULES_BY_ID[r] for r in change.rules if r in RULES_BY_ID]
    return PlainWords(
        label=change.id.replace("_", " ").capitalize(),
        title=change.title,
        what_changed=" ".join(r.why for r in rules),
        what_to_do=" ".join(r.fix for r in rules),
    )
