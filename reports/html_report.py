"""The HTML report: one self-contained page a project manager can read, offline and printed."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from auditor import TOOL_NAME, __version__
from auditor.config import OPT_IN_RULES
from auditor.findings import RunResult
from auditor.redact import redact_runs
from auditor.reports.model import ReportModel, ReportOptions, Verdict, build_report
from auditor.reports.priorities import priorities
from auditor.reports.text_report import reveal_bidi
from auditor.reports.verdicts import NOT_USED
from auditor.reports.wording import moment_words, run_time_phrase, switch_over_phrase, when
from auditor.rules import ALL_RULES, RULES_BY_ID

TEMPLATE = "report.html.j2"
_BACKTICKS = re.compile(r"`([^`]+)`")
BAR_WIDTH = 180
CELL_MARK = {Verdict.NEEDS_WORK: "\u2716", Verdict.READY: "\u2714", Verdict.NOT_CHECKED: "\u2013"}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("auditor.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["when"] = when
    env.filters["moment"] = moment_words
    env.filters["inline_code"] = inline_code
    return env


def _static(name: str) -> str:
    env = environment()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def inline_code(text: str) -> Markup:
    """Our own rule texts mark code with backticks: escape first, then turn those into <code>."""
    escaped = str(escape(text))
    return Markup(_BACKTICKS.sub(r"<code>\1</code>", escaped))


def csp_source(text: str) -> str:
    """The CSP hash source of an inline <style> or <script> body, byte for byte."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(css: str, script: str) -> str:
    # Nothing may be fetched or sent: no default source, only our two inline blocks by
    # hash (no 'unsafe-inline', so an injected <script> or handler would not run either).
    return (
        "default-src 'none'; "
        f"style-src {csp_source(css)}; "
        f"script-src {csp_source(script)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def headline(model: ReportModel) -> str:
    total = len(model.catalog_changes)
    needs = model.verdict_count(Verdict.NEEDS_WORK)
    unchecked = model.verdict_count(Verdict.NOT_CHECKED)
    partial = (
        " Some files or requests could not be read, so there may be more." if model.partial else ""
    )
    if needs:
        if needs == total:
            which = f"All {total} changes Dokeos is making need"
        else:
            verb = "needs" if needs == 1 else "need"
            which = f"{needs} of the {total} changes Dokeos is making {verb}"
        return f"{which} work before the switch to version 2 ({model.counts.phrase()}).{partial}"
    if unchecked == total:
        return "Nothing could be checked here, so this report cannot say anything yet." + partial
    if unchecked:
        return (
            f"Nothing needs work in what was checked, but {unchecked} of the {total} changes "
            f"were not checked, so this report cannot vouch for them.{partial}"
        )
    if model.partial:
        return "Nothing needs work in what could be read, but not everything could be read."
    return "Ready: every change was checked and nothing needs work."


def checked_phrase(model: ReportModel) -> str:
    kinds = [run.kind for run in model.runs]
    parts = []
    for kind, word in (("code", "code scan"), ("traffic", "traffic capture")):
        n = kinds.count(kind)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    integrations = len(model.integrations)
    what = ", ".join(parts) or "nothing"
    if integrations > 1:
        what += f" of {integrations} integrations"
    elif integrations == 1:
        what += f" of {model.integrations[0].name}"
    return what


def gaps_phrase(model: ReportModel) -> str:
    return "; ".join(f"{run.name}: {', '.join(run.gaps)}" for run in model.runs if run.gaps)


def next_steps(model: ReportModel) -> list[str]:
    """What the manager does next: each team and what it has to fix, then the gaps in the
    evidence (integrations without traffic or without a code scan, checks left out)."""
    steps: list[str] = []
    by_owner: dict[str, list[str]] = {}
    for integration in model.integrations:
        if integration.counts.total:
            by_owner.setdefault(integration.owner, []).append(
                f"{integration.name} ({integration.counts.phrase()})"
            )
    for owner, names in by_owner.items():
        if owner:
            steps.append(f"Ask {owner} to fix {_and(names)}.")
    if "" in by_owner:
        steps.append(f"Find who owns {_and(by_owner[''])}: no owner is named for them yet.")
    no_traffic = [i.name for i in model.integrations if i.has_code and not i.has_traffic]
    if no_traffic:
        steps.append(
            f"No traffic was checked for {_names(no_traffic)}: have their tests run through "
            "dokeos-audit proxy, to confirm what the code scan says."
        )
    no_code = [i.name for i in model.integrations if i.has_traffic and not i.has_code]
    if no_code:
        steps.append(
            f"Only the traffic of {_names(no_code)} was checked: scan their code too, so calls "
            "their tests never made are checked as well."
        )
    left_out = [
        i.name
        for i in model.integrations
        if any(j.verdict is Verdict.NOT_CHECKED and j.used for j in i.judgements)
    ]
    if left_out:
        steps.append(
            f"Some checks were left out for {_names(left_out)}: run them before calling "
            "these integrations ready."
        )
    done = [i.name for i in model.integrations if i.done]
    if done:
        steps.append(f"Done, nothing left in code or traffic: {_and(done)}.")
    return steps


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _names(items: list[str], shown: int = 6) -> str:
    if len(items) <= shown:
        return _and(items)
    return f"{len(items)} integrations ({', '.join(items[:shown])}…)"


def render(
    results: Sequence[RunResult],
    *,
    title: str | None = None,
    options: ReportOptions | None = None,
) -> str:
    options = options or ReportOptions(title=title)
    model = build_report(redact_runs(results), options=options)
    css, script = _static("report.css"), _static("report.js")
    template = environment().get_template(TEMPLATE)
    page = template.render(
        model=model,
        title=title or options.title or "Dokeos API V2 readiness report",
        headline=headline(model),
        checked_phrase=checked_phrase(model),
        switch_over=switch_over_phrase(model),
        gaps_phrase=gaps_phrase(model),
        urgent=priorities(model),
        next_steps=next_steps(model),
        comparison=model.comparison,
        run_time=run_time_phrase,
        unreadable_total=len(model.unreadable) + sum(len(r.errors) for r in model.runs),
        csp=content_security_policy(css, script),
        # our own files, inserted raw: HTML-escaping would corrupt CSS (`>`) and JS (`&&`)
        css=Markup(css),
        script=Markup(script),
        Verdict=Verdict,
        not_used=NOT_USED,
        cell_mark=CELL_MARK,
        bar_width=BAR_WIDTH,
        # the vendor's changes; a rule about the tool itself (DK100, unused suppressions)
        # only when the report has a finding of it
        all_rules=[
            rule
            for rule in ALL_RULES
            if rule.id not in OPT_IN_RULES
            or any(f.rule == rule.id for r in results for f in r.findings)
        ],
        rules_by_id=RULES_BY_ID,
        tool_name=TOOL_NAME,
        version=__version__,
    )
    # our template holds no bidirectional control: any in the page came from user content
    # (code, URLs, file names), and escaping them anywhere in the page is exact
    return reveal_bidi(page)
