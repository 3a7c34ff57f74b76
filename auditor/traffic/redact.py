"""Masks credentials (headers, URL userinfo, query strings, bodies) before anything is output."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

REDACTED = "REDACTED"

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "set-cookie2",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-amz-security-token",
        "x-goog-api-key",
    }
)
# A name is secret when one of its words says so ("access_token", "X-Api-Key", "clientSecret"),
# or when its last word is a weaker hint ("api_key", "auth", "session") — "session_ids"
# or "sort_key_order" stay readable.
_STRONG_WORDS = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "apikey",
        "authorization",
        "credential",
        "credentials",
        "cookie",
        "jwt",
        "bearer",
        "otp",
        "sessionid",
        "signature",
        "privatekey",
    }
)
_WEAK_LAST_WORDS = frozenset({"key", "auth", "sig", "session", "sid", "nonce"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_secret_name(name: str) -> bool:
    """Whether a header, query parameter, form field or JSON key holds a credential."""
    lowered = name.lower()
    if lowered in _SECRET_HEADERS:
        return True
    words = [w for w in _WORD_SPLIT.split(_CAMEL.sub("_", name).lower()) if w]
    if not words:
        return False
    if any(w in _STRONG_WORDS for w in words):
        return True
    return words[-1] in _WEAK_LAST_WORDS


def redact_headers(
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...],
) -> list[tuple[str, str]]:
    return [(k, REDACTED if is_secret_name(k) else v) for k, v in headers]


def redact_query(query: str) -> str:
    """The query string with secret values replaced, other pairs byte for byte as they were."""
    if not query:
        return query
    out = []
    for pair in re.split(r"(&|;)", query):
        if pair in ("&", ";") or not pair:
            out.append(pair)
            continue
        key, sep, _value = pair.partition("=")
        if sep and is_secret_name(unquote_plus(key)):
            out.append(f"{key}={REDACTED}")
        else:
            out.append(pair)
    return "".join(out)


_AUTHORITY = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#@]*@)?")


def redact_url(url: str) -> str:
    """The URL without userinfo passwords and with secret query values replaced."""
    match = _AUTHORITY.match(url)
    if match and match.group("userinfo"):
        user = match.group("userinfo")[:-1].split(":", 1)[0]
        url = (
            f"{match.group('scheme')}{quote(unquote_plus(user), safe='')}:{REDACTED}@"
            + url[match.end() :]
        )
    base, hash_sign, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if question:
        base = f"{path}?{redact_query(query)}"
    if hash_sign and "=" in fragment:
        # OAuth implicit flows put access_token in the fragment
        fragment = redact_query(fragment)
    return base + hash_sign + fragment


def redact_json_value(value: Any) -> tuple[Any, bool]:
    """A copy of a JSON value with secret-named members replaced, and whether any was."""
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


def redact_body(body: bytes, content_type: str | None) -> bytes:
    """A body with credentials replaced, for JSON and form bodies; other bodies unchanged."""
    if not body:
        return body
    kind = (content_type or "").lower()
    stripped = body.lstrip()
    if "json" in kind or stripped[:1] in (b"{", b"["):
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            parsed = None
        else:
            redacted, changed = redact_json_value(parsed)
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
