"""One request/response read from traffic (`Exchange`) and a session's memory (`TrafficHistory`)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from auditor.findings import FlowRef
from auditor.redact import redact_url
from auditor.traffic.bodies import decode_body_lenient
from auditor.urls import split_url

_NOT_JSON = object()
_MAX_JSON_BYTES = 32 * 1024 * 1024
"""Larger response bodies are not parsed: list pages and job answers are far smaller."""


def format_timestamp(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a `Z`, as SPEC.md shows it; "" when the capture has no time."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _split_list(value: str) -> list[str]:
    """Items of one parameter value: `1,2`, a JSON array `[1,2]`, or one item."""
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
        text = text.strip("[]")
    return [item.strip() for item in text.split(",") if item.strip()]


def _list_items(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str):
        return _split_list(value)
    if isinstance(value, int | float):
        return [str(value)]
    return []


@dataclass(frozen=True, eq=False)
class Exchange:
    """A request and its response (if any), read once from a capture or the live proxy.

    Holds secrets as captured: it never leaves the process. Everything output goes through
    `flow_ref()` (redacted URL) or the redaction helpers.
    """

    file: str
    """The capture as given on the command line (or the live session's name)."""
    index: int
    """0-based position of the flow in its capture, non-HTTP flows included."""
    method: str
    url: str
    host: str
    request_headers: tuple[tuple[str, str], ...]
    request_raw_body: bytes
    status: int | None
    """None when the flow has no response (failed or still open)."""
    response_headers: tuple[tuple[str, str], ...]
    response_raw_body: bytes | None
    """As received: still under its Content-Encoding (decoded lazily by `response_body`)."""
    timestamp: datetime | None
    """When the request started, as an aware UTC datetime; None when the capture lacks it."""
    endpoint: str | None = None
    """The catalog endpoint (`GET /users`), filled in once the session knows it is Dokeos."""

    # -- request ----------------------------------------------------------------------
    @cached_property
    def _split(self) -> tuple[tuple[str | None, ...], tuple[tuple[str, str], ...]]:
        parts = split_url(self.url)
        return parts.segments, parts.query

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """Path segments, percent-decoded."""
        return tuple(s or "" for s in self._split[0])

    @property
    def query(self) -> tuple[tuple[str, str], ...]:
        """Query pairs, percent-decoded, in order (repeated keys kept)."""
        return self._split[1]

    def header(self, name: str) -> str | None:
        """All request header values of that name, joined with ", " as HTTP allows."""
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    def accept(self) -> str:
        return self.header("accept") or ""

    @cached_property
    def request_body(self) -> bytes:
        return decode_body_lenient(self.request_raw_body, self.header("content-encoding"))

    @cached_property
    def request_json(self) -> Any:
        """The request body parsed as JSON, or None."""
        return _parse_json(self.request_body)

    def request_form(self) -> list[tuple[str, str]]:
        content_type = (self.header("content-type") or "").lower()
        if "x-www-form-urlencoded" not in content_type:
            return []
        try:
            return parse_qsl(self.request_body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return []

    def param_values(self, name: str, *, body: bool = False) -> list[str]:
        """Every item sent for a list parameter, in any encoding.

        `k=1,2`, `k=1&k=2`, `k[]=1`, `k[0]=1`, `k=[1,2]` in the query (percent-encoded or
        not), and with ``body`` also a JSON or form body.
        """
        pattern = re.compile(re.escape(name) + r"(\[\d*\])?")
        items: list[str] = []
        pairs = list(self.query)
        if body:
            pairs += self.request_form()
        for key, value in pairs:
            if pattern.fullmatch(key):
                items.extend(_split_list(value))
        if body and isinstance(self.request_json, dict) and name in self.request_json:
            items.extend(_list_items(self.request_json[name]))
        return items

    def has_param(self, name: str) -> bool:
        pattern = re.compile(re.escape(name) + r"(\[\d*\])?")
        return any(pattern.fullmatch(key) for key, _ in self.query)

    # -- response ---------------------------------------------------------------------
    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @cached_property
    def response_body(self) -> bytes:
        """The response body with its Content-Encoding undone (as sent when that fails)."""
        if not self.response_raw_body:
            return b""
        return decode_body_lenient(self.response_raw_body, self.response_header("content-encoding"))

    @cached_property
    def _json(self) -> Any:
        body = self.response_body
        if not body or len(body) > _MAX_JSON_BYTES:
            return _NOT_JSON
        parsed = _parse_json(body, missing=_NOT_JSON)
        return parsed

    def json(self) -> Any:
        """The response body parsed as JSON; None when it is empty, cut, or not JSON."""
        parsed = self._json
        return None if parsed is _NOT_JSON else parsed

    def list_items(self) -> list[Any] | None:
        """The items of a list response: a bare array (V1) or `{"data": [...]}` (V2)."""
        parsed = self.json()
        if isinstance(parsed, list):
            return parsed
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
            data: list[Any] = parsed["data"]
            return data
        return None

    def records(self) -> list[dict[str, Any]]:
        """The resource objects of the response: each list item, or the one object."""
        items = self.list_items()
        if items is not None:
            return [item for item in items if isinstance(item, dict)]
        parsed = self.json()
        if isinstance(parsed, dict):
            data = parsed.get("data")
            return [data] if isinstance(data, dict) else [parsed]
        return []

    def values_of_key(self, key: str, *, depth: int = 6) -> Iterator[Any]:
        """Every value stored under ``key`` anywhere in the JSON response, shallow first."""
        level: list[Any] = [self.json()]
        for _ in range(depth):
            following: list[Any] = []
            for node in level:
                if isinstance(node, dict):
                    if key in node:
                        yield node[key]
                    following.extend(v for v in node.values() if isinstance(v, dict | list))
                elif isinstance(node, list):
                    following.extend(v for v in node if isinstance(v, dict | list))
            if not following:
                return
            level = following

    def at_endpoint(self, endpoint: str | None) -> Exchange:
        """This exchange with its catalog endpoint, keeping what was already worked out."""
        classified = replace(self, endpoint=endpoint)
        # cached properties live in __dict__ beside the fields; none depends on the endpoint
        computed = {k: v for k, v in self.__dict__.items() if k not in _FIELD_NAMES}
        classified.__dict__.update(computed)
        return classified

    # -- output -----------------------------------------------------------------------
    def flow_ref(self) -> FlowRef:
        """Where a finding comes from, with the URL's credentials redacted."""
        return self._flow_ref

    @cached_property
    def _flow_ref(self) -> FlowRef:
        # rules ask for it up to three times per flow; redacting the URL is worth doing once
        return FlowRef(
            file=self.file,
            index=self.index,
            method=self.method,
            url=redact_url(self.url),
            timestamp=format_timestamp(self.timestamp),
            status=self.status,
        )


_FIELD_NAMES = frozenset(f.name for f in fields(Exchange))


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    values = [v for k, v in headers if k.lower() == lowered]
    return ", ".join(values) if values else None


def _parse_json(body: bytes, missing: Any = None) -> Any:
    if not body:
        return missing
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return missing


# -- the session's memory ----------------------------------------------------------------


@dataclass
class IssuedJob:
    """A job id some response handed out, and whether the session followed it."""

    job_id: str
    issued_at: datetime | None
    flow: FlowRef
    endpoint: str | None
    polls: int = 0


@dataclass
class PendingPage:
    """Full list pages of one query whose next page nobody has asked for yet (DK004).

    Identical pages (same query, same next page) share one entry: a test suite that asks
    for the same first page ten thousand times keeps one entry, not ten thousand, and the
    next-page check stays one comparison per distinct page.
    """

    flow: FlowRef
    endpoint: str
    items: int
    next_positions: frozenset[tuple[str, str]]
    """Request positions that count as the next page: ("page", "2"), ("offset", "20")."""
    more_flows: list[FlowRef] = field(default_factory=list)
    """The later flows that got the same page, when the session keeps every flow."""
    repeats: int = 0
    """How many flows after the first got the same page (kept or only counted)."""


@dataclass
class AwaitedJobs:
    """An asynchronous call whose job ids must all be polled later (DK005)."""

    flow: FlowRef
    endpoint: str
    job_ids: tuple[str, ...]
    unpolled: set[str] = field(default_factory=set)
    """The ids no later flow has polled yet; the entry is dropped when it empties."""

    def __post_init__(self) -> None:
        if not self.unpolled:
            self.unpolled = set(self.job_ids)


@dataclass
class TrafficHistory:
    """What a session remembers of earlier exchanges: compact facts only, never bodies.

    `jobs` is kept by the session itself (every Dokeos response carrying job ids, and every
    poll of them); `pending_pages` and `awaiting_poll` belong to DK004 and DK005, which fill
    them in `check_exchange` and read what is left in `finish_traffic`.
    """

    exchanges: int = 0
    jobs: dict[str, IssuedJob] = field(default_factory=dict)
    pending_pages: dict[str, list[PendingPage]] = field(default_factory=dict)
    awaiting_poll: dict[int, AwaitedJobs] = field(default_factory=dict)
    awaiting_by_job: dict[str, list[int]] = field(default_factory=dict)
    """job id → the key of its `awaiting_poll` entry, so a poll settles it in one step."""
    endpoints_seen: set[str] = field(default_factory=set)
    first_request: datetime | None = None
    last_request: datetime | None = None
    flows_digest: int = 0
    """An order-free sum of the Dokeos requests' hashes (method, path, start time): two
    captures of one session (a dump and its HAR export) have the same, so a report counts
    them once."""
    keep_every_flow: bool = True
    """False in a live session that reports distinct problems: repeated evidence is counted,
    not kept, so memory stays flat over a long run."""

    def _note_time_and_identity(self, exchange: Exchange) -> None:
        moment = exchange.timestamp
        if moment is not None:
            if self.first_request is None or moment < self.first_request:
                self.first_request = moment
            if self.last_request is None or moment > self.last_request:
                self.last_request = moment
        path = exchange.url.split("?", 1)[0]
        identity = f"{exchange.method} {path} {format_timestamp(moment)}".encode(
            "utf-8", "surrogateescape"
        )
        digest = hashlib.blake2b(identity, digest_size=16).digest()
        self.flows_digest = (self.flows_digest + int.from_bytes(digest)) % (1 << 128)

    def span_facts(self) -> dict[str, Any]:
        """When the Dokeos requests of this session ran, and which they were (summary keys)."""
        facts: dict[str, Any] = {}
        if self.first_request is not None and self.last_request is not None:
            facts["first_request"] = format_timestamp(self.first_request)
            facts["last_request"] = format_timestamp(self.last_request)
        if self.exchanges:
            facts["flows_digest"] = f"{self.flows_digest:032x}"
        return facts

    def await_polls(self, key: int, awaited: AwaitedJobs) -> None:
        """An asynchronous call whose job ids must each be polled later (DK005)."""
        self.awaiting_poll[key] = awaited
        for job_id in awaited.unpolled:
            self.awaiting_by_job.setdefault(job_id, []).append(key)

    def settle_awaited(self, job_id: str) -> None:
        """A poll of ``job_id``: every call that handed it out waits for one id less."""
        for key in self.awaiting_by_job.pop(job_id, ()):
            awaited = self.awaiting_poll.get(key)
            if awaited is None:
                continue
            awaited.unpolled.discard(job_id)
            if not awaited.unpolled:
                del self.awaiting_poll[key]

    def job_ids_in(self, exchange: Exchange, key: str) -> tuple[str, ...]:
        """Job ids in a response, whether one (`{"job_id": …}`) or one per session."""
        if key.encode() not in exchange.response_body:
            return ()  # most bodies (list pages) hold no job: skip walking them
        found: list[str] = []
        for value in exchange.values_of_key(key):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int) and not isinstance(item, bool) and str(item):
                    found.append(str(item))
        return tuple(dict.fromkeys(found))

    def record(self, exchange: Exchange, job_id_key: str, poll_endpoint: str) -> None:
        """Remember the facts of one Dokeos exchange, after the rules have seen it."""
        self.exchanges += 1
        if exchange.endpoint is not None:
            self.endpoints_seen.add(exchange.endpoint)
        self._note_time_and_identity(exchange)
        if exchange.endpoint == poll_endpoint and exchange.segments:
            job = self.jobs.get(exchange.segments[-1])
            if job is not None:
                job.polls += 1
            return
        if not exchange.succeeded:
            return
        for job_id in self.job_ids_in(exchange, job_id_key):
            # the first flow that handed out an id is when its week started
            self.jobs.setdefault(
                job_id,
                IssuedJob(job_id, exchange.timestamp, exchange.flow_ref(), exchange.endpoint),
            )


def combine_span_facts(*parts: dict[str, Any]) -> dict[str, Any]:
    """The span facts of several sessions (captures of one run, a proxy and its worker)."""
    firsts = [p["first_request"] for p in parts if p.get("first_request")]
    lasts = [p["last_request"] for p in parts if p.get("last_request")]
    digests = [int(p["flows_digest"], 16) for p in parts if p.get("flows_digest")]
    facts: dict[str, Any] = {}
    if firsts and lasts:
        # ISO timestamps in UTC with a Z, as format_timestamp writes them: they sort as text
        facts["first_request"] = min(firsts)
        facts["last_request"] = max(lasts)
    if digests:
        facts["flows_digest"] = f"{sum(digests) % (1 << 128):032x}"
    return facts
