"""Markdown for a pull-request comment: the verdicts, then the findings, within the size cap."""

from __future__ import annotations

import re
from collections.abc import Sequence

from auditor.findings import RunResult
from auditor.reports.model import ChangeView, FindingView, ReportModel, Verdict, build_report
from auditor.reports.redact import redact_runs
from auditor.rules import RULES_BY_ID

MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters; keep room for a bot's own wrapping."""

_MARKS = {Verdict.NEEDS_WORK: "\u274c", Verdict.READY: "\u2705", Verdict.NOT_EXERCISED: "\u2796"}
# Only what can start markup inside a line: emphasis, code, links, tables, strikethrough.
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
# GitHub turns @name into a mention (a notification to that person) and #12 into a link,
# even in escaped text: a zero-width space after the sign keeps them as plain text.
_MENTION = re.compile(r"([@#])(?=\w)")


def md_text(text: str) -> str:
    """User text for a Markdown table cell or paragraph: no markup, no mentions, one line."""
    text = " ".join(text.split())
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("\\1\u200b", text)


def md_code(text: str) -> str:
    """User text in monospace. Not a code span: GitHub shows ``&lt;`` literally inside one,
    so a ``<`` would have to stay raw; in <code> it is an entity like everywhere else."""
    return f"<code>{md_text(text)}</code>"


def _where(view: FindingView) -> str:
    finding = view.finding
    if finding.location is not None:
        return md_code(view.where)
    assert finding.flow is not None
    flow = finding.flow
    status = f" \u2192 {flow.status}" if flow.status is not None else ""
    return f"{md_code(flow.file)} flow {flow.index}: {md_code(f'{flow.method} {flow.url}')}{status}"


def _rule_link(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return md_code(rule_id) if rule is not None else md_text(rule_id)


def _verdict_table(model: ReportModel) -> list[str]:
    lines = ["| Change | Verdict | Errors | Warnings | Notes |", "|:--|:--|--:|--:|--:|"]
    for change in model.changes:
        counts = change.counts
        lines.append(
            f"| {change.words.title} | {_MARKS[change.verdict]} {change.verdict.label} "
            f"| {counts.error} | {counts.warning} | {counts.note} |"
        )
    return lines


def _runs_line(model: ReportModel) -> str:
    parts = [
        f"{md_code(run.name)} ({run.kind_label.lower()}, {run.read_label}: {run.counts.phrase()})"
        for run in model.runs
    ]
    return "Checked: " + "; ".join(parts) + "." if parts else "No run could be read."


def _change_block(
    change: ChangeView, run_names: list[str] | None, budget: int
) -> tuple[list[str], int]:
    """The change's findings table, as many rows as the budget allows; and how many were left."""
    head = [
        "<details>",
        f"<summary><b>{change.words.title}</b>: {change.counts.phrase()}</summary>",
        "",
        f"**What changed.** {change.words.what_changed}",
        "",
        f"**What to do.** {change.words.what_to_do}",
        "",
        "| Severity | Rule | Where | Finding |" + (" Run |" if run_names else ""),
        "|:--|:--|:--|:--|" + (":--|" if run_names else ""),
    ]
    tail = ["", "</details>", ""]
    used = sum(len(line) + 1 for line in head + tail)
    rows: list[str] = []
    views = [view for group in change.groups for view in group.findings]
    for view in views:
        finding = view.finding
        row = (
            f"| {finding.severity.value} | {_rule_link(finding.rule)} | {_where(view)} "
            f"| {md_text(finding.message)} |"
        )
        if run_names:
            row += f" {md_text(run_names[view.run_index])} |"
        if used + len(row) + 1 > budget:
            break
        rows.append(row)
        used += len(row) + 1
    if not rows:
        return [], len(views)
    return head + rows + tail, len(views) - len(rows)


def render(results: Sequence[RunResult]) -> str:
    model = build_report(redact_runs(results))
    needs = model.verdict_count(Verdict.NEEDS_WORK)
    total = len(model.catalog_changes)
    title = f"{needs} of {total} changes need work" if needs else "nothing needs work"
    lines = [
        f"### Dokeos API V2 readiness: {title}",
        "",
        f"**{model.counts.total} findings** ({model.counts.phrase()}). {_runs_line(model)}",
        "",
        *_verdict_table(model),
        "",
    ]
    unreadable = len(model.unreadable) + sum(len(run.errors) for run in model.runs)
    if unreadable:
        what = "file or flow was" if unreadable == 1 else "files or flows were"
        lines += [f"{unreadable} {what} not readable, so not checked.", ""]
    used = sum(len(line) + 1 for line in lines)
    left_out = 0
    run_names = [run.name for run in model.runs] if len(model.runs) > 1 else None
    for change in model.changes:
        if not change.groups:
            continue
        block, skipped = _change_block(change, run_names, MAX_CHARS - used - 200)
        lines += block
        used += sum(len(line) + 1 for line in block)
        left_out += skipped
    if left_out:
        lines += [
            f"_{left_out} more findings are not listed to keep this comment short: "
            "see the HTML or SARIF report._",
            "",
        ]
    lines.append("<sub>dokeos-audit \u00b7 `dokeos-audit rules DK00x` explains each rule</sub>")
    return "\n".join(lines) + "\n"
