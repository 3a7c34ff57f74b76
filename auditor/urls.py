"""URLs as templates: literal text with holes where the code's value is unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

HOLE = "\x00"
"""Stands for a part of a URL (or any string) whose value the analysis does not know."""

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class SplitUrl:
    host: str | None
    """Lower-cased host when it is known literally; None when absent or unknown."""
    segments: tuple[str | None, ...]
    """Path segments; None for a segment that holds a hole."""
    query: tuple[tuple[str, str], ...]
    """Query parameters as (key, value); values may hold holes."""
    has_path: bool


def split_url(template: str) -> SplitUrl:
    """Split a URL template into host, path segments and query pairs."""
    rest = template
    host: str | None = None
    match = _SCHEME.match(rest)
    if match:
        rest = rest[match.end() :]
        slash = rest.find("/")
        authority = rest if slash < 0 else rest[:slash]
        rest = "" if slash < 0 else rest[slash:]
        authority = authority.rsplit("@", 1)[-1]
        hostname = authority.split(":", 1)[0].lower()
        host = hostname if hostname and HOLE not in hostname else None
    elif rest.startswith("//"):
        rest = rest[2:]
        slash = rest.find("/")
        authority = rest if slash < 0 else rest[:slash]
        rest = "" if slash < 0 else rest[slash:]
        host = authority.split(":", 1)[0].lower() if HOLE not in authority else None
    elif rest.startswith(HOLE):
        # an unknown base URL ("{base}/users"): what follows its first slash is the path
        slash = rest.find("/")
        rest = rest[slash:] if slash >= 0 else ""
    rest = rest.split("#", 1)[0]
    path, _, query_text = rest.partition("?")
    segments: list[str | None] = []
    for raw in path.split("/"):
        if raw == "":
            continue
        segments.append(None if HOLE in raw else unquote_plus(raw))
    query: list[tuple[str, str]] = []
    if query_text:
        for pair in re.split(r"[&;]", query_text):
            if not pair:
                continue
            key, _, value = pair.partition("=")
            query.append((unquote_plus(key), unquote_plus(value)))
    return SplitUrl(host, tuple(segments), tuple(query), bool(path))


def render(template: str) -> str:
    """Show a template to a user: holes become `{…}`."""
    return re.sub(f"{HOLE}+", "{…}", template)
