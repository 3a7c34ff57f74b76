"""Copies of live flows with credentials masked, for `--save-flows` dumps that may be shared."""

from __future__ import annotations

from mitmproxy import http

from auditor.redact import REDACTED, is_secret_name, redact_body, redact_url
from auditor.traffic import bodies

DROPPED_BODY_HEADER = "x-dokeos-audit-body"
"""Set on a saved message whose body was left out, saying why."""


def redacted_copy(flow: http.HTTPFlow) -> http.HTTPFlow:
    """A copy of a flow with credentials masked; the original, still in flight, is untouched.

    Bodies are decoded with the audit's own capped decoders, never mitmproxy's
    `get_content()`, which decodes a bomb whole. A body whose decoded size reaches the cap
    cannot be checked for secrets, nor read by any rule: it is left out of the copy.
    """
    copy = flow.copy()
    for message in (copy.request, copy.response):
        if message is None:
            continue
        for name in list(message.headers.keys()):
            if is_secret_name(name):
                message.headers[name] = REDACTED
        _redact_content(message)
    request = copy.request
    url = redact_url(request.url)
    if url != request.url:
        request.url = url
    return copy


def _redact_content(message: http.Message) -> None:
    raw = message.raw_content
    if not raw:
        return
    encoding = message.headers.get("content-encoding")
    try:
        content = bodies.decode_body(raw, encoding)
    except bodies.UndecodableBody:
        content = raw  # what mitmproxy's get_content(strict=False) would give
    if len(content) >= bodies.MAX_DECODED_BYTES:
        message.raw_content = b""
        message.headers[DROPPED_BODY_HEADER] = (
            f"dropped: over {bodies.MAX_DECODED_BYTES // (1 << 20)} MiB once decoded"
        )
        return
    cleaned = redact_body(content, message.headers.get("content-type"))
    if cleaned is content:
        return
    # setting content re-applies the Content-Encoding and fixes Content-Length
    try:
        message.content = cleaned
    except ValueError:
        message.raw_content = cleaned
