"""Statements: blocks, control flow, definitions, imports and assignment targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore, dotted, function_kind
from auditor.code.frames import Frame
from auditor.code.guards import SizeLimit, size_limits
from auditor.code.loops import grown_lists
from auditor.code.modules import class_info
from auditor.code.values import (
    UNKNOWN,
    ClassRef,
    Client,
    Data,
    DictV,
    External,
    Func,
    Instance,
    ListV,
    ModuleRef,
    Num,
    OneOf,
    Opaque,
    Partial,
    Str,
    Unknown,
    Value,
    either_entry,
    generated,
    one_of,
)


class StatementsMixin(EvaluatorCore):
    def exec_block(self, body: Sequence[cst.CSTNode], frame: Frame) -> None:
        for statement in body:
            if frame.left:
                return  # after a return or raise that surely runs: never executed
            self.exec_statement(statement, frame)

    def exec_suite(self, suite: cst.BaseSuite, frame: Frame) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self.exec_block(suite.body, frame)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                self.exec_small(small, frame)

    def exec_statement(self, node: cst.CSTNode, frame: Frame) -> None:
        self.tick()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.exec_small(small, frame)
        elif isinstance(node, cst.If):
            self.exec_if(node, frame)
        elif isinstance(node, cst.For):
            self.exec_for(node, frame)
        elif isinstance(node, cst.While):
            # the test runs on every turn too (`while batch := fetch(page):`)
            frame.loop_depth += 1
            if self.condition(node.test, frame) is not False:
                self.widen_grown(node.body, frame)
                self.exec_suite(node.body, frame)
                left = frame.left
                frame.left = False
                # a second look at the test sees values the body assigned (`while next_url:`)
                if not left:
                    self.condition(node.test, frame)
            frame.loop_depth -= 1
            if node.orelse is not None:
                self.exec_suite(node.orelse.body, frame)
        elif isinstance(node, cst.Try | cst.TryStar):
            # the body may stop at any statement: each handler runs after some of it
            self.exec_suite(node.body, frame)
            body_left = frame.left
            frame.left = False
            handlers_left = bool(node.handlers)
            for handler in node.handlers:
                if handler.type is not None:
                    self.eval(handler.type, frame)
                if handler.name is not None and isinstance(handler.name.name, cst.Name):
                    frame.env[handler.name.name.value] = UNKNOWN
                self.exec_suite(handler.body, frame)
                handlers_left = handlers_left and frame.left
                frame.left = False
            if node.orelse is not None and not body_left:
                self.exec_suite(node.orelse.body, frame)
                body_left = frame.left
                frame.left = False
            if node.finalbody is not None:
                self.exec_suite(node.finalbody.body, frame)
            frame.left = frame.left or (body_left and handlers_left)
        elif isinstance(node, cst.With):
            for item in node.items:
                value = self.enter_context(self.eval(item.item, frame), item.item, frame)
                if item.asname is not None:
                    self.bind(item.asname.name, value, frame)
            self.exec_suite(node.body, frame)
        elif isinstance(node, cst.FunctionDef):
            self.define_function(node, frame)
        elif isinstance(node, cst.ClassDef):
            info = frame.module.classes.get(node.name.value) if frame.func is None else None
            if info is None or info.node is not node:
                info = self.nested_classes.get(id(node))
                if info is None:
                    info = self.nested_classes[id(node)] = class_info(node, frame.module)
            state = self.class_state(info)
            if state.bases is None:
                # before the name is bound: `class Client(Client)` extends the imported one
                state.bases = [self.eval(base.value, frame) for base in node.bases]
            frame.env[node.name.value] = ClassRef(info)
        elif isinstance(node, cst.Match):
            subject = self.eval(node.subject, frame)
            for case in node.cases:
                self.bind_pattern(case.pattern, subject, case.pattern, frame)
                if case.guard is not None:
                    self.eval(case.guard, frame)
                self.exec_suite(case.body, frame)
                frame.left = False

    def exec_if(self, node: cst.If, frame: Frame) -> None:
        """Both branches when the test is unknown, each from the same state, then the state
        after either; only one when the values decide the test."""
        test = self.condition(node.test, frame)
        orelse = node.orelse
        if test is True:
            self.exec_suite(node.body, frame)
            return
        if test is False:
            self.exec_else(orelse, frame)
            return
        before = dict(frame.env)
        frame.branches += 1
        self.limit_sizes(size_limits(node.test, True), frame)
        self.exec_suite(node.body, frame)
        body_left = frame.left
        frame.left = False
        after_body = None if _always_leaves(node.body) else dict(frame.env)
        frame.env.clear()
        frame.env.update(before)
        self.limit_sizes(size_limits(node.test, False), frame)
        self.exec_else(orelse, frame)
        frame.branches -= 1
        # what follows runs unless both branches surely leave
        frame.left = body_left and frame.left and orelse is not None
        else_leaves = isinstance(orelse, cst.Else) and _always_leaves(orelse.body)
        if after_body is None:
            return  # the body returned or raised: what follows sees the other branch
        if else_leaves:
            frame.env.clear()
            frame.env.update(after_body)
            return
        merged = join_states(after_body, frame.env)
        frame.env.clear()
        frame.env.update(merged)

    def exec_else(self, orelse: cst.If | cst.Else | None, frame: Frame) -> None:
        if isinstance(orelse, cst.If):
            self.exec_if(orelse, frame)
        elif isinstance(orelse, cst.Else):
            self.exec_suite(orelse.body, frame)

    def exec_for(self, node: cst.For, frame: Frame) -> None:
        iterable = self.eval(node.iter, frame)
        frame.loop_depth += 1
        items = _unrollable(iterable)
        if items is not None and frame.loop_depth <= 2:
            # a loop over a few known items (keys, attribute names, kwargs): each turn with
            # its own item, as Python runs it
            for item in items:
                self.bind(node.target, item, frame)
                self.exec_suite(node.body, frame)
        else:
            self.bind(node.target, self.iterate(iterable, frame), frame)
            self.widen_grown(node.body, frame, iterable)
            self.exec_suite(node.body, frame)
        frame.left = False  # the loop may run no turn, or leave on some turn only
        frame.loop_depth -= 1
        if node.orelse is not None:
            self.exec_suite(node.orelse.body, frame)

    def limit_sizes(self, limits: list[SizeLimit], frame: Frame) -> None:
        """Names a size guard bounds, rebound to bounded values in this branch."""
        for limit in limits:
            current = frame.env.get(limit.name)
            if not isinstance(current, ListV | Unknown):
                continue
            size = self.eval(limit.limit, frame)
            if not isinstance(size, Num) or size.as_int is None:
                continue
            bound = max(0, size.as_int + limit.offset)
            if current.bound is not None:
                bound = min(bound, current.bound)
            if isinstance(current, ListV):
                if current.size is not None and current.size <= bound:
                    continue
                bounded = current.copy()
                bounded.bound = bound
                if bounded.size is not None:
                    bounded.items, bounded.size = None, None
                frame.env[limit.name] = bounded
            else:
                frame.env[limit.name] = replace(current, bound=bound)

    def widen_grown(self, body: cst.BaseSuite, frame: Frame, iterable: Value | None = None) -> None:
        """Lists the loop body adds to hold as many items as the loop has turns; one made
        from a page's items, item by item, is that page (its length is the page's)."""
        page = iterable.origin if isinstance(iterable, ListV) else iterable
        for name, batch_size in grown_lists(body).items():
            current = frame.env.get(name)
            if not isinstance(current, ListV) or current.items is None:
                continue
            bound = None
            if batch_size is not None:
                size = self.eval(batch_size, frame)
                if isinstance(size, Num) and size.as_int is not None:
                    bound = size.as_int  # emptied whenever it reaches the size
            current.elem = one_of(current.items) if current.items else UNKNOWN
            current.items, current.size, current.bound = None, None, bound
            if current.source == "a literal list":
                current.source = "a list built in a loop"
                if isinstance(page, Data) and current.origin is None:
                    current.origin = page

    def exec_small(self, node: cst.BaseSmallStatement, frame: Frame) -> None:
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, frame)
            for target in node.targets:
                self.bind(target.target, value, frame)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, frame), frame)
        elif isinstance(node, cst.AugAssign):
            self.augmented(node, frame)
        elif isinstance(node, cst.Expr):
            value = self.eval(node.value, frame)
            self.events.discarded(value)
        elif isinstance(node, cst.Return):
            value = self.eval(node.value, frame) if node.value is not None else UNKNOWN
            frame.returns.append(value)
            if frame.depth == 0 and frame.func is not None:
                self.events.escape(value, "returned")
            frame.left = frame.func is not None
        elif isinstance(node, cst.Import):
            for alias in node.names:
                self.import_name(alias, frame)
        elif isinstance(node, cst.ImportFrom):
            self.import_from(node, frame)
        elif isinstance(node, cst.Global | cst.Nonlocal):
            for name in node.names:
                frame.global_names.add(name.name.value)
        elif isinstance(node, cst.Assert):
            self.eval(node.test, frame)
            self.limit_sizes(size_limits(node.test, True), frame)
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self.eval(node.exc, frame)
            frame.left = frame.func is not None
        elif isinstance(node, cst.Del):
            return

    def augmented(self, node: cst.AugAssign, frame: Frame) -> None:
        current = self.eval(node.target, frame)
        added = self.eval(node.value, frame)
        result = self.binary(current, added, node.operator, frame)
        if isinstance(node.operator, cst.AddAssign) and isinstance(current, ListV):
            # `items += page`: the list now holds the page's items
            self.accumulate(current, added, frame)
            result = current
        self.bind(node.target, result, frame)

    def accumulate(self, target: ListV, added: Value, frame: Frame) -> None:
        """``target.extend(added)`` or ``target += added``."""
        for data in _data_in(added):
            self.events.iterated(data, False)
        if target.shared:
            self.events.escape(added, "stored")
        known = list(target.items or ())
        target.items = None
        target.size = None
        elements: list[Value] = [item for item in known if isinstance(item, Data | OneOf)]
        if target.elem is not None:
            elements.append(target.elem)
        for option in added.options if isinstance(added, OneOf) else (added,):
            # what a helper can return, each in turn (`ids += _job_ids(body)`)
            if isinstance(option, Data):
                target.origin = option
                elements.append(Data(option.request, (*option.path, "[]")))
            elif isinstance(option, ListV):
                elements.append(option.element())
                if target.origin is None:
                    target.origin = option.origin
                target.source = target.source or option.source
        if elements:
            target.elem = one_of(elements)

    def define_function(self, node: cst.FunctionDef, frame: Frame) -> None:
        closure = frame.env if frame.func is not None else None
        value: Value = Func(frame.module, node, closure=closure, kind=function_kind(node))
        registered = False
        for decorator in reversed(node.decorators):
            registered = registered or self.registers(decorator, frame)
            value = self.decorate(value, decorator, frame)
        frame.env[node.name.value] = value
        if registered and frame.func is not None and isinstance(value, Func):
            # a nested function handed to a framework object (`@app.before_server_start`
            # inside an app factory) is a callback the framework runs: nobody in the
            # project calls it, so run it here
            self.call_function(value, [], {}, None, frame)

    def registers(self, decorator: cst.Decorator, frame: Frame) -> bool:
        """Whether a decorator is a method of an object a library made (``@app.route``,
        ``@bp.listener("before_server_start")``): it registers the function with it."""
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if not isinstance(target, cst.Attribute):
            return False
        owner = self.eval(target.value, frame)
        return isinstance(owner, Unknown | Opaque)

    def decorate(self, func: Value, decorator: cst.Decorator, frame: Frame) -> Value:
        """A project decorator's wrapper replaces the function; library ones keep it."""
        target = self.eval(decorator.decorator, frame)
        if isinstance(target, External) and self.models.is_currying(
            self.models.normalize(target.name)
        ):
            return Partial(func, curried=True)
        if isinstance(target, Func) and target.kind != "property":
            wrapped = self.call_function(target, [func], {}, None, frame)
            if isinstance(wrapped, Func):
                return wrapped
        return func

    def enter_context(self, value: Value, node: cst.BaseExpression, frame: Frame) -> Value:
        """What ``with X as name`` binds: ``X.__enter__()`` for project classes, else X."""
        if isinstance(value, Instance):
            for name in ("__enter__", "__aenter__"):
                method = self.attribute(value, name, node, frame)
                if isinstance(method, Func):
                    entered = self.call_function(method, [], {}, None, frame)
                    return value if isinstance(entered, Unknown) else entered
        # a generator in a `with` is a @contextmanager: it binds what it yields
        yielded = generated(value)
        return value if yielded is None else yielded

    # -- imports ------------------------------------------------------------------------
    def import_name(self, alias: cst.ImportAlias, frame: Frame) -> None:
        name = dotted(alias.name)
        if name is None:
            return
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            frame.env[alias.asname.name.value] = self.module_value(name, frame)
        else:
            head = name.split(".")[0]
            frame.env[head] = self.module_value(head, frame)

    def module_value(self, name: str, frame: Frame) -> Value:
        rel = self.project.resolve_module(name, frame.module.rel_path)
        if rel is not None:
            info = self.module(rel)
            if info is not None:
                return ModuleRef(info)
        return External(name)

    def import_from(self, node: cst.ImportFrom, frame: Frame) -> None:
        base = dotted(node.module) if node.module is not None else ""
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
                env = self.module_env(source)
                frame.env.update((k, v) for k, v in env.items() if not k.startswith("_"))
            return
        for alias in node.names:
            name = dotted(alias.name)
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
                    if isinstance(value, External):
                        value = UNKNOWN
            else:
                sub = self.project.resolve_module(f"{base}.{name}", frame.module.rel_path)
                sub_info = self.module(sub) if sub is not None else None
                value = ModuleRef(sub_info) if sub_info is not None else External(f"{base}.{name}")
            if isinstance(value, ModuleRef) and value.module is not frame.module:
                # importing a module runs it: what it registers (`define(...)` of
                # tornado.options, a plugin's decorator) is there from now on
                self.module_env(value.module)
            frame.env[local] = value

    # -- binding ------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            if isinstance(value, Unknown) and not value.name and value is not UNKNOWN:
                # what the code calls it says what it is (`path = options["path"]`)
                value = replace(value, name=target.value)
            elif value is UNKNOWN:
                value = Unknown(name=target.value)
            frame.env[target.value] = value
            if frame.func is not None and target.value in frame.global_names:
                frame.globals[target.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            self.bind_sequence(target, value, frame)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, frame)
            self.set_attribute(owner, target.attr.value, value, target, frame)
        elif isinstance(target, cst.Subscript):
            owner = self.eval(target.value, frame)
            key = self.subscript_key(target, frame)
            self.set_item(owner, key, value, target, frame)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, ListV(source="unpacking"), frame)

    def bind_sequence(self, target: cst.Tuple | cst.List, value: Value, frame: Frame) -> None:
        elements = [e for e in target.elements if isinstance(e, cst.Element | cst.StarredElement)]
        for i, element in enumerate(elements):
            if isinstance(element, cst.StarredElement):
                self.bind(element.value, ListV(source="unpacking"), frame)
                continue
            self.bind(element.value, _unpacked(value, i), frame)

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> Value:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self.eval(element.slice.value, frame)
            return UNKNOWN
        return self.eval(node.slice[0].slice.value, frame)

    def set_attribute(
        self, owner: Value, attr: str, value: Value, target: cst.CSTNode, frame: Frame
    ) -> None:
        if isinstance(owner, Instance):
            if isinstance(owner.base, Client) and self.is_client_state(owner.base, attr):
                self.set_attribute(owner.base, attr, value, target, frame)
                return
            owner.attrs[attr] = value
            # kept on the object (`self._entries = self._load()`, whichever it gives)
            for kept in value.options if isinstance(value, OneOf) else (value,):
                if isinstance(kept, ListV | DictV):
                    kept.shared = True
        elif isinstance(owner, Client):
            self.configure_attribute(owner, attr, value, target, frame)
        elif isinstance(owner, ClassRef):
            attrs = self.class_attrs(owner.cls)
            attrs[attr] = value
        elif isinstance(owner, ModuleRef):
            self.state_of(owner.module).env[attr] = value
        elif isinstance(owner, Opaque):
            owner.attrs[attr] = value
        else:
            # kept on an object we cannot see (`g.dokeos = client`, `app.lms = api`): found
            # again by its name wherever the program reads it back
            if _is_object(value):
                self.stores[("attr", attr)] = value
            self.events.escape(value, "stored")

    def is_client_state(self, client: Client, attr: str) -> bool:
        """Attributes of a library client that configure what it sends."""
        model = self.models.client_model(client.kind)
        if attr in ("headers", "params"):
            return True
        if model is None:
            return False
        return (
            attr == "base_url" and model.base_url is not None
        ) or attr == model.header_pairs_attr

    def configure_attribute(
        self, client: Client, attr: str, value: Value, target: cst.CSTNode, frame: Frame
    ) -> None:
        model = self.models.client_model(client.kind)
        if attr == "headers" and isinstance(value, DictV):
            client.headers = value.copy()
        elif attr == "params" and isinstance(value, DictV):
            client.params = value.copy()
        elif attr == "base_url":
            client.base_url = value
        elif model is not None and attr == model.header_pairs_attr:
            # headers given as (name, value) pairs (urllib openers)
            headers = DictV()
            for pair in value.items or () if isinstance(value, ListV) else ():
                if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
                    key = pair.items[0]
                    if isinstance(key, Str) and key.known:
                        headers.set_ci(key.text, pair.items[1], frame.ref(target))
            client.headers = headers

    def set_item(
        self, owner: Value, key: Value, value: Value, target: cst.CSTNode, frame: Frame
    ) -> None:
        if isinstance(owner, OneOf):
            for option in owner.options:
                self.set_item(option, key, value, target, frame)
            return
        if isinstance(owner, DictV):
            if owner.shared:
                self.events.escape(value, "stored")
            if isinstance(key, Str) and key.known:
                held = owner.get_ci(key.text) if frame.branches else None
                if held is not None and held is not value and isinstance(held, Str):
                    # set in a branch the values do not decide: the key may keep its value
                    at = owner.node_of(key.text)
                    value = either_entry([(held, at), (value, frame.ref(target))])
                owner.set_ci(key.text, value, frame.ref(target))
            else:
                if owner.shared:
                    self.events.escape(key, "stored")
                owner.elem = value if owner.elem is None else _either(owner.elem, value)
                owner.key_elem = key if owner.key_elem is None else _either(owner.key_elem, key)
        elif isinstance(owner, ListV):
            if owner.shared:
                self.events.escape(value, "stored")
        else:
            if isinstance(key, Str) and key.known:
                if _is_object(value):
                    self.stores[("key", key.text)] = value
            else:
                self.events.escape(key, "stored")  # `cache[job_id] = …`: the key is kept
            self.events.escape(value, "stored")

    # -- match statements ---------------------------------------------------------------
    def bind_pattern(
        self, pattern: cst.MatchPattern, subject: Value, node: cst.CSTNode, frame: Frame
    ) -> None:
        if isinstance(pattern, cst.MatchAs):
            if pattern.pattern is not None:
                self.bind_pattern(pattern.pattern, subject, node, frame)
            if pattern.name is not None:
                frame.env[pattern.name.value] = subject
        elif isinstance(pattern, cst.MatchMapping):
            for entry in pattern.elements:
                key = self.eval(entry.key, frame)
                value = self.item(subject, key, entry.key, frame)
                self.bind_pattern(entry.pattern, value, entry.key, frame)
            if pattern.rest is not None:
                frame.env[pattern.rest.value] = subject
        elif isinstance(pattern, cst.MatchSequence):
            element_value = self.iterate(subject, frame)
            for part in pattern.patterns:
                if isinstance(part, cst.MatchSequenceElement):
                    self.bind_pattern(part.value, element_value, node, frame)
                elif isinstance(part, cst.MatchStar) and part.name is not None:
                    frame.env[part.name.value] = ListV(source="unpacking", elem=element_value)
        elif isinstance(pattern, cst.MatchClass):
            for keyword in pattern.kwds:
                field_value = self.attribute(subject, keyword.key.value, keyword, frame)
                self.bind_pattern(keyword.pattern, field_value, keyword, frame)
        elif isinstance(pattern, cst.MatchOr):
            for option in pattern.patterns:
                self.bind_pattern(option.pattern, subject, node, frame)
        elif isinstance(pattern, cst.MatchValue):
            self.eval(pattern.value, frame)


def _is_object(value: Value) -> bool:
    if isinstance(value, DictV):
        # a bag of objects (`ctx.obj = {"api": Api(), "store": Store()}`)
        return any(isinstance(v, Client | Instance) for v in value.entries.values())
    return isinstance(value, Client | Instance)


def _always_leaves(suite: cst.BaseSuite) -> bool:
    """The block ends with return, raise, continue or break: nothing after it runs."""
    body: Sequence[cst.CSTNode] = ()
    if isinstance(suite, cst.IndentedBlock):
        body = suite.body
    elif isinstance(suite, cst.SimpleStatementSuite):
        body = [cst.SimpleStatementLine(suite.body)]
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        return isinstance(last.body[-1], cst.Return | cst.Raise | cst.Continue | cst.Break)
    return False


def join_states(first: dict[str, Value], second: dict[str, Value]) -> dict[str, Value]:
    """The names after two branches: a name bound differently is either value."""

    merged = dict(second)
    for name, value in first.items():
        other = second.get(name)
        if other is None or other is value:
            merged[name] = value
        else:
            merged[name] = one_of([value, other])
    return merged


_UNROLL = 8


def _unrollable(iterable: Value) -> list[Value] | None:
    if isinstance(iterable, ListV) and iterable.items is not None and not iterable.extra:
        if 0 < len(iterable.items) <= _UNROLL and not any(
            isinstance(item, Data) for item in iterable.items
        ):
            return list(iterable.items)
    return None


def _data_in(value: Value) -> list[Data]:
    if isinstance(value, Data):
        return [value]
    if isinstance(value, ListV) and isinstance(value.origin, Data):
        return [value.origin]
    return []


def _either(a: Value, b: Value) -> Value:

    return one_of([a, b])


def _unpacked(value: Value, index: int) -> Value:
    """Item ``index`` of a sequence unpacked into names (``items, more = page()``); of
    each tuple a function may return, when it returns one of several."""
    if isinstance(value, OneOf):
        return one_of([_unpacked(option, index) for option in value.options])
    if isinstance(value, ListV) and value.items is not None and index < len(value.items):
        return value.items[index]
    if isinstance(value, Data):
        return Data(value.request, (*value.path, "[]"))
    if isinstance(value, Unknown):
        return replace(value, name="")
    if isinstance(value, ListV):
        return value.element()
    return UNKNOWN
