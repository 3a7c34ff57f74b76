"""Runs the traffic rules over a session of exchanges in time order, and over whole captures."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from auditor.catalog import Catalog, load_catalog
from auditor.config import Settings
from auditor.engine import complete_traffic_finding
from auditor.findings import ErrorEntry, Finding, Origin, RunResult, now_iso
from auditor.rules import ALL_RULES, RULES_BY_ID
from auditor.rules.base import RawFinding, Rule
from auditor.traffic.capture import CaptureStats, read_capture
from auditor.traffic.digest import EveryFinding, FindingKeeper
from auditor.traffic.exchange import Exchange, TrafficHistory, combine_span_facts

REORDER_WINDOW = 512
"""How far out of time order an exchange may be written and still be analyzed in order.

Dumps are written when a response completes, HAR exports roughly in start order; a small
window sorts both by start time while keeping memory flat."""
REORDER_WINDOW_BYTES = 256 * 1024 * 1024
"""The window also holds at most this many bytes of bodies: 512 flows of 100 MB each would
otherwise be held at once."""


def is_dokeos(exchange: Exchange, catalog: Catalog) -> bool:
    """Dokeos traffic: the Accept (or answer) names the Dokeos media type, or the host is Dokeos."""
    if catalog.names_dokeos_media_type(exchange.accept()):
        return True
    if catalog.is_dokeos_host(exchange.host):
        return True
    host_header = exchange.header("host")
    if host_header and catalog.is_dokeos_host(host_header.rsplit(":", 1)[0]):
        return True
    content_type = exchange.response_header("content-type") or ""
    return catalog.names_dokeos_media_type(content_type)


class TrafficSession:
    """One capture or live proxy run: rules see each Dokeos exchange after those before it."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        on_finding: Callable[[Finding], None] | None = None,
        rules: Sequence[Rule] = ALL_RULES,
        *,
        origin: Origin = "traffic",
        keeper: FindingKeeper | None = None,
        keep_every_flow: bool = True,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.history = TrafficHistory(keep_every_flow=keep_every_flow)
        self.rules = [rule for rule in rules if settings.rule_enabled(rule.id)]
        self.origin: Origin = origin
        self.keeper: FindingKeeper = keeper if keeper is not None else EveryFinding()
        self._on_finding = on_finding

    @property
    def findings(self) -> list[Finding]:
        return self.keeper.findings

    def feed(self, exchange: Exchange) -> list[Finding]:
        """Analyze one exchange; returns the findings it produced right away."""
        if not is_dokeos(exchange, self.catalog):
            return []
        endpoint = self._endpoint_of(exchange)
        if endpoint is not None:
            exchange = exchange.at_endpoint(endpoint)
        new: list[Finding] = []
        for rule in self.rules:
            new.extend(self._complete(rule.check_exchange(exchange, self.history, self.catalog)))
        self.history.record(exchange, self.catalog.job_id_key, self.catalog.job_poll.text)
        return new

    def _endpoint_of(self, exchange: Exchange) -> str | None:
        return self.catalog.endpoint_of(exchange.method, exchange.segments)

    def finish(self) -> list[Finding]:
        """Let rules that wait for later evidence report what never came."""
        new: list[Finding] = []
        for rule in self.rules:
            new.extend(self._complete(rule.finish_traffic(self.history, self.catalog)))
        return new

    def outstanding(self) -> list[Finding]:
        """What `finish` would add if the session ended now, without ending it: a page or a
        job still waiting may yet be followed."""
        out: list[Finding] = []
        for rule in self.rules:
            for raw in rule.finish_traffic(self.history, self.catalog):
                finding = complete_traffic_finding(raw, self.settings, self.origin)
                if finding is not None:
                    out.append(finding)
        return out

    def _complete(self, raw_findings: Iterable[RawFinding]) -> list[Finding]:
        out: list[Finding] = []
        count_repeat = getattr(self.keeper, "count_repeat", None)
        for raw in raw_findings:
            if raw.flow is None:
                continue
            if count_repeat is not None and self.settings.rule_enabled(raw.rule):
                kept = count_repeat(raw)
                if kept is not None:
                    if self._on_finding is not None:
                        repeat = kept
                        if raw.occurrences != kept.occurrences:
                            repeat = replace(kept, occurrences=raw.occurrences)
                        self._on_finding(repeat)
                    continue
            finding = complete_traffic_finding(raw, self.settings, self.origin)
            if finding is None:
                continue
            if not self.keeper.add(finding):
                continue
            out.append(finding)
            if self._on_finding is not None:
                self._on_finding(finding)
        return out


def in_time_order(
    items: Iterable[Exchange | ErrorEntry],
    window: int = REORDER_WINDOW,
    window_bytes: int | None = None,
) -> Iterator[Exchange | ErrorEntry]:
    """Exchanges sorted by start time within a bounded window; errors pass straight through.

    An exchange without a time keeps its place by taking the time of the one before it.
    """
    limit = REORDER_WINDOW_BYTES if window_bytes is None else window_bytes
    heap: list[tuple[float, int, Exchange]] = []
    counter = itertools.count()
    last_time = float("-inf")
    held = 0
    for item in items:
        if not isinstance(item, Exchange):
            yield item
            continue
        moment = item.timestamp.timestamp() if isinstance(item.timestamp, datetime) else last_time
        last_time = moment
        heapq.heappush(heap, (moment, next(counter), item))
        held += _body_bytes(item)
        while heap and (len(heap) > window or held > limit):
            earliest = heapq.heappop(heap)[2]
            held -= _body_bytes(earliest)
            yield earliest
    while heap:
        yield heapq.heappop(heap)[2]


def _body_bytes(exchange: Exchange) -> int:
    return len(exchange.request_raw_body) + len(exchange.response_raw_body or b"")


def analyze_captures(
    paths: Sequence[str],
    settings: Settings,
    *,
    on_finding: Callable[[Finding], None] | None = None,
    on_error: Callable[[ErrorEntry], None] | None = None,
) -> tuple[RunResult, bool]:
    """Analyze captures, one session each; returns the run and whether anything was read."""
    catalog = load_catalog().with_hosts(settings.hosts)
    result = RunResult(name=", ".join(paths), kind="traffic")
    endpoints: set[str] = set()
    readable = False
    formats: dict[str, str] = {}
    skipped = 0
    spans: list[dict[str, object]] = []
    for display in paths:
        stats = CaptureStats()
        session = TrafficSession(catalog, settings, on_finding=on_finding)
        for item in in_time_order(read_capture(Path(display), display, stats)):
            if isinstance(item, ErrorEntry):
                result.errors.append(item)
                if on_error is not None:
                    on_error(item)
                continue
            try:
                session.feed(item)
            except Exception as exc:
                # a flow no rule expected must cost that flow, not the capture
                error = ErrorEntry(
                    display, f"cannot analyze this flow ({type(exc).__name__})", item.index
                )
                result.errors.append(error)
                if on_error is not None:
                    on_error(error)
        session.finish()
        result.findings.extend(session.findings)
        endpoints |= session.history.endpoints_seen
        spans.append(session.history.span_facts())
        result.flows_read += stats.exchanges
        skipped += stats.skipped
        formats[display] = stats.format
        readable = readable or stats.read_anything or stats.problems == 0
    result.extra["endpoints_seen"] = sorted(endpoints)
    result.extra["non_http_flows_skipped"] = skipped
    result.extra["capture_formats"] = formats
    result.extra.update(combine_span_facts(*spans))
    result.extra["rules"] = settings.rule_coverage(RULES_BY_ID)
    result.extra["generated_at"] = now_iso()
    return result, readable
