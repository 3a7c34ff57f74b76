"""Abstract values: what the analyzer knows about a Python value without running the code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst

from auditor.findings import Location
from auditor.urls import HOLE

if TYPE_CHECKING:
    from auditor.code.modules import ClassInfo, ModuleInfo
    from auditor.code.records import CallRecord


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


@dataclass(frozen=True, eq=False)
class Unknown(Value):
    """A value the analysis cannot know; ``source`` says where it came from, in words."""

    source: str = ""
    name: str = ""
    """The variable or parameter name that held it, when that tells something (``user_ids``)."""
    stored: bool = False
    """Read back from storage: a database, a file, a queue, a cache."""
    param_of: int | None = None
    """id() of the function whose parameter this is."""
    made_in: int | None = None
    """id() of the function that read it from storage (where a late poll starts)."""


UNKNOWN = Unknown()


@dataclass(frozen=True, eq=False)
class Str(Value):
    """A string whose text may have holes; each hole in ``text`` has a ``slots`` entry."""

    text: str
    slots: tuple[Value, ...] = ()
    origins: tuple[NodeRef, ...] = ()

    @property
    def known(self) -> bool:
        return HOLE not in self.text

    def values(self) -> Iterator[Value]:
        yield from self.slots


def hole(value: Value, origins: tuple[NodeRef, ...] = ()) -> Str:
    """A string made from a value we cannot spell out, remembering the value."""
    return Str(HOLE, (value,), origins)


def concat(*parts: Str) -> Str:
    return Str(
        "".join(p.text for p in parts),
        tuple(s for p in parts for s in p.slots),
        tuple(o for p in parts for o in p.origins),
    )


@dataclass(frozen=True, eq=False)
class Num(Value):
    n: float

    @property
    def as_int(self) -> int | None:
        return int(self.n) if float(self.n).is_integer() else None


@dataclass(frozen=True, eq=False)
class Duration(Value):
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
    """The value this sequence was derived from (for taints and response tracking)."""
    origin_value: Value | None = None
    """For a dict comprehension evaluated as a sequence: the value expression."""
    shared: bool = False
    """Kept on an object (``self.pending``): what goes in outlives the function."""
    extra: tuple[Value, ...] = ()
    """Known items added to a list of unknown size (``built + [("page", 1)]``)."""

    def element(self) -> Value:
        if self.items:
            return self.items[0]
        return self.elem


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

    def copy(self) -> DictV:
        return DictV(dict(self.entries), dict(self.keys_nodes), self.open, self.elem)

    def get_ci(self, key: str) -> Value | None:
        lowered = key.lower()
        for k, v in self.entries.items():
            if k.lower() == lowered:
                return v
        return None

    def set_ci(self, key: str, value: Value, node: NodeRef | None = None) -> None:
        lowered = key.lower()
        for k in list(self.entries):
            if k.lower() == lowered:
                del self.entries[k]
                self.keys_nodes.pop(k, None)
        self.entries[key] = value
        if node is not None:
            self.keys_nodes[key] = node


@dataclass(eq=False)
class Client(Value):
    """An HTTP client or session: requests.Session, httpx.Client, aiohttp.ClientSession."""

    kind: str
    base_url: Value | None = None
    headers: DictV = field(default_factory=DictV)
    params: DictV = field(default_factory=DictV)
    typed: bool = False
    """Known only from a type annotation: its configuration is somewhere else."""


@dataclass(eq=False)
class RequestObj(Value):
    """urllib.request.Request(url, data, headers, method=...)."""

    url: Value
    headers: DictV
    method: str | None
    body: Value | None
    node: NodeRef


@dataclass(eq=False)
class Instance(Value):
    cls: ClassInfo
    attrs: dict[str, Value] = field(default_factory=dict)
    client: Client | None = None
    """Set when the class derives from an HTTP session class."""


@dataclass(frozen=True, eq=False)
class Response(Value):
    call: CallRecord


@dataclass(frozen=True, eq=False)
class Json(Value):
    """Data decoded from a response (``resp.json()``), at a path (``("data", "[]")``)."""

    call: CallRecord
    path: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class LenOf(Value):
    """``len(x)`` of response data: loops compare it to decide when to stop."""

    call: CallRecord


@dataclass(frozen=True, eq=False)
class Func(Value):
    module: ModuleInfo
    node: cst.FunctionDef
    cls: ClassInfo | None = None
    bound_self: Value | None = None
    closure: dict[str, Value] | None = None

    @property
    def key(self) -> int:
        return id(self.node)


@dataclass(frozen=True, eq=False)
class ClassRef(Value):
    cls: ClassInfo


@dataclass(frozen=True, eq=False)
class ModuleRef(Value):
    module: ModuleInfo


@dataclass(frozen=True, eq=False)
class Lib(Value):
    """Something from a library, by dotted name: ``requests.get``, ``itertools.batched``."""

    name: str


@dataclass(frozen=True, eq=False)
class Bound(Value):
    """A method looked up on a value: ``headers.update``, ``",".join``, ``resp.json``."""

    target: Value
    name: str


@dataclass(frozen=True, eq=False)
class FieldOf(Value):
    """A model field filled from response data (``User(**item)``): read when accessed."""

    data: Json
    key: str


@dataclass(frozen=True, eq=False)
class OneOf(Value):
    """One of several values (the items of a list built by appends, in a loop)."""

    options: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class SuperRef(Value):
    instance: Value
    cls: ClassInfo


def as_str(value: Value) -> Str:
    """The value as it reads inside a string: its text when known, else a hole for it."""
    if isinstance(value, Str):
        return value
    if isinstance(value, Num):
        n = value.as_int
        return Str(str(n) if n is not None else str(value.n))
    return hole(value)


def walk_values(value: Value, depth: int = 0) -> Iterator[Value]:
    """The value and the values it holds (string holes, list items, dict entries)."""
    if depth > 6:
        return
    yield value
    children: list[Any] = []
    if isinstance(value, Str):
        children = list(value.slots)
    elif isinstance(value, ListV):
        children = [*list(value.items or ()), value.elem]
        if value.origin is not None:
            children.append(value.origin)
    elif isinstance(value, DictV):
        children = list(value.entries.values())
        if value.elem is not None:
            children.append(value.elem)
    elif isinstance(value, Joined):
        children = [value.seq]
    elif isinstance(value, OneOf):
        children = list(value.options)
    elif isinstance(value, Instance) and depth < 3:
        children = list(value.attrs.values())
    for child in children:
        yield from walk_values(child, depth + 1)
