"""Turns a rule's TrafficExample (flows written as dicts) into exchanges and runs the rules."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from auditor.catalog import Catalog, load_catalog
from auditor.config import Settings
from auditor.findings import Finding
from auditor.rules.base import TrafficExample
from auditor.traffic.exchange import Exchange
from auditor.traffic.har import parse_timestamp
from auditor.traffic.session import TrafficSession

EXAMPLE_START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""Flows without a timestamp start here, one second apart, in the order written."""


def exchange_from_example(flow: Mapping[str, Any], index: int, file: str = "example") -> Exchange:
    """One example flow: method, url, request_headers, status, response_json, and optionally
    timestamp, request_json / request_body, response_headers, response_body (str or bytes)."""
    request_headers = dict(flow.get("request_headers", {}))
    request_body = b""
    if "request_json" in flow:
        request_body = json.dumps(flow["request_json"]).encode()
        request_headers.setdefault("Content-Type", "application/json")
    elif "request_body" in flow:
        raw = flow["request_body"]
        request_body = raw.encode() if isinstance(raw, str) else bytes(raw)
    response_headers = dict(flow.get("response_headers", {}))
    response_body: bytes | None
    if "response_json" in flow:
        response_body = json.dumps(flow["response_json"]).encode()
        response_headers.setdefault("Content-Type", "application/json")
    elif "response_body" in flow:
        raw = flow["response_body"]
        response_body = raw.encode() if isinstance(raw, str) else bytes(raw)
    else:
        response_body = None
    timestamp = parse_timestamp(flow.get("timestamp")) or EXAMPLE_START + timedelta(seconds=index)
    status = flow.get("status")
    return Exchange(
        file=file,
        index=index,
        method=str(flow["method"]).upper(),
        url=str(flow["url"]),
        host=(urlsplit(str(flow["url"])).hostname or "").lower(),
        request_headers=tuple(request_headers.items()),
        request_raw_body=request_body,
        status=int(status) if status is not None else None,
        response_headers=tuple(response_headers.items()),
        response_raw_body=response_body if status is not None else None,
        timestamp=timestamp,
    )


def run_example(
    example: TrafficExample,
    settings: Settings | None = None,
    catalog: Catalog | None = None,
) -> list[Finding]:
    """Every finding the rules report on the example's flows, as one session."""
    return run_flows(example.flows, settings, catalog)


def run_flows(
    flows: Sequence[Mapping[str, Any]],
    settings: Settings | None = None,
    catalog: Catalog | None = None,
) -> list[Finding]:
    settings = settings or Settings()
    catalog = catalog or load_catalog().with_hosts(settings.hosts)
    session = TrafficSession(catalog, settings)
    for index, flow in enumerate(flows):
        session.feed(exchange_from_example(flow, index))
    session.finish()
    return session.findings
