"""The declarative catalog of the V2 changes (rules/catalog.toml), loaded into typed facts."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from importlib import resources

# Resource names: a catalog path must start at the API root, not under another resource
# ("/users/5/groups" is not "GET /groups").
_ID_LIKE = re.compile(r"^(\d+|[0-9a-f]{8,}(-[0-9a-f]{4,})*)$", re.IGNORECASE)


@dataclass(frozen=True)
class EndpointPattern:
    method: str
    segments: tuple[str, ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> EndpointPattern:
        method, _, path = text.partition(" ")
        segments = tuple(s for s in path.strip().split("/") if s)
        return cls(method.upper(), segments, f"{method.upper()} /{'/'.join(segments)}")

    def matches(self, method: str | None, segments: Sequence[str | None]) -> bool:
        if method is None or method.upper() != self.method:
            return False
        n = len(self.segments)
        if len(segments) < n:
            return False
        tail = segments[len(segments) - n :]
        for want, got in zip(self.segments, tail, strict=True):
            if want.startswith(":"):
                if got is None or got == "":
                    continue
                continue
            if got is None or got.lower() != want.lower():
                return False
        # the match must sit at the API root: no id or unknown segment just before it
        before = segments[: len(segments) - n]
        if before:
            previous = before[-1]
            if previous is None or _ID_LIKE.match(previous):
                return False
            if previous.lower() in _RESOURCE_NAMES:
                return False
        return True


_ENDPOINT_CACHE_SIZE = 4096

_RESOURCE_NAMES = frozenset(
    {
        "users",
        "user",
        "participations",
        "groups",
        "jobs",
        "trainings",
        "training_gate",
        "presence_sessions",
        "webinar_sessions",
        "sessions",
        "courses",
        "learners",
        "managers",
    }
)


@dataclass(frozen=True)
class OptInAttributes:
    endpoints: tuple[EndpointPattern, ...]
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class IdFilter:
    endpoints: tuple[EndpointPattern, ...]
    params: tuple[str, ...]
    max_ids: int


@dataclass(frozen=True)
class AsyncOperation:
    change: str
    endpoints: tuple[EndpointPattern, ...]
    requires_marker: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    id: str
    title: str
    endpoints: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    media_type: str
    host_markers: tuple[str, ...]
    withdrawn_versions: tuple[str, ...]
    current_version: str
    list_endpoints: tuple[EndpointPattern, ...]
    page_size: int
    page_params: tuple[str, ...]
    page_size_params: tuple[str, ...]
    unique_filters: tuple[str, ...]
    next_link_keys: tuple[str, ...]
    opt_in: tuple[OptInAttributes, ...]
    response_attributes_param: str
    id_filters: tuple[IdFilter, ...]
    async_operations: tuple[AsyncOperation, ...]
    job_poll: EndpointPattern
    job_id_key: str
    job_lifetime_days: int
    changes: tuple[Change, ...]
    extra_hosts: tuple[str, ...] = field(default=())
    switch_over: date | None = None
    """The day the vendor withdraws V1 and applies the V2 changes in production."""

    # -- identity ---------------------------------------------------------------------
    def with_hosts(self, hosts: Iterable[str]) -> Catalog:
        from dataclasses import replace

        return replace(self, extra_hosts=tuple(h.lower() for h in hosts))

    def is_dokeos_host(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower()
        if any(marker in host for marker in self.host_markers):
            return True
        for pattern in self.extra_hosts:
            if pattern.startswith("*."):
                if host == pattern[2:] or host.endswith(pattern[1:]):
                    return True
            elif "*" in pattern or "?" in pattern:
                import fnmatch

                if fnmatch.fnmatch(host, pattern):
                    return True
            elif host == pattern:
                return True
        return False

    def names_dokeos_media_type(self, accept: str) -> bool:
        return self.media_type in accept.lower()

    def accept_versions(self, accept: str) -> list[str]:
        """The `version=` values attached to the Dokeos media type in an Accept value."""
        versions = []
        for item in accept.split(","):
            if self.media_type not in item.lower():
                continue
            for param in item.split(";")[1:]:
                key, _, value = param.partition("=")
                if key.strip().lower() == "version":
                    version = value.strip().strip("\"'")
                    # "1.0" asks for version 1 as much as "1" does
                    versions.append(re.sub(r"^(\d+)\.0+$", r"\1", version))
        return versions

    # -- endpoints --------------------------------------------------------------------
    def match(
        self,
        method: str | None,
        segments: Sequence[str | None],
        patterns: Iterable[EndpointPattern],
    ) -> EndpointPattern | None:
        for pattern in patterns:
            if pattern.matches(method, segments):
                return pattern
        return None

    def endpoint_of(self, method: str | None, segments: Sequence[str | None]) -> str | None:
        """The catalog endpoint a request goes to, if the catalog knows it."""
        key = (method, tuple(segments))
        cache = self._endpoint_cache
        if key in cache:
            return cache[key]
        found = None
        for pattern in self.patterns:
            if pattern.matches(method, segments):
                found = pattern.text
                break
        if len(cache) >= _ENDPOINT_CACHE_SIZE:
            cache.clear()  # ids in paths make the keys many: bounded, not an LRU
        cache[key] = found
        return found

    @cached_property
    def _endpoint_cache(self) -> dict[tuple[str | None, tuple[str | None, ...]], str | None]:
        # a live proxy asks this for every flow, mostly for the same few paths
        return {}

    @cached_property
    def patterns(self) -> tuple[EndpointPattern, ...]:
        """Every endpoint the catalog names, most specific first (computed once)."""
        return _all_patterns(self)

    def opt_in_attributes(self, endpoint: str | None) -> tuple[str, ...]:
        if endpoint is None:
            return ()
        out: list[str] = []
        for group in self.opt_in:
            if any(p.text == endpoint for p in group.endpoints):
                out.extend(group.attributes)
        return tuple(out)

    def id_filter_for(self, endpoint: str | None) -> IdFilter | None:
        for id_filter in self.id_filters:
            if any(p.text == endpoint for p in id_filter.endpoints):
                return id_filter
        return None

    def is_list_endpoint(self, endpoint: str | None) -> bool:
        return any(p.text == endpoint for p in self.list_endpoints)

    def async_operation(self, endpoint: str | None, evidence: str = "") -> AsyncOperation | None:
        """The async operation an endpoint is, given the path and body text as evidence."""
        for operation in self.async_operations:
            if not any(p.text == endpoint for p in operation.endpoints):
                continue
            if operation.requires_marker and not any(
                marker in evidence.lower() for marker in operation.requires_marker
            ):
                continue
            return operation
        return None

    def change_for(self, rule: str, endpoint: str | None) -> Change | None:
        for change in self.changes:
            if endpoint is not None and endpoint in change.endpoints and rule in change.rules:
                return change
        for change in self.changes:
            if rule in change.rules and not change.endpoints:
                return change
        for change in self.changes:
            if rule in change.rules:
                return change
        return None


def _all_patterns(catalog: Catalog) -> tuple[EndpointPattern, ...]:
    seen: dict[str, EndpointPattern] = {}
    groups: list[Iterable[EndpointPattern]] = [catalog.list_endpoints]
    groups += [g.endpoints for g in catalog.opt_in]
    groups += [g.endpoints for g in catalog.id_filters]
    groups += [g.endpoints for g in catalog.async_operations]
    groups.append([catalog.job_poll])
    for group in groups:
        for pattern in group:
            seen.setdefault(pattern.text, pattern)
    # most specific first: longer patterns, then literal segments before placeholders
    return tuple(
        sorted(
            seen.values(),
            key=lambda p: (-len(p.segments), sum(s.startswith(":") for s in p.segments)),
        )
    )


def _patterns(texts: Iterable[str]) -> tuple[EndpointPattern, ...]:
    return tuple(EndpointPattern.parse(t) for t in texts)


@cache
def load_catalog() -> Catalog:
    text = resources.files("auditor.rules").joinpath("catalog.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return Catalog(
        media_type=raw["identity"]["media_type"].lower(),
        host_markers=tuple(raw["identity"]["host_markers"]),
        withdrawn_versions=tuple(raw["versions"]["withdrawn"]),
        current_version=raw["versions"]["current"],
        list_endpoints=_patterns(raw["pagination"]["list_endpoints"]),
        page_size=int(raw["pagination"]["page_size"]),
        page_params=tuple(raw["pagination"]["page_params"]),
        page_size_params=tuple(raw["pagination"]["page_size_params"]),
        unique_filters=tuple(raw["pagination"]["unique_filters"]),
        next_link_keys=tuple(raw["pagination"]["next_link_keys"]),
        opt_in=tuple(
            OptInAttributes(_patterns(g["endpoints"]), tuple(g["attributes"]))
            for g in raw["opt_in_attributes"]
        ),
        response_attributes_param=raw["response_attributes"]["param"],
        id_filters=tuple(
            IdFilter(_patterns(g["endpoints"]), tuple(g["params"]), int(g["max_ids"]))
            for g in raw["id_filters"]
        ),
        async_operations=tuple(
            AsyncOperation(
                g["change"], _patterns(g["endpoints"]), tuple(g.get("requires_marker", ()))
            )
            for g in raw["async_operations"]
        ),
        job_poll=EndpointPattern.parse(raw["jobs"]["poll"]),
        job_id_key=raw["jobs"]["id_key"],
        job_lifetime_days=int(raw["jobs"]["lifetime_days"]),
        changes=tuple(
            Change(c["id"], c["title"], tuple(c["endpoints"]), tuple(c["rules"]))
            for c in raw["changes"]
        ),
        switch_over=_date(raw["versions"].get("switch_over")),
    )


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) else None
