"""Turns the requests the evaluation saw, and what observers noted, into the facts rules
read: HttpCalls and JobPolls."""

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
from auditor.code.observers.attributes import AttributeReads
from auditor.code.observers.jobs import JobFollowing
from auditor.code.observers.paging import PageWalking
from auditor.code.values import (
    Client,
    HttpRequest,
    Joined,
    ListV,
    NodeRef,
    Num,
    OneOf,
    Str,
    Unknown,
    Value,
    as_str,
    walk_values,
)
from auditor.urls import HOLE, render, split_url

# sources whose lists have no bound the code controls
_UNBOUNDED_SOURCES = (
    "the request",
    "the command line",
    "a file",
    "a database query",
    "a queue or cache",
    "user input",
    "the environment",
    "an API response",
    "a stored block",
    "a model field",
    "the configuration",
)


class Facts:
    """What each recorded request means for the rules, decided with the catalog."""

    def __init__(
        self,
        catalog: Catalog,
        reads: AttributeReads,
        pages: PageWalking,
        jobs: JobFollowing,
        project_classes: frozenset[str] = frozenset(),
    ) -> None:
        self.catalog = catalog
        self.reads = reads
        self.pages = pages
        self.jobs = jobs
        self.project_classes = project_classes
        """Names of the project's classes: a subclass of one declares data for its base."""
        self.served: dict[int, set[str]] = {}

    def names_dokeos(self, names: Sequence[str]) -> bool:
        return any(m in n.lower() for n in names for m in self.catalog.host_markers)

    def settle_dokeos(self, requests: Sequence[HttpRequest], clients: Sequence[Client]) -> None:
        """Decide which calls are Dokeos calls, with what the whole project shows."""
        # A host the project's Dokeos clients talk to is a Dokeos host for every call; a
        # client passed around by type only is a Dokeos client when every configured
        # client of that library talks to Dokeos.
        hosts = {id(r): split_url(r.url.text).host for r in requests}
        for request in requests:
            if (
                not request.is_dokeos
                and hosts[id(request)] is None
                and self.names_dokeos(request.names)
            ):
                # the base URL is configured elsewhere, but named for Dokeos
                request.is_dokeos = True
        dokeos_hosts = {hosts[id(r)] for r in requests if r.is_dokeos} - {None}
        for client in clients:
            accept = client.headers.get_ci("accept")
            if (
                accept is not None
                and self.catalog.names_dokeos_media_type(as_str(accept).text)
                and client.base_url is not None
            ):
                dokeos_hosts.add(split_url(as_str(client.base_url).text).host)
        dokeos_hosts.discard(None)
        for request in requests:
            if not request.is_dokeos and hosts[id(request)] in dokeos_hosts:
                request.is_dokeos = True
        # one call site talks to one server: where the base URL is unknown in one context
        # (a function run on its own, a client passed by type) but every context that
        # knows it sends to Dokeos, the call is a Dokeos call there too
        site_servers: dict[tuple[int, int | None], set[bool]] = {}
        for request in requests:
            if hosts[id(request)] is not None or request.is_dokeos:
                site_servers.setdefault(_site_key(request), set()).add(request.is_dokeos)
        for request in requests:
            if (
                not request.is_dokeos
                and hosts[id(request)] is None
                and site_servers.get(_site_key(request)) == {True}
            ):
                request.is_dokeos = True
        dokeos_stacks = {r.stack for r in requests if r.is_dokeos and not r.typed_client}
        other_stacks = {
            r.stack for r in requests if not r.is_dokeos and not r.typed_client and hosts[id(r)]
        }
        # a client of the same library configured for another host (GitHub, say) makes a
        # client passed by type alone ambiguous
        for client in clients:
            if client.base_url is None:
                continue
            host = split_url(as_str(client.base_url).text).host
            if host is not None and host not in dokeos_hosts:
                other_stacks.add(client.kind)
        for request in requests:
            if request.typed_client and not request.is_dokeos:
                # a receiver of unknown kind (`self.client` of a web framework's test case)
                # must say Dokeos by its own URL or headers: it may be another server
                request.is_dokeos = request.stack not in ("unknown", "generic") and (
                    request.stack in dokeos_stacks - other_stacks
                )

    def build(self, requests: Sequence[HttpRequest]) -> tuple[list[HttpCall], list[JobPoll]]:
        calls: list[HttpCall] = []
        polls: list[JobPoll] = []
        # the endpoints each call expression leads to: a dispatcher's line leads to many
        served: dict[int, set[str]] = {}
        for request in requests:
            if request.is_dokeos and request.endpoint is not None:
                for ref in request.chain:
                    served.setdefault(id(ref.node), set()).add(request.endpoint)
        self.served = served
        for request in requests:
            call = self.http_call(request)
            if call is not None:
                calls.append(call)
            poll = self.poll(request)
            if poll is not None:
                polls.append(poll)
        return calls, polls

    def http_call(self, request: HttpRequest) -> HttpCall | None:
        if not request.is_dokeos and request.endpoint is None:
            return None
        catalog = self.catalog
        attributes, unknown_attributes = self._response_attributes(request)
        reads = [AttributeRead(key, ref.location) for key, ref in self.reads.of(request)]
        page_keys = {k.lower() for k in request.params.entries}
        page_size_sent: int | None = None
        for key in catalog.page_size_params:
            value = request.params.get_ci(key)
            if value is not None:
                page_size_sent = _as_int(value)
                if page_size_sent is None:
                    page_size_sent = 10**6  # sent, size unknown: trust the code's own size
        page_values = [
            value
            for key in catalog.page_params
            if (value := request.params.get_ci(key)) is not None
        ]
        # a page number fixed in the code and never moved by a loop reads one page only
        # (a call in a loop moves it, unless the call itself spells the number out: a
        # loop over chunks of ids asking each for `"page": 1`)
        in_loop = request.in_loop and not _spells_page(request.site.node, catalog.page_params)
        walks_pages = any(_moves(v) for v in page_values) or in_loop
        has_page = (bool(page_values) and walks_pages) or request.params.open
        unique = bool(page_keys & {u.lower() for u in catalog.unique_filters})
        use = self.pages.use(request)
        page = PageFacts(
            has_page_param=has_page,
            follows_next_link=use.next_link,
            used_as_complete=use.complete,
            unique_lookup=unique or (use.first_only and not use.complete),
            short_page_stop=use.short_page_stop,
            page_size_sent=page_size_sent,
        )
        job_use = self.jobs.use(request)
        followed = job_use.followed or job_use.kept or job_use.escaped
        how = (
            "discards the response"
            if job_use.discarded
            else "only checks the status"
            if job_use.status_checked and not job_use.body_used
            else "reads the response but never follows its job"
            if job_use.body_used
            else "moves on without reading the returned job"
        )
        job = JobFacts(treated_final=not followed, followed=followed, how=how)
        id_lists = tuple(self._id_lists(request))
        if request.chain and all(ref.module.generated for ref in request.chain):
            # a generated operation no project code calls in this context: how its result
            # is used, and what it is given, is the callers' business, not the generator's
            page = PageFacts(has_page_param=has_page, unique_lookup=unique)
            job = JobFacts(treated_final=False, followed=False, how="not called by the project")
            id_lists = ()
        return HttpCall(
            locate=self.call_ref(request).location,
            locate_site=request.site.location,
            method=request.method,
            url=render(request.url.text),
            endpoint=request.endpoint,
            is_dokeos=request.is_dokeos,
            async_change=request.async_change,
            accept_headers=tuple(self._header_sources(request)),
            response_attributes=attributes,
            response_attributes_unknown=unknown_attributes,
            attribute_reads=reads,
            id_lists=id_lists,
            page=page,
            job=job,
            request=request,
        )

    def poll(self, request: HttpRequest) -> JobPoll | None:
        found = self.jobs.polls.get(request)
        if found is None or not request.is_dokeos:
            return None
        durations = [d for values in found.spans for d in values if d > 0]
        located = self.call_ref(request)
        # the poll that can run too late is the one fed with the stored id: in a wrapper's
        # caller, the call that passes it
        for ref in reversed(request.chain):
            # read_in is None when the ids were read by a script's top-level code
            if ref.function == found.read_in:
                located = ref
                break
        return JobPoll(
            locate=located.location,
            endpoint=request.endpoint or self.catalog.job_poll.text,
            bound_days=min(durations) if durations else None,
            source=found.source,
        )

    def call_ref(self, request: HttpRequest) -> NodeRef:
        """The call that names the endpoint: the site, or a wrapper's caller passing the path;
        never inside generated code, which nobody fixes by hand."""
        segments = [
            s
            for s in (request.endpoint or "").split(" ", 1)[-1].split("/")
            if s and not s.startswith(":")
        ]
        function: int | bool | None = False
        declared: NodeRef | None = None
        named = False
        origins = request.url.origins
        for i, origin in enumerate(origins):
            text = _literal_text(origin.node)
            if text is None or not any(s in text for s in segments):
                continue
            if origin.function is None and declared is None:
                declared = origin  # a class's declaration (`path = "/users"`), say
            if named:
                continue
            named = True
            if origin.function is not None:
                function = origin.function
            else:
                for later in origins[i + 1 :]:
                    if isinstance(later.node, cst.Name | cst.Attribute) and later.function:
                        function = later.function
                        break
        chain = request.chain
        chosen_index = len(chain) - 1
        if function is not False:
            for index in range(len(chain) - 1, -1, -1):
                if chain[index].function == function:
                    chosen_index = index
                    break
        else:
            # no literal of the path in a function: a transport that takes the path as a
            # parameter (`request(self, method, path)`) is not where the endpoint is named
            while chosen_index > 0 and _takes_a_path(chain[chosen_index]):
                chosen_index -= 1
        if (
            chain
            and declared is not None
            and _declared_elsewhere(declared, chain[chosen_index], self.project_classes)
        ):
            # a base class builds every request from what a subclass declares
            # (`resource = Users`): the request is named where the code picks that object
            # and calls it, outside the object's own methods
            while chosen_index > 0 and _calls_self(chain[chosen_index - 1].node):
                chosen_index -= 1
            if chosen_index > 0:
                chosen_index -= 1
        if chain and len(self.served.get(id(chain[chosen_index].node), ())) > 1:
            # a line every endpoint goes through (`self.raw(method, path)` of a dispatch
            # table): the endpoint is named by the nearest caller that leads to it alone
            for index in range(chosen_index - 1, -1, -1):
                if len(self.served.get(id(chain[index].node), ())) == 1:
                    chosen_index = index
                    break
        while chosen_index > 0 and chain[chosen_index].module.generated:
            chosen_index -= 1
        return chain[chosen_index] if chain else request.site

    def _header_sources(self, request: HttpRequest) -> Iterator[HeaderSource]:
        accept = request.headers.get_ci("accept")
        if accept is None:
            return
        options = accept.options if isinstance(accept, OneOf) else (accept,)
        for option in options:
            value = as_str(option)
            # the header definition: the dict entry or assignment that sets Accept; the
            # literal (perhaps a constant in another module) only when no definition is known
            node_ref = (
                value.defined_at
                if isinstance(option, Str) and value.defined_at is not None
                else request.headers.node_of("accept")
            )
            if node_ref is None:
                for origin in value.origins:
                    text = _literal_text(origin.node)
                    if text is not None and ("version" in text.lower() or "vnd." in text.lower()):
                        node_ref = origin
                        break
            if node_ref is None:
                node_ref = request.site
            yield HeaderSource("accept", value.text, node_ref.location, value.origins)

    def _response_attributes(self, request: HttpRequest) -> tuple[frozenset[str], bool]:
        param = self.catalog.response_attributes_param
        value = request.params.get_ci(param)
        if value is None:
            return frozenset(), request.params.open
        names: list[str] = []
        for item in _flatten(value):
            text = as_str(item)
            if not text.known:
                return frozenset(), True
            names.extend(n.strip() for n in text.text.split(",") if n.strip())
        return frozenset(names), False

    def _id_lists(self, request: HttpRequest) -> Iterator[IdList]:
        id_filter = self.catalog.id_filter_for(request.endpoint)
        if id_filter is None:
            return
        for param in id_filter.params:
            for key in (param, f"{param}[]"):
                value = request.params.get_ci(key)
                if value is None:
                    continue
                ids = _id_list(param, value)
                if ids is not None:
                    yield ids


# -- helpers ------------------------------------------------------------------------------


_PATH_PARAMS = frozenset(
    {"url", "path", "endpoint", "uri", "resource", "resource_path", "route", "relative_url"}
)


def _site_key(request: HttpRequest) -> tuple[int, int | None]:
    """The request's site and the class whose method makes it: a shared base class's line
    serves each subclass's server."""
    return id(request.site.node), request.owner


def _declared_elsewhere(literal: NodeRef, reader: NodeRef, project_classes: frozenset[str]) -> bool:
    """A path declared in the body of a class that extends a project class (a resource
    declaring what its base builds requests from) and read by a method of another class;
    a namespace of constants or an enum names no such dispatch."""
    declaring = literal.unit
    if not isinstance(declaring, cst.ClassDef) or reader.function is None:
        return False
    qualname = reader.module.qualnames.get(reader.function, "")
    owner = qualname.rsplit(".", 1)[0] if "." in qualname else ""
    if not owner or (reader.module is literal.module and owner == declaring.name.value):
        return False
    bases = {_last_name(arg.value) for arg in declaring.bases}
    return bool(bases & project_classes)


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def _calls_self(node: cst.CSTNode) -> bool:
    """A call of a method on the object itself (`self._page(...)`, `super().list(...)`)."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    receiver = node.func.value
    if isinstance(receiver, cst.Name):
        return receiver.value in ("self", "cls")
    return (
        isinstance(receiver, cst.Call)
        and isinstance(receiver.func, cst.Name)
        and receiver.func.value == "super"
    )


def _takes_a_path(ref: NodeRef) -> bool:
    if ref.function is None:
        return False
    definition = ref.module.definitions.get(ref.function)
    if definition is None:
        return False
    params = definition.params
    names = {
        p.name.value.lower().lstrip("_")
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    }
    return bool(names & _PATH_PARAMS)


def _spells_page(node: cst.CSTNode, page_params: tuple[str, ...]) -> bool:
    """The call gives a page number as a literal (``params={"page": 1}``, ``page=1``)."""
    if not isinstance(node, cst.Call):
        return False
    names = {p.lower() for p in page_params}
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value.lower() in names:
            return isinstance(arg.value, cst.Integer)
        if isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if (
                    isinstance(element, cst.DictElement)
                    and isinstance(element.key, cst.SimpleString)
                    and element.key.value.strip("'\"").lower() in names
                ):
                    return isinstance(element.value, cst.Integer)
    return False


def _moves(value: Value) -> bool:
    """A page number that is not one fixed number in the code."""
    if isinstance(value, Num):
        return value.default
    return _as_int(value) is None


def _flatten(value: Value) -> Iterator[Value]:
    if isinstance(value, ListV) and value.items is not None:
        for item in value.items:
            yield from _flatten(item)
    elif isinstance(value, OneOf):
        for option in value.options:
            yield from _flatten(option)
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
    if isinstance(value, OneOf):
        found = [ids for option in value.options if (ids := _id_list(param, option)) is not None]
        if not found:
            return None
        # the worst case the code can send
        unbounded = [i for i in found if i.size is None and i.bound is None]
        if unbounded:
            return unbounded[0]
        return max(found, key=lambda i: i.size if i.size is not None else i.bound or 0)
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
        if value.bound is not None:
            return IdList(param, None, value.bound, value.source or "a model field")
        if _plural(value.name) or (value.source in _UNBOUNDED_SOURCES and not value.item):
            return IdList(param, None, None, _unknown_source(value))
        return None
    from auditor.code.values import Data

    if isinstance(value, Data):
        last = value.path[-1].lower() if value.path else ""
        if last == "id" or last.endswith("_id"):
            return None  # one record's id (``user["id"]``) is a single value
        return IdList(param, None, None, "an API response")
    return None


def _plural(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith("ids") or lowered.endswith("s") or "list" in lowered


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
        if isinstance(origin, Unknown) and origin.bound is not None:
            return IdList(param, None, origin.bound, origin.source or "a model field")
        if isinstance(origin, Str):
            return _id_list(param, origin)
        source = seq.source
        if isinstance(origin, Unknown):
            source = _unknown_source(origin)
        return IdList(param, None, None, source or "data of unknown size")
    if isinstance(seq, Unknown):
        if seq.bound is not None:
            return IdList(param, None, seq.bound, seq.source or "a model field")
        return IdList(param, None, None, _unknown_source(seq))
    if isinstance(seq, Str) and seq.known:
        return IdList(param, len([v for v in seq.text.split(",") if v.strip()]), None, "a literal")
    for inner in walk_values(seq):
        if isinstance(inner, ListV) and inner is not seq:
            return _seq_ids(param, inner)
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
