"""The Dokeos calls a project makes, as the analyzer understood them (``dokeos-audit calls``).

One entry per call site that names an endpoint, merged over the calling contexts that
reach it: which API version it asks for, which opt-in attributes it requests, whether it
walks pages and follows jobs. It makes a missed finding debuggable ("the call is not in
the list", "it is, with version=2") and lets reports match traffic to code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.catalog import Catalog
from auditor.code.model import HttpCall
from auditor.urls import HOLE


def summarize(call: HttpCall, catalog: Catalog) -> dict[str, Any]:
    """What one call (in one calling context) sends and does, in plain values."""
    location = call.location
    versions: set[str] = set()
    for header in call.accept_headers:
        if HOLE in header.value:
            versions.add("unknown")
        versions.update(catalog.accept_versions(header.value))
    if call.response_attributes_unknown:
        attributes: list[str] | str = "unknown"
    else:
        attributes = sorted(call.response_attributes)
    pages = "n/a"
    if catalog.is_list_endpoint(call.endpoint):
        page = call.page
        if page.unique_lookup:
            pages = "lookup"
        elif page.follows_next_link or page.has_page_param:
            pages = "walked"
        else:
            pages = "first page only" if page.used_as_complete else "not used as a list"
    job = "n/a"
    if call.async_change is not None:
        job = "followed" if call.job.followed else "not followed"
    return {
        "method": call.method or "?",
        "endpoint": call.endpoint or "",
        "url": call.url,
        "location": {"path": location.path, "line": location.line, "column": location.column},
        "versions": sorted(versions) or ["none"],
        "response_attributes": attributes,
        "reads": sorted({r.key for r in call.attribute_reads}),
        "pages": pages,
        "job": job,
    }


def merge(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per site, method and endpoint: what any calling context does."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in entries:
        loc = entry["location"]
        key = (loc["path"], loc["line"], loc["column"], entry["method"], entry["endpoint"])
        known = merged.get(key)
        if known is None:
            merged[key] = {**entry, "contexts": 1}
            continue
        known["contexts"] += 1
        known["versions"] = sorted(set(known["versions"]) | set(entry["versions"]) - {"none"})
        known["versions"] = known["versions"] or ["none"]
        if "unknown" in (known["response_attributes"], entry["response_attributes"]):
            known["response_attributes"] = "unknown"
        else:
            known["response_attributes"] = sorted(
                set(known["response_attributes"]) & set(entry["response_attributes"])
            )
        known["reads"] = sorted(set(known["reads"]) | set(entry["reads"]))
        for field, worse in (("pages", "first page only"), ("job", "not followed")):
            if entry[field] == worse:
                known[field] = worse
    return sorted(
        merged.values(),
        key=lambda e: (e["location"]["path"], e["location"]["line"], e["location"]["column"]),
    )


def render_text(entries: list[dict[str, Any]]) -> str:
    """``path:line:col METHOD /endpoint  version=2 response_attributes=... pages=walked``."""
    lines = []
    for entry in entries:
        loc = entry["location"]
        parts = [
            f"{loc['path']}:{loc['line']}:{loc['column']}",
            f"{entry['method']} {entry['endpoint'].split(' ', 1)[-1] or entry['url']}",
            f"version={','.join(entry['versions'])}",
        ]
        attributes = entry["response_attributes"]
        if attributes == "unknown" or attributes:
            shown = attributes if isinstance(attributes, str) else ",".join(attributes)
            parts.append(f"response_attributes={shown}")
        if entry["reads"]:
            parts.append(f"reads={','.join(entry['reads'])}")
        if entry["pages"] != "n/a":
            parts.append(f"pages={entry['pages']}")
        if entry["job"] != "n/a":
            parts.append(f"job={entry['job']}")
        lines.append("  ".join(parts))
    count = len(entries)
    lines.append(f"{count} Dokeos call{'s' if count != 1 else ''} found.")
    return "\n".join(lines) + "\n"
