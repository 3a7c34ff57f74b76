"""Plans the fixes of one analyzed group: each rule's fixer proposes node changes for each
finding in each calling context, changes of the same node are merged, and each finding gets
the edits that resolve it (or the reason it has none). Runs where the libcst trees are:
in the process that analyzed the group, before its result is cached or sent back."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from auditor.code.model import CodeModel, HttpCall
from auditor.fix import attributes, jobs, lists, versions
from auditor.fix.changes import Change, Proposal
from auditor.fix.context import FixContext
from auditor.fix.model import Applicability, Edit, Fix
from auditor.fix.source import apply_edits, hunks
from auditor.rules import ALL_RULES
from auditor.rules.base import RawFinding

if TYPE_CHECKING:
    from auditor.code.analyzer import Analyzer

Fixer = Callable[[RawFinding, HttpCall, FixContext], "Proposal | str"]

FIXERS: dict[str, Fixer] = {
    "DK001": versions.propose,
    "DK002": attributes.propose,
    "DK003": lists.propose_chunks,
    "DK004": lists.propose_pages,
    "DK005": jobs.propose,
}

NO_FIXER = {
    "DK006": (
        "how long a job id may wait before it is polled is a decision about the data: "
        "bound the age to 7 days where the ids are read back"
    ),
}


def plan_fixes(
    analyzer: Analyzer, model: CodeModel, findings: Sequence[RawFinding]
) -> list[RawFinding]:
    """The findings, each with its fix or the reason it has none."""
    ctx = FixContext(analyzer)
    contexts = _calls_by_finding(model, analyzer)
    proposals: dict[RawFinding, list[Proposal | str]] = {}
    for finding, calls in contexts.items():
        fixer = FIXERS.get(finding.rule)
        if fixer is None:
            continue
        for call in calls:
            try:
                proposal = fixer(finding, call, ctx)
            except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError):
                # a shape no fixer foresaw costs that finding its fix, never the scan
                proposal = "the code has a shape the fix does not handle"
            proposals.setdefault(finding, []).append(proposal)
    shared: dict[tuple[str, int, str], Change] = {}
    for offers in proposals.values():
        for offer in offers:
            if isinstance(offer, Proposal):
                offer.changes = [_share(change, shared) for change in offer.changes]
    out: list[RawFinding] = []
    for finding in findings:
        offers = proposals.get(finding, [])
        if not offers:
            reason = NO_FIXER.get(finding.rule, "")
            out.append(replace(finding, no_fix=reason) if reason else finding)
            continue
        fix = _fix_of(offers, ctx)
        if isinstance(fix, str):
            out.append(replace(finding, no_fix=fix))
        else:
            out.append(replace(finding, fix=fix))
    return out


def _calls_by_finding(model: CodeModel, analyzer: Analyzer) -> dict[RawFinding, list[HttpCall]]:
    """Every calling context that leads to each finding (the rules are cheap predicates:
    running them again is how a finding finds its calls)."""
    found: dict[RawFinding, list[HttpCall]] = {}
    for call in model.calls:
        for rule in ALL_RULES:
            if rule.id not in FIXERS:
                continue
            for finding in rule.check_call(call, analyzer.catalog):
                found.setdefault(finding, []).append(call)
    return found


def _share(change: Change, shared: dict[tuple[str, int, str], Change]) -> Change:
    known = shared.get(change.key)
    if known is None:
        shared[change.key] = change
        return change
    known.absorb(change)
    return known


def _fix_of(offers: list[Proposal | str], ctx: FixContext) -> Fix | str:
    reasons = [o for o in offers if isinstance(o, str)]
    if reasons:
        return reasons[0]
    proposals = [o for o in offers if isinstance(o, Proposal)]
    changes: dict[tuple[str, int, str], Change] = {}
    for proposal in proposals:
        for change in proposal.changes:
            changes.setdefault(change.key, change)
    edits: list[Edit] = []
    for change in changes.values():
        edit = change.edit()
        if edit is None:
            return "the rewrite could not be made without touching other code"
        if edit not in edits:
            edits.append(edit)
    if not edits:
        return "nothing to rewrite"
    texts = {c.source.path: c.source.module.text for c in changes.values()}
    diff, failure = _check(edits, texts)
    if failure:
        return failure
    unsafe = any(p.applicability is Applicability.UNSAFE for p in proposals)
    messages = list(dict.fromkeys(p.message for p in proposals))
    return Fix(
        Applicability.UNSAFE if unsafe else Applicability.SAFE,
        "; ".join(messages),
        tuple(sorted(edits, key=lambda e: (e.path, e.start))),
        diff,
    )


def _check(edits: list[Edit], texts: dict[str, str]) -> tuple[str, str]:
    """The diff of the fix, and why it cannot be made (empty when every rewritten file
    still parses)."""
    sources = []
    for path, text in texts.items():
        mine = [e for e in edits if e.path == path]
        new = apply_edits(text, mine)
        if new is None:
            return "", "the fix's edits overlap one another"
        # Python's own parser here, for every finding shown; libcst's too when --fix writes
        failure = parse_failure(new, libcst_too=False)
        if failure:
            return "", f"the rewritten {path} would not parse ({failure})"
        sources.append((path, text, mine))
    return hunks(sources), ""


def parse_failure(text: str, *, libcst_too: bool = True) -> str:
    """Why Python or libcst would refuse this source (empty: both accept it)."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return type(exc).__name__
    if not libcst_too:
        return ""
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"line {exc.raw_line}: libcst cannot parse it"
    except (RecursionError, MemoryError) as exc:
        return type(exc).__name__
    return ""
