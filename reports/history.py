"""Progress over time: this report against earlier ones (what was fixed, new, still open).

What a report compares is its items (a code line, or a kind of request), keyed so that they
survive a week of edits and a new capture: a code finding by its fingerprint (rule, file,
endpoint and the text of the line), a traffic finding by its rule, endpoint and query
shape, each within its integration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from auditor.catalog import load_catalog
from auditor.errors import ResultFileError
from auditor.findings import Finding, RunResult
from auditor.reports.integrations import INTEGRATION_KEY, name_from_run
from auditor.reports.items import item_key
from auditor.reports.merge import expand_inputs, runs_from_document
from auditor.reports.verdicts import rules_left_out
from auditor.reports.wording import parse_time, plural
from auditor.traffic.digest import problem_key

if TYPE_CHECKING:
    from auditor.reports.model import ReportModel

ProblemKey = tuple[str, ...]

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Problem:
    integration: str
    change: str
    severity: str
    rule: str


@dataclass
class PastReport:
    """An earlier report, reduced to what a comparison needs."""

    source: str
    made_at: datetime
    problems: dict[ProblemKey, Problem]
    integrations: set[str]
    unchecked: dict[str, set[str]] = field(default_factory=dict)
    """Integration → rules it did not check then."""

    @property
    def label(self) -> str:
        return self.made_at.strftime("%d %b %Y").lstrip("0")

    def counts(self) -> tuple[int, int]:
        errors = sum(1 for p in self.problems.values() if p.severity == "error")
        return errors, len(self.problems) - errors


def problem_key_of(finding: Finding, integration: str) -> ProblemKey:
    if finding.location is not None:
        return ("code", integration, finding.rule, finding.fingerprint)
    rule, endpoint, shape = problem_key(finding)
    return ("traffic", integration, rule, endpoint, shape)


def problems_of(runs: Iterable[RunResult]) -> dict[ProblemKey, Problem]:
    catalog = load_catalog()
    out: dict[ProblemKey, Problem] = {}
    for run in runs:
        if run.extra.get("same_session_as"):
            continue
        integration = integration_of(run)
        # one problem per item (a code line, a kind of request), as the report counts them
        firsts: dict[tuple[Any, ...], Finding] = {}
        severest: dict[tuple[Any, ...], str] = {}
        for finding in run.sorted_findings():
            item = item_key(finding)
            firsts.setdefault(item, finding)
            if finding.severity.value == "error" or item not in severest:
                severest[item] = finding.severity.value
        for item, finding in firsts.items():
            change = catalog.change_for(finding.rule, finding.endpoint)
            out[problem_key_of(finding, integration)] = Problem(
                integration,
                change.id if change is not None else "other",
                severest[item],
                finding.rule,
            )
    return out


def integration_of(run: RunResult) -> str:
    value = run.extra.get(INTEGRATION_KEY)
    return value if isinstance(value, str) and value else name_from_run(run)


def load_history(paths: Sequence[Path]) -> list[PastReport]:
    """Earlier reports from files or folders of them, oldest first; unreadable ones are a
    ResultFileError naming the file (a comparison with a wrong file would mislead)."""
    reports = [load_past_report(path) for path in expand_inputs(paths)]
    return sorted(reports, key=lambda r: r.made_at)


def load_past_report(path: Path) -> PastReport:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultFileError(f"{path}: not a dokeos-audit JSON report ({exc})") from None
    try:
        runs = runs_from_document(document, fallback_name=path.stem)
    except ResultFileError as exc:
        raise ResultFileError(f"{path}: {exc}") from None
    unchecked: dict[str, set[str]] = {}
    for run in runs:
        unchecked.setdefault(integration_of(run), set()).update(rules_left_out(run))
    return PastReport(
        source=str(path),
        made_at=_made_at(document, runs, path),
        problems=problems_of(runs),
        integrations={integration_of(run) for run in runs},
        unchecked=unchecked,
    )


def _made_at(document: dict[str, Any], runs: list[RunResult], path: Path) -> datetime:
    report = document.get("report")
    stamps = [report.get("generated_at")] if isinstance(report, dict) else []
    stamps += [run.extra.get("generated_at") for run in runs]
    for stamp in stamps:
        moment = parse_time(stamp) if isinstance(stamp, str) else None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    match = _DATE_IN_NAME.search(path.name)
    if match:
        return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


@dataclass(frozen=True)
class ProgressRow:
    name: str
    fixed: int
    new: int
    remaining: int
    key: str = ""
    """The change id of a change's row (its name is the change's title)."""


@dataclass
class Comparison:
    previous: PastReport
    fixed: dict[ProblemKey, Problem]
    new: dict[ProblemKey, Problem]
    remaining: dict[ProblemKey, Problem]
    integration_rows: list[ProgressRow]
    change_rows: list[ProgressRow]
    points: list[tuple[str, int, int]]
    """(label, errors, warnings and notes) of each report, oldest first, this one last."""
    notes: list[str]

    @property
    def previous_label(self) -> str:
        return self.previous.label

    @property
    def headline(self) -> str:
        return (
            f"Since {self.previous_label}: {plural(len(self.fixed), 'thing')} fixed, "
            f"{len(self.new)} new, {len(self.remaining)} still open."
        )

    def integration_phrase(self, name: str) -> str:
        if name not in self.previous.integrations:
            return "new in this report"
        row = next((r for r in self.integration_rows if r.name == name), None)
        if row is None:
            return "nothing then or now"
        return f"{row.fixed} fixed, {row.new} new"

    @property
    def chart(self) -> Markup:
        return burndown_svg(self.points)

    def markdown_lines(self) -> list[str]:
        lines = [f"**Progress.** {self.headline}", ""]
        lines += ["| Integration | Fixed | New | Still open |", "|:--|--:|--:|--:|"]
        for row in self.integration_rows:
            name = row.name.replace("|", "\\|").replace("_", "\\_")
            lines.append(f"| {name} | {row.fixed} | {row.new} | {row.remaining} |")
        if len(self.points) > 1:
            trend = " \u2192 ".join(f"{label}: {e + w}" for label, e, w in self.points)
            lines += ["", f"Things left to fix, report by report: {trend}."]
        lines += [f"- {note}" for note in self.notes]
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "previous": {"source": self.previous.source, "made_at": _iso(self.previous.made_at)},
            "fixed": len(self.fixed),
            "new": len(self.new),
            "still_open": len(self.remaining),
            "by_integration": {
                r.name: {"fixed": r.fixed, "new": r.new, "still_open": r.remaining}
                for r in self.integration_rows
            },
            "by_change": {
                r.key: {"fixed": r.fixed, "new": r.new, "still_open": r.remaining}
                for r in self.change_rows
            },
            "trend": [{"report": label, "errors": e, "warnings": w} for label, e, w in self.points],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def compare(
    model: ReportModel, runs: Sequence[RunResult], history: Sequence[object]
) -> Comparison | None:
    """This report against the latest earlier one (and the trend over all of them)."""
    past = [h for h in history if isinstance(h, PastReport)]
    if not past:
        return None
    previous = past[-1]
    current = problems_of(runs)
    present = {integration_of(run) for run in runs}
    unchecked_now: dict[str, set[str]] = {}
    for run in runs:
        unchecked_now.setdefault(integration_of(run), set()).update(rules_left_out(run))
    notes: list[str] = []
    fixed: dict[ProblemKey, Problem] = {}
    absent: set[str] = set()
    not_rechecked = 0
    for key, problem in previous.problems.items():
        if key in current:
            continue
        if problem.integration not in present:
            absent.add(problem.integration)
        elif problem.rule in unchecked_now.get(problem.integration, set()):
            not_rechecked += 1
        else:
            fixed[key] = problem
    new = {k: p for k, p in current.items() if k not in previous.problems}
    remaining = {k: p for k, p in current.items() if k in previous.problems}
    if absent:
        names = ", ".join(sorted(absent))
        notes.append(f"Not in this report, so nothing of theirs counts as fixed: {names}.")
    if not_rechecked:
        verb = "was" if not_rechecked == 1 else "were"
        notes.append(
            f"{plural(not_rechecked, 'thing')} open last time {verb} not checked again "
            "(their checks were left out), so not counted as fixed."
        )
    new_integrations = sorted(present - previous.integrations)
    if new_integrations:
        notes.append(f"New in this report: {', '.join(new_integrations)}.")

    for item in model.items:
        first = min(item.findings, key=lambda f: f.sort_key)
        key = problem_key_of(first, item.integration)
        item.progress = "still open" if key in previous.problems else "new"

    change_titles = {c.id: c.words.title for c in model.changes}
    integration_rows = _rows(
        [i.name for i in model.integrations] + sorted(absent), fixed, new, remaining, "integration"
    )
    change_rows = [
        ProgressRow(
            change_titles.get(row.name, row.name), row.fixed, row.new, row.remaining, row.name
        )
        for row in _rows([c.id for c in model.changes], fixed, new, remaining, "change")
    ]
    errors_now = sum(1 for p in current.values() if p.severity == "error")
    points = [(p.label, *p.counts()) for p in past]
    points.append(("this report", errors_now, len(current) - errors_now))
    return Comparison(previous, fixed, new, remaining, integration_rows, change_rows, points, notes)


def _rows(
    names: list[str],
    fixed: dict[ProblemKey, Problem],
    new: dict[ProblemKey, Problem],
    remaining: dict[ProblemKey, Problem],
    by: str,
) -> list[ProgressRow]:
    def count(problems: dict[ProblemKey, Problem], name: str) -> int:
        return sum(1 for p in problems.values() if getattr(p, by) == name)

    rows = []
    for name in dict.fromkeys(names):
        row = ProgressRow(name, count(fixed, name), count(new, name), count(remaining, name))
        if row.fixed or row.new or row.remaining or by == "change":
            rows.append(row)
    return rows


def burndown_svg(points: Sequence[tuple[str, int, int]]) -> Markup:
    """Stacked bars of what was left in each report (errors below, warnings above)."""
    if not points:
        return Markup("")
    width, height, top, bottom, left = 640, 200, 18, 34, 8
    highest = max((e + w for _, e, w in points), default=0) or 1
    slot = (width - 2 * left) / len(points)
    bar = min(64.0, slot * 0.6)
    scale = (height - top - bottom) / highest
    summary = str(escape(", ".join(f"{label}: {e + w}" for label, e, w in points)))
    parts = [
        f'<svg class="burndown-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{summary}">',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - left}" '
        f'y2="{height - bottom}"/>',
    ]
    for index, (label, errors, warnings) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        base = height - bottom
        error_h, warning_h = errors * scale, warnings * scale
        parts.append(
            f'<rect class="sev-error" x="{x:.1f}" y="{base - error_h:.1f}" '
            f'width="{bar:.1f}" height="{error_h:.1f}"/>'
        )
        parts.append(
            f'<rect class="sev-warning" x="{x:.1f}" y="{base - error_h - warning_h:.1f}" '
            f'width="{bar:.1f}" height="{warning_h:.1f}"/>'
        )
        middle = x + bar / 2
        parts.append(
            f'<text class="value" x="{middle:.1f}" y="{base - error_h - warning_h - 4:.1f}" '
            f'text-anchor="middle">{errors + warnings}</text>'
        )
        parts.append(
            f'<text class="label" x="{middle:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)!s}</text>'
        )
    parts.append("</svg>")
    # every value in it is a number or escaped above
    return Markup("".join(parts))
