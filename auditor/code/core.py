"""The evaluator's state and its entry points: modules, classes, budgets, calling contexts.

The evaluator is split the way a type checker splits binder and evaluator: this module
holds what every part shares; ``statements``, ``expressions``, ``calls``, ``objects``,
``pybuiltins``, ``libcalls`` and ``http`` are the parts (mixins of ``Evaluator``). None of
them names a library: what libraries do comes from ``auditor.code.models``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from auditor.catalog import Catalog
from auditor.code.events import EventBus
from auditor.code.frames import Frame
from auditor.code.models import ModelIndex
from auditor.code.models.spec import ClientClass, Prepare, ProjectSend, Send
from auditor.code.modules import ClassInfo, ModuleInfo
from auditor.code.project import Project
from auditor.code.values import (
    OVERFLOWS,
    Client,
    Data,
    DictV,
    Func,
    HttpRequest,
    Instance,
    ListV,
    OneOf,
    PreparedRequest,
    Str,
    Value,
)
from auditor.errors import UnreadableSource

MAX_DEPTH = 10
"""Nested calls followed from one entry point (generated clients are deep)."""
MAX_STEPS = 200_000
MAX_LATER = 64
"""Steps run after an entry point returns (callbacks of the requests it made), at most."""
"""Statements and expressions evaluated per entry point before giving up on it."""
MAX_FUNCTION_STEPS = 40_000
"""Work spent in one call of one function (a safety net against huge functions)."""


class Budget(Exception):
    """Raised when one entry point takes too much work; its partial results are kept."""


@dataclass
class ModuleState:
    env: dict[str, Value] = field(default_factory=dict)
    status: str = "new"
    """new → evaluating → done; imports of a module being evaluated see what is bound so far."""


@dataclass
class ClassState:
    attrs: dict[str, Value] | None = None
    """Class-level attributes, once evaluated."""
    bases: list[Value] | None = None
    default_instance: Instance | None = None
    declares_fields: bool | None = None
    """Whether the class body declares a field with a model library's field maker."""
    setters: dict[str, list[str]] | None = None
    """Attribute name → the methods other than ``__init__`` that assign ``self.<name>``."""


class EvaluatorCore:
    """State shared by the parts of the evaluator, and the methods they call on each other."""

    def __init__(
        self, project: Project, catalog: Catalog, models: ModelIndex, events: EventBus
    ) -> None:
        self.project = project
        self.catalog = catalog
        self.models = models
        self.events = events
        self.modules: dict[str, ModuleInfo | None] = {}
        self.module_states: dict[int, ModuleState] = {}
        self.class_states: dict[int, ClassState] = {}
        self.nested_classes: dict[int, ClassInfo] = {}
        self.errors: dict[str, str] = {}
        """Files that could not be read or parsed: not analyzed."""
        self.partial: dict[str, str] = {}
        """Files read whose analysis stopped at one construct: findings may be missing."""
        self.warnings: dict[str, str] = {}
        self.requests: list[HttpRequest] = []
        self.called: set[int] = set()
        self.entry_done: set[int] = set()
        self.active: list[int] = []
        self.later: list[Callable[[], object]] = []
        """Steps a framework runs once the code that asked for them has returned (Scrapy
        calls a request's callback after the spider's method that yielded it)."""
        self.passed_spans: list[float] = []
        """Spans of time checked in the arguments of the call being made (`poll(now -
        timedelta(days=7))`): the called function's own limits, not only its caller's."""
        self.steps = 0
        self.stores: dict[tuple[str, str], Value] = {}
        """Values registered under a key (a client in ``app["dokeos"]``, a task by id)."""
        self.setting_up: set[tuple[int, str]] = set()
        """(object, method) pairs run to fill an attribute ``__init__`` left None."""
        self.store_misses: dict[int, set[tuple[str, str]]] = {}
        self.entry_funcs: dict[int, Func] = {}
        self.literals: dict[int, str] = {}
        """Decoded string literals by node id (decoding is a literal_eval)."""
        self.memo: dict[tuple[object, ...], tuple[Value, tuple[object, ...]]] = {}
        """Results of functions already evaluated in the current entry point."""
        self.instances: dict[tuple[object, ...], tuple[Value, tuple[object, ...]]] = {}
        self.clients: list[Client] = []
        """Every client the code configures: their hosts tell which hosts are Dokeos."""
        self.current_rel = ""
        self.project_sends: dict[int, ProjectSend | None] = {}
        self.declarations: dict[int, Any] = {}
        """Declarative clients' methods: what each declares (None: an ordinary method)."""
        self.name_index: dict[str, ClassInfo] | None = None
        self.name_index_size = 0
        self.named_bases_done: set[int] = set()
        self.stored_reads = 0
        """Reads of stored data so far: a function that made one is evaluated per context."""
        """Per function definition: the model that makes it an HTTP call, if any."""

    # -- modules ------------------------------------------------------------------------
    def module(self, rel: str) -> ModuleInfo | None:
        if rel in self.modules:
            return self.modules[rel]
        source = self.project.files.get(rel)
        info: ModuleInfo | None = None
        if source is not None and source.text is not None:
            try:
                info = ModuleInfo.parse(
                    rel, source.module, source.text, max_size=self.project.max_file_size
                )
            except UnreadableSource as exc:
                self.errors[rel] = str(exc)
            except (RecursionError, MemoryError) as exc:
                self.errors[rel] = f"cannot parse: {type(exc).__name__}"
        self.modules[rel] = info
        return info

    def state_of(self, info: ModuleInfo) -> ModuleState:
        state = self.module_states.get(id(info))
        if state is None:
            state = self.module_states[id(info)] = ModuleState()
        return state

    def module_env(self, info: ModuleInfo) -> dict[str, Value]:
        state = self.state_of(info)
        if state.status == "new":
            state.status = "evaluating"
            saved = (self.memo, self.instances, self.steps)
            self.memo, self.instances, self.steps = {}, {}, 0
            frame = Frame(info, None, state.env, state.env, (), None)
            try:
                with contextlib.suppress(Budget):
                    for statement in info.tree.body:
                        frame.unit = statement
                        self.exec_statement(statement, frame)
            finally:
                self.memo, self.instances, self.steps = saved
            state.status = "done"
        return state.env

    def class_state(self, cls: ClassInfo) -> ClassState:
        state = self.class_states.get(id(cls))
        if state is None:
            state = self.class_states[id(cls)] = ClassState()
        return state

    # -- entry points -------------------------------------------------------------------
    def analyze_all(self, rels: Sequence[str]) -> None:
        """Analyze several files, evaluating the functions nobody calls first.

        A function evaluated on its own is evaluated again from each caller (and its own
        results dropped); starting from the roots of the call graph skips that waste. A
        name that appears nowhere but in its own definition is taken for a root.
        """
        infos = [(rel, info) for rel in rels if (info := self.module(rel)) is not None]
        for rel, info in infos:
            if not self.guarded(rel, lambda info=info: self.module_env(info)):  # type: ignore[misc]
                self.state_of(info).status = "done"
        mentions: Counter[str] = Counter()
        for _, info in infos:
            mentions.update(_IDENTIFIER.findall(info.text))
        entries = [(rel, func) for rel, info in infos for func in self.entry_functions(info)]
        entries.sort(key=lambda entry: mentions[entry[1].node.name.value] > 1)
        for rel, func in entries:
            fid = func.key
            if fid in self.called or fid in self.entry_done:
                continue
            self.entry_done.add(fid)
            self.entry_funcs[fid] = func
            self.guarded(rel, lambda func=func: self.run_entry(func))  # type: ignore[misc]

    def guarded(self, rel: str, step: Callable[[], object]) -> bool:
        """Run one step of the analysis; a failure costs that step, never the scan."""
        self.current_rel = rel
        try:
            step()
        except RecursionError:
            self.partial.setdefault(rel, "code nested too deeply to analyze completely")
            return False
        except MemoryError:
            self.partial.setdefault(rel, "too big to analyze completely")
            return False
        except Exception as exc:  # one odd construct must not stop the scan
            if os.environ.get("DOKEOS_AUDIT_DEBUG"):
                raise
            self.partial.setdefault(
                rel,
                f"could not analyze all of this file ({type(exc).__name__}); "
                "findings in it may be incomplete",
            )
            return False
        finally:
            if OVERFLOWS:
                self.warnings.setdefault(
                    rel,
                    f"{sorted(OVERFLOWS)[0]}: followed as unknown from there, findings that "
                    "depend on it may be missed",
                )
                OVERFLOWS.clear()
        return True

    def run_entry(self, func: Func) -> None:
        self.steps = 0
        self.memo.clear()
        self.instances.clear()
        try:
            made = self.run_alone(func)
        except Budget:
            self.warnings.setdefault(
                func.module.rel_path,
                f"analysis budget reached in `{func.name}`: findings in it may be incomplete",
            )
            return
        # functions it defines and returns (a factory's handlers, a dlt source's resources)
        # are run by whoever called it: nobody in the project calls them, so they run here
        for inner in returned_closures(made):
            self.steps = 0
            try:
                self.run_alone(inner)
            except Budget:
                break

    def run_alone(self, func: Func) -> Value:
        """Call a function as the framework would, then what it queued to run once it has
        returned (``run_later``), in order; what it returned."""
        try:
            made = self.call_function(func, [], {}, None, None, entry=True)
            ran = 0
            while self.later and ran < MAX_LATER:
                ran += 1
                self.later.pop(0)()
            return made
        finally:
            self.later.clear()

    def run_later(self, step: Callable[[], object]) -> None:
        self.later.append(step)

    def rerun_store_misses(self) -> None:
        """Entry points that read a stored value before the code storing it was seen."""
        stale = {
            entry
            for entry, keys in self.store_misses.items()
            if keys & self.stores.keys() and entry in self.entry_funcs
        }
        if not stale:
            return
        self.requests = [r for r in self.requests if r.entry not in stale]
        for entry in [e for e in self.entry_funcs if e in stale]:  # first-run order
            self.store_misses.pop(entry, None)
            func = self.entry_funcs[entry]
            self.guarded(func.module.rel_path, lambda func=func: self.run_entry(func))  # type: ignore[misc]

    def entry_functions(self, info: ModuleInfo) -> list[Func]:
        found: list[Func] = []
        for node in info.functions.values():
            found.append(Func(info, node, kind=function_kind(node)))
        for cls in info.classes.values():
            for node in cls.methods.values():
                found.append(Func(info, node, cls, kind=function_kind(node)))
        return found

    def tick(self, cost: int = 1) -> None:
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise Budget

    # -- shared lookups -----------------------------------------------------------------
    def stored(self, kind: str, key: str, frame: Frame) -> Value | None:
        """A value registered under ``key``; remembers the miss to evaluate again later."""
        found = self.stores.get((kind, key))
        if found is not None:
            return found
        if frame.entry is not None:
            self.store_misses.setdefault(frame.entry, set()).add((kind, key))
        return None

    # -- implemented by the parts -------------------------------------------------------
    def exec_statement(self, node: cst.CSTNode, frame: Frame) -> None:
        raise NotImplementedError

    def exec_suite(self, suite: cst.BaseSuite, frame: Frame) -> None:
        raise NotImplementedError

    def bind(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        raise NotImplementedError

    def eval(self, node: cst.BaseExpression | None, frame: Frame) -> Value:
        raise NotImplementedError

    def condition(self, node: cst.BaseExpression, frame: Frame) -> bool | None:
        raise NotImplementedError

    def call_value(
        self,
        func: Value,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def call_function(
        self,
        func: Func,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame | None,
        *,
        entry: bool = False,
        delay: float = 0.0,
    ) -> Value:
        raise NotImplementedError

    def iterate(self, value: Value, frame: Frame, *, first_only: bool = False) -> Value:
        raise NotImplementedError

    def attribute(self, owner: Value, attr: str, node: cst.CSTNode, frame: Frame) -> Value:
        raise NotImplementedError

    def item(self, owner: Value, key: Value, node: cst.CSTNode, frame: Frame) -> Value:
        raise NotImplementedError

    def hand_on(self, args: list[Value], kwargs: Mapping[str, Value], how: str = "handed") -> None:
        raise NotImplementedError

    def register(self, kind: str, key: str, value: Value) -> None:
        """A framework registers ``value`` under ``key`` (a task's result by its id)."""
        self.stores[(kind, key)] = value

    def registered(self, kind: str, key: str, frame: Frame) -> Value | None:
        """What was registered under ``key``; a task registered as a function gives its
        result."""
        found = self.stored(kind, key, frame)
        if isinstance(found, Func):
            return self.call_function(found, [], {}, None, frame)
        return found

    def send(
        self,
        client: Client | None,
        spec: Send,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        *,
        stack: str = "",
        url: Value | None = None,
    ) -> Value:
        raise NotImplementedError

    def route_call(
        self, func: Func, inner: Frame, node: cst.Call | None, frame: Frame | None
    ) -> Value | None:
        raise NotImplementedError

    def http_request(
        self,
        client: Client | None,
        method: str | None,
        url_value: Value,
        call_headers: Value | None,
        call_params: Value | None,
        body: Value | None,
        node: cst.Call,
        frame: Frame,
        *,
        stack: str,
        response: str,
    ) -> Value:
        raise NotImplementedError

    def make_client(
        self, model: ClientClass, args: list[Value], kwargs: dict[str, Value]
    ) -> Client:
        raise NotImplementedError

    def prepared(
        self,
        spec: Prepare,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def send_prepared(
        self,
        client: Client | None,
        request: PreparedRequest,
        node: cst.Call,
        frame: Frame,
        *,
        stack: str = "",
        response: str = "",
    ) -> Value:
        raise NotImplementedError

    def prepared_method(
        self, target: PreparedRequest, name: str, args: list[Value], node: cst.Call, frame: Frame
    ) -> Value:
        raise NotImplementedError

    def generic_http(
        self,
        receiver: Value | None,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value | None:
        raise NotImplementedError

    def lookup_method(self, cls: ClassInfo, name: str, seen: int = 0) -> Func | None:
        raise NotImplementedError

    def receiver_state(
        self, receiver: Value | None
    ) -> tuple[Value | None, DictV, tuple[str, ...], str | None]:
        raise NotImplementedError

    def instantiate(
        self,
        cls: ClassInfo,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame | None,
    ) -> Value:
        raise NotImplementedError

    def default_instance(self, cls: ClassInfo) -> Instance:
        raise NotImplementedError

    def new_instance(self, cls: ClassInfo) -> Instance:
        raise NotImplementedError

    def made_by_name(self, name: str, frame: Frame) -> Value | None:
        raise NotImplementedError

    def add(self, left: Value, right: Value) -> Value:
        raise NotImplementedError

    def project_bases(self, cls: ClassInfo, seen: int = 0) -> list[ClassInfo]:
        raise NotImplementedError

    def class_bases(self, cls: ClassInfo) -> list[Value]:
        raise NotImplementedError

    def named_class(self, name: str) -> ClassInfo | None:
        raise NotImplementedError

    def instance_member(
        self, owner: Instance, name: str, node: cst.CSTNode, frame: Frame
    ) -> Value | None:
        raise NotImplementedError

    def external_bases(self, cls: ClassInfo, seen: int = 0) -> list[str]:
        raise NotImplementedError

    def run_streams(self, instance: Instance, node: cst.Call, frame: Frame) -> None:
        raise NotImplementedError

    def call_external(
        self,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def call_on_unknown(
        self,
        receiver: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def client_method(
        self,
        client: Client,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        receiver: Value | None = None,
    ) -> Value:
        raise NotImplementedError

    def response_member(
        self,
        response: Value,
        name: str,
        *,
        called: bool,
        node: cst.CSTNode | None = None,
        frame: Frame | None = None,
    ) -> Value:
        raise NotImplementedError

    def project_send(
        self,
        func: Func,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value | None:
        raise NotImplementedError

    def binary(self, left: Value, right: Value, operator: cst.CSTNode, frame: Frame) -> Value:
        raise NotImplementedError

    def class_attrs(self, cls: ClassInfo) -> dict[str, Value]:
        raise NotImplementedError

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> Value:
        raise NotImplementedError

    def comprehension(
        self,
        for_in: cst.CompFor,
        elt: cst.BaseExpression,
        frame: Frame,
        *,
        value: cst.BaseExpression | None = None,
        first_only: bool = False,
    ) -> Value:
        raise NotImplementedError

    def call_method(
        self,
        target: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def typed_client(self, name: str) -> Value | None:
        raise NotImplementedError

    def annotated_value(self, module: ModuleInfo, annotation: cst.BaseExpression) -> Value | None:
        raise NotImplementedError

    def configure_client(self, client: Client, args: list[Value], kwargs: dict[str, Value]) -> None:
        raise NotImplementedError

    def module_frame(self, module: ModuleInfo) -> Frame:
        raise NotImplementedError

    def read_key(self, data: Data, key: str, node: cst.CSTNode, frame: Frame) -> Value:
        raise NotImplementedError

    def setting(self, name: str) -> Value | None:
        raise NotImplementedError

    def settings_map(self) -> Value:
        raise NotImplementedError

    def note_tested(self, value: Value, kept: list[Data] | None = None) -> None:
        raise NotImplementedError

    def object_named(self, dotted_name: str) -> Value | None:
        raise NotImplementedError

    def framework_attribute(
        self, owner: Instance, attr: str, node: cst.CSTNode, frame: Frame
    ) -> Value | None:
        raise NotImplementedError

    def accumulate(self, target: ListV, added: Value, frame: Frame) -> None:
        raise NotImplementedError

    def call_builtin(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        raise NotImplementedError

    def data_method(
        self,
        target: Data,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def dict_method(
        self,
        target: DictV,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        raise NotImplementedError

    def str_method(
        self, target: Str, name: str, args: list[Value], kwargs: dict[str, Value]
    ) -> Value:
        raise NotImplementedError

    def list_method(self, target: ListV, name: str, args: list[Value], frame: Frame) -> Value:
        raise NotImplementedError

    def lookup_class_attr(self, cls: ClassInfo, name: str, seen: int = 0) -> Value | None:
        raise NotImplementedError


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def returned_closures(value: Value) -> list[Func]:
    """Functions defined inside a function and returned by it, alone or in a collection."""
    found: list[Func] = []
    pending = [value]
    while pending and len(found) < 16:
        option = pending.pop()
        if isinstance(option, Func) and option.closure is not None and option.bound_self is None:
            found.append(option)
        elif isinstance(option, OneOf):
            pending.extend(option.options)
        elif isinstance(option, ListV) and option.items is not None:
            pending.extend(option.items[:16])
        elif isinstance(option, DictV):
            pending.extend(list(option.entries.values())[:16])
    return found[::-1]


def dotted(node: cst.BaseExpression | cst.Attribute | cst.Name | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


def decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    name = dotted(target)
    return name.rsplit(".", 1)[-1] if name else ""


def decorated_with(node: cst.FunctionDef, names: frozenset[str]) -> bool:
    return any(decorator_name(d) in names for d in node.decorators)


def function_kind(node: cst.FunctionDef) -> str:
    names = {decorator_name(d) for d in node.decorators}
    for kind in ("staticmethod", "classmethod"):
        if kind in names:
            return kind
    if names & {"property", "cached_property", "computed_field", "hybrid_property"}:
        return "property"
    return ""
