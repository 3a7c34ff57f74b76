"""Last line of defence before anything is printed: mask credentials in URLs, code and text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import unquote_plus

from auditor.findings import Finding, RunResult, SourceContext

REDACTED = "REDACTED"
"""What a masked value reads as; SARIF lists it in ``redactionTokens``."""

# The analyzers redact before a Finding is built; renderers still mask again because a
# report is the thing that leaves the building (CI logs, PR comments, e-mailed HTML), and a
# finding loaded back from an older or hand-edited JSON file has had no such guarantee.

_SECRET_NAME = re.compile(
    r"pass(?:word|wd|phrase)?|secret|token|api[-_]?key|apikey|authoriz|authent"
    r"|(?:^|[-_])auth(?:$|[-_])|credential|signature|sessionid|session[-_]key|cookie"
    r"|private[-_]?key|access[-_]?key|jwt",
    re.IGNORECASE,
)
_SECRET_EXACT_NAMES = frozenset({"key", "sig", "pwd", "client_secret"})

# Credentials whose shape alone gives them away, wherever they appear.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}"
    r"|[rsp]k_(?:live|test)_[A-Za-z0-9]{8,}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Digest)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*", re.DOTALL)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>`]+")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#@]*)@")
# `token = "…"`, `"api_key": '…'`, `password="…"`: a literal assigned to a secret-sounding
# name. Values holding `{` are templates (f-strings, format strings), not literals.
_ASSIGNED_LITERAL = re.compile(
    r"(?P<name>[A-Za-z_][\w-]*)(?P<sep>[\"']?\s*(?::|=|=>)\s*[rRbBuU]{0,2})"
    r"(?P<quote>[\"'])(?P<value>[^\"'\\\n{]{4,})(?P=quote)"
)


def is_secret_name(name: str) -> bool:
    name = name.strip().lower()
    return name in _SECRET_EXACT_NAMES or bool(_SECRET_NAME.search(name))


def _redact_pairs(text: str) -> str:
    """Mask the values of secret-named ``key=value`` pairs, keeping the original encoding."""
    pairs = re.split(r"([&;])", text)
    for i in range(0, len(pairs), 2):
        key, eq, value = pairs[i].partition("=")
        if eq and value and value != REDACTED and is_secret_name(unquote_plus(key)):
            pairs[i] = f"{key}={REDACTED}"
    return "".join(pairs)


def redact_url(url: str) -> str:
    """The URL with its user info, secret query parameters and fragment values masked."""
    url = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@" if m.group(2) else m.group(0), url)
    base, hash_mark, fragment = url.partition("#")
    base, question, query = base.partition("?")
    if question:
        base = f"{base}?{_redact_pairs(query)}"
    if hash_mark:
        base = f"{base}#{_redact_pairs(fragment)}"
    return _redact_shapes(base)


def _redact_shapes(text: str) -> str:
    text = _TOKEN_SHAPES.sub(REDACTED, text)
    return _AUTH_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def _mask_assignment(match: re.Match[str]) -> str:
    if not is_secret_name(match.group("name")) or match.group("value") == REDACTED:
        return match.group(0)
    quote = match.group("quote")
    return f"{match.group('name')}{match.group('sep')}{quote}{REDACTED}{quote}"


# Findings in one file share most of their context lines: mask each distinct line once.
@lru_cache(maxsize=65536)
def redact_text(text: str) -> str:
    """Free text or a line of code: URLs, known token shapes and secret literals masked."""
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _ASSIGNED_LITERAL.sub(_mask_assignment, text)
    return _redact_shapes(text)


def redact_finding(finding: Finding) -> Finding:
    changes: dict[str, object] = {"message": redact_text(finding.message)}
    if finding.flow is not None:
        changes["flow"] = replace(finding.flow, url=redact_url(finding.flow.url))
    if finding.context is not None:
        changes["context"] = SourceContext(
            finding.context.start_line, tuple(redact_text(line) for line in finding.context.lines)
        )
    if finding.fix is not None:
        fix = finding.fix
        if any(redact_text(e.replacement) != e.replacement for e in fix.edits):
            # an edit cannot be masked and stay an edit: the fix stays on the machine
            changes["fix"] = None
            changes["no_fix"] = "the fix would print a credential: run --fix where the code is"
        else:
            diff = "\n".join(redact_text(line) for line in fix.diff.split("\n"))
            changes["fix"] = replace(fix, message=redact_text(fix.message), diff=diff)
    return replace(finding, **changes)  # type: ignore[arg-type]


def redact_run(result: RunResult) -> RunResult:
    return replace(
        result,
        name=redact_text(result.name),
        findings=[redact_finding(f) for f in result.findings],
        errors=[replace(e, reason=redact_text(e.reason)) for e in result.errors],
    )


def redact_runs(results: Sequence[RunResult]) -> list[RunResult]:
    return [redact_run(r) for r in results]
