"""The HTML report: one self-contained page a project manager can read, offline and printed."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from auditor import TOOL_NAME, __version__
from auditor.findings import RunResult
from auditor.reports.model import ReportModel, Verdict, build_report
from auditor.reports.redact import redact_runs
from auditor.reports.verdicts import NOT_USED
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


def when(timestamp: str) -> str:
    """An ISO timestamp as people read it, keeping its UTC offset; anything else unchanged."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "-0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')} {zone}"


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


def runs_phrase(model: ReportModel) -> str:
    kinds = [run.kind for run in model.runs]
    parts = []
    for kind, word in (("code", "code scan"), ("traffic", "traffic capture")):
        n = kinds.count(kind)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts) or "none"


def render(results: Sequence[RunResult], *, title: str | None = None) -> str:
    model = build_report(redact_runs(results))
    css, script = _static("report.css"), _static("report.js")
    template = environment().get_template(TEMPLATE)
    return template.render(
        model=model,
        title=title or "Dokeos API V2 readiness report",
        headline=headline(model),
        runs_phrase=runs_phrase(model),
        unreadable_total=len(model.unreadable) + sum(len(r.errors) for r in model.runs),
        csp=content_security_policy(css, script),
        # our own files, inserted raw: HTML-escaping would corrupt CSS (`>`) and JS (`&&`)
        css=Markup(css),
        script=Markup(script),
        Verdict=Verdict,
        not_used=NOT_USED,
        cell_mark=CELL_MARK,
        bar_width=BAR_WIDTH,
        all_rules=ALL_RULES,
        rules_by_id=RULES_BY_ID,
        tool_name=TOOL_NAME,
        version=__version__,
    )
