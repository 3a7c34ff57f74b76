"""Follows values through the project's code to build the model of its HTTP calls.

A small abstract interpreter over libcst trees: each module is parsed once; functions are
evaluated with abstract arguments (from their callers when the project calls them, else
unknown), so a URL built in one module, headers set by a base class and a response read in
a caller all meet in one ``CallRecord`` per calling context.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_plus, urljoin

import libcst as cst

from auditor.catalog import Catalog
from auditor.code import libraries as lib
from auditor.code.facts import Facts
from auditor.code.model import (
    HttpCall,
    JobPoll,
)
from auditor.code.modules import ClassInfo, ModuleInfo
from auditor.code.project import Project
from auditor.code.records import CallRecord
from auditor.code.values import (
    UNKNOWN,
    Bound,
    ClassRef,
    Client,
    DictV,
    Duration,
    FieldOf,
    Func,
    Instance,
    Joined,
    Json,
    LenOf,
    Lib,
    ListV,
    ModuleRef,
    NodeRef,
    Num,
    OneOf,
    RequestObj,
    Response,
    Str,
    SuperRef,
    Unknown,
    Value,
    as_str,
    concat,
    hole,
    walk_values,
)
from auditor.urls import HOLE, split_url

MAX_DEPTH = 8
MAX_STEPS = 200_000
"""Statements evaluated per entry point before the analysis gives up on it (a safety net)."""

_INTERVAL = re.compile(
    r"(?:interval\s*'?\s*|-\s*)(\d+(?:\.\d+)?)\s*(day|week|hour|minute)s?", re.IGNORECASE
)
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "hour": 1 / 24, "minute": 1 / 1440}


class _Budget(Exception):
    """Raised when one entry point takes too many steps; its partial results are kept."""


@dataclass
class Frame:
    module: ModuleInfo
    func: cst.FunctionDef | None
    env: dict[str, Value]
    chain: tuple[NodeRef, ...]
    entry: int | None
    depth: int = 0
    self_value: Value | None = None
    cls: ClassInfo | None = None
    closure: dict[str, Value] | None = None
    returns: list[Value] = field(default_factory=list)
    yields: list[Value] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    stack_durations: tuple[list[float], ...] = ()
    global_names: set[str] = field(default_factory=set)
    unit: cst.CSTNode | None = None
    """At module level: the top-level statement being evaluated (positions are per unit)."""
    loop_depth: int = 0
    """Loops around the code being evaluated, callers' loops included."""
    delay_days: float = 0.0
    """How long after the calling code this runs (a task scheduled for later)."""
    delayed_func: int | None = None
    """id() of the function that was scheduled to run later."""

    @property
    def func_id(self) -> int | None:
        return id(self.func) if self.func is not None else None

    def ref(self, node: cst.CSTNode) -> NodeRef:
        return NodeRef(self.module, node, self.func_id, self.unit if self.func is None else None)


@dataclass
class FileAnalysis:
    calls: list[HttpCall]
    polls: list[JobPoll]


class Analyzer:
    """Evaluates the project's modules; ``model()`` turns what it saw into HttpCalls."""

    def __init__(self, project: Project, catalog: Catalog) -> None:
        self.project = project
        self.catalog = catalog
        self.modules: dict[str, ModuleInfo | None] = {}
        self.errors: dict[str, str] = {}
        self.records: list[CallRecord] = []
        self.called: set[int] = set()
        self.entry_done: set[int] = set()
        self.active: list[int] = []
        self.steps = 0
        self.stores: dict[str, Value] = {}
        """Clients kept in shared containers (``app["dokeos"] = session``), by key."""
        self.store_misses: dict[int, set[str]] = {}
        self.entry_funcs: dict[int, Func] = {}
        self.literals: dict[cst.SimpleString, str] = {}
        """String literals already decoded (decoding is a literal_eval)."""
        self.memo: dict[tuple[object, ...], tuple[Value, tuple[object, ...]]] = {}
        """Results of functions already evaluated in the current entry point."""
        self.instances: dict[tuple[object, ...], tuple[Instance, tuple[object, ...]]] = {}
        self.clients: list[Client] = []
        """Every client the code configures: their hosts tell which hosts are Dokeos."""

    # -- modules ------------------------------------------------------------------------
    def module(self, rel: str) -> ModuleInfo | None:
        if rel in self.modules:
            return self.modules[rel]
        source = self.project.files.get(rel)
        info: ModuleInfo | None = None
        if source is not None and source.text is not None:
            try:
                info = ModuleInfo.parse(rel, source.module, source.text)
            except cst.ParserSyntaxError as exc:
                self.errors[rel] = _syntax_reason(exc, source.text)
            except (RecursionError, ValueError) as exc:
                self.errors[rel] = f"cannot parse: {type(exc).__name__}"
        self.modules[rel] = info
        return info

    def module_env(self, info: ModuleInfo) -> dict[str, Value]:
        if info.state == "new":
            info.state = "evaluating"
            self.memo.clear()
            self.instances.clear()
            frame = Frame(info, None, info.env, (), None)
            with contextlib.suppress(_Budget):
                for statement in info.tree.body:
                    frame.unit = statement
                    self.exec_statement(statement, frame)
            info.state = "done"
        return info.env

    # -- entry points -------------------------------------------------------------------
    def analyze_all(self, rels: Sequence[str]) -> None:
        """Analyze several files, evaluating the functions nobody calls first.

        A function evaluated on its own is evaluated again from each caller (and its own
        results dropped); starting from the roots of the call graph skips that waste. A
        name that appears nowhere but in its own definition is taken for a root.
        """
        infos = [(rel, info) for rel in rels if (info := self.module(rel)) is not None]
        for rel, info in infos:
            self.steps = 0
            if not self.guarded(rel, lambda info=info: self.module_env(info)):  # type: ignore[misc]
                info.state = "done"
        mentions: Counter[str] = Counter()
        for _, info in infos:
            mentions.update(_IDENTIFIER.findall(info.text))
        entries = [(rel, func) for rel, info in infos for func in _entry_functions(info)]
        entries.sort(key=lambda entry: mentions[entry[1].node.name.value] > 1)
        for rel, func in entries:
            fid = id(func.node)
            if fid in self.called or fid in self.entry_done:
                continue
            self.entry_done.add(fid)
            self.entry_funcs[fid] = func
            self.guarded(rel, lambda func=func: self.run_entry(func))  # type: ignore[misc]

    def guarded(self, rel: str, step: Callable[[], object]) -> bool:
        """Run one step of the analysis; a failure costs that step, never the scan."""
        try:
            step()
        except RecursionError:
            self.errors.setdefault(rel, "code nested too deeply to analyze completely")
            return False
        except Exception as exc:  # one odd construct must not stop the scan
            self.errors.setdefault(
                rel,
                f"could not analyze all of this file ({type(exc).__name__}); "
                "findings in it may be incomplete",
            )
            return False
        return True

    def run_entry(self, func: Func) -> None:
        self.steps = 0
        self.memo.clear()
        self.instances.clear()
        with contextlib.suppress(_Budget):
            self.call_function(func, [], {}, None, None, entry=True)

    def rerun_store_misses(self) -> None:
        """Entry points that read a shared client before the code storing it was seen."""
        stale = {
            entry
            for entry, keys in self.store_misses.items()
            if keys & self.stores.keys() and entry in self.entry_funcs
        }
        if not stale:
            return
        self.records = [r for r in self.records if r.entry not in stale]
        for entry in [e for e in self.entry_funcs if e in stale]:  # first-run order
            self.store_misses.pop(entry, None)
            self.run_entry(self.entry_funcs[entry])

    def model(self) -> FileAnalysis:
        """HttpCalls of every context that is not superseded by a calling context."""
        self.rerun_store_misses()
        facts = Facts(self.catalog)
        records = [r for r in self.records if r.entry is None or r.entry not in self.called]
        facts.settle_dokeos(self.records, self.clients)
        calls, polls = facts.build(records)
        return FileAnalysis(calls, polls)

    # -- statements ---------------------------------------------------------------------
    def exec_block(self, body: Sequence[cst.CSTNode], frame: Frame) -> None:
        for statement in body:
            self.exec_statement(statement, frame)

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Budget

    def exec_statement(self, node: cst.CSTNode, frame: Frame) -> None:
        self._tick()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.exec_small(small, frame)
        elif isinstance(node, cst.If):
            self.eval(node.test, frame)
            self.exec_suite(node.body, frame)
            if node.orelse is not None:
                if isinstance(node.orelse, cst.If):
                    self.exec_statement(node.orelse, frame)
                else:
                    self.exec_suite(node.orelse.body, frame)
        elif isinstance(node, cst.For):
            iterable = self.eval(node.iter, frame)
            self.bind(node.target, self.iterate(iterable, frame), frame)
            frame.loop_depth += 1
            self.exec_suite(node.body, frame)
            frame.loop_depth -= 1
            if node.orelse is not None:
                self.exec_suite(node.orelse.body, frame)
        elif isinstance(node, cst.While):
            # the test runs on every turn too (`while batch := fetch(page):`)
            frame.loop_depth += 1
            self.eval(node.test, frame)
            self.exec_suite(node.body, frame)
            # a second look at the test sees values the body assigned (`while next_url:`)
            self.eval(node.test, frame)
            frame.loop_depth -= 1
        elif isinstance(node, cst.Try | cst.TryStar):
            self.exec_suite(node.body, frame)
            for handler in node.handlers:
                if handler.name is not None and isinstance(handler.name.name, cst.Name):
                    frame.env[handler.name.name.value] = UNKNOWN
                self.exec_suite(handler.body, frame)
            if node.orelse is not None:
                self.exec_suite(node.orelse.body, frame)
            if node.finalbody is not None:
                self.exec_suite(node.finalbody.body, frame)
        elif isinstance(node, cst.With):
            for item in node.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.bind(item.asname.name, value, frame)
            self.exec_suite(node.body, frame)
        elif isinstance(node, cst.FunctionDef):
            func = Func(frame.module, node, closure=frame.env if frame.func is not None else None)
            frame.env[node.name.value] = func
        elif isinstance(node, cst.ClassDef):
            if frame.func is None:
                info = frame.module.classes.get(node.name.value)
                if info is not None:
                    frame.env[node.name.value] = ClassRef(info)
        elif isinstance(node, cst.Match):
            self.eval(node.subject, frame)
            for case in node.cases:
                self.exec_suite(case.body, frame)

    def exec_suite(self, suite: cst.BaseSuite, frame: Frame) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self.exec_block(suite.body, frame)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                self.exec_small(small, frame)

    def exec_small(self, node: cst.BaseSmallStatement, frame: Frame) -> None:
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, frame)
            for target in node.targets:
                self.bind(target.target, value, frame)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, frame), frame)
        elif isinstance(node, cst.AugAssign):
            current = self.eval(node.target, frame)
            added = self.eval(node.value, frame)
            if isinstance(node.operator, cst.AddAssign):
                self.mark_complete(added)
                result = self.binop_add(current, added)
            else:
                result = self.arith(current, added, node.operator)
            self.bind(node.target, result, frame)
        elif isinstance(node, cst.Expr):
            value = self.eval(node.value, frame)
            self.discard(value)
        elif isinstance(node, cst.Return):
            value = self.eval(node.value, frame) if node.value is not None else UNKNOWN
            frame.returns.append(value)
            if frame.depth == 0 and frame.func is not None:
                self.escape(value, returned=True)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                self.import_name(alias, frame)
        elif isinstance(node, cst.ImportFrom):
            self.import_from(node, frame)
        elif isinstance(node, cst.Global | cst.Nonlocal):
            for name in node.names:
                frame.global_names.add(name.name.value)

    # -- imports ------------------------------------------------------------------------
    def import_name(self, alias: cst.ImportAlias, frame: Frame) -> None:
        dotted = _dotted(alias.name)
        if dotted is None:
            return
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            frame.env[alias.asname.name.value] = self.module_value(dotted, frame)
        else:
            head = dotted.split(".")[0]
            frame.env[head] = self.module_value(head, frame)

    def module_value(self, dotted: str, frame: Frame) -> Value:
        rel = self.project.resolve_module(dotted, frame.module.rel_path)
        if rel is not None:
            info = self.module(rel)
            if info is not None:
                return ModuleRef(info)
        return Lib(dotted)

    def import_from(self, node: cst.ImportFrom, frame: Frame) -> None:
        base = _dotted(node.module) if node.module is not None else ""
        dots = len(node.relative)
        if dots:
            package = frame.module.name.split(".")
            if not frame.module.rel_path.endswith("__init__.py"):
                package = package[:-1]
            package = package[: len(package) - (dots - 1)] if dots - 1 <= len(package) else []
            base = ".".join([*package, base] if base else package)
        if base is None:
            return
        source_rel = self.project.resolve_module(base, frame.module.rel_path) if base else None
        source = self.module(source_rel) if source_rel is not None else None
        if isinstance(node.names, cst.ImportStar):
            if source is not None and source is not frame.module:
                frame.env.update(self.module_env(source))
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            value: Value
            if source is not None and source is not frame.module:
                env = self.module_env(source)
                if name in env:
                    value = env[name]
                else:
                    value = self.module_value(f"{base}.{name}", frame)
                    if isinstance(value, Lib):
                        value = UNKNOWN
            else:
                sub = self.project.resolve_module(f"{base}.{name}", frame.module.rel_path)
                sub_info = self.module(sub) if sub is not None else None
                value = ModuleRef(sub_info) if sub_info is not None else Lib(f"{base}.{name}")
            frame.env[local] = value

    # -- binding ------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
            if frame.func is not None and target.value in frame.global_names:
                frame.module.env[target.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            elements = [
                e for e in target.elements if isinstance(e, cst.Element | cst.StarredElement)
            ]
            items = value.items if isinstance(value, ListV) and value.items is not None else None
            for i, element in enumerate(elements):
                if isinstance(element, cst.StarredElement):
                    self.bind(element.value, ListV(source="unpacking"), frame)
                    continue
                if items is not None and i < len(items):
                    part = items[i]
                elif isinstance(value, Json):
                    part = Json(value.call, (*value.path, "[]"))
                elif isinstance(value, Unknown):
                    part = replace(value, name="")
                elif isinstance(value, ListV):
                    part = value.element()
                else:
                    part = UNKNOWN
                self.bind(element.value, part, frame)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, frame)
            attr = target.attr.value
            if isinstance(owner, Instance):
                owner.attrs[attr] = value
                if isinstance(value, ListV | DictV):
                    value.shared = True
                if (
                    owner.client is not None
                    and attr in ("headers", "params")
                    and isinstance(value, DictV)
                ):
                    setattr(owner.client, attr, value.copy())
            elif isinstance(owner, Client) and attr in ("headers", "params"):
                if isinstance(value, DictV):
                    setattr(owner, attr, value.copy())
            elif isinstance(owner, Client) and attr == "addheaders":
                # urllib openers take headers as a list of (name, value) pairs
                headers = DictV()
                for pair in value.items or () if isinstance(value, ListV) else ():
                    if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
                        key = pair.items[0]
                        if isinstance(key, Str) and key.known:
                            headers.set_ci(key.text, pair.items[1], frame.ref(target))
                owner.headers = headers
            elif isinstance(owner, ClassRef):
                attrs = self.class_attrs(owner.cls)
                attrs[attr] = value
            elif isinstance(owner, ModuleRef):
                owner.module.env[attr] = value
            else:
                if _is_client(value):
                    self.stores["." + attr] = value
                self.keep(value)
        elif isinstance(target, cst.Subscript):
            owner = self.eval(target.value, frame)
            key = self.subscript_key(target, frame)
            if isinstance(owner, DictV) and owner.shared:
                self.keep(value)
            if isinstance(owner, DictV) and isinstance(key, Str) and key.known:
                owner.set_ci(key.text, value, frame.ref(target))
            elif isinstance(owner, DictV):
                owner.elem = value if owner.elem is None else OneOf((owner.elem, value))
            elif isinstance(owner, Client | Instance):
                self.keep(value)
            elif isinstance(owner, ListV):
                pass
            else:
                if isinstance(key, Str) and key.known and _is_client(value):
                    self.stores[key.text] = value
                self.keep(value)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, ListV(source="unpacking"), frame)

    # -- expressions --------------------------------------------------------------------
    def eval(self, node: cst.BaseExpression | None, frame: Frame) -> Value:
        if node is None:
            return UNKNOWN
        method = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:
            self.eval_children(node, frame)
            return UNKNOWN
        result: Value = method(node, frame)
        return result

    def eval_children(self, node: cst.CSTNode, frame: Frame) -> None:
        """Evaluate sub-expressions for their effects (reads, calls) when we model nothing."""
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, frame)
            elif isinstance(child, cst.Arg | cst.Element | cst.DictElement | cst.StarredElement):
                self.eval_children(child, frame)

    def eval_Name(self, node: cst.Name, frame: Frame) -> Value:
        name = node.value
        if name in frame.env and not (frame.func is not None and name in frame.global_names):
            return frame.env[name]
        if frame.closure is not None and name in frame.closure:
            return frame.closure[name]
        env = frame.module.env
        if name in env:
            value = env[name]
            if isinstance(value, Str) and frame.func is not None:
                # remember which function first used a module constant (for locations)
                return Str(value.text, value.slots, (*value.origins, frame.ref(node)))
            return value
        if name in ("True", "False", "None"):
            return Num(1 if name == "True" else 0) if name != "None" else UNKNOWN
        if name in _BUILTINS:
            return Lib(f"builtins.{name}")
        return UNKNOWN

    def eval_SimpleString(self, node: cst.SimpleString, frame: Frame) -> Value:
        text = self.literals.get(node)
        if text is None:
            text = _plain_literal(node.value)
            if text is None:
                try:
                    raw = node.evaluated_value
                except Exception:  # odd literals are simply unknown text
                    return hole(UNKNOWN)
                text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
            self.literals[node] = text
        self.note_interval(text, frame)
        return Str(text.replace(HOLE, ""), (), (frame.ref(node),))

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, frame: Frame) -> Value:
        return concat(as_str(self.eval(node.left, frame)), as_str(self.eval(node.right, frame)))

    def eval_FormattedString(self, node: cst.FormattedString, frame: Frame) -> Value:
        parts: list[Str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(Str(part.value.replace("{{", "{").replace("}}", "}")))
            elif isinstance(part, cst.FormattedStringExpression):
                value = self.eval(part.expression, frame)
                if part.format_spec:
                    parts.append(hole(value))
                else:
                    parts.append(as_str(value))
        result = concat(*parts)
        self.note_interval(result.text, frame)
        return Str(result.text, result.slots, (frame.ref(node), *result.origins))

    def eval_Integer(self, node: cst.Integer, frame: Frame) -> Value:
        try:
            return Num(int(node.value.replace("_", ""), 0))
        except ValueError:
            return UNKNOWN

    def eval_Float(self, node: cst.Float, frame: Frame) -> Value:
        try:
            return Num(float(node.value.replace("_", "")))
        except ValueError:
            return UNKNOWN

    def eval_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        value = self.eval(node.expression, frame)
        if isinstance(node.operator, cst.Minus) and isinstance(value, Num):
            return Num(-value.n)
        if isinstance(node.operator, cst.Not):
            return UNKNOWN
        return value if isinstance(value, Num) else UNKNOWN

    def eval_Await(self, node: cst.Await, frame: Frame) -> Value:
        return self.eval(node.expression, frame)

    def eval_Tuple(self, node: cst.Tuple, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def eval_List(self, node: cst.List, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def eval_Set(self, node: cst.Set, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def sequence(self, elements: Sequence[cst.BaseElement], frame: Frame) -> Value:
        items: list[Value] = []
        exact = True
        for element in elements:
            value = self.eval(element.value, frame)
            if isinstance(element, cst.StarredElement):
                exact = False
                if isinstance(value, ListV) and value.items is not None:
                    items.extend(value.items)
                    exact = True
                continue
            items.append(value)
        if exact:
            return ListV(items=items, size=len(items), source="a literal list")
        return ListV(source="a list built from other data")

    def eval_Dict(self, node: cst.Dict, frame: Frame) -> Value:
        result = DictV()
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = self.eval(element.value, frame)
                if isinstance(spread, DictV):
                    for key, value in spread.entries.items():
                        result.set_ci(key, value, spread.keys_nodes.get(key))
                    result.open = result.open or spread.open
                else:
                    result.open = True
                continue
            assert isinstance(element, cst.DictElement)
            key_value = self.eval(element.key, frame)
            value = self.eval(element.value, frame)
            if isinstance(key_value, Str) and key_value.known:
                result.set_ci(key_value.text, value, frame.ref(element))
            else:
                result.open = True
        return result

    def eval_Attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        return self.attribute(owner, node.attr.value, node, frame)

    def eval_Subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            return self.slice_of(owner, node.slice[0].slice, frame)
        key = self.subscript_key(node, frame)
        return self.item(owner, key, node, frame)

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> Value:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            for element in node.slice:
                self.eval_children(element, frame)
            return UNKNOWN
        return self.eval(node.slice[0].slice.value, frame)

    def eval_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        right = self.eval(node.right, frame)
        if isinstance(left, Duration) or isinstance(right, Duration):
            for side in (left, right):
                if isinstance(side, Duration):
                    frame.durations.append(side.days)
        if isinstance(node.operator, cst.Add):
            return self.binop_add(left, right)
        if isinstance(node.operator, cst.Modulo) and isinstance(left, Str):
            return self.percent_format(left, right)
        return self.arith(left, right, node.operator)

    def binop_add(self, left: Value, right: Value) -> Value:
        if isinstance(left, Str) or isinstance(right, Str):
            if isinstance(left, Num | Duration) or isinstance(right, Num | Duration):
                return UNKNOWN
            return concat(as_str(left), as_str(right))
        if isinstance(left, Num) and isinstance(right, Num):
            return Num(left.n + right.n)
        if isinstance(left, Duration) and isinstance(right, Duration):
            return Duration(left.days + right.days)
        if isinstance(left, ListV) and isinstance(right, ListV):
            if left.items is not None and right.items is not None:
                items = left.items + right.items
                return ListV(items=items, size=len(items), source="a literal list")
            unsized, known = (left, right) if left.items is None else (right, left)
            return ListV(
                source=unsized.source,
                elem=unsized.element(),
                origin=unsized.origin,
                bound=None,
                extra=(*unsized.extra, *(known.items or ())),
            )
        return (
            right
            if isinstance(left, Unknown) and isinstance(right, Duration)
            else (left if isinstance(left, Duration) else UNKNOWN)
        )

    def arith(self, left: Value, right: Value, operator: cst.CSTNode) -> Value:
        if (
            isinstance(operator, cst.BitOr | cst.BitOrAssign)
            and isinstance(left, DictV)
            and isinstance(right, DictV)
        ):
            merged = left.copy()  # {**a, **b} spelled a | b
            for key, value in right.entries.items():
                merged.set_ci(key, value, right.keys_nodes.get(key))
            merged.open = merged.open or right.open
            return merged
        if isinstance(left, Num) and isinstance(right, Num):
            ops = {
                cst.Subtract: lambda a, b: a - b,
                cst.SubtractAssign: lambda a, b: a - b,
                cst.Multiply: lambda a, b: a * b,
                cst.MultiplyAssign: lambda a, b: a * b,
                cst.FloorDivide: lambda a, b: a // b if b else 0,
                cst.Divide: lambda a, b: a / b if b else 0,
            }
            for kind, op in ops.items():
                if isinstance(operator, kind):
                    return Num(op(left.n, right.n))
            return UNKNOWN
        if isinstance(left, Duration) and isinstance(right, Num):
            if isinstance(operator, cst.Multiply):
                return Duration(left.days * right.n)
        if isinstance(left, Num) and isinstance(right, Duration):
            if isinstance(operator, cst.Multiply):
                return Duration(left.n * right.days)
        if isinstance(operator, cst.Subtract) and isinstance(right, Duration):
            return UNKNOWN
        return UNKNOWN

    def eval_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        right = self.eval(node.right, frame)
        if isinstance(node.operator, cst.Or):
            # `x or default`: the informative side
            return left if not isinstance(left, Unknown) else right
        return right

    def eval_IfExp(self, node: cst.IfExp, frame: Frame) -> Value:
        self.eval(node.test, frame)
        body = self.eval(node.body, frame)
        orelse = self.eval(node.orelse, frame)
        return _join([body, orelse])

    def eval_Comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        left_node: cst.BaseExpression = node.left
        for comparison in node.comparisons:
            right = self.eval(comparison.comparator, frame)
            self.note_comparison(
                left, comparison.operator, right, left_node, comparison.comparator, frame
            )
            if isinstance(comparison.operator, cst.In | cst.NotIn) and isinstance(right, Json):
                if isinstance(left, Str) and left.known:
                    self.read_key(right, left.text, node, frame)
            left = right
            left_node = comparison.comparator
        return UNKNOWN

    def note_comparison(
        self,
        left: Value,
        operator: cst.BaseCompOp,
        right: Value,
        left_node: cst.BaseExpression,
        right_node: cst.BaseExpression,
        frame: Frame,
    ) -> None:
        # a page loop's stop test: len(page) < N
        for length, other, flipped in ((left, right, False), (right, left, True)):
            if isinstance(length, LenOf) and isinstance(other, Num):
                n = other.as_int
                if n is None or n <= 0:
                    continue
                op: type[cst.CSTNode] = type(operator)
                if flipped:
                    op = _FLIPPED.get(op, op)
                if op is cst.LessThan or op is cst.Equal or op is cst.NotEqual:
                    stop = n
                elif op is cst.LessThanEqual:
                    stop = n + 1
                else:
                    continue
                record = length.call
                record.short_page_stop = max(record.short_page_stop or 0, stop)
        # an age limit: a timedelta, `age.days > 7`, or a number of seconds
        for value, value_node, other_node in (
            (left, left_node, right_node),
            (right, right_node, left_node),
        ):
            if isinstance(value, Duration):
                frame.durations.append(value.days)
            elif isinstance(value, Num):
                if isinstance(other_node, cst.Attribute) and other_node.attr.value == "days":
                    frame.durations.append(value.n)
                elif (
                    _mentions(
                        other_node,
                        (
                            "age",
                            "created",
                            "issued",
                            "elapsed",
                            "time",
                            "ts",
                            "timestamp",
                            "seconds",
                        ),
                    )
                    and value.n >= 3600
                ):
                    frame.durations.append(value.n / 86400)
            del value_node

    def eval_Yield(self, node: cst.Yield, frame: Frame) -> Value:
        if isinstance(node.value, cst.From):
            value = self.eval(node.value.item, frame)
            frame.yields.append(self.iterate(value, frame))
        elif node.value is not None:
            frame.yields.append(self.eval(node.value, frame))
        return UNKNOWN

    def eval_Lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        return UNKNOWN

    def eval_NamedExpr(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.eval(node.value, frame)
        self.bind(node.target, value, frame)
        return value

    def eval_ListComp(self, node: cst.ListComp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_SetComp(self, node: cst.SetComp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_GeneratorExp(self, node: cst.GeneratorExp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_DictComp(self, node: cst.DictComp, frame: Frame) -> Value:
        result = self.comprehension(node.for_in, node.key, frame, value=node.value)
        value = result.origin_value if isinstance(result, ListV) else None
        return DictV(open=True, elem=value)

    def comprehension(
        self,
        for_in: cst.CompFor,
        elt: cst.BaseExpression,
        frame: Frame,
        *,
        value: cst.BaseExpression | None = None,
        first_only: bool = False,
    ) -> Value:
        inner = Frame(
            frame.module,
            frame.func,
            dict(frame.env),
            frame.chain,
            frame.entry,
            frame.depth,
            frame.self_value,
            frame.cls,
            frame.closure,
            durations=frame.durations,
            stack_durations=frame.stack_durations,
        )
        outer_iter = self.eval(for_in.iter, frame)
        iterable = outer_iter
        clause: cst.CompFor | None = for_in
        first = True
        while clause is not None:
            if not first:
                iterable = self.eval(clause.iter, inner)
            self.bind(clause.target, self.iterate(iterable, inner, first_only=first_only), inner)
            for condition in clause.ifs:
                self.eval(condition.test, inner)
            clause = clause.inner_for_in
            first = False
        element = self.eval(elt, inner)
        dict_value = self.eval(value, inner) if value is not None else None
        size = outer_iter.size if isinstance(outer_iter, ListV) else None
        bound = outer_iter.bound if isinstance(outer_iter, ListV) else None
        has_ifs = bool(for_in.ifs)
        source = (
            outer_iter.source
            if isinstance(outer_iter, ListV)
            else outer_iter.source
            if isinstance(outer_iter, Unknown)
            else ""
        )
        if isinstance(outer_iter, Json):
            source = "an API response"
        result = ListV(
            size=None if has_ifs else size,
            bound=bound if bound is not None else (size if has_ifs else None),
            elem=element,
            source=source or "a comprehension",
            origin=outer_iter,
        )
        result.origin_value = dict_value
        return result

    def eval_Call(self, node: cst.Call, frame: Frame) -> Value:
        func = self.eval(node.func, frame)
        # next(x for x in data if ...) takes the first match: not a use of the whole list
        if (
            isinstance(func, Lib)
            and func.name == "builtins.next"
            and node.args
            and isinstance(node.args[0].value, cst.GeneratorExp)
        ):
            gen = node.args[0].value
            result = self.comprehension(gen.for_in, gen.elt, frame, first_only=True)
            return result.element() if isinstance(result, ListV) else UNKNOWN
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            elif arg.star == "**":
                if isinstance(value, DictV):
                    kwargs.update(value.entries)
                    if value.open:
                        kwargs["**"] = UNKNOWN
                else:
                    # response data spread into a model keeps its keys: User(**item)
                    kwargs["**"] = value if isinstance(value, Json) else UNKNOWN
            elif arg.star == "*":
                if isinstance(value, ListV) and value.items is not None:
                    args.extend(value.items)
                elif isinstance(value, ListV):
                    args.append(value.element())
                else:
                    args.append(UNKNOWN)
            else:
                args.append(value)
        return self.call(func, args, kwargs, node, frame)

    # -- calls --------------------------------------------------------------------------
    def call(
        self, func: Value, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        if isinstance(func, Func):
            return self.call_function(func, args, kwargs, node, frame)
        if isinstance(func, ClassRef):
            return self.instantiate(func.cls, args, kwargs, node, frame)
        if isinstance(func, Lib):
            return self.call_lib(func.name, args, kwargs, node, frame)
        if isinstance(func, Bound):
            return self.call_method(func.target, func.name, args, kwargs, node, frame)
        # an unknown callee: whatever we pass it is handed on
        name = _callee_name(node)
        if self.schedule(name, args, kwargs, node, frame):
            return UNKNOWN
        if isinstance(func, Unknown) and _looks_like_http(name, args, kwargs):
            # `session.get(url)` on a session passed in untyped: an HTTP call all the same
            return self.client_method(
                Client("unknown", typed=True), name, args, kwargs, node, frame
            )
        self.hand_on(args, kwargs, name)
        return Unknown(
            source=_describe_source(name),
            stored=name in lib.STORAGE_READS or (isinstance(func, Unknown) and func.stored),
            name=name,
            made_in=frame.func_id,
        )

    def schedule(
        self,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        task: Func | None = None,
    ) -> bool:
        """A function handed to a scheduler runs later: evaluate it with that delay."""
        if name not in lib.SCHEDULERS:
            return False
        positional = list(args)
        delay = 0.0
        if task is None:
            for index, value in enumerate(positional):
                if isinstance(value, Func):
                    task = value
                    before, positional = positional[:index], positional[index + 1 :]
                    # sched.enter(delay, priority, action) and loop.call_later(delay, cb)
                    if before and isinstance(before[0], Num):
                        delay = before[0].n / 86400
                    if before and isinstance(before[0], Duration):
                        delay = before[0].days
                    break
        if task is None:
            for key in ("func", "target", "callback", "action"):
                if isinstance(kwargs.get(key), Func):
                    task = kwargs[key]  # type: ignore[assignment]
        if task is None:
            return False
        for key in ("run_date", "eta", "when", "run_at", "scheduled_time"):
            setting = kwargs.get(key)
            if isinstance(setting, Duration):
                delay = max(delay, setting.days)
        for key in ("countdown", "delay", "seconds", "enqueue_in", "time_delta"):
            setting = kwargs.get(key)
            if isinstance(setting, Num):
                delay = max(delay, setting.n / 86400)
            elif isinstance(setting, Duration):
                delay = max(delay, setting.days)
        for key in ("days", "weeks"):
            setting = kwargs.get(key)
            if isinstance(setting, Num):
                delay = max(delay, setting.n * (7 if key == "weeks" else 1))
        task_args = kwargs.get("args", kwargs.get("argument"))
        if isinstance(task_args, ListV) and task_args.items is not None:
            call_args = list(task_args.items)
        else:
            call_args = [v for v in positional if not isinstance(v, Str) or v.known is False]
        task_kwargs = kwargs.get("kwargs")
        call_kwargs = dict(task_kwargs.entries) if isinstance(task_kwargs, DictV) else {}
        self.call_function(task, call_args, call_kwargs, node, frame, delay=delay)
        return True

    def hand_on(self, args: list[Value], kwargs: dict[str, Value], name: str) -> None:
        if name in lib.LOGGING_SINKS:
            return
        for value in [*args, *kwargs.values()]:
            self.escape(value, returned=False)

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
        key = func.key
        depth = 0 if frame is None else frame.depth + 1
        memo_key: tuple[object, ...] | None = None
        if not entry:
            if depth > MAX_DEPTH or key in self.active:
                self.hand_on(args, kwargs, "")
                return UNKNOWN
            self.called.add(key)
            # Within one entry point, a function called again with the same abstract
            # arguments gives the same result: evaluate it once.
            memo_key = (
                key,
                _signature(func.bound_self),
                tuple(_signature(a) for a in args),
                tuple(sorted((k, _signature(v)) for k, v in kwargs.items())),
                delay,
                frame.delay_days if frame is not None else 0.0,
            )
            if memo_key in self.memo:
                return self.memo[memo_key][0]
        node_def = func.node
        self_value = func.bound_self
        cls = func.cls
        decorators = {_decorator_name(d) for d in node_def.decorators}
        if entry and cls is not None and self_value is None and "staticmethod" not in decorators:
            self_value = (
                self.default_instance(cls) if "classmethod" not in decorators else (ClassRef(cls))
            )
        chain = () if frame is None else (*frame.chain, frame.ref(node)) if node else frame.chain
        inner = Frame(
            func.module,
            node_def,
            {},
            chain,
            key if entry else (frame.entry if frame else key),
            depth,
            self_value,
            cls,
            func.closure,
        )
        inner.stack_durations = (frame.durations, *frame.stack_durations) if frame else ()
        if frame is not None:
            inner.loop_depth = frame.loop_depth
            inner.delay_days = frame.delay_days + delay
            inner.delayed_func = key if delay else frame.delayed_func
        self.bind_params(
            func, inner, args, kwargs, entry=entry, self_value=self_value, decorators=decorators
        )
        self.active.append(key)
        try:
            self.exec_suite(node_def.body, inner)
        finally:
            self.active.pop()
        if inner.yields:
            result: Value = ListV(
                elem=_join(inner.yields), source="a generator", bound=_common_bound(inner.yields)
            )
        else:
            result = _join(inner.returns)
        # stored data reaches the caller here: a late poll starts in the caller
        result = _retag(result, frame.func_id) if frame is not None else result
        if memo_key is not None:
            # the arguments stay referenced with the result: signatures hold their id()s,
            # and an id freed and reused by another value would hit the wrong entry
            self.memo[memo_key] = (result, (func.bound_self, *args, *kwargs.values()))
        return result

    def bind_params(
        self,
        func: Func,
        frame: Frame,
        args: list[Value],
        kwargs: dict[str, Value],
        *,
        entry: bool,
        self_value: Value | None,
        decorators: set[str],
    ) -> None:
        params = func.node.params
        positional = [*params.posonly_params, *params.params]
        if func.cls is not None and "staticmethod" not in decorators and positional:
            first = positional[0]
            frame.env[first.name.value] = self_value if self_value is not None else UNKNOWN
            positional = positional[1:]
        elif positional and _binds_task(func.node):
            # @shared_task(bind=True): the first parameter is the task itself
            frame.env[positional[0].name.value] = UNKNOWN
            positional = positional[1:]
        remaining = list(args)
        for param in [*positional, *params.kwonly_params]:
            name = param.name.value
            if remaining and param in positional:
                frame.env[name] = remaining.pop(0)
            elif name in kwargs:
                frame.env[name] = kwargs.pop(name)
            elif param.default is not None and not entry:
                frame.env[name] = self.eval(
                    param.default, Frame(func.module, None, func.module.env, (), None)
                )
            else:
                frame.env[name] = self.unknown_param(func, param)
        if isinstance(params.star_arg, cst.Param):
            frame.env[params.star_arg.name.value] = (
                ListV(items=remaining, size=len(remaining))
                if not entry
                else ListV(source="a function argument")
            )
        if params.star_kwarg is not None:
            open_kwargs = entry or "**" in kwargs
            rest = {k: v for k, v in kwargs.items() if k != "**"}
            frame.env[params.star_kwarg.name.value] = DictV(rest, open=open_kwargs)

    def unknown_param(self, func: Func, param: cst.Param) -> Value:
        """A parameter nobody passed: its annotation may still say what it is."""
        name = param.name.value
        if param.annotation is not None:
            typed = self.annotated_value(func.module, param.annotation.annotation)
            if typed is not None:
                return typed
        return Unknown(source="a function argument", name=name, param_of=func.key)

    def annotated_value(self, module: ModuleInfo, annotation: cst.BaseExpression) -> Value | None:
        frame = Frame(module, None, module.env, (), None)
        candidates: list[cst.BaseExpression] = []
        if isinstance(annotation, cst.SimpleString):
            try:
                annotation = cst.parse_expression(str(annotation.evaluated_value))
            except (cst.ParserSyntaxError, ValueError):
                return None
        # `X | None`, `Optional[X]`: look at every name in the annotation
        for node in _names_in(annotation):
            candidates.append(node)
        for node in candidates:
            value = self.eval(node, frame)
            if isinstance(value, ClassRef):
                return self.default_instance(value.cls)
            if isinstance(value, Lib) and _normalize_lib(value.name) in lib.CLIENT_CLASSES:
                return Client(lib.CLIENT_CLASSES[_normalize_lib(value.name)], typed=True)
        return None

    def stored_client(self, key: str, frame: Frame) -> Value | None:
        if key in self.stores:
            return self.stores[key]
        if frame.entry is not None:
            self.store_misses.setdefault(frame.entry, set()).add(key)
        return None

    def setting(self, name: str) -> Value | None:
        """A framework setting (``django.conf.settings.X``): the project's settings module."""
        for module_name, rels in sorted(self.project.by_module.items()):
            if module_name.split(".")[-1] != "settings" and not module_name.startswith("settings."):
                continue
            for rel in rels:
                info = self.module(rel)
                if info is None:
                    continue
                env = self.module_env(info)
                if name in env:
                    return env[name]
        return None

    def default_instance(self, cls: ClassInfo) -> Value:
        if cls.default_instance is None:
            instance = self.new_instance(cls)
            cls.default_instance = instance
            init = self.lookup_method(cls, "__init__")
            with contextlib.suppress(_Budget):
                if init is not None:
                    bound = Func(init.module, init.node, init.cls, instance)
                    self.call_function(bound, [], {}, None, None, entry=True)
                elif self.is_dataclass(cls):
                    self.init_dataclass(instance, [], {}, None, None)
        return cls.default_instance

    def is_dataclass(self, cls: ClassInfo, seen: int = 0) -> bool:
        if seen > 10:
            return False
        names = {_decorator_name(d) for d in cls.node.decorators}
        if names & {"dataclass", "define", "frozen", "mutable", "attrs", "s"}:
            return True
        return any(
            (isinstance(base, ClassRef) and self.is_dataclass(base.cls, seen + 1))
            or (isinstance(base, Lib) and base.name.rsplit(".", 1)[-1] in _MODEL_BASES)
            for base in self.class_bases(cls)
        )

    def dataclass_fields(self, cls: ClassInfo, seen: int = 0) -> list[cst.AnnAssign]:
        """Annotated class attributes in definition order, base classes first."""
        if seen > 10:
            return []
        fields: list[cst.AnnAssign] = []
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                fields.extend(self.dataclass_fields(base.cls, seen + 1))
        body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        annotation = cst.Module([]).code_for_node(small.annotation.annotation)
                        if "ClassVar" not in annotation:
                            fields.append(small)
        return fields

    def init_dataclass(
        self,
        instance: Instance,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame | None,
    ) -> None:
        """The __init__ a dataclass decorator writes: fields from arguments or defaults."""
        cls = instance.cls
        remaining = list(args)
        for field_node in self.dataclass_fields(cls):
            assert isinstance(field_node.target, cst.Name)
            name = field_node.target.value
            value: Value
            if remaining:
                value = remaining.pop(0)
            elif name in kwargs:
                value = kwargs[name]
            elif isinstance(kwargs.get("**"), Json):
                value = FieldOf(kwargs["**"], name)  # type: ignore[arg-type]
            else:
                value = self.dataclass_default(cls, field_node)
            instance.attrs[name] = value
        post_init = self.lookup_method(cls, "__post_init__")
        if post_init is not None:
            bound = Func(post_init.module, post_init.node, post_init.cls, instance)
            self.call_function(bound, [], {}, node, frame, entry=frame is None)

    def dataclass_default(self, cls: ClassInfo, field_node: cst.AnnAssign) -> Value:
        frame = Frame(cls.module, None, cls.module.env, (), None)
        default = field_node.value
        if default is None:
            return UNKNOWN
        if isinstance(default, cst.Call) and _dotted(default.func) in (
            "field",
            "dataclasses.field",
            "attr.ib",
            "attrs.field",
        ):
            for arg in default.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "default":
                    return self.eval(arg.value, frame)
                if arg.keyword.value in ("default_factory", "factory"):
                    factory = self.eval(arg.value, frame)
                    return self.call(factory, [], {}, default, frame)
            return UNKNOWN
        return self.eval(default, frame)

    def new_instance(self, cls: ClassInfo) -> Instance:
        instance = Instance(cls)
        kind = self.client_base_kind(cls)
        if kind is not None:
            instance.client = Client(kind)
        return instance

    def instantiate(
        self,
        cls: ClassInfo,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        # the same class built from the same arguments twice in one entry point: one object
        instance_key = (
            id(cls),
            tuple(_signature(a) for a in args),
            tuple(sorted((k, _signature(v)) for k, v in kwargs.items())),
        )
        known = self.instances.get(instance_key, (None, ()))[0]
        if known is not None:
            return known
        instance = self.new_instance(cls)
        self.instances[instance_key] = (instance, (*args, *kwargs.values()))
        init = self.lookup_method(cls, "__init__")
        if init is not None:
            self.call_function(
                Func(init.module, init.node, init.cls, instance), args, kwargs, node, frame
            )
        elif self.is_dataclass(cls):
            self.init_dataclass(instance, args, kwargs, node, frame)
        elif instance.client is not None:
            self.configure_client(instance.client, args, kwargs)
        else:
            # an ORM model or a base class's __init__ we cannot see: keyword arguments
            # become attributes (Job(job_id=...) keeps the job id on the row)
            instance.attrs.update((k, v) for k, v in kwargs.items() if k != "**")
            if args:
                self.hand_on(args, {}, "")
        return instance

    def class_attrs(self, cls: ClassInfo) -> dict[str, Value]:
        if cls.attrs is None:
            cls.attrs = {}
            frame = Frame(cls.module, None, cls.attrs, (), None, closure=cls.module.env)
            frame.unit = cls.module.units.get(id(cls.node), cls.node)
            body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
            for statement in body:
                if isinstance(statement, cst.SimpleStatementLine):
                    self.exec_statement(statement, frame)
        return cls.attrs

    def class_bases(self, cls: ClassInfo) -> list[Value]:
        if cls.bases is None:
            cls.bases = []
            frame = Frame(cls.module, None, cls.module.env, (), None)
            for base in cls.node.bases:
                cls.bases.append(self.eval(base.value, frame))
        return cls.bases

    def client_base_kind(self, cls: ClassInfo, seen: int = 0) -> str | None:
        if seen > 10:
            return None
        for base in self.class_bases(cls):
            if isinstance(base, Lib) and base.name in lib.CLIENT_CLASSES:
                return lib.CLIENT_CLASSES[base.name]
            if isinstance(base, ClassRef):
                kind = self.client_base_kind(base.cls, seen + 1)
                if kind is not None:
                    return kind
        return None

    @dataclass(frozen=True)
    class _Method:
        module: ModuleInfo
        node: cst.FunctionDef
        cls: ClassInfo

    def lookup_method(self, cls: ClassInfo, name: str, seen: int = 0) -> Analyzer._Method | None:
        if seen > 10:
            return None
        if name in cls.methods:
            return Analyzer._Method(cls.module, cls.methods[name], cls)
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                found = self.lookup_method(base.cls, name, seen + 1)
                if found is not None:
                    return found
        return None

    def lookup_class_attr(self, cls: ClassInfo, name: str, seen: int = 0) -> Value | None:
        if seen > 10:
            return None
        attrs = self.class_attrs(cls)
        if name in attrs:
            return attrs[name]
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                found = self.lookup_class_attr(base.cls, name, seen + 1)
                if found is not None:
                    return found
        return None

    # -- attributes ---------------------------------------------------------------------
    def attribute(self, owner: Value, attr: str, node: cst.CSTNode, frame: Frame) -> Value:
        if isinstance(owner, ModuleRef):
            env = self.module_env(owner.module)
            if attr in env:
                value = env[attr]
                if isinstance(value, Str) and frame.func is not None:
                    return Str(value.text, value.slots, (*value.origins, frame.ref(node)))
                return value
            sub = self.project.resolve_module(f"{owner.module.name}.{attr}", frame.module.rel_path)
            info = self.module(sub) if sub is not None else None
            return ModuleRef(info) if info is not None else UNKNOWN
        if isinstance(owner, Lib):
            if owner.name in _SETTINGS_OBJECTS:
                found = self.setting(attr)
                if found is not None:
                    return found
            return Lib(f"{owner.name}.{attr}")
        if isinstance(owner, Instance):
            return self.instance_attribute(owner, attr, node, frame)
        if isinstance(owner, SuperRef):
            for base in self.class_bases(owner.cls):
                if isinstance(base, ClassRef):
                    method = self.lookup_method(base.cls, attr)
                    if method is not None:
                        return Func(method.module, method.node, method.cls, owner.instance)
                elif isinstance(base, Lib) and isinstance(owner.instance, Instance):
                    if owner.instance.client is not None:
                        return Bound(owner.instance.client, attr)
            return UNKNOWN
        if isinstance(owner, ClassRef):
            if attr in _MODEL_CONSTRUCTORS and self.is_dataclass(owner.cls):
                return Bound(owner, attr)
            method = self.lookup_method(owner.cls, attr)
            if method is not None:
                decorators = {_decorator_name(d) for d in method.node.decorators}
                bound_self = ClassRef(owner.cls) if "classmethod" in decorators else None
                return Func(method.module, method.node, method.cls, bound_self)
            found = self.lookup_class_attr(owner.cls, attr)
            return found if found is not None else UNKNOWN
        if isinstance(owner, Client):
            if attr == "headers":
                return owner.headers
            if attr == "params":
                return owner.params
            if attr == "base_url":
                return owner.base_url or UNKNOWN
            return Bound(owner, attr)
        if isinstance(owner, Response):
            record = owner.call
            if attr in (
                "status_code",
                "ok",
                "status",
                "reason",
                "is_success",
                "is_error",
                "raise_for_status",
                "getcode",
                "code",
            ):
                record.status_checked = True
                return Bound(owner, attr) if attr in ("raise_for_status", "getcode") else UNKNOWN
            if attr in ("text", "content", "body"):
                record.body_used = True
                return Json(record)
            if attr == "links":
                return Json(record, ("links",))
            if attr == "headers":
                return Json(record, ("headers",))
            return Bound(owner, attr)
        if isinstance(owner, Json | DictV | Str | ListV | RequestObj | Func):
            return Bound(owner, attr)
        if isinstance(owner, Unknown):
            stored = self.stored_client("." + attr, frame)
            if stored is not None:
                return stored
            return replace(owner, source=owner.source or f"`.{attr}`", name=attr)
        return UNKNOWN

    def instance_attribute(
        self, owner: Instance, attr: str, node: cst.CSTNode, frame: Frame
    ) -> Value:
        if attr in owner.attrs:
            value = owner.attrs[attr]
            if isinstance(value, FieldOf):
                return self.read_key(value.data, value.key, node, frame)
            return value
        method = self.lookup_method(owner.cls, attr)
        if method is not None:
            decorators = {_decorator_name(d) for d in method.node.decorators}
            func = Func(method.module, method.node, method.cls, owner)
            if "property" in decorators or "cached_property" in decorators:
                return self.call_function(func, [], {}, None, frame)
            return func
        found = self.lookup_class_attr(owner.cls, attr)
        if found is not None:
            return found
        if owner.client is not None:
            return self.attribute(owner.client, attr, node, frame)
        return UNKNOWN

    # -- items and slices ---------------------------------------------------------------
    def item(self, owner: Value, key: Value, node: cst.CSTNode, frame: Frame) -> Value:
        if isinstance(owner, OneOf):
            return OneOf(tuple(self.item(o, key, node, frame) for o in owner.options))
        if isinstance(owner, Json):
            if isinstance(key, Str) and key.known:
                return self.read_key(owner, key.text, node, frame)
            if isinstance(key, Num):
                if key.n == 0 or key.n == -1:
                    owner.call.first_only = True
                return Json(owner.call, (*owner.path, "[]"))
            return Json(owner.call, (*owner.path, "*"))
        if isinstance(owner, DictV):
            if isinstance(key, Str) and key.known:
                found = owner.get_ci(key.text)
                if found is not None:
                    return found
            return owner.elem if owner.elem is not None else UNKNOWN
        if isinstance(owner, ListV):
            if isinstance(key, Num) and owner.items is not None:
                index = key.as_int
                if index is not None and -len(owner.items) <= index < len(owner.items):
                    return owner.items[index]
            if isinstance(owner.origin, Json) and isinstance(key, Num) and key.n in (0, -1):
                owner.origin.call.first_only = True
            return owner.element()
        if isinstance(owner, Client | Instance):
            return UNKNOWN
        if isinstance(owner, Lib) and owner.name == "os.environ":
            name = key.text if isinstance(key, Str) and key.known else ""
            return hole(Unknown(source="the environment", name=name))
        if isinstance(owner, Lib) and owner.name == "sys.argv":
            return Unknown(source="the command line")
        if isinstance(owner, Unknown):
            if isinstance(key, Str) and key.known:
                stored = self.stored_client(key.text, frame)
                if stored is not None:
                    return stored
            name = key.text if isinstance(key, Str) and key.known else owner.name
            return replace(owner, name=name)
        return UNKNOWN

    def read_key(self, owner: Json, key: str, node: cst.CSTNode, frame: Frame) -> Value:
        record = owner.call
        record.reads.append((key, frame.ref(node)))
        if key.lower() in self.catalog.next_link_keys or (
            owner.path and owner.path[-1] in ("links", "meta", "pagination")
        ):
            record.next_link = True
        return Json(record, (*owner.path, key))

    def slice_of(self, owner: Value, sl: cst.Slice, frame: Frame) -> Value:
        lower = self.eval(sl.lower, frame) if sl.lower is not None else Num(0)
        upper = self.eval(sl.upper, frame) if sl.upper is not None else None
        bound: int | None = None
        if isinstance(upper, Num) and isinstance(lower, Num):
            span = upper.as_int
            if span is not None:
                bound = max(0, span - (lower.as_int or 0))
        elif (
            sl.upper is not None
            and sl.lower is not None
            and isinstance(sl.upper, cst.BinaryOperation)
            and isinstance(sl.upper.operator, cst.Add)
            and sl.upper.left.deep_equals(sl.lower)
        ):
            step = self.eval(sl.upper.right, frame)
            if isinstance(step, Num):
                bound = step.as_int
        if isinstance(owner, ListV) and owner.items is not None and bound is not None:
            start = lower.as_int if isinstance(lower, Num) and lower.as_int is not None else None
            if start is not None and isinstance(upper, Num) and upper.as_int is not None:
                items = owner.items[start : upper.as_int]
                return ListV(items=items, size=len(items), source=owner.source, origin=owner)
        if isinstance(owner, Str):
            return hole(owner)
        source = _source_of(owner)
        return ListV(
            bound=bound,
            source=source or "a slice",
            origin=owner,
            elem=owner.element() if isinstance(owner, ListV) else UNKNOWN,
        )

    def iterate(self, value: Value, frame: Frame, *, first_only: bool = False) -> Value:
        """The value of one element when iterating ``value``; notes uses of response data."""
        if isinstance(value, Json):
            if not first_only:
                value.call.complete_use = True
            return Json(value.call, (*value.path, "[]"))
        if isinstance(value, ListV):
            if isinstance(value.origin, Json) and not first_only:
                value.origin.call.complete_use = True
            if (
                value.items
                and len(value.items) > 1
                and any(isinstance(v, Json | Response | OneOf) for v in value.items)
            ):
                # responses collected in a loop: each of them is iterated over
                return OneOf(tuple(value.items))
            element = value.element()
            if isinstance(element, Unknown) and value.source and not element.source:
                return Unknown(
                    source=value.source,
                    stored=_stored_source(value.source),
                    made_in=frame.func_id,
                )
            return element
        if isinstance(value, DictV):
            return Str(HOLE, (UNKNOWN,))
        if isinstance(value, Unknown):
            return replace(value, name=_singular(value.name))
        if isinstance(value, Response):
            value.call.body_used = True
            return Json(value.call, ("[]",))
        return UNKNOWN

    # -- library calls ------------------------------------------------------------------
    def call_lib(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        name = _normalize_lib(name)
        short = name.rsplit(".", 1)[-1]
        module = name.rsplit(".", 1)[0] if "." in name else ""
        if module in lib.REQUEST_FUNCTIONS and short in lib.HTTP_VERBS:
            url = args[0] if args else kwargs.pop("url", UNKNOWN)
            return self.http_call(
                None, short.upper(), url, kwargs, node, frame, stack=lib.REQUEST_FUNCTIONS[module]
            )
        if module in lib.REQUEST_FUNCTIONS and short == "request":
            method = args[0] if args else kwargs.pop("method", UNKNOWN)
            url = args[1] if len(args) > 1 else kwargs.pop("url", UNKNOWN)
            return self.http_call(
                None,
                _method_name(method),
                url,
                kwargs,
                node,
                frame,
                stack=lib.REQUEST_FUNCTIONS[module],
            )
        if name in lib.CLIENT_CLASSES:
            client = Client(lib.CLIENT_CLASSES[name])
            self.configure_client(client, args, kwargs)
            self.clients.append(client)
            return client
        if name in ("requests.Request", "requests.models.Request", "httpx.Request"):
            # a request built first and sent later (session.send(request.prepare()))
            method_arg = args[0] if args else kwargs.get("method", UNKNOWN)
            url_arg = args[1] if len(args) > 1 else kwargs.get("url", UNKNOWN)
            request_headers = kwargs.get("headers", DictV())
            return RequestObj(
                url_arg,
                request_headers if isinstance(request_headers, DictV) else DictV(open=True),
                _method_name(method_arg),
                kwargs.get("json", kwargs.get("data")),
                frame.ref(node),
            )
        if name in lib.URLLIB_REQUEST:
            url = args[0] if args else kwargs.get("url", UNKNOWN)
            body = args[1] if len(args) > 1 else kwargs.get("data")
            headers = args[2] if len(args) > 2 else kwargs.get("headers", DictV())
            method_value = kwargs.get("method")
            return RequestObj(
                url,
                headers if isinstance(headers, DictV) else DictV(open=True),
                _method_name(method_value) if method_value is not None else None,
                body,
                frame.ref(node),
            )
        if name in ("urllib.request.build_opener", "urllib2.build_opener"):
            return Client("urllib")
        if name in lib.URLOPEN:
            target = args[0] if args else kwargs.get("url", UNKNOWN)
            return self.urlopen(
                target, args[1] if len(args) > 1 else kwargs.get("data"), node, frame
            )
        if name in lib.URLJOIN:
            base = as_str(args[0]) if args else Str(HOLE, (UNKNOWN,))
            path = as_str(args[1]) if len(args) > 1 else Str(HOLE, (UNKNOWN,))
            return _urljoin(base, path)
        if name in lib.URLENCODE:
            return self.urlencode(args[0] if args else UNKNOWN)
        if name in lib.CHUNKERS:
            size_index, seq_index = lib.CHUNKERS[name]
            size = args[size_index] if len(args) > size_index else kwargs.get("n", UNKNOWN)
            seq = args[seq_index] if len(args) > seq_index else UNKNOWN
            bound = size.as_int if isinstance(size, Num) else None
            return ListV(
                elem=ListV(bound=bound, source=_source_of(seq), origin=seq),
                source=_source_of(seq),
                origin=seq,
            )
        if name == "itertools.islice":
            seq = args[0] if args else UNKNOWN
            stop = args[-1] if len(args) > 1 else UNKNOWN
            return ListV(
                bound=stop.as_int if isinstance(stop, Num) else None,
                source=_source_of(seq),
                origin=seq,
            )
        if name in lib.TIMEDELTA:
            days = 0.0
            factors = {
                "days": 1,
                "weeks": 7,
                "hours": 1 / 24,
                "minutes": 1 / 1440,
                "seconds": 1 / 86400,
            }
            if args and isinstance(args[0], Num):
                days += args[0].n
            for key, factor in factors.items():
                value = kwargs.get(key)
                if isinstance(value, Num):
                    days += value.n * factor
            return Duration(days)
        if name in ("copy.copy", "copy.deepcopy") and args:
            arg = args[0]
            return arg.copy() if isinstance(arg, DictV) else arg
        if short in ("DataFrame", "json_normalize", "from_records", "from_dict") and args:
            # a table of the response's items: its columns are the items' keys
            table = args[0]
            if isinstance(table, Json):
                table.call.complete_use = True
                return Json(table.call, (*table.path, "[]"))
            if isinstance(table, ListV) and isinstance(table.origin, Json):
                table.origin.call.complete_use = True
                return Json(table.origin.call, (*table.origin.path, "[]"))
        if name in ("json.load", "json.loads"):
            arg = args[0] if args else UNKNOWN
            if isinstance(arg, Json):
                return Json(arg.call, arg.path)
            if isinstance(arg, Response):
                arg.call.body_used = True
                return Json(arg.call)
            return Unknown(source="a file", stored=True, made_in=frame.func_id)
        if name in ("csv.reader", "csv.DictReader"):
            return ListV(
                source="a file", elem=Unknown(source="a file", stored=True, made_in=frame.func_id)
            )
        if name in ("os.getenv", "os.environ.get"):
            env_key = args[0] if args else UNKNOWN
            default = args[1] if len(args) > 1 else UNKNOWN
            env_name = env_key.text if isinstance(env_key, Str) and env_key.known else ""
            if isinstance(default, Str):
                return default
            return hole(Unknown(source="the environment", name=env_name))
        if name in ("asyncio.gather", "asyncio.wait", "trio.gather"):
            return ListV(elem=_join(args), source="gathered results")
        if name == "functools.partial" and args:
            return args[0] if isinstance(args[0], Func) else UNKNOWN
        if name.startswith("builtins."):
            return self.call_builtin(short, args, kwargs, node, frame)
        if self.schedule(short, args, kwargs, node, frame):
            return UNKNOWN
        self.hand_on(args, kwargs, short)
        stored = short in lib.STORAGE_READS or module in ("pickle", "shelve", "sqlite3", "redis")
        return Unknown(
            source=_describe_source(short), stored=stored, name=short, made_in=frame.func_id
        )

    def configure_client(self, client: Client, args: list[Value], kwargs: dict[str, Value]) -> None:
        base = kwargs.get("base_url")
        if base is None and client.kind == "aiohttp" and args:
            base = args[0]
        if base is not None:
            client.base_url = base
        headers = kwargs.get("headers")
        if isinstance(headers, DictV):
            client.headers = headers.copy()
        elif headers is not None:
            client.headers = DictV(open=True)
        params = kwargs.get("params")
        if isinstance(params, DictV):
            client.params = params.copy()

    def call_builtin(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        arg = args[0] if args else UNKNOWN
        if name == "len":
            if isinstance(arg, ListV) and arg.items is not None:
                return Num(len(arg.items))
            if isinstance(arg, ListV) and isinstance(arg.origin, Json):
                arg.origin.call.complete_use = True
                return LenOf(arg.origin.call)
            if isinstance(arg, Json):
                arg.call.complete_use = True
                return LenOf(arg.call)
            return UNKNOWN
        if name in ("list", "tuple", "sorted", "set", "reversed", "frozenset"):
            if isinstance(arg, Json):
                arg.call.complete_use = True
                return ListV(
                    origin=arg, elem=Json(arg.call, (*arg.path, "[]")), source="an API response"
                )
            if isinstance(arg, ListV):
                if isinstance(arg.origin, Json):
                    arg.origin.call.complete_use = True
                return ListV(
                    items=list(arg.items) if arg.items is not None else None,
                    size=arg.size,
                    bound=arg.bound,
                    elem=arg.elem,
                    source=arg.source,
                    origin=arg.origin,
                )
            if isinstance(arg, Unknown):
                return ListV(
                    source=arg.source or "other data",
                    elem=replace(arg, name=""),
                    origin=arg,
                )
            return ListV(source="other data")
        if name == "range":
            nums = [a.as_int for a in args if isinstance(a, Num) and a.as_int is not None]
            if len(nums) == len(args) and args:
                start, stop = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
                step = nums[2] if len(nums) > 2 else 1
                size = len(range(start, stop, step or 1)) if step else 0
                if size <= 1000:
                    return ListV(
                        items=[Num(i) for i in range(start, stop, step or 1)],
                        size=size,
                        source="a range",
                    )
                return ListV(size=size, elem=UNKNOWN, source="a range")
            return ListV(source="a range", elem=Num(0))
        if name in ("enumerate",):
            element = self.iterate(arg, frame)
            return ListV(
                elem=ListV(items=[Num(0), element], size=2),
                source=_source_of(arg),
                origin=arg if isinstance(arg, Json) else None,
            )
        if name == "zip":
            elements = [self.iterate(a, frame) for a in args]
            return ListV(elem=ListV(items=elements, size=len(elements)), source="zip")
        if name in ("map", "filter"):
            seq = args[1] if len(args) > 1 else UNKNOWN
            if isinstance(seq, ListV):
                return ListV(
                    size=seq.size if name == "map" else None,
                    bound=seq.bound
                    if seq.bound is not None
                    else (seq.size if name == "filter" else None),
                    source=seq.source,
                    origin=seq,
                    elem=UNKNOWN,
                )
            if isinstance(seq, Json):
                seq.call.complete_use = True
            return ListV(source=_source_of(seq), origin=seq)
        if name in ("str", "repr"):
            return as_str(arg) if args else Str("")
        if name in ("int", "float"):
            if isinstance(arg, Num):
                return arg
            if isinstance(arg, Str) and arg.known:
                try:
                    return Num(float(arg.text))
                except ValueError:
                    return UNKNOWN
            return arg if isinstance(arg, Unknown) else UNKNOWN
        if name == "dict":
            result = DictV()
            if isinstance(arg, DictV):
                result = arg.copy()
            elif args:
                result.open = True
            for key, value in kwargs.items():
                if key == "**":
                    result.open = True
                else:
                    result.set_ci(key, value, frame.ref(node))
            return result
        if name == "next":
            return self.iterate(arg, frame, first_only=True)
        if name == "iter":
            return arg
        if name == "open":
            return Unknown(source="a file", stored=True, made_in=frame.func_id)
        if name == "input":
            return Unknown(source="user input")
        if name == "super":
            if frame.cls is not None and frame.self_value is not None:
                return SuperRef(frame.self_value, frame.cls)
            return UNKNOWN
        if name == "getattr" and len(args) >= 2:
            attr_name = args[1]
            if isinstance(attr_name, Str) and attr_name.known:
                return self.attribute(args[0], attr_name.text, node, frame)
            return UNKNOWN
        if name in ("min", "max") and len(args) == 2:
            a, b = args
            if isinstance(a, Num) and isinstance(b, Num):
                return Num(min(a.n, b.n) if name == "min" else max(a.n, b.n))
            return a if isinstance(a, Num) else b if isinstance(b, Num) else UNKNOWN
        if name in _OPAQUE_BUILTINS:
            if name in ("sum", "any", "all") and isinstance(arg, Json):
                arg.call.complete_use = True
            return UNKNOWN
        if name in lib.LOGGING_SINKS:
            return UNKNOWN
        self.hand_on(args, kwargs, name)
        return UNKNOWN

    # -- methods on values --------------------------------------------------------------
    def call_method(
        self,
        target: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if isinstance(target, ClassRef) and name in _MODEL_CONSTRUCTORS and args:
            # Model.model_validate(item): the model's fields come from the data's keys
            return self.instantiate(target.cls, [], {"**": args[0]}, node, frame)
        if isinstance(target, Func):
            # Celery and friends: task.delay(...) runs now-ish, apply_async may run later
            if name in ("delay", "apply", "s", "si", "send", "defer", "enqueue"):
                return self.call_function(target, args, kwargs, node, frame)
            if name in ("apply_async", "schedule", "enqueue_in", "enqueue_at"):
                self.schedule("apply_async", args, kwargs, node, frame, task=target)
                return UNKNOWN
            return UNKNOWN
        if isinstance(target, Client):
            return self.client_method(target, name, args, kwargs, node, frame)
        if isinstance(target, Response):
            record = target.call
            if name == "json":
                record.body_used = True
                return Json(record)
            if name in ("raise_for_status", "getcode"):
                record.status_checked = True
                return UNKNOWN
            if name in ("read", "text", "iter_content", "iter_lines", "aread", "content"):
                record.body_used = True
                return Json(record)
            if name in ("close", "release"):
                return UNKNOWN
            return UNKNOWN
        if isinstance(target, Json):
            return self.json_method(target, name, args, node, frame)
        if isinstance(target, DictV):
            return self.dict_method(target, name, args, kwargs, node, frame)
        if isinstance(target, Str):
            return self.str_method(target, name, args, kwargs)
        if isinstance(target, ListV):
            if name in ("append", "add") and args:
                if target.shared:
                    self.keep(args[0])
                if target.items is not None:
                    target.items.append(args[0])
                    target.size = len(target.items)
                elif isinstance(target.elem, Unknown):
                    target.elem = args[0]
                else:
                    target.elem = OneOf((target.elem, args[0]))
                return UNKNOWN
            if name == "extend" and args:
                self.mark_complete(args[0])
                target.items = None
                target.size = None
                if isinstance(args[0], Json):
                    target.origin = args[0]
                    target.elem = Json(args[0].call, (*args[0].path, "[]"))
                return UNKNOWN
            if name in ("copy",):
                return ListV(
                    items=list(target.items) if target.items is not None else None,
                    size=target.size,
                    bound=target.bound,
                    elem=target.elem,
                    source=target.source,
                    origin=target.origin,
                )
            if name == "pop":
                return target.element()
            return UNKNOWN
        if isinstance(target, RequestObj):
            if name == "prepare":
                return target
            if name in ("add_header", "add_unredirected_header") and len(args) >= 2:
                key = args[0]
                if isinstance(key, Str) and key.known:
                    target.headers.set_ci(key.text, args[1], frame.ref(node))
            return UNKNOWN
        return UNKNOWN

    def client_method(
        self,
        client: Client,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if name in lib.HTTP_VERBS:
            url = args[0] if args else kwargs.pop("url", UNKNOWN)
            return self.http_call(client, name.upper(), url, kwargs, node, frame, stack=client.kind)
        if name in ("request", "stream"):
            method = args[0] if args else kwargs.pop("method", UNKNOWN)
            url = args[1] if len(args) > 1 else kwargs.pop("url", UNKNOWN)
            return self.http_call(
                client, _method_name(method), url, kwargs, node, frame, stack=client.kind
            )
        if name == "build_request":
            method = args[0] if args else kwargs.get("method", UNKNOWN)
            url = args[1] if len(args) > 1 else kwargs.get("url", UNKNOWN)
            headers = kwargs.get("headers", DictV())
            return RequestObj(
                url,
                headers if isinstance(headers, DictV) else DictV(open=True),
                _method_name(method),
                kwargs.get("json"),
                frame.ref(node),
            )
        if name == "send" and args and isinstance(args[0], RequestObj):
            return self.send_request(client, args[0], node, frame)
        if name == "prepare_request" and args and isinstance(args[0], RequestObj):
            return args[0]
        if name == "open" and client.kind == "urllib" and args:
            target = args[0]
            if isinstance(target, RequestObj):
                verb = target.method or ("POST" if target.body is not None else "GET")
                return self.http_call(
                    client,
                    verb,
                    target.url,
                    {"headers": target.headers},
                    node,
                    frame,
                    stack="urllib",
                )
            data = args[1] if len(args) > 1 else kwargs.get("data")
            return self.http_call(
                client,
                "POST" if data is not None else "GET",
                target,
                {},
                node,
                frame,
                stack="urllib",
            )
        return UNKNOWN

    def json_method(
        self, target: Json, name: str, args: list[Value], node: cst.Call, frame: Frame
    ) -> Value:
        if name in ("get", "pop", "setdefault") and args:
            key = args[0]
            if isinstance(key, Str) and key.known:
                return self.read_key(target, key.text, node, frame)
            return Json(target.call, (*target.path, "*"))
        if name in ("items", "values"):
            return Json(target.call, (*target.path, f"{name}()"))
        if name == "keys":
            return UNKNOWN
        if name == "copy":
            return target
        return UNKNOWN

    def dict_method(
        self,
        target: DictV,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if name == "update":
            for arg in args:
                if isinstance(arg, DictV):
                    for key, value in arg.entries.items():
                        target.set_ci(key, value, arg.keys_nodes.get(key))
                    target.open = target.open or arg.open
                else:
                    target.open = True
            for key, value in kwargs.items():
                if key == "**":
                    target.open = True
                else:
                    target.set_ci(key, value, frame.ref(node))
            return UNKNOWN
        if name in ("get", "setdefault", "pop") and args:
            lookup = args[0]
            if isinstance(lookup, Str) and lookup.known:
                found = target.get_ci(lookup.text)
                if found is not None:
                    return found
                if name == "setdefault" and len(args) > 1:
                    target.set_ci(lookup.text, args[1], frame.ref(node))
            if target.elem is not None:
                return target.elem
            return args[1] if len(args) > 1 else UNKNOWN
        if name == "copy":
            return target.copy()
        values = [*target.entries.values(), *([target.elem] if target.elem is not None else [])]
        if name == "values":
            return ListV(elem=_join(values), source="a dict")
        if name == "items":
            return ListV(
                elem=ListV(items=[Str(HOLE, (UNKNOWN,)), _join(values)], size=2), source="a dict"
            )
        if name == "keys":
            return ListV(source="a dict")
        return UNKNOWN

    def str_method(
        self, target: Str, name: str, args: list[Value], kwargs: dict[str, Value]
    ) -> Value:
        if name == "format":
            return self.str_format(target, args, kwargs)
        if name == "join" and args:
            seq = args[0]
            if isinstance(seq, ListV) and seq.items is not None:
                parts = [as_str(item) for item in seq.items]
                if all(p.known for p in parts):
                    return Str(
                        target.text.join(p.text for p in parts),
                        (),
                        tuple(o for p in parts for o in p.origins),
                    )
            if isinstance(seq, Json):
                seq.call.complete_use = True
            return Str(HOLE, (Joined(seq),))
        if name in (
            "strip",
            "rstrip",
            "lstrip",
            "lower",
            "upper",
            "removesuffix",
            "removeprefix",
            "encode",
            "decode",
            "casefold",
            "title",
        ):
            if name in ("encode", "decode"):
                return target
            if target.known:
                try:
                    method = getattr(target.text, name)
                    call_args = [a.text for a in args if isinstance(a, Str) and a.known]
                    result = method(*call_args) if name not in ("encode", "decode") else target.text
                    return Str(result, (), target.origins)
                except (TypeError, ValueError):
                    return target
            return target
        if name == "replace" and len(args) >= 2 and target.known:
            old, new = args[0], args[1]
            if isinstance(old, Str) and isinstance(new, Str) and old.known and new.known:
                return Str(target.text.replace(old.text, new.text), (), target.origins)
        if name == "split":
            if target.known:
                sep = args[0].text if args and isinstance(args[0], Str) and args[0].known else None
                pieces = target.text.split(sep)
                return ListV(
                    items=[Str(p) for p in pieces], size=len(pieces), source="a literal list"
                )
            return ListV(source=_source_of(target.slots[0]) if target.slots else "a string")
        return UNKNOWN

    def str_format(self, template: Str, args: list[Value], kwargs: dict[str, Value]) -> Str:
        if not template.known:
            return hole(template)
        parts: list[Str] = []
        auto = 0
        try:
            parsed = list(string.Formatter().parse(template.text))
        except ValueError:
            return hole(template)
        for literal, field_name, _spec, _conv in parsed:
            if literal:
                parts.append(Str(literal))
            if field_name is None:
                continue
            head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
            value: Value
            if head == "":
                value = args[auto] if auto < len(args) else UNKNOWN
                auto += 1
            elif head.isdigit():
                index = int(head)
                value = args[index] if index < len(args) else UNKNOWN
            else:
                value = kwargs.get(head, UNKNOWN)
            if head != field_name:
                value = UNKNOWN
            parts.append(as_str(value))
        result = concat(*parts)
        return Str(result.text, result.slots, (*template.origins, *result.origins))

    def percent_format(self, template: Str, values: Value) -> Value:
        if not template.known:
            return hole(template)
        items = values.items if isinstance(values, ListV) and values.items is not None else [values]
        parts: list[Str] = []
        pos = 0
        index = 0
        for match in re.finditer(
            r"%(\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc%]", template.text
        ):
            parts.append(Str(template.text[pos : match.start()]))
            if match.group(0) == "%%":
                parts.append(Str("%"))
            elif match.group(1):
                key = match.group(1)[1:-1]
                value = values.get_ci(key) if isinstance(values, DictV) else None
                parts.append(as_str(value if value is not None else UNKNOWN))
            else:
                parts.append(as_str(items[index] if index < len(items) else UNKNOWN))
                index += 1
            pos = match.end()
        parts.append(Str(template.text[pos:]))
        result = concat(*parts)
        return Str(result.text, result.slots, (*template.origins, *result.origins))

    def urlencode(self, value: Value) -> Value:
        if not isinstance(value, DictV):
            return hole(value)
        parts: list[Str] = []
        for key, item in value.entries.items():
            if parts:
                parts.append(Str("&"))
            parts.append(Str(f"{key}="))
            parts.append(as_str(item))
        return concat(*parts)

    # -- HTTP calls ---------------------------------------------------------------------
    def urlopen(self, target: Value, data: Value | None, node: cst.Call, frame: Frame) -> Value:
        if isinstance(target, RequestObj):
            method = target.method or ("POST" if target.body is not None else "GET")
            kwargs: dict[str, Value] = {"headers": target.headers}
            if target.body is not None:
                kwargs["data"] = target.body
            return self.http_call(None, method, target.url, kwargs, node, frame, stack="urllib")
        method = "POST" if data is not None else "GET"
        return self.http_call(
            None,
            method,
            target,
            {} if data is None else {"data": data},
            node,
            frame,
            stack="urllib",
        )

    def send_request(
        self, client: Client, request: RequestObj, node: cst.Call, frame: Frame
    ) -> Value:
        kwargs: dict[str, Value] = {"headers": request.headers}
        return self.http_call(
            client, request.method, request.url, kwargs, node, frame, stack=client.kind
        )

    def http_call(
        self,
        client: Client | None,
        method: str | None,
        url_value: Value,
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        *,
        stack: str,
    ) -> Value:
        url = as_str(url_value)
        if client is not None and client.base_url is not None and not _is_absolute(url.text):
            base = as_str(client.base_url)
            if base.text.endswith("/") and url.text.startswith("/"):
                url = concat(Str(base.text[:-1], base.slots, base.origins), url)
            elif not base.text.endswith("/") and url.text and not url.text.startswith("/"):
                url = concat(base, Str("/"), url)
            else:
                url = concat(base, url)
        headers = DictV()
        if client is not None:
            headers = client.headers.copy()
        call_headers = kwargs.get("headers")
        if isinstance(call_headers, DictV):
            for key, value in call_headers.entries.items():
                headers.set_ci(key, value, call_headers.keys_nodes.get(key))
            headers.open = headers.open or call_headers.open
        elif call_headers is not None:
            headers.open = True
        params = DictV()
        if client is not None:
            params = client.params.copy()
        call_params = kwargs.get("params")
        if isinstance(call_params, DictV):
            for key, value in call_params.entries.items():
                params.set_ci(key, value)
            params.open = params.open or call_params.open
        elif isinstance(call_params, ListV):
            for key, value in _pair_params(call_params).items():
                params.set_ci(key, value)
        elif call_params is not None:
            params.open = True
        if "**" in kwargs:
            params.open = True
            headers.open = True
        split = split_url(url.text)
        for key, value in _query_params(url):
            params.set_ci(key, value)
        body = kwargs.get("json", kwargs.get("data"))
        record = CallRecord(
            in_loop=frame.loop_depth > 0,
            site=frame.ref(node),
            chain=(*frame.chain, frame.ref(node)),
            entry=frame.entry,
            method=method,
            url=url,
            headers=headers,
            params=params,
            body=body,
            segments=split.segments,
        )
        accept = headers.get_ci("accept")
        accept_text = as_str(accept).text if accept is not None else ""
        record.is_dokeos = self.catalog.is_dokeos_host(split.host) or (
            self.catalog.names_dokeos_media_type(accept_text)
        )
        record.stack = stack
        record.typed_client = (
            client is not None and client.typed and split.host is None and accept is None
        )
        record.endpoint = self.catalog.endpoint_of(method, split.segments)
        if record.endpoint is not None:
            evidence = url.text + " " + _body_evidence(body)
            operation = self.catalog.async_operation(record.endpoint, evidence)
            record.async_change = operation.change if operation is not None else None
        if record.endpoint == self.catalog.job_poll.text:
            self.note_poll(record, url, frame)
        self.records.append(record)
        return Response(record)

    def note_poll(self, record: CallRecord, url: Str, frame: Frame) -> None:
        fresh = False
        kept: Unknown | None = None
        for slot in url.slots:
            for value in walk_values(slot):
                if isinstance(value, Json) and value.call.async_change is not None:
                    value.call.job_followed = True
                    fresh = True
                elif isinstance(value, Unknown) and value.stored:
                    kept = value
        if frame.delay_days > 0 and (fresh or kept is not None):
            # a re-check scheduled for later: the job may be gone by then
            days = frame.delay_days
            record.job_source = f"a check scheduled {days:g} days after the job started"
            record.job_read_in = frame.delayed_func
            record.duration_lists = ([days],)
            return
        if not fresh and kept is not None:
            record.job_source = kept.source or "storage"
            record.job_read_in = kept.made_in
            # the age limit may sit in this function or in any caller: keep their lists
            record.duration_lists = (frame.durations, *frame.stack_durations)

    def note_interval(self, text: str, frame: Frame) -> None:
        for match in _INTERVAL.finditer(text):
            try:
                frame.durations.append(float(match.group(1)) * _UNIT_DAYS[match.group(2).lower()])
            except (KeyError, ValueError):
                continue

    # -- what happens to values ---------------------------------------------------------
    def discard(self, value: Value) -> None:
        if isinstance(value, Response):
            value.call.discarded = True
        elif isinstance(value, Json) and not value.path:
            # a wrapper returned the decoded response and the caller drops it
            value.call.discarded = True

    def mark_complete(self, value: Value) -> None:
        if isinstance(value, Json):
            value.call.complete_use = True
        elif isinstance(value, ListV) and isinstance(value.origin, Json):
            value.origin.call.complete_use = True

    def escape(self, value: Value, *, returned: bool) -> None:
        """The value leaves what we can follow: returned from an entry point, or handed on."""
        for item in walk_values(value):
            if isinstance(item, Response):
                item.call.escaped = True
            elif isinstance(item, Json):
                record = item.call
                if _carries_job(item.path):
                    record.escaped = True
                    if record.async_change is not None:
                        record.job_kept = True
                if not any(step == "[]" for step in item.path):
                    record.complete_use = True
            elif isinstance(item, Joined):
                self.escape(item.seq, returned=returned)

    def keep(self, value: Value) -> None:
        """Stored on an object, in a container, in a database: followed later, maybe."""
        self.escape(value, returned=False)


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")

_MODEL_BASES = frozenset({"BaseModel", "Struct", "TypedDict", "NamedTuple", "Schema"})
_MODEL_CONSTRUCTORS = frozenset({"model_validate", "parse_obj", "from_dict", "validate"})

_SETTINGS_OBJECTS = frozenset({"django.conf.settings", "flask.current_app.config"})

# builtins the analysis gives no value to (they still see their arguments)
_OPAQUE_BUILTINS = frozenset(
    "sum any all isinstance hasattr bool hash id abs round callable type vars format".split()
)
_BUILTINS = _OPAQUE_BUILTINS | frozenset(
    "len list tuple sorted set reversed frozenset range enumerate zip map filter str repr "
    "int float dict next iter open input super getattr min max print".split()
)


def _syntax_reason(exc: cst.ParserSyntaxError, text: str) -> str:
    line = getattr(exc, "raw_line", None) or getattr(exc, "line", 0)
    hint = ""
    if re.search(r"^\s*print\s+[^(\s=]", text, re.MULTILINE) or re.search(
        r"except\s+\w+\s*,\s*\w+\s*:", text
    ):
        hint = " (Python 2 code?)"
    return f"syntax error at line {line}{hint}"


def _dotted(node: cst.BaseExpression | cst.Attribute | cst.Name | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


def _decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    name = _dotted(target)
    return name.rsplit(".", 1)[-1] if name else ""


def _callee_name(node: cst.Call) -> str:
    if isinstance(node.func, cst.Attribute):
        return node.func.attr.value
    if isinstance(node.func, cst.Name):
        return node.func.value
    return ""


def _describe_source(name: str) -> str:
    if name in lib.DATABASE_READS:
        return "a database query"
    if name in lib.FILE_READS:
        return "a file"
    if name in lib.QUEUE_READS:
        return "a queue or cache"
    return f"`{name}()`" if name else "other data"


def _stored_source(source: str) -> bool:
    return source in ("a database query", "a file", "a queue or cache")


def _normalize_lib(name: str) -> str:
    aliases = {
        "urllib2.urlopen": "urllib.request.urlopen",
        "urllib2.Request": "urllib.request.Request",
        "requests.sessions.Session": "requests.Session",
        "aiohttp.client.ClientSession": "aiohttp.ClientSession",
        "itertools.batched": "itertools.batched",
        "datetime.datetime.timedelta": "datetime.timedelta",
    }
    return aliases.get(name, name)


def _method_name(value: Value | None) -> str | None:
    if isinstance(value, Str) and value.known:
        return value.text.upper()
    return None


def _is_absolute(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text))


def _urljoin(base: Str, path: Str) -> Str:
    if _is_absolute(path.text):
        return path
    if not base.known and HOLE in base.text.split("://", 1)[-1].split("/", 1)[0]:
        # unknown host: keep the path as the base's continuation
        return concat(base, Str("/") if not path.text.startswith("/") else Str(""), path)
    joined = urljoin(base.text, path.text)
    # holes survive urljoin as characters; recover their slots in order
    slots = tuple(s for s in (*base.slots, *path.slots))
    count = joined.count(HOLE)
    slots = slots[-count:] if count else ()
    return Str(joined, slots, (*base.origins, *path.origins))


def _query_params(url: Str) -> list[tuple[str, Value]]:
    """The query string's parameters, each value keeping the values of its holes."""
    text = url.text
    start = text.find("?")
    if start < 0:
        return []
    end = text.find("#", start)
    query = text[start + 1 : end if end >= 0 else len(text)]
    hole_index = text[:start].count(HOLE)
    params: list[tuple[str, Value]] = []
    for pair in re.split(r"[&;]", query):
        key, _, value = pair.partition("=")
        key_holes = key.count(HOLE)
        value_holes = value.count(HOLE)
        slots = url.slots[hole_index + key_holes : hole_index + key_holes + value_holes]
        hole_index += key_holes + value_holes
        if not key or HOLE in key:
            continue
        if len(slots) < value_holes:
            slots = tuple(UNKNOWN for _ in range(value_holes))
        params.append(
            (
                unquote_plus(key),
                Str(unquote_plus(value) if not value_holes else value, tuple(slots)),
            )
        )
    return params


def _body_evidence(body: Value | None) -> str:
    if body is None:
        return ""
    words: list[str] = []
    for value in walk_values(body):
        if isinstance(value, DictV):
            words.extend(value.entries)
        elif isinstance(value, Str) and value.known:
            words.append(value.text)
    return " ".join(words)


def _source_of(value: Value) -> str:
    if isinstance(value, ListV):
        return value.source
    if isinstance(value, Unknown):
        return value.source
    if isinstance(value, Json):
        return "an API response"
    if isinstance(value, Lib) and value.name == "sys.argv":
        return "the command line"
    return ""


def _singular(name: str) -> str:
    if name.endswith("ids"):
        return name[:-1]
    return name[:-1] if name.endswith("s") else name


def _common_bound(values: list[Value]) -> int | None:
    bounds = [v.bound for v in values if isinstance(v, ListV)]
    if bounds and all(b is not None for b in bounds):
        return max(b for b in bounds if b is not None)
    return None


def _join(values: list[Value]) -> Value:
    """One value for several possibilities (branches, returns): the most informative."""
    if not values:
        return UNKNOWN
    for kinds in ((Response, Json), (Client, Instance), (ListV, DictV, Str, Num, Duration)):
        for value in values:
            if isinstance(value, kinds):
                return value
    return values[0]


def _mentions(node: cst.BaseExpression, words: tuple[str, ...]) -> bool:
    names: list[str] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.append(current.value.lower())
        stack.extend(current.children)
    return any(w in name for name in names for w in words)


_FLIPPED: dict[type[cst.CSTNode], type[cst.CSTNode]] = {
    cst.GreaterThan: cst.LessThan,
    cst.GreaterThanEqual: cst.LessThanEqual,
}


def _retag(value: Value, function: int | None, depth: int = 0) -> Value:
    """The same value, with the stored data in it marked as read in ``function``."""
    if depth > 4:
        return value
    if isinstance(value, Unknown):
        return replace(value, made_in=function) if value.stored else value
    if isinstance(value, ListV):
        items = value.items
        if items is not None:
            items = [_retag(v, function, depth + 1) for v in items]
        return ListV(
            items=items,
            size=value.size,
            bound=value.bound,
            elem=_retag(value.elem, function, depth + 1),
            source=value.source,
            origin=value.origin,
            origin_value=value.origin_value,
        )
    if isinstance(value, OneOf):
        return OneOf(tuple(_retag(v, function, depth + 1) for v in value.options))
    return value


def _plain_literal(code: str) -> str | None:
    """The text of a string literal with no prefix and no escapes (most of them), fast."""
    if "\\" in code or code[:1] not in ("'", '"'):
        return None
    quote = code[:3] if code[:3] in ('"""', "'''") else code[:1]
    return code[len(quote) : len(code) - len(quote)]


def _signature(value: Value | None) -> object:
    """What identifies an abstract value for memoizing calls: text and numbers, else identity."""
    if value is None:
        return None
    if isinstance(value, Str):
        return ("s", value.text, tuple(_signature(v) for v in value.slots[:4]))
    if isinstance(value, Num):
        return ("n", value.n)
    if isinstance(value, Duration):
        return ("d", value.days)
    if isinstance(value, Unknown):
        return ("u", value.stored, value.name, value.source)
    if isinstance(value, Lib):
        return ("l", value.name)
    return ("id", id(value))


def _binds_task(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call):
            for arg in call.args:
                if (
                    arg.keyword is not None
                    and arg.keyword.value == "bind"
                    and isinstance(arg.value, cst.Name)
                    and arg.value.value == "True"
                ):
                    return True
    return False


def _is_client(value: Value) -> bool:
    return isinstance(value, Client) or (isinstance(value, Instance) and value.client is not None)


def _pair_params(pairs: ListV) -> dict[str, Value]:
    """params given as (key, value) pairs: a repeated key sends a list of values."""
    if pairs.items is None:
        # [("user_ids", i) for i in ids]: one pair per item of what the list was built from
        found = _pair_params(ListV(items=list(pairs.extra), size=len(pairs.extra)))
        pair = pairs.elem
        if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
            key = pair.items[0]
            if isinstance(key, Str) and key.known:
                found[key.text] = ListV(
                    size=pairs.size,
                    bound=pairs.bound,
                    source=pairs.source,
                    origin=pairs.origin,
                    elem=pair.items[1],
                )
        return found
    grouped: dict[str, list[Value]] = {}
    for pair in pairs.items:
        if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
            key = pair.items[0]
            if isinstance(key, Str) and key.known:
                grouped.setdefault(key.text, []).append(pair.items[1])
    return {
        key: values[0] if len(values) == 1 else ListV(items=values, size=len(values))
        for key, values in grouped.items()
    }


def _looks_like_http(name: str, args: list[Value], kwargs: dict[str, Value]) -> bool:
    """A verb method called with a URL or an API path: what HTTP clients look like."""
    if name in lib.HTTP_VERBS:
        url = args[0] if args else kwargs.get("url")
    elif name == "request":
        url = args[1] if len(args) > 1 else kwargs.get("url")
    else:
        return False
    if not isinstance(url, Str):
        return False
    return "/" in url.text and url.text.startswith(("/", "http://", "https://", HOLE))


def _carries_job(path: tuple[str, ...]) -> bool:
    """Whether data at this path of an async response can hold its job id."""
    keys = [p for p in path if p not in ("[]", "*", "values()", "items()")]
    return not keys or any("job" in k.lower() for k in keys) or keys[0] in ("data", "result")


def _names_in(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(node, cst.Name | cst.Attribute):
        yield node
    elif isinstance(node, cst.BinaryOperation):
        yield from _names_in(node.left)
        yield from _names_in(node.right)
    elif isinstance(node, cst.Subscript):
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                yield from _names_in(element.slice.value)


def _entry_functions(info: ModuleInfo) -> Iterator[Func]:
    for node in info.functions.values():
        yield Func(info, node)
    for cls in info.classes.values():
        for node in cls.methods.values():
            yield Func(info, node, cls)
