"""Abstract values: what the analyzer knows about a Python value without running the code.

Every value is bounded (text, items, entries, alternatives): code that doubles a string
24 times, or builds a list of a million literals, degrades to "unknown" instead of taking
the machine's memory (see ``Limits``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from auditor.code.modules import ClassInfo, ModuleInfo
from auditor.findings import Location
from auditor.urls import HOLE


class Limits:
    """How big an abstract value may grow before the analysis forgets its detail."""

    TEXT = 4_000
    """Characters of a string with holes."""
    SLOTS = 64
    """Unknown parts of one string."""
    ORIGINS = 24
    """Source nodes a string remembers (where its literal parts were written)."""
    ITEMS = 512
    """Items of a list or tuple spelled out."""
    ENTRIES = 512
    """Keys of a dict spelled out."""
    OPTIONS = 8
    """Alternatives of a value that may be one of several."""


OVERFLOWS: set[str] = set()
"""Values that outgrew their Limits since the evaluator last looked (it reports them as a
warning on the file it was analyzing, then clears them)."""


@dataclass(frozen=True)
class NodeRef:
    """A node in a module; turned into a Location only when a finding needs it."""

    module: ModuleInfo
    node: cst.CSTNode
    function: int | None = None
    """id() of the enclosing function definition (None at module level)."""
    unit: cst.CSTNode | None = None
    """At module level, the top-level statement holding the node."""

    def location(self) -> Location:
        return self.module.location(self.node, self.function, self.unit)

    def __repr__(self) -> str:
        return f"NodeRef({self.module.rel_path}, {type(self.node).__name__})"


class Value:
    """Base of all abstract values."""

    __slots__ = ()


# -- plain Python values ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Unknown(Value):
    """A value the analysis cannot know; the fields say what is known of where it came from."""

    source: str = ""
    """Where it came from, in words ("a database query", "the command line")."""
    name: str = ""
    """The variable, parameter, setting or key that held it, when that tells something."""
    stored: bool = False
    """Read back from storage: a database, a file, a queue, a cache."""
    param_of: int | None = None
    """id() of the function whose parameter this is."""
    made_in: int | None = None
    """id() of the function that read it from storage (where a late poll starts)."""
    bound: int | None = None
    """An upper bound on its size when it is a sequence (``Field(max_length=5)``)."""
    spans: tuple[list[float], ...] = ()
    """For stored data: the age limits (days) seen where it was read back (a query's
    look-back); the lists fill as the code runs."""
    item: bool = False
    """One item of a sequence (a row, a line, an id of a list read back): not a list of
    ids itself, unless its name says so."""
    taken_in: int | None = None
    """For stored data: id() of the function that took this field out of a record read
    back (``entry["job_id"]``); the call there passing it on is where a late poll starts."""


UNKNOWN = Unknown()

CLOCK = "the clock"
"""The source of the current time (``time.time()``): an instant, so ``now - 604800``
is a look-back of a week."""


@dataclass(frozen=True, eq=False)
class NoneV(Value):
    """Python's ``None``: known to be absent (``if page is not None:`` is then skipped)."""


NONE = NoneV()


@dataclass(frozen=True, eq=False)
class Str(Value):
    """A string whose text may have holes; each hole in ``text`` has a ``slots`` entry."""

    text: str
    slots: tuple[Value, ...] = ()
    origins: tuple[NodeRef, ...] = ()
    member_of: ClassInfo | None = None
    """For an enum member of a ``str`` enum, its class: the member has the class's methods
    (``Endpoint.GROUP.path(group_id=7)``)."""
    defined_at: NodeRef | None = None
    """For one of several values a mapping's key may hold (set in a branch): the entry or
    assignment that put this one there (where a header is defined)."""

    @property
    def known(self) -> bool:
        return HOLE not in self.text


def hole(value: Value, origins: tuple[NodeRef, ...] = ()) -> Str:
    """A string made from a value we cannot spell out, remembering the value."""
    return Str(HOLE, (value,), origins[: Limits.ORIGINS])


def concat(*parts: Str) -> Str:
    text = "".join(p.text for p in parts)
    slots = tuple(s for p in parts for s in p.slots)
    origins = tuple(o for p in parts for o in p.origins)
    if len(text) > Limits.TEXT or len(slots) > Limits.SLOTS:
        # too big to be a URL or a header anyone sends: keep only what it was made of
        OVERFLOWS.add(f"a string built past {Limits.TEXT:,} characters or {Limits.SLOTS} parts")
        return Str(HOLE, (UNKNOWN,), origins[: Limits.ORIGINS])
    return Str(text, slots, origins[: Limits.ORIGINS])


@dataclass(frozen=True, eq=False)
class Num(Value):
    n: float
    default: bool = False
    """A parameter's default: callers may pass another value (a page number, say)."""
    boolean: bool = False
    """``True`` or ``False`` as written: a flag, not a counter a loop moves."""

    @property
    def as_int(self) -> int | None:
        try:
            return int(self.n) if float(self.n).is_integer() else None
        except (OverflowError, ValueError):
            return None


@dataclass(frozen=True, eq=False)
class Duration(Value):
    """A span of time (``timedelta(days=7)``, ``7 * 86400`` seconds once known as time)."""

    days: float


@dataclass(eq=False)
class ListV(Value):
    """A sequence: its items when the code spells them out, else what is known of its size."""

    items: list[Value] | None = None
    size: int | None = None
    bound: int | None = None
    """An upper bound on the size (a chunk of at most 5)."""
    elem: Value = UNKNOWN
    source: str = ""
    origin: Value | None = None
    """The value this sequence was derived from (response data, a stored list)."""
    origin_value: Value | None = None
    """For a dict comprehension evaluated as a sequence: the value expression."""
    shared: bool = False
    """Kept on an object (``self.pending``): what goes in outlives the function."""
    extra: tuple[Value, ...] = ()
    """Known items added to a list of unknown size (``built + [("page", 1)]``)."""

    def element(self) -> Value:
        if self.items:
            return self.items[0] if len(self.items) == 1 else one_of(self.items)
        return self.elem

    def copy(self) -> ListV:
        return ListV(
            list(self.items) if self.items is not None else None,
            self.size,
            self.bound,
            self.elem,
            self.source,
            self.origin,
            self.origin_value,
            False,
            self.extra,
        )


GENERATOR = "a generator"
"""The source of what calling a project generator function gives."""


def generated(value: Value) -> Value | None:
    """What a project generator yields, where its first value is what counts (a
    ``@contextmanager`` in a ``with``, a ``Depends()`` provider)."""
    if isinstance(value, ListV) and value.source == GENERATOR and value.elem is not None:
        return value.elem
    return None


def literal_list(items: list[Value], source: str = "a literal list") -> ListV:
    if len(items) > Limits.ITEMS:
        return ListV(size=len(items), elem=items[0], source=source)
    return ListV(items=items, size=len(items), source=source)


@dataclass(frozen=True, eq=False)
class Joined(Value):
    """``sep.join(seq)``: a string that carries a list."""

    seq: Value


@dataclass(eq=False)
class DictV(Value):
    entries: dict[str, Value] = field(default_factory=dict)
    keys_nodes: dict[str, NodeRef] = field(default_factory=dict)
    open: bool = False
    """True when unknown keys may be present (``{**unknown}``)."""
    elem: Value | None = None
    """The value stored under keys the analysis cannot spell (``{u["id"]: u for u in …}``)."""
    shared: bool = False
    """Kept on an object (``self.jobs``): what goes in outlives the function."""
    key_elem: Value | None = None
    """The keys the analysis cannot spell (``ledger[res.job_id] = …``): a key is kept too."""
    node: NodeRef | None = None
    """The dict display or ``dict(...)`` call it was written as (a copy has none: adding
    a key there would change every dict copied from it)."""

    def copy(self) -> DictV:
        return DictV(
            dict(self.entries), dict(self.keys_nodes), self.open, self.elem, key_elem=self.key_elem
        )

    def get_ci(self, key: str) -> Value | None:
        lowered = key.lower()
        for k, v in self.entries.items():
            if k.lower() == lowered:
                return v
        return None

    def node_of(self, key: str) -> NodeRef | None:
        lowered = key.lower()
        for k, ref in self.keys_nodes.items():
            if k.lower() == lowered:
                return ref
        return None

    def set_ci(self, key: str, value: Value, node: NodeRef | None = None) -> None:
        lowered = key.lower()
        for k in list(self.entries):
            if k.lower() == lowered:
                del self.entries[k]
                self.keys_nodes.pop(k, None)
        if len(self.entries) >= Limits.ENTRIES:
            self.open = True
            return
        self.entries[key] = value
        if node is not None:
            self.keys_nodes[key] = node

    def merge(self, other: DictV) -> None:
        for key, value in other.entries.items():
            self.set_ci(key, value, other.keys_nodes.get(key))
        self.open = self.open or other.open
        if other.elem is not None:
            self.elem = other.elem if self.elem is None else one_of([self.elem, other.elem])


@dataclass(eq=False)
class ConfigMap(DictV):
    """Settings read from a configuration file (an INI parser, or one of its sections): the
    defaults the code gives are known, what the file adds is not (the map is open). Its
    getters take a fallback, and the parser's take a section first."""

    def copy(self) -> ConfigMap:
        return ConfigMap(dict(self.entries), dict(self.keys_nodes), self.open, self.elem)


@dataclass(frozen=True, eq=False)
class OneOf(Value):
    """One of several values (branches, the items of a list built by appends in a loop)."""

    options: tuple[Value, ...]


def one_of(values: list[Value] | tuple[Value, ...]) -> Value:
    """One value for several, flattened and bounded."""
    flat: list[Value] = []
    seen: set[int] = set()
    for value in values:
        for option in value.options if isinstance(value, OneOf) else (value,):
            if id(option) not in seen:
                seen.add(id(option))
                flat.append(option)
    if not flat:
        return UNKNOWN
    if len(flat) == 1:
        return flat[0]
    return OneOf(tuple(flat[: Limits.OPTIONS]))


def is_empty(value: Value) -> bool:
    """An empty string, list or mapping, as written (``[]``, ``""``, ``{}``)."""
    if isinstance(value, DictV):
        return not value.entries and not value.open and value.elem is None
    if isinstance(value, ListV):
        return value.items is not None and not value.items and not value.extra
    return isinstance(value, Str) and value.text == ""


def either_entry(choices: list[tuple[Value, NodeRef | None]]) -> Value:
    """The value a mapping's key holds when it may hold any of several, each string
    remembering where it was put (a header set in one branch, kept in the other)."""
    if len(choices) == 1:
        return choices[0][0]
    tagged = [
        replace(value, defined_at=node)
        if isinstance(value, Str) and node is not None and value.defined_at is None
        else value
        for value, node in choices
    ]
    return one_of(tagged)


def either_mapping(options: list[DictV]) -> DictV:
    """The keys any of several mappings holds, each with the values it may have."""
    merged = DictV(open=any(o.open for o in options))
    for key in dict.fromkeys(k for o in options for k in o.entries):
        holding = [o for o in options if key in o.entries]
        merged.entries[key] = either_entry(
            [(o.entries[key], o.keys_nodes.get(key)) for o in holding]
        )
        node = holding[0].keys_nodes.get(key)
        if node is not None:
            merged.keys_nodes[key] = node
    return merged


# -- code objects -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Func(Value):
    module: ModuleInfo
    node: cst.FunctionDef
    cls: ClassInfo | None = None
    bound_self: Value | None = None
    closure: dict[str, Value] | None = None
    kind: str = ""
    """"staticmethod", "classmethod", "property" or "" (from the decorators)."""

    @property
    def key(self) -> int:
        return id(self.node)

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(frozen=True, eq=False)
class LambdaV(Value):
    module: ModuleInfo
    node: cst.Lambda
    closure: dict[str, Value]


@dataclass(frozen=True, eq=False)
class Partial(Value):
    """``functools.partial(f, *args, **kwargs)``: a callable with arguments filled in."""

    func: Value
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    method: bool = False
    """``partialmethod``: looked up on an object, it binds the object first."""
    frozen: bool = False
    """A task signature that ignores the previous task's result (Celery's ``si``)."""
    curried: bool = False
    """``toolz.curry``: called with fewer arguments than the function needs, it waits for
    the rest."""
    made_at: cst.Call | None = None
    """The call that gave the arguments, when what runs later reads data there
    (``pluck("progressions")`` in a pipeline)."""


@dataclass(frozen=True, eq=False)
class Composed(Value):
    """``compose(f, g)``: a callable running the last function first, each on the result
    of the one before."""

    funcs: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class Identity(Value):
    """A callable that returns what it is given (a decorator factory's decorator)."""


IDENTITY = Identity()


@dataclass(frozen=True, eq=False)
class Injected(Value):
    """A parameter default a framework replaces by what ``provider`` returns
    (``Depends(get_client)``); no provider: the annotated class."""

    provider: Value | None


@dataclass(frozen=True, eq=False)
class AnnotatedType(Value):
    """``Annotated[X, ...]``, also through an alias (``Client = Annotated[...]``)."""

    base: Value
    metadata: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class Deferred(Value):
    """An object whose method calls run later (``record.with_delay(eta=...)``)."""

    target: Value
    delay_days: float


@dataclass(frozen=True, eq=False)
class ClassRef(Value):
    cls: ClassInfo


@dataclass(frozen=True, eq=False)
class ModuleRef(Value):
    module: ModuleInfo


@dataclass(frozen=True, eq=False)
class External(Value):
    """A name from outside the project, by dotted name: ``requests.get``, ``os.environ``."""

    name: str


@dataclass(frozen=True, eq=False)
class Bound(Value):
    """A method looked up on a value: ``headers.update``, ``",".join``, ``resp.json``."""

    target: Value
    name: str


@dataclass(eq=False)
class Instance(Value):
    """An object of a project class."""

    cls: ClassInfo
    attrs: dict[str, Value] = field(default_factory=dict)
    base: Value | None = None
    """The library object a project class extends (a session subclass), when modeled."""
    stored: bool = False
    """Records read back from a database (an ORM query's result): their fields are old."""
    spans: list[float] = field(default_factory=list)
    """For stored records: age limits checked on them (``record.is_expired()``)."""
    records_of: ClassInfo | None = None
    """For a manager or query of an ORM (``Job.objects``): the model its records are."""
    made_in: int | None = None
    """For stored records: id() of the function that read them back (where a late poll
    of their fields starts, even when a method of theirs reads the field)."""


@dataclass(frozen=True, eq=False)
class SuperRef(Value):
    instance: Value
    cls: ClassInfo


@dataclass(eq=False)
class Opaque(Value):
    """An object of an unmodeled library class built by the project: what it was given."""

    name: str
    attrs: dict[str, Value] = field(default_factory=dict)
    double: bool = False
    """A test double (``responses``, ``MagicMock``): it never sends a request."""
    args: tuple[Value, ...] = ()
    """Positional arguments it was made with (a base URL, often)."""
    fluent: bool = False
    """An expression whose attributes and methods give the same expression (a polars
    column expression ``pl.col("skills").list.len()`` still names its column)."""


# -- HTTP ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Client(Value):
    """An HTTP client, session, hook or connection of a modeled library."""

    kind: str
    """The model's name (``requests``, ``httpx``, ``airflow-http``...)."""
    base_url: Value | None = None
    headers: DictV = field(default_factory=DictV)
    params: DictV = field(default_factory=DictV)
    method: str | None = None
    """The HTTP method fixed when the object was made (Airflow's ``HttpHook(method=)``)."""
    typed: bool = False
    """Known only from a type annotation: its configuration is somewhere else."""
    names: tuple[str, ...] = ()
    """Names that tell what it talks to (a connection id, a setting name)."""
    hooks: tuple[Value, ...] = ()
    """Functions called with every request before it is sent (httpx event hooks)."""
    last: HttpRequest | None = None
    """The request sent last (``http.client`` answers it with ``getresponse()``)."""
    declared: bool = False
    """Declared in the configuration as the project's Dokeos client: its requests are
    Dokeos requests unless their URL names another host."""
    request_classes: tuple[str, ...] = ()
    """The library classes of the request objects it sends (Scrapy's engine sends the
    request the code made): what a hook's ``isinstance`` test of the request sees."""
    kept: dict[str, Value] = field(default_factory=dict)
    """What it was made with that its model's methods read later (``ClientClass.keeps``)."""


@dataclass(eq=False)
class PreparedRequest(Value):
    """A request built first and sent later (``requests.Request``, ``urllib.request.Request``)."""

    url: Value
    headers: DictV
    params: DictV
    method: str | None
    body: Value | None
    node: NodeRef
    classes: tuple[str, ...] = ()
    """The library classes it is an object of, when known (``isinstance`` answers)."""


@dataclass(eq=False)
class HttpRequest:
    """One HTTP call in one calling context: what the code sends, as far as it is known."""

    site: NodeRef
    chain: tuple[NodeRef, ...]
    """Calls from the entry function down to the site (the site last)."""
    entry: int | None
    """id() of the function whose evaluation started this context (None: module level)."""
    method: str | None
    url: Str
    headers: DictV
    params: DictV
    body: Value | None
    stack: str
    in_loop: bool = False
    """Made inside a loop (of its function or of a caller)."""
    typed_client: bool = False
    """Made through a client known only by its annotation, with no host or Accept of its own."""
    names: tuple[str, ...] = ()
    """Names of what it went through (variables, settings, connection ids)."""
    is_dokeos: bool = False
    endpoint: str | None = None
    async_change: str | None = None
    delay_days: float = 0.0
    """How long after its caller's code the call runs (a task scheduled for later)."""
    delayed_func: int | None = None
    params_given: Value | None = None
    """The params the call itself was given (before the client's and the URL's were
    merged in): where a fix adds a query parameter."""
    params_keyword: str | None = None
    """The keyword the HTTP call takes its query parameters with (``params``), when the
    library's model says: where a fix can give a call query parameters it had none of."""
    owner: int | None = None
    """id() of the class of the object whose method makes the call (a session subclass):
    one line of a shared base class serves each subclass's server."""


@dataclass(frozen=True, eq=False)
class Response(Value):
    request: HttpRequest
    protocol: str
    """The response model's name: which attributes mean status, body, decoded data."""


@dataclass(frozen=True, eq=False)
class Data(Value):
    """Data decoded from a response (``resp.json()``), at a path (``("data", "[]")``)."""

    request: HttpRequest
    path: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Tested(Value):
    """The outcome of a test of response data kept for later (``has_next = meta["next"] is
    not None``): a branch that tests it is decided by that data."""

    data: tuple[Data, ...]


@dataclass(frozen=True, eq=False)
class LenOf(Value):
    """``len(x)`` of response data: loops compare it to decide when to stop."""

    request: HttpRequest


@dataclass(frozen=True, eq=False)
class FieldOf(Value):
    """A model field filled from response data (``User(**item)``): read when accessed."""

    data: Data
    key: str


# -- helpers ------------------------------------------------------------------------------


def as_str(value: Value) -> Str:
    """The value as it reads inside a string: its text when known, else a hole for it."""
    if isinstance(value, Str):
        return value
    if isinstance(value, Num):
        n = value.as_int
        return Str(str(n) if n is not None else str(value.n))
    if isinstance(value, OneOf):
        texts = [v for v in value.options if isinstance(v, Str | Num)]
        if texts:
            return as_str(texts[0])
    return hole(value)


WALK_LIMIT = 4096
"""Values one walk visits at most: what a value holds may share parts many times over
(a DAG), and walking it as a tree could take exponential time."""


def walk_values(value: Value, depth: int = 0, *, into_text: bool = True) -> Iterator[Value]:
    """The value and the values it holds (string holes, list items, dict entries), each
    once, in depth-first order, at most ``WALK_LIMIT`` of them."""
    pending: list[tuple[Value, int]] = [(value, depth)]
    seen: set[int] = set()
    while pending and len(seen) < WALK_LIMIT:
        current, level = pending.pop()
        if level > 6 or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        children = _held(current, level, into_text)
        pending.extend((child, level + 1) for child in reversed(children))


def _held(value: Value, depth: int, into_text: bool) -> list[Any]:
    if isinstance(value, Str):
        # str(job_id) or a JSON line is the value itself; a message built around it is a text
        bare = not value.text.replace(HOLE, "").strip()
        return list(value.slots) if into_text or bare else []
    if isinstance(value, ListV):
        children = [*list(value.items or ())[:64], value.elem, *value.extra]
        if value.origin is not None:
            children.append(value.origin)
        return children
    if isinstance(value, DictV):
        children = list(value.entries.values())[:64]
        children.extend(v for v in (value.elem, value.key_elem) if v is not None)
        return children
    if isinstance(value, Joined):
        return [value.seq]
    if isinstance(value, OneOf):
        return list(value.options)
    if isinstance(value, Instance | Opaque) and depth < 3:
        return list(value.attrs.values())[:64]
    if isinstance(value, Partial):
        return [*value.args, *(v for _, v in value.kwargs)]
    return []


def describe_source(value: Value) -> str:
    """Where a sequence came from, in words, for messages."""
    if isinstance(value, ListV | Unknown):
        return value.source
    if isinstance(value, Data):
        return "an API response"
    return ""


_DATA_SOURCES = frozenset({"the command line", "user input", "the request"})


def telling(value: Unknown) -> bool:
    """An unknown that says where it came from (stored data, the command line): a branch
    holding it says more than one holding an empty literal."""
    return value.stored or value.source in _DATA_SOURCES


def join_returns(values: list[Value]) -> Value:
    """One value for what a function may return, or for the branches of a conditional: the
    known results, as one value."""
    # an unknown that says where it came from (a file, a query, the command line) is kept:
    # `return []` on one path does not make what another path read back empty
    known = [v for v in values if not isinstance(v, Unknown) or telling(v)]
    if not known:
        return values[0] if values else UNKNOWN
    # an empty literal ([] on an error path) says less than the real result
    meaningful = [v for v in known if not (isinstance(v, ListV) and v.items == [])]
    return one_of(meaningful or known)
