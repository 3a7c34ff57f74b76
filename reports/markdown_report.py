"""Markdown for a pull-request comment: where things stand, then the items, within the size cap."""

from __future__ import annotations

import re
from collections.abc import Sequence

from auditor.findings import RunResult
from auditor.redact import redact_runs
from auditor.reports.items import FindingItem, request_label
from auditor.reports.model import ChangeView, ReportModel, ReportOptions, Verdict, build_report
from auditor.reports.priorities import priorities
from auditor.reports.wording import moment_words, plural, run_time_phrase, switch_over_phrase, when
from auditor.rules import RULES_BY_ID

MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters; keep room for a bot's own wrapping."""

_MARKS = {Verdict.NEEDS_WORK: "\u274c", Verdict.READY: "\u2705", Verdict.NOT_CHECKED: "\u2796"}
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


def _where(item: FindingItem) -> str:
    finding = item.first
    if finding.location is not None:
        return md_code(item.where)
    assert finding.flow is not None
    flow = finding.flow
    status = f" \u2192 {flow.status}" if flow.status is not None else ""
    where = f"{md_text(request_label(finding))}: {md_code(f'{flow.method} {flow.url}')}{status}"
    if item.occurrences > 1:
        span = f", {when(item.first_seen)} to {when(item.last_seen)}" if item.first_seen else ""
        where += f" (seen in {plural(item.occurrences, 'request')}{md_text(span)})"
    return where


def _rule_link(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return md_code(rule_id) if rule is not None else md_text(rule_id)


def _verdict_table(model: ReportModel) -> list[str]:
    lines = ["| Change | Verdict | Errors | Warnings | Notes |", "|:--|:--|--:|--:|--:|"]
    for change in model.changes:
        counts = change.counts
        judgement = change.judgement
        why = f" ({md_text(judgement.detail)})" if judgement.detail else ""
        lines.append(
            f"| {change.words.title} | {_MARKS[change.verdict]} {judgement.label}{why} "
            f"| {counts.error} | {counts.warning} | {counts.note} |"
        )
    return lines


def _integrations_table(model: ReportModel) -> list[str]:
    if not model.integrations:
        return []
    lines = [
        "| Integration | Owner | Left to fix | Code scan | Traffic |",
        "|:--|:--|:--|:--|:--|",
    ]
    marks = {True: "\u2705 clean", False: "\u274c not clean", None: "\u2796 none yet"}
    for integration in model.integrations:
        owner = md_text(integration.owner) or "\u2013"
        lines.append(
            f"| {md_text(integration.name)} | {owner} "
            f"| {integration.counts.phrase()} | {marks[integration.clean('code')]} "
            f"| {marks[integration.clean('traffic')]} |"
        )
    return lines


def _runs_line(model: ReportModel) -> str:
    parts = []
    for run in model.runs:
        time = run_time_phrase(run)
        also = f", also as {', '.join(md_code(n) for n in run.same_as)}" if run.same_as else ""
        parts.append(
            f"{md_code(run.name)} ({run.kind_label.lower()}, {run.read_label}"
            f"{'; ' + md_text(time) if time else ''}{also}: {run.counts.phrase()})"
        )
    return "Checked: " + "; ".join(parts) + "." if parts else "No code or traffic could be read."


def _item_row(item: FindingItem, integrations: bool) -> str:
    messages = "<br>".join(md_text(f.message) for f, _ in item.messages)
    evidence = getattr(item.evidence, "summary", "")
    if evidence:
        messages += f"<br><i>{md_text(evidence)}</i>"
    rules = ", ".join(_rule_link(r) for r in item.rules)
    row = f"| {item.severity.value} | {rules} | {_where(item)} | {messages} |"
    if integrations:
        row += f" {md_text(item.integration)} |"
    return row


def _change_block(change: ChangeView, integrations: bool, budget: int) -> tuple[list[str], int]:
    """The change's items table, as many rows as the budget allows; and how many were left."""
    head = [
        "<details>",
        f"<summary><b>{change.words.title}</b>: {change.counts.phrase()}</summary>",
        "",
        f"**What changed.** {change.words.what_changed}",
        "",
        f"**What to do.** {change.words.what_to_do}",
        "",
        "| Severity | Rule | Where | Finding |" + (" Integration |" if integrations else ""),
        "|:--|:--|:--|:--|" + (":--|" if integrations else ""),
    ]
    tail = ["", "</details>", ""]
    used = sum(len(line) + 1 for line in head + tail)
    rows: list[str] = []
    items = change.items
    for item in items:
        row = _item_row(item, integrations)
        if used + len(row) + 1 > budget:
            break
        rows.append(row)
        used += len(row) + 1
    if not rows:
        return [], len(items)
    extra = suggested_changes(items[: len(rows)], budget - used)
    return head + rows + extra + tail, len(items) - len(rows)


def suggested_changes(items: list[FindingItem], budget: int) -> list[str]:
    """A ``diff`` block per fix of the listed items' findings (one per distinct fix), as long
    as the comment has room; a fix the budget leaves out is only in the table's count."""
    lines: list[str] = []
    seen: set[str] = set()
    used = 0
    for item in items:
        for finding in item.findings:
            fix = finding.fix
            if fix is None or not fix.diff or fix.diff in seen:
                continue
            seen.add(fix.diff)
            how = "`--fix`" if fix.safe else "`--fix --unsafe-fixes`"
            fence = "`" * max(3, _longest_backticks(fix.diff) + 1)
            block = [
                "",
                f"Suggested change for {_where(item)} ({fix.applicability.value}, {how}): "
                f"{md_text(fix.message)}",
                "",
                f"{fence}diff",
                *fix.diff.rstrip("\n").split("\n"),
                fence,
            ]
            size = sum(len(line) + 1 for line in block)
            if used + size > budget:
                return lines
            lines += block
            used += size
    return lines


def _longest_backticks(text: str) -> int:
    runs = re.findall(r"`+", text)
    return max((len(r) for r in runs), default=0)


def render(results: Sequence[RunResult], options: ReportOptions | None = None) -> str:
    model = build_report(redact_runs(results), options=options)
    needs = model.verdict_count(Verdict.NEEDS_WORK)
    total = len(model.catalog_changes)
    title = f"{needs} of {total} changes need work" if needs else "nothing needs work"
    made = f"Made {moment_words(model.generated_at)}. {switch_over_phrase(model)}".strip()
    lines = [
        f"### Dokeos API V2 readiness: {title}",
        "",
        made,
        "",
        f"**{plural(model.counts.total, 'thing')} to fix** ({model.counts.phrase()}, from "
        f"{plural(model.findings_total, 'finding')}). {_runs_line(model)}",
        "",
    ]
    urgent = priorities(model)
    if urgent:
        lines += ["**Where to start**", ""]
        lines += [f"{n}. {md_text(p.sentence)}" for n, p in enumerate(urgent, 1)]
        lines.append("")
    if len(model.integrations) > 1 or any(i.owner for i in model.integrations):
        lines += [*_integrations_table(model), ""]
    comparison = getattr(model.comparison, "markdown_lines", None)
    if comparison is not None:
        lines += [*comparison(), ""]
    lines += [*_verdict_table(model), ""]
    unreadable = len(model.unreadable) + sum(len(run.errors) for run in model.runs)
    if unreadable:
        what = "file or request was" if unreadable == 1 else "files or requests were"
        lines += [f"{unreadable} {what} not readable, so not checked.", ""]
    used = sum(len(line) + 1 for line in lines)
    left_out = 0
    integrations = len(model.integrations) > 1
    for change in model.changes:
        if not change.groups:
            continue
        block, skipped = _change_block(change, integrations, MAX_CHARS - used - 200)
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
