"""Turns what the evaluation recorded into the facts rules read: HttpCalls and JobPolls."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from auditor.catalog import Catalog
from auditor.code.model import (
    AttributeRead,
    HeaderSource,
    HttpCall,
    IdList,
    JobFacts,
    JobPoll,
    PageFacts,
)
from auditor.code.records import CallRecord
from auditor.code.values import (
    Client,
    Joined,
    Json,
    ListV,
    NodeRef,
    Num,
    Str,
    Unknown,
    Value,
    as_str,
)
from auditor.urls import HOLE, render, split_url


class Facts:
    """What each recorded call means for the rules, decided with the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def settle_dokeos(self, records: Sequence[CallRecord], clients: Sequence[Client]) -> None:
        """Decide which calls are Dokeos calls, with what the whole project shows."""
        # A client passed around by type only (`client: httpx.Client`) is a Dokeos client
        # when every configured client of that library in the project talks to Dokeos.
        # A host the project's Dokeos clients talk to is a Dokeos host for every call.
        hosts = {id(r): split_url(r.url.text).host for r in records}
        dokeos_hosts = {hosts[id(r)] for r in records if r.is_dokeos} - {None}
        for client in clients:
            accept = client.headers.get_ci("accept")
            if (
                accept is not None
                and self.catalog.names_dokeos_media_type(as_str(accept).text)
                and client.base_url is not None
            ):
                dokeos_hosts.add(split_url(as_str(client.base_url).text).host)
        dokeos_hosts.discard(None)
        for record in records:
            if not record.is_dokeos and hosts[id(record)] in dokeos_hosts:
                record.is_dokeos = True
        dokeos_stacks = {r.stack for r in records if r.is_dokeos and not r.typed_client}
        other_stacks = {
            r.stack for r in records if not r.is_dokeos and not r.typed_client and hosts[id(r)]
        }
        # a client of the same library configured for another host (GitHub, say) makes a
        # client passed by type alone ambiguous
        for client in clients:
            if client.base_url is None:
                continue
            host = split_url(as_str(client.base_url).text).host
            if host is not None and host not in dokeos_hosts:
                other_stacks.add(client.kind)
        for record in records:
            if record.typed_client and not record.is_dokeos:
                # a receiver of unknown kind (`self.client` of a web framework's test case)
                # must say Dokeos by its own URL or headers: it may be another server
                record.is_dokeos = record.stack != "unknown" and (
                    record.stack in dokeos_stacks - other_stacks
                )

    def build(self, records: Sequence[CallRecord]) -> tuple[list[HttpCall], list[JobPoll]]:
        calls: list[HttpCall] = []
        polls: list[JobPoll] = []
        for record in records:
            call = self.http_call(record)
            if call is not None:
                calls.append(call)
            poll = self.poll(record)
            if poll is not None:
                polls.append(poll)
        return calls, polls

    def http_call(self, record: CallRecord) -> HttpCall | None:
        if not record.is_dokeos and record.endpoint is None:
            return None
        catalog = self.catalog
        accept_headers = tuple(self._header_sources(record))
        attributes, unknown_attributes = self._response_attributes(record)
        reads = [AttributeRead(key, ref.location) for key, ref in record.reads]
        page_keys = {k.lower() for k in record.params.entries}
        page_size_sent: int | None = None
        for key in catalog.page_size_params:
            value = record.params.get_ci(key)
            if value is not None:
                page_size_sent = _as_int(value)
                if page_size_sent is None:
                    page_size_sent = 10**6  # sent, size unknown: trust the code's own size
        page_values = [
            value for key in catalog.page_params if (value := record.params.get_ci(key)) is not None
        ]
        # a page number fixed in the code and never moved by a loop reads one page only
        walks_pages = any(_as_int(v) is None for v in page_values) or record.in_loop
        has_page = (bool(page_values) and walks_pages) or record.params.open
        unique = bool(page_keys & {u.lower() for u in catalog.unique_filters})
        page = PageFacts(
            has_page_param=has_page,
            follows_next_link=record.next_link,
            used_as_complete=record.complete_use,
            unique_lookup=unique or (record.first_only and not record.complete_use),
            short_page_stop=record.short_page_stop,
            page_size_sent=page_size_sent,
        )
        followed = record.job_followed or record.job_kept or record.escaped
        how = (
            "discards the response"
            if record.discarded
            else "only checks the status"
            if record.status_checked and not record.body_used
            else "reads the response but never follows its job"
            if record.body_used
            else "moves on without reading the returned job"
        )
        job = JobFacts(treated_final=not followed, followed=followed, how=how)
        return HttpCall(
            locate=self._call_ref(record).location,
            locate_site=record.site.location,
            method=record.method,
            url=render(record.url.text),
            endpoint=record.endpoint,
            is_dokeos=record.is_dokeos,
            async_change=record.async_change,
            accept_headers=accept_headers,
            response_attributes=attributes,
            response_attributes_unknown=unknown_attributes,
            attribute_reads=reads,
            id_lists=tuple(self._id_lists(record)),
            page=page,
            job=job,
        )

    def poll(self, record: CallRecord) -> JobPoll | None:
        if record.job_source is None or not record.is_dokeos:
            return None
        durations = [d for values in record.duration_lists for d in values if d > 0]
        located = self._call_ref(record)
        # the poll that can run too late is the one fed with the stored id: in a wrapper's
        # caller, the call that passes it
        for ref in reversed(record.chain):
            if record.job_read_in is not None and ref.function == record.job_read_in:
                located = ref
                break
        return JobPoll(
            locate=located.location,
            endpoint=record.endpoint or self.catalog.job_poll.text,
            bound_days=min(durations) if durations else None,
            source=record.job_source,
        )

    def _call_ref(self, record: CallRecord) -> NodeRef:
        """The call that names the endpoint: the site, or a wrapper's caller passing the path."""
        segments = [
            s
            for s in (record.endpoint or "").split(" ", 1)[-1].split("/")
            if s and not s.startswith(":")
        ]
        function: int | bool | None = False
        origins = record.url.origins
        for i, origin in enumerate(origins):
            text = _literal_text(origin.node)
            if text is None or not any(s in text for s in segments):
                continue
            if origin.function is not None:
                function = origin.function
            else:
                for later in origins[i + 1 :]:
                    if isinstance(later.node, cst.Name | cst.Attribute) and later.function:
                        function = later.function
                        break
            break
        chosen = record.site
        if function is not False:
            for ref in reversed(record.chain):
                if ref.function == function:
                    chosen = ref
                    break
        return chosen

    def _header_sources(self, record: CallRecord) -> Iterator[HeaderSource]:
        accept = record.headers.get_ci("accept")
        if accept is None:
            return
        value = as_str(accept)
        # the header definition: the dict entry or assignment that sets Accept; the literal
        # (perhaps a constant in another module) only when no definition node is known
        node_ref = next(
            (ref for key, ref in record.headers.keys_nodes.items() if key.lower() == "accept"),
            None,
        )
        if node_ref is None:
            for origin in value.origins:
                text = _literal_text(origin.node)
                if text is not None and ("version" in text.lower() or "vnd." in text.lower()):
                    node_ref = origin
                    break
        if node_ref is None:
            node_ref = record.site
        yield HeaderSource("accept", value.text, node_ref.location)

    def _response_attributes(self, record: CallRecord) -> tuple[frozenset[str], bool]:
        param = self.catalog.response_attributes_param
        value = record.params.get_ci(param)
        if value is None:
            return frozenset(), record.params.open
        names: list[str] = []
        for item in _flatten(value):
            text = as_str(item)
            if not text.known:
                return frozenset(), True
            names.extend(n.strip() for n in text.text.split(",") if n.strip())
        return frozenset(names), False

    def _id_lists(self, record: CallRecord) -> Iterator[IdList]:
        id_filter = self.catalog.id_filter_for(record.endpoint)
        if id_filter is None:
            return
        for param in id_filter.params:
            for key in (param, f"{param}[]"):
                value = record.params.get_ci(key)
                if value is None:
                    continue
                ids = _id_list(param, value)
                if ids is not None:
                    yield ids


# -- helpers ------------------------------------------------------------------------------


def _flatten(value: Value) -> Iterator[Value]:
    if isinstance(value, ListV) and value.items is not None:
        for item in value.items:
            yield from _flatten(item)
    else:
        yield value


def _as_int(value: Value) -> int | None:
    if isinstance(value, Num):
        return value.as_int
    if isinstance(value, Str) and value.known and value.text.strip().isdigit():
        return int(value.text.strip())
    return None


def _id_list(param: str, value: Value) -> IdList | None:
    """What the code sends in an id filter: a count, a bound, or an unbounded source."""
    if isinstance(value, Str):
        if value.known:
            items = [v for v in value.text.split(",") if v.strip()]
            return IdList(param, len(items), None, "a literal")
        if value.text == HOLE and value.slots:
            return _id_list(param, value.slots[0])
        if value.text.count(HOLE) == 1 and value.slots and isinstance(value.slots[0], Joined):
            return _id_list(param, value.slots[0])
        literal_ids = [v for v in value.text.split(",") if v.strip()]
        if len(literal_ids) > 1:
            return IdList(param, len(literal_ids), None, "a literal")
        return None
    if isinstance(value, Joined):
        return _seq_ids(param, value.seq)
    if isinstance(value, ListV):
        return _seq_ids(param, value)
    if isinstance(value, Unknown):
        if value.name and (
            value.name.endswith("ids") or value.name.endswith("s") or "list" in value.name
        ):
            return IdList(param, None, None, _unknown_source(value))
        return None
    if isinstance(value, Json):
        return IdList(param, None, None, "an API response")
    return None


def _seq_ids(param: str, seq: Value) -> IdList | None:
    if isinstance(seq, ListV):
        if seq.items is not None and seq.size is not None:
            return IdList(param, seq.size, None, "a literal list")
        if seq.size is not None:
            return IdList(param, seq.size, None, seq.source)
        if seq.bound is not None:
            return IdList(param, None, seq.bound, seq.source)
        origin = seq.origin
        if isinstance(origin, ListV) and (origin.bound is not None or origin.size is not None):
            return _seq_ids(param, origin)
        if isinstance(origin, Str):
            return _id_list(param, origin)
        source = seq.source
        if isinstance(origin, Unknown):
            source = _unknown_source(origin)
        return IdList(param, None, None, source or "data of unknown size")
    if isinstance(seq, Unknown):
        return IdList(param, None, None, _unknown_source(seq))
    if isinstance(seq, Json):
        return IdList(param, None, None, "an API response")
    if isinstance(seq, Str) and seq.known:
        return IdList(param, len([v for v in seq.text.split(",") if v.strip()]), None, "a literal")
    return None


def _unknown_source(value: Unknown) -> str:
    if value.source == "a function argument" and value.name:
        return f"the argument `{value.name}` (a list of unknown size)"
    return f"{value.source or 'data'} (a list of unknown size)"


def _literal_text(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        return node.value
    if isinstance(node, cst.FormattedString):
        return "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    return None
