"""What the human reports show: findings grouped by vendor change, and a verdict per change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from auditor.catalog import Catalog, Change, load_catalog
from auditor.findings import ErrorEntry, Finding, RunResult
from auditor.reports.changes import OTHER, OTHER_CHANGE_ID, PLAIN_WORDS, PlainWords
from auditor.reports.verdicts import Judgement, RunFacts, Verdict, combine, judge_run
from auditor.rules import RULES_BY_ID
from auditor.rules.base import Rule

SEVERITIES = ("error", "warning", "note")


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
class SnippetLine:
    number: int
    hit: bool
    before: str
    marked: str = ""
    after: str = ""


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    run_index: int
    where: str
    snippet: tuple[SnippetLine, ...]

    @property
    def rule_name(self) -> str:
        rule = RULES_BY_ID.get(self.finding.rule)
        return rule.name if rule is not None else ""


@dataclass
class FindingGroup:
    """The findings of one change in one file or capture of one run: a <details> block."""

    run_index: int
    run_name: str
    origin: str
    subject: str
    findings: list[FindingView] = field(default_factory=list)

    @property
    def counts(self) -> SeverityCounts:
        return SeverityCounts.of(v.finding for v in self.findings)

    @property
    def rules(self) -> list[str]:
        return sorted({v.finding.rule for v in self.findings})


@dataclass
class ChangeView:
    id: str
    words: PlainWords
    technical_title: str
    endpoints: tuple[str, ...]
    rules: list[Rule]
    judgement: Judgement
    counts: SeverityCounts
    groups: list[FindingGroup]
    run_verdicts: list[Judgement]

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict


@dataclass
class RunView:
    index: int
    name: str
    kind: str
    files_scanned: int
    flows_read: int
    counts: SeverityCounts
    errors: list[ErrorEntry]
    verdicts: list[Judgement]
    gaps: tuple[str, ...] = ()
    """What the run could not look at: its verdicts are partial."""

    @property
    def kind_label(self) -> str:
        return {"code": "Code scan", "traffic": "Recorded traffic"}.get(self.kind, self.kind)

    @property
    def read_label(self) -> str:
        if self.kind == "traffic" or (self.flows_read and not self.files_scanned):
            return f"{self.flows_read} request{'s' if self.flows_read != 1 else ''}"
        return f"{self.files_scanned} file{'s' if self.files_scanned != 1 else ''}"


@dataclass
class ReportModel:
    runs: list[RunView]
    changes: list[ChangeView]
    unreadable: list[ErrorEntry]
    counts: SeverityCounts
    rule_ids: list[str]

    @property
    def needs_work(self) -> list[ChangeView]:
        return [c for c in self.changes if c.verdict is Verdict.NEEDS_WORK]

    @property
    def catalog_changes(self) -> list[ChangeView]:
        return [c for c in self.changes if c.id != OTHER_CHANGE_ID]

    @property
    def chart_scale(self) -> int:
        return max((c.counts.total for c in self.changes), default=0)

    @property
    def partial(self) -> bool:
        """Some run could not look at everything: no verdict here is the whole story."""
        return any(run.gaps for run in self.runs)

    def verdict_count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.catalog_changes if c.verdict is verdict)


def is_input_errors(result: RunResult) -> bool:
    """The pseudo-run `report` adds for input files it could not read: no run of its own."""
    return result.kind == "merged" and not result.findings


def change_of(finding: Finding, catalog: Catalog) -> str:
    change = catalog.change_for(finding.rule, finding.endpoint)
    return change.id if change is not None else OTHER_CHANGE_ID


def snippet_of(finding: Finding) -> tuple[SnippetLine, ...]:
    context, location = finding.context, finding.location
    if context is None or location is None:
        return ()
    last = max(location.end_line, location.line)
    lines: list[SnippetLine] = []
    for offset, raw in enumerate(context.lines):
        number = context.start_line + offset
        text = raw.rstrip("\r\n")
        if number == location.line:
            # columns are 1-based, the end exclusive (as ruff and libcst report them)
            start = location.column - 1
            end = location.end_column - 1 if location.end_line == location.line else len(text)
            end = min(end, len(text))
            if 0 <= start < end:
                lines.append(SnippetLine(number, True, text[:start], text[start:end], text[end:]))
                continue
        lines.append(SnippetLine(number, location.line <= number <= last, text))
    return tuple(lines)


def where_of(finding: Finding) -> str:
    if finding.location is not None:
        loc = finding.location
        return f"{loc.path}:{loc.line}:{loc.column}"
    assert finding.flow is not None
    return f"{finding.flow.file}, flow {finding.flow.index}"


def subject_of(finding: Finding) -> str:
    if finding.location is not None:
        return finding.location.path
    assert finding.flow is not None
    return finding.flow.file


def build_report(results: Sequence[RunResult], catalog: Catalog | None = None) -> ReportModel:
    """Group every finding under the vendor change it belongs to, in a stable order."""
    catalog = catalog or load_catalog()
    runs = [r for r in results if not is_input_errors(r)]
    unreadable = [e for r in results if is_input_errors(r) for e in r.errors]

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
        groups: dict[tuple[int, int, str], FindingGroup] = {}
        run_verdicts: list[Judgement] = []
        for index, result in enumerate(runs):
            findings = by_change_run.get((change_id, index), [])
            if change is not None:
                run_verdicts.append(judge_run(change, findings, facts_by_run[index]))
            else:
                run_verdicts.append(_other_judgement(findings))
            for finding in findings:
                origin_rank = 0 if finding.location is not None else 1
                group_key = (index, origin_rank, subject_of(finding))
                group = groups.get(group_key)
                if group is None:
                    group = groups[group_key] = FindingGroup(
                        index, result.name, finding.origin, subject_of(finding)
                    )
                group.findings.append(
                    FindingView(finding, index, where_of(finding), snippet_of(finding))
                )
        ordered = [groups[k] for k in sorted(groups)]
        all_findings = [v.finding for g in ordered for v in g.findings]
        rule_ids = change.rules if change is not None else sorted({f.rule for f in all_findings})
        changes.append(
            ChangeView(
                id=change_id,
                words=PLAIN_WORDS.get(change_id) or _fallback_words(change),
                technical_title=change.title if change is not None else "",
                endpoints=change.endpoints if change is not None else (),
                rules=[RULES_BY_ID[r] for r in rule_ids if r in RULES_BY_ID],
                judgement=combine(run_verdicts),
                counts=SeverityCounts.of(all_findings),
                groups=ordered,
                run_verdicts=run_verdicts,
            )
        )

    run_views = [
        RunView(
            index=index,
            name=result.name,
            kind=result.kind,
            files_scanned=result.files_scanned,
            flows_read=result.flows_read,
            counts=SeverityCounts.of(result.findings),
            errors=list(result.errors),
            verdicts=[c.run_verdicts[index] for c in changes],
            gaps=facts_by_run[index].gaps,
        )
        for index, result in enumerate(runs)
    ]
    all_findings = [f for r in runs for f in r.findings]
    return ReportModel(
        runs=run_views,
        changes=changes,
        unreadable=unreadable,
        counts=SeverityCounts.of(all_findings),
        rule_ids=sorted({f.rule for f in all_findings}),
    )


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
