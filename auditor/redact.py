"""The one place that decides what is a secret and masks it: names, URLs, bodies, code, text.

Traffic masks what it saves (`--save-flows`) and the URLs it reports; every renderer masks
again before anything is printed, because a report is the thing that leaves the building
(CI logs, PR comments, e-mailed HTML) and a finding loaded back from an older or
hand-edited JSON file has had no such guarantee. Both use this module, so they agree.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

from auditor.findings import Finding, RunResult, SourceContext

REDACTED = "REDACTED"
"""What a masked value reads as; SARIF lists it in ``redactionTokens``."""

# -- the table of secret names ----------------------------------------------------------------
# A name is split into words ("X-Api-Key" -> x, api, key; "clientSecret" -> client, secret).

SECRET_STEMS = (
    "token",
    "secret",
    "passw",
    "passphrase",
    "credential",
    "authoriz",
    "cookie",
    "bearer",
    "signature",
    "privatekey",
    "apikey",
    "accesskey",
    "secretkey",
    "csrf",
    "xsrf",
    "jwt",
)
"""Secret wherever they occur inside a word: accessToken, userpassword, Set-Cookie."""

SECRET_WORDS = frozenset(
    {"pwd", "otp", "totp", "hotp", "sid", "sessid", "sessionid", "phpsessid", "jsessionid"}
    | {"nonce", "mfa", "2fa"}
)
"""Secret as a whole word, or as two adjacent words run together (session_id, sessionId);
`session_ids` and `sidebar` stay readable."""

SECRET_LAST_WORDS = frozenset({"key", "auth", "sig", "session"})
"""Weaker hints, secret only as the last word: api_key, DOKEOS_KEY, session; not
`sort_key_order` or `session_ids`."""

CODE_QUALIFIERS = frozenset(
    {"auth", "oauth", "authorization", "verification", "confirmation", "reset"}
    | {"activation", "login", "sms", "access", "one", "security"}
)
"""`code` alone (OAuth's ``?code=``) or after one of these is a secret; `status_code`,
`country_code` and `error_code` are not."""

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a header, query parameter, form field, JSON key or variable holds a credential."""
    words = [w for w in _WORD_SPLIT.split(_CAMEL.sub("_", name.strip()).lower()) if w]
    if not words:
        return False
    if any(stem in word for word in words for stem in SECRET_STEMS):
        return True
    pairs = [a + b for a, b in itertools.pairwise(words)]
    if any(word in SECRET_WORDS for word in (*words, *pairs)):
        return True
    if any(stem in pair for pair in pairs for stem in SECRET_STEMS):
        return True  # api_key -> apikey, access_key -> accesskey
    if words[-1] == "code":
        return len(words) == 1 or words[-2] in CODE_QUALIFIERS
    return words[-1] in SECRET_LAST_WORDS


# -- URLs, headers, bodies ------------------------------------------------------------------

# the userinfo ends at the last "@" before the path: a password may itself hold "@"
_USERINFO = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#]*)@")
_PAIR_SPLIT = re.compile(r"([&;])")


def redact_headers(
    headers: Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    return [(k, REDACTED if is_secret_name(k) else v) for k, v in headers]


def redact_query(query: str) -> str:
    """`key=value` pairs with secret values masked, every other byte as it was."""
    if not query:
        return query
    pairs = _PAIR_SPLIT.split(query)
    for i in range(0, len(pairs), 2):
        key, eq, value = pairs[i].partition("=")
        if eq and value and value != REDACTED and is_secret_name(unquote_plus(key)):
            pairs[i] = f"{key}={REDACTED}"
    return "".join(pairs)


def redact_url(url: str) -> str:
    """The URL without its userinfo, with secret query and fragment values masked."""
    url = _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", url, count=1)
    base, hash_mark, fragment = url.partition("#")
    base, question, query = base.partition("?")
    if question:
        base = f"{base}?{redact_query(query)}"
    if hash_mark:
        # OAuth implicit flows put access_token in the fragment
        base = f"{base}#{redact_query(fragment)}"
    return redact_shapes(base)


def redact_json_value(value: Any) -> tuple[Any, bool]:
    """A copy of a JSON value with secret-named members masked, and whether any was.

    Raises RecursionError for values nested deeper than the interpreter's stack allows."""
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and is_secret_name(key) and item not in (None, ""):
                out[key] = REDACTED
                changed = True
            else:
                out[key], sub_changed = redact_json_value(item)
                changed = changed or sub_changed
        return out, changed
    if isinstance(value, list):
        changed = False
        items = []
        for item in value:
            new, sub_changed = redact_json_value(item)
            items.append(new)
            changed = changed or sub_changed
        return items, changed
    return value, False


_JSON_MEMBER = re.compile(
    r'"(?P<key>(?:[^"\\]|\\.){1,200})"\s*:\s*'
    r'(?P<value>"(?:[^"\\]|\\.)*"|\[[^\[\]{}]*\]|-?\d[\d.eE+-]*|true|false)'
)


def _redact_json_text(text: str) -> str:
    """Secret members masked in JSON text without parsing it (for bodies too deep to parse)."""

    def mask(match: re.Match[str]) -> str:
        if not is_secret_name(match.group("key")):
            return match.group(0)
        return f'{match.group(0)[: match.start("value") - match.start()]}"{REDACTED}"'

    return _JSON_MEMBER.sub(mask, text)


def redact_body(body: bytes, content_type: str | None) -> bytes:
    """A body with credentials masked, for JSON and form bodies; other bodies unchanged."""
    if not body:
        return body
    kind = (content_type or "").lower()
    stripped = body.lstrip()
    if "json" in kind or stripped[:1] in (b"{", b"["):
        try:
            parsed = json.loads(body)
            redacted, changed = redact_json_value(parsed)
        except (ValueError, UnicodeDecodeError):
            pass
        except RecursionError:
            # nested deeper than Python goes: mask by the text instead of dropping the body
            text = body.decode("utf-8", errors="surrogateescape")
            masked = _redact_json_text(text)
            return body if masked == text else masked.encode("utf-8", errors="surrogateescape")
        else:
            return json.dumps(redacted).encode() if changed else body
    if "x-www-form-urlencoded" in kind:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        pairs = parse_qsl(text, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            return urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs]).encode()
    return body


# -- text and code --------------------------------------------------------------------------

# Credentials whose shape alone gives them away, wherever they appear.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}"
    r"|[rsp]k_(?:live|test)_[A-Za-z0-9]{8,}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Digest)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*", re.DOTALL)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>`]+")


def redact_shapes(text: str) -> str:
    text = _TOKEN_SHAPES.sub(REDACTED, text)
    return _AUTH_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


@lru_cache(maxsize=65536)
def redact_text(text: str) -> str:
    """Free text or code: URLs, token shapes, private keys and secret literals masked."""
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = mask_secret_literals(text)
    return redact_shapes(text)


def redact_lines(lines: Sequence[str]) -> tuple[str, ...]:
    """Lines of code masked together, so a value on the line after its name is masked too."""
    if not lines:
        return ()
    joined = "\n".join(lines)
    masked = redact_text(joined)
    out = masked.split("\n")
    if len(out) != len(lines):  # a private key block swallowed lines: mask line by line
        return tuple(redact_text(line) for line in lines)
    return tuple(out)


# -- secret literals in code ------------------------------------------------------------------
# A string literal is masked when it is the value given to a secret-looking name: assigned
# (`TOKEN = "…"`, `password: str = "…"`, `session.headers["X-Api-Key"] = "…"`), a keyword
# (`auth=("svc", "…")`), a dict member (`"Authorization": "…"`), a default
# (`os.environ.get("DOKEOS_KEY", "…")`), or handed to an auth object (`HTTPBasicAuth("svc", "…")`).
# A tuple or list given to such a name has every literal in it masked. Literals holding `{`
# are templates (f-strings, format strings), not secrets: they stay readable.

_STRING = re.compile(
    r'[rRbBuUfF]{0,2}(?:"""(?:\\.|[^\\])*?"""'
    r"|'''(?:\\.|[^\\])*?'''"
    r'|"(?:\\.|[^"\\\n])*"'
    r"|'(?:\\.|[^'\\\n])*')"
)
_STRING_QUOTES = re.compile(r"""([rRbBuUfF]{0,2})("{3}|'{3}|"|')""")
_NAME_THEN_VALUE = re.compile(
    r"""(?:(?P<word>\b[A-Za-z_][\w-]*)|(?P<quote>["'])(?P<key>[^"'\n]{1,100})(?P=quote))"""
    # `]` closes a subscript; `: type =` is an annotation; `==` is a comparison, not a value
    r"\]?\s*(?::\s*[A-Za-z_][\w.\[\], |]*\s*(?==)|)(?::=|=>|=(?!=)|:(?!:))\s*"
)
_DEFAULT_OF = re.compile(
    r"""\b(?:get|getenv|setdefault|pop)\(\s*(?P<quote>["'])(?P<key>[^"'\n]{1,100})(?P=quote)"""
    r"\s*,\s*"
)
_AUTH_CALL = re.compile(r"\b\w*Auth\w*\(")
_BRACKETS = re.compile(r"""["'()\[\]]""")
_MAX_VALUE_SCAN = 4000


def _mask_string(literal: str) -> str:
    match = _STRING_QUOTES.match(literal)
    if match is None:
        return literal
    prefix, quote = match.group(1), match.group(2)
    body = literal[len(prefix) + len(quote) : len(literal) - len(quote)]
    if not body or body == REDACTED or "{" in body:
        return literal
    return f"{prefix}{quote}{REDACTED}{quote}"


def _bracket_end(text: str, start: int) -> int:
    """Where the bracket opened at ``start`` closes (strings respected), or -1 if not soon."""
    depth = 0
    pos = start
    limit = min(len(text), start + _MAX_VALUE_SCAN)
    while pos < limit:
        match = _BRACKETS.search(text, pos, limit)
        if match is None:
            return -1
        char = match.group(0)
        if char in "\"'":
            string = _STRING.match(text, match.start())
            pos = string.end() if string else match.end()
            continue
        depth += 1 if char in "([" else -1
        pos = match.end()
        if depth == 0:
            return pos
    return -1


def _value_span(text: str, start: int) -> tuple[int, int] | None:
    """The span of the literal, tuple or list (or auth call) that starts at ``start``."""
    if start >= len(text):
        return None
    string = _STRING.match(text, start)
    if string is not None:
        return string.span()
    opener = start
    auth = _AUTH_CALL.match(text, start)
    if auth is not None:
        opener = auth.end() - 1
    elif text[start] not in "([":
        return None
    end = _bracket_end(text, opener)
    return (start, end) if end > 0 else None


def _mask_strings_in(text: str) -> str:
    return _STRING.sub(lambda m: _mask_string(m.group(0)), text)


def mask_secret_literals(text: str) -> str:
    """Code (one line or several) with the literals given to secret-looking names masked."""
    if "'" not in text and '"' not in text:
        return text
    spans: list[tuple[int, int]] = []
    for pattern in (_NAME_THEN_VALUE, _DEFAULT_OF):
        for match in pattern.finditer(text):
            name = match.group("key") if match.group("key") is not None else match.group("word")
            if name is None or not is_secret_name(name):
                continue
            span = _value_span(text, match.end())
            if span is not None:
                spans.append(span)
    for match in _AUTH_CALL.finditer(text):
        end = _bracket_end(text, match.end() - 1)
        if end > 0:
            spans.append((match.end(), end))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)  # overlapping spans: only the part not masked yet
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append(_mask_strings_in(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# -- findings and runs ------------------------------------------------------------------------


def redact_finding(finding: Finding) -> Finding:
    changes: dict[str, object] = {"message": redact_text(finding.message)}
    if finding.flow is not None:
        changes["flow"] = replace(finding.flow, url=redact_url(finding.flow.url))
    if finding.context is not None:
        changes["context"] = SourceContext(
            finding.context.start_line, redact_lines(finding.context.lines)
        )
    if finding.fix is not None:
        fix = finding.fix
        if any(redact_text(e.replacement) != e.replacement for e in fix.edits):
            # an edit cannot be masked and stay an edit: the fix stays on the machine
            changes["fix"] = None
            changes["no_fix"] = "the fix would print a credential: run --fix where the code is"
        else:
            diff = "\n".join(redact_lines(fix.diff.split("\n")))
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
