"""Calls: arguments, calling contexts, parameters, closures, partials, lambdas, ``__call__``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from auditor.code.core import MAX_DEPTH, EvaluatorCore, decorated_with, dotted
from auditor.code.frames import Frame
from auditor.code.modules import ModuleInfo
from auditor.code.values import (
    GENERATOR,
    NONE,
    UNKNOWN,
    AnnotatedType,
    Bound,
    ClassRef,
    Composed,
    Data,
    Deferred,
    DictV,
    Duration,
    External,
    FieldOf,
    Func,
    Identity,
    Injected,
    Instance,
    LambdaV,
    ListV,
    NoneV,
    Num,
    OneOf,
    Opaque,
    Partial,
    Response,
    Str,
    Unknown,
    Value,
    either_mapping,
    generated,
    join_returns,
    one_of,
)


class CallsMixin(EvaluatorCore):
    def eval_Call(self, node: cst.Call, frame: Frame) -> Value:
        if isinstance(node.func, cst.Attribute):
            owner = self.eval(node.func.value, frame)
            func = self.method_of(owner, node.func.attr.value, node.func, frame)
        else:
            func = self.eval(node.func, frame)
        if isinstance(func, External) and func.name == "builtins.next" and node.args:
            first = node.args[0].value
            if isinstance(first, cst.GeneratorExp):
                # next(x for x in data if ...) takes the first match, not the whole list
                result = self.comprehension(first.for_in, first.elt, frame, first_only=True)
                return result.element() if isinstance(result, ListV) else UNKNOWN
        before = len(frame.spans)
        args, kwargs = self.arguments(node.args, frame)
        self.passed_spans = frame.spans[before:]
        try:
            return self.call_value(func, args, kwargs, node, frame)
        finally:
            self.passed_spans = []

    def arguments(
        self, nodes: Sequence[cst.Arg], frame: Frame
    ) -> tuple[list[Value], dict[str, Value]]:
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        for arg in nodes:
            value = self.eval(arg.value, frame)
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            elif arg.star == "**":
                if isinstance(value, OneOf) and all(isinstance(o, DictV) for o in value.options):
                    # `**({"department": d} if d else {})`: every key one of them may hold
                    value = either_mapping([o for o in value.options if isinstance(o, DictV)])
                if isinstance(value, DictV):
                    kwargs.update(value.entries)
                    if value.open:
                        kwargs["**"] = UNKNOWN
                else:
                    # data spread into a model keeps where it came from: User(**item) of a
                    # response item, Job(**row) of a stored row
                    kwargs["**"] = value if isinstance(value, Data | Unknown) else UNKNOWN
            elif arg.star == "*":
                if isinstance(value, ListV) and value.items is not None:
                    args.extend(value.items)
                elif isinstance(value, ListV):
                    args.append(value.element())
                elif isinstance(value, Data | Unknown):
                    # a row spread into a record (`Job(*row)`): its fields are the row's
                    args.append(self.iterate(value, frame))
                else:
                    args.append(UNKNOWN)
            else:
                args.append(value)
        return args, kwargs

    def method_of(self, owner: Value, name: str, node: cst.Attribute, frame: Frame) -> Value:
        """What ``owner.name`` is when it is called: receivers we cannot type keep the name."""
        if isinstance(owner, Deferred):
            return Bound(owner, name)
        if isinstance(owner, OneOf):
            return one_of([self.method_of(option, name, node, frame) for option in owner.options])
        if isinstance(owner, NoneV):
            return NONE  # a method of None never runs: the branch that has it fails first
        if name == "result" and isinstance(owner, Data | Response | ListV | DictV):
            # a future's result() (`executor.submit(f, x)` stands for what f returned)
            return Bound(owner, name)
        if isinstance(owner, Unknown | Opaque):
            stored = self.stored("attr", name, frame) if isinstance(owner, Unknown) else None
            if stored is not None:
                return stored
            return Bound(owner, name)
        if isinstance(owner, Instance) and self.instance_member(owner, name, node, frame) is None:
            # inherited from a class we cannot see: called on the object itself
            return Bound(owner, name)
        return self.attribute(owner, name, node, frame)

    def call_value(
        self,
        func: Value,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame,
    ) -> Value:
        if isinstance(func, Func):
            return self.call_function(func, args, kwargs, node, frame)
        if isinstance(func, Partial):
            merged = {**dict(func.kwargs), **kwargs}
            given = [*func.args, *args]
            if func.curried and len(given) < _positional_needs(func.func):
                return replace(func, args=tuple(given), kwargs=tuple(merged.items()))
            at = func.made_at if func.made_at is not None else node
            return self.call_value(func.func, given, merged, at, frame)
        if isinstance(func, Composed):
            # the last function first, then each on the result of the one after it
            value = self.call_value(func.funcs[-1], args, kwargs, node, frame)
            for inner in reversed(func.funcs[:-1]):
                value = self.call_value(inner, [value], {}, node, frame)
            return value
        if isinstance(func, LambdaV):
            return self.call_lambda(func, args, kwargs, frame)
        if isinstance(func, Identity):
            return args[0] if args else UNKNOWN
        if isinstance(func, NoneV):
            return UNKNOWN
        if isinstance(func, ClassRef):
            return self.instantiate(func.cls, args, kwargs, node, frame)
        if node is not None and isinstance(func, External):
            return self.call_external(func.name, args, kwargs, node, frame)
        if node is not None and isinstance(func, Bound):
            return self.call_method(func.target, func.name, args, kwargs, node, frame)
        if isinstance(func, OneOf):
            results = [
                self.call_value(option, args, kwargs, node, frame) for option in func.options
            ]
            return one_of(results)
        if isinstance(func, Instance):
            method = self.attribute(func, "__call__", node or func.cls.node, frame)
            if isinstance(method, Func):
                return self.call_function(method, args, kwargs, node, frame)
        if node is not None and isinstance(func, Unknown):
            return self.call_on_unknown(func, "", args, kwargs, node, frame)
        self.hand_on(args, kwargs)
        return UNKNOWN

    def call_lambda(
        self, func: LambdaV, args: list[Value], kwargs: dict[str, Value], frame: Frame
    ) -> Value:
        env = dict(func.closure)
        params = func.node.params
        remaining = list(args)
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            name = param.name.value
            if remaining:
                env[name] = remaining.pop(0)
            elif name in kwargs:
                env[name] = kwargs[name]
            else:
                env[name] = Unknown(source="a function argument", name=name)
        inner = frame.nested(env)
        inner.loop_depth = frame.loop_depth
        inner.branches = frame.branches
        return self.eval(func.node.body, inner)

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
        if node is not None and frame is not None:
            sent = self.project_send(func, args, kwargs, node, frame)
            if sent is not None:
                return sent
        depth = 0 if frame is None else frame.depth + 1
        memo_key: tuple[object, ...] | None = None
        if not entry:
            if key in self.active:
                # recursion: the call being evaluated already shows what the function
                # does with such values, so they go nowhere new
                return UNKNOWN
            if depth > MAX_DEPTH:
                self.hand_on(args, kwargs)
                return UNKNOWN
            self.called.add(key)
            # Within one entry point, a function called again with the same abstract
            # arguments gives the same result: evaluate it once.
            memo_key = (
                key,
                # a nested function made twice is two functions: what it closes over differs
                id(func.closure) if func.closure is not None else None,
                signature(func.bound_self),
                tuple(signature(a) for a in args),
                tuple(sorted((k, signature(v)) for k, v in kwargs.items())),
                delay,
                frame.delay_days if frame is not None else 0.0,
            )
            if memo_key in self.memo:
                return self.memo[memo_key][0]
            # a function that sent requests is evaluated again in each calling context (the
            # chain of call sites down to it): findings may point at any of them
            site_key = (*memo_key, _context_of(frame, node))
            if site_key in self.memo:
                return self.memo[site_key][0]
        self_value = func.bound_self
        cls = func.cls
        if entry and cls is not None and self_value is None and func.kind != "staticmethod":
            if func.kind == "classmethod":
                self_value = ClassRef(cls)
            elif func.name == "__init__":
                # run on its own, a constructor builds an object of its own: the object
                # other methods run on may have been made by the class's factory
                self_value = self.new_instance(cls)
            else:
                self_value = self.default_instance(cls)
        chain = () if frame is None else (*frame.chain, frame.ref(node)) if node else frame.chain
        module_env = self.state_of(func.module).env
        inner = Frame(
            func.module,
            func.node,
            {},
            module_env,
            chain,
            key if entry else (frame.entry if frame else key),
            depth,
            self_value,
            cls,
            func.closure,
        )
        inner.caller_spans = (frame.spans, *frame.caller_spans)[:8] if frame else ()
        if self.passed_spans:
            inner.spans.extend(self.passed_spans)
            self.passed_spans = []
        if frame is not None:
            inner.loop_depth = frame.loop_depth
            inner.branches = frame.branches
            inner.delay_days = frame.delay_days + delay
            inner.delayed_func = key if delay else frame.delayed_func
        self.bind_params(func, inner, args, dict(kwargs), entry=entry, self_value=self_value)
        routed = self.route_call(func, inner, node, frame)
        if routed is not None:
            return routed
        self.active.append(key)
        sent_before = (len(self.requests), self.stored_reads)
        try:
            self.exec_suite(func.node.body, inner)
        finally:
            self.active.pop()
        if memo_key is not None and (len(self.requests), self.stored_reads) != sent_before:
            memo_key = (*memo_key, _context_of(frame, node))
        if inner.spans:
            # an age check in a helper about stored records (`job.is_expired()`) bounds
            # those records wherever they are polled
            _bound_stored(func.bound_self, args, inner.spans)
        result = self.result_of(func, inner)
        # stored data reaches the caller here: a late poll starts in the caller
        result = retag(result, frame.func_id) if frame is not None else result
        if memo_key is not None:
            # the arguments stay referenced with the result: signatures hold their id()s,
            # and an id freed and reused by another value would hit the wrong entry
            self.memo[memo_key] = (
                result,
                (func.closure, *held(func.bound_self, *args, *kwargs.values())),
            )
        return result

    def result_of(self, func: Func, frame: Frame) -> Value:
        if frame.yields:
            bounds = [v.bound for v in frame.yields if isinstance(v, ListV)]
            known = [b for b in bounds if b is not None]
            bound = max(known) if known and len(known) == len(bounds) else None
            return ListV(elem=join_returns(frame.yields), source=GENERATOR, bound=bound)
        result = join_returns(frame.returns)
        returns = func.node.returns
        if _says_nothing(result) and returns is not None:
            # what the values do not say, the declared return type may (`_runtime(hass) ->
            # RuntimeData` picking an entry out of a framework's registry)
            typed = self.annotated_value(func.module, returns.annotation, frame)
            if isinstance(typed, Instance):
                return typed
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
    ) -> None:
        params = func.node.params
        positional = [*params.posonly_params, *params.params]
        if func.cls is not None and func.kind != "staticmethod" and positional:
            frame.env[positional[0].name.value] = self_value if self_value is not None else UNKNOWN
            positional = positional[1:]
        elif positional and (shared := self.models.context_object(func.node)) is not None:
            # `@click.pass_obj`: the object the group's callback kept on the context
            kept = self.stored("attr", shared, frame)
            frame.env[positional[0].name.value] = kept if kept is not None else UNKNOWN
            positional = positional[1:]
        elif positional and self.models.binds_task(func.node):
            # a task bound to itself (`@task(bind=True)`): the first parameter is the task
            frame.env[positional[0].name.value] = UNKNOWN
            positional = positional[1:]
        remaining = list(args)
        for param in [*positional, *params.kwonly_params]:
            name = param.name.value
            if remaining and param in positional:
                frame.env[name] = remaining.pop(0)
            elif name in kwargs:
                frame.env[name] = kwargs.pop(name)
            else:
                frame.env[name] = self.missing_param(func, param, frame, entry=entry)
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

    def missing_param(self, func: Func, param: cst.Param, frame: Frame, *, entry: bool) -> Value:
        """A parameter nobody passed: a framework may inject it, its default or its annotation
        may still say what it is."""
        module_frame = self.module_frame(func.module)
        # names resolve in the module; what a provider does belongs to this calling context
        context = replace(module_frame, entry=frame.entry, chain=frame.chain, depth=frame.depth)
        injected = self.injected(func, param, context)
        if injected is not None:
            return injected
        wired = self.wired(func, param, frame)
        if wired is not None:
            return wired
        if not entry and decorated_with(func.node, self.models.configured_params):
            entry = True  # what configuration gives, like a caller we do not see
        if param.default is not None:
            default = self.eval(param.default, module_frame)
            if isinstance(default, Num) and entry:
                # a caller we do not see may pass another number (a page, a size)
                return Num(default.n, default=True)
            if entry and isinstance(default, Unknown | ListV | NoneV):
                # an empty list (or None) by default: callers we do not see pass the data
                return self.unknown_param(func, param, frame)
            return default
        return self.unknown_param(func, param, frame)

    def module_frame(self, module: ModuleInfo) -> Frame:
        env = self.state_of(module).env
        return Frame(module, None, env, env, (), None)

    def injected(self, func: Func, param: cst.Param, frame: Frame) -> Value | None:
        """``Depends(get_client)`` as a default or in ``Annotated[...]`` (an alias too): the
        value the framework injects, what the provider returns."""
        markers: list[tuple[Injected, Value | None]] = []
        if param.default is not None:
            default = self.eval(param.default, frame)
            if isinstance(default, Injected):
                markers.append((default, None))
        annotation = param.annotation.annotation if param.annotation is not None else None
        if annotation is not None and not isinstance(annotation, cst.SimpleString):
            declared = self.eval(annotation, frame)
            if isinstance(declared, AnnotatedType):
                markers.extend(
                    (m, declared.base) for m in declared.metadata if isinstance(m, Injected)
                )
        for marker, base in markers:
            provider = marker.provider
            if provider is None:
                # Depends() with no argument: the annotated class is the provider
                provider = base
            if provider is None:
                return None
            value = self.call_value(provider, [], {}, None, frame)
            yielded = generated(value)
            return value if yielded is None else yielded
        return None

    def wired(self, func: Func, param: cst.Param, frame: Frame) -> Value | None:
        """A framework that hands one function's result to another by parameter name
        (Dagster assets): the upstream function's result."""
        wiring = self.models.wired_decorators
        if not wiring or not decorated_with(func.node, wiring):
            return None
        name = param.name.value
        for info in list(self.modules.values()):
            if info is None:
                continue
            upstream = info.functions.get(name)
            if (
                upstream is not None
                and upstream is not func.node
                and decorated_with(upstream, wiring)
            ):
                return self.call_function(Func(info, upstream), [], {}, None, frame)
        return None

    def unknown_param(self, func: Func, param: cst.Param, frame: Frame | None = None) -> Value:
        name = param.name.value
        declared = self.declared_type(func, param)
        if declared is not None:
            typed = self.annotated_value(declared[0], declared[1], frame)
            if typed is not None:
                return typed
            if _sequence_type(declared[1]):
                # `user_id: list[str]`: a list of any size, whatever its name says
                # (one item is one value: its name is not the list's)
                item = Unknown(source="a function argument", param_of=func.key)
                return ListV(elem=item, source="a function argument")
        return Unknown(source="a function argument", name=name, param_of=func.key)

    def declared_type(
        self, func: Func, param: cst.Param
    ) -> tuple[ModuleInfo, cst.BaseExpression] | None:
        """A parameter's annotation, or for an override that has none, the annotation of the
        same parameter of the method it overrides (``run(self, client)`` of a plugin whose
        base declares ``run(self, client: Client)``)."""
        if param.annotation is not None:
            return func.module, param.annotation.annotation
        if func.cls is None:
            return None
        for base in self.project_bases(func.cls):
            node = base.methods.get(func.name)
            if node is None:
                continue
            for other in (*node.params.params, *node.params.kwonly_params):
                if other.name.value == param.name.value and other.annotation is not None:
                    return base.module, other.annotation.annotation
            return None
        return None

    def annotated_value(
        self, module: ModuleInfo, annotation: cst.BaseExpression, within: Frame | None = None
    ) -> Value | None:
        """What a parameter of this type holds, when the type says; ``within`` is the frame
        of the function the parameter belongs to (where data passed in is read)."""
        frame = self.module_frame(module)
        if isinstance(annotation, cst.SimpleString):
            try:
                annotation = cst.parse_expression(str(annotation.evaluated_value))
            except (cst.ParserSyntaxError, ValueError, TypeError):
                return None
        # `X | None`, `Optional[X]`, `Annotated[X, ...]`: look at every name in it
        for candidate in names_in(annotation):
            value = self.eval(candidate, frame)
            if isinstance(value, AnnotatedType):
                value = value.base
            if isinstance(value, ClassRef):
                return self.default_instance(value.cls)
            if isinstance(value, External):
                typed = self.typed_client(value.name)
                if typed is not None:
                    return typed
                source = self.models.typed_source(self.models.normalize(value.name))
                if source is not None and within is not None:
                    # a message the framework hands the function: read back as it starts
                    spans = ([], within.spans, *within.caller_spans) if source.stored else ()
                    return Unknown(
                        source=source.source,
                        stored=source.stored,
                        made_in=within.func_id,
                        spans=spans,
                    )
        return None


_SEQUENCE_TYPES = frozenset(
    "list List Sequence MutableSequence Iterable Collection set Set frozenset FrozenSet".split()
)


def _sequence_type(annotation: cst.BaseExpression) -> bool:
    """The annotation is a sequence of any length (``list[int]``, ``Sequence[str] | None``,
    ``tuple[int, ...]``)."""
    if isinstance(annotation, cst.BinaryOperation):
        sides = (annotation.left, annotation.right)
        return any(_sequence_type(side) for side in sides if not _is_none(side))
    if isinstance(annotation, cst.Subscript):
        outer = _type_name(annotation.value)
        if outer == "Optional" and annotation.slice:
            inner = annotation.slice[0].slice
            return isinstance(inner, cst.Index) and _sequence_type(inner.value)
        if outer in ("tuple", "Tuple"):
            last = annotation.slice[-1].slice if annotation.slice else None
            return isinstance(last, cst.Index) and isinstance(last.value, cst.Ellipsis)
        return outer in _SEQUENCE_TYPES
    return _type_name(annotation) in _SEQUENCE_TYPES


def _type_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _bound_stored(owner: Value | None, args: list[Value], spans: list[float]) -> None:
    """Bound the stored data an age check in a helper was about: its arguments' and the
    object's, with what the object's attributes and containers hold (a ledger's entries
    read back from a file, filtered by age in the ledger's own method). A list given as an
    argument is not bounded for others: the helper filtered its own walk over it."""
    for given in args:
        if isinstance(given, Instance):
            if given.stored:
                given.spans.extend(spans)
            for attr in list(given.attrs.values())[:16]:
                if isinstance(attr, Unknown) and attr.stored and attr.spans:
                    attr.spans[0].extend(spans)
        elif isinstance(given, Unknown) and given.stored and given.spans:
            given.spans[0].extend(spans)
    pending: list[tuple[Value | None, int]] = [(owner, 0)]
    seen: set[int] = set()
    while pending:
        value, depth = pending.pop()
        if value is None or id(value) in seen or depth > 3:
            continue
        seen.add(id(value))
        if isinstance(value, Instance):
            if value.stored:
                value.spans.extend(spans)
            pending.extend((a, depth + 1) for a in list(value.attrs.values())[:16])
        elif isinstance(value, Unknown) and value.stored and value.spans:
            value.spans[0].extend(spans)
        elif isinstance(value, FieldOf):
            pending.append((value.data, depth + 1))
        elif isinstance(value, DictV):
            pending.extend((v, depth + 1) for v in [value.elem, *list(value.entries.values())[:16]])
        elif isinstance(value, ListV):
            pending.extend((v, depth + 1) for v in [value.elem, *(value.items or ())[:16]])


def _context_of(frame: Frame | None, node: cst.Call | None) -> tuple[int, ...]:
    chain = frame.chain if frame is not None else ()
    return (*(id(ref.node) for ref in chain), id(node))


def held(*values: Value | None) -> tuple[object, ...]:
    """What a memo entry keeps alive: the values and what their signatures name by id()
    (an id freed and reused by another value would hit the wrong entry)."""
    kept: list[object] = []
    for value in values:
        kept.append(value)
        if isinstance(value, ListV):
            kept.extend((value.elem, *(value.items or ())[:16]))
        elif isinstance(value, DictV):
            kept.extend((value.elem, *list(value.entries.values())[:16]))
        elif isinstance(value, Instance):
            kept.extend(list(value.attrs.values())[:16])
    return tuple(kept)


def signature(value: Value | None) -> object:
    """What identifies an abstract value for memoizing calls: text and numbers, else identity."""
    if value is None:
        return None
    if isinstance(value, Str):
        # where its text was written too: findings point at the literal a caller gave
        origins = tuple(id(o.node) for o in value.origins[:2])
        return ("s", value.text, tuple(signature(v) for v in value.slots[:4]), origins)
    if isinstance(value, Num):
        return ("n", value.n, value.default, value.boolean)
    if isinstance(value, Duration):
        return ("d", value.days)
    if isinstance(value, Unknown):
        # stored data is read in a context (its age limits): each read is its own value
        return (
            "u",
            value.stored,
            value.name,
            value.source,
            value.bound,
            id(value) if value.stored else None,
        )
    if isinstance(value, External):
        return ("l", value.name)
    # mutable values: what they hold now, so a list appended to since is a new argument
    if isinstance(value, ListV):
        items = value.items
        held = tuple(id(v) for v in items[:16]) if items is not None else None
        return ("L", id(value), id(value.elem), held, len(items or ()), len(value.extra))
    if isinstance(value, DictV):
        return (
            "D",
            id(value),
            tuple((k, id(v)) for k, v in list(value.entries.items())[:16]),
            id(value.elem),
            value.open,
        )
    if isinstance(value, Instance):
        return ("I", id(value), tuple((k, id(v)) for k, v in list(value.attrs.items())[:16]))
    return ("id", id(value))


def retag(value: Value, function: int | None, depth: int = 0) -> Value:
    """The same value, with the stored data in it marked as read in ``function``."""
    if depth > 4:
        return value
    if isinstance(value, Unknown):
        return replace(value, made_in=function) if value.stored else value
    if isinstance(value, ListV):
        items = value.items
        if items is not None:
            items = [retag(v, function, depth + 1) for v in items]
        copy = value.copy()
        copy.items = items
        copy.elem = retag(value.elem, function, depth + 1)
        return copy
    if isinstance(value, OneOf):
        return OneOf(tuple(retag(v, function, depth + 1) for v in value.options))
    if isinstance(value, DictV) and _holds_stored(value):
        # rows turned into dicts (`dict(zip(COLUMNS, row))`): their values were read here
        row = value.copy()
        row.entries = {k: retag(v, function, depth + 1) for k, v in value.entries.items()}
        if value.elem is not None:
            row.elem = retag(value.elem, function, depth + 1)
        return row
    if isinstance(value, Instance) and value.stored and value.records_of is None:
        # an ORM record a helper fetched: its fields are read back in the caller
        return replace(value, made_in=function)
    if isinstance(value, Instance) and value.base is None and _attrs_stored(value):
        # records built from stored rows (a data class per row): read here too
        record = Instance(
            value.cls,
            dict(value.attrs),
            stored=value.stored,
            spans=value.spans,
            records_of=value.records_of,
            made_in=function if value.stored else value.made_in,
        )
        record.attrs = {k: retag(v, function, depth + 1) for k, v in value.attrs.items()}
        return record
    return value


def _attrs_stored(value: Instance) -> bool:
    """Whether the object holds stored data, itself or in a list of records."""
    for attr in list(value.attrs.values())[:16]:
        if isinstance(attr, Unknown) and attr.stored:
            return True
        if isinstance(attr, ListV):
            inner = attr.elem if attr.items is None else (attr.items[0] if attr.items else None)
            if isinstance(inner, Unknown) and inner.stored:
                return True
            if (
                isinstance(inner, Instance)
                and inner is not value
                and any(
                    isinstance(v, Unknown) and v.stored for v in list(inner.attrs.values())[:16]
                )
            ):
                return True
    return False


def _holds_stored(value: DictV) -> bool:
    inner = [*list(value.entries.values())[:16], *([value.elem] if value.elem is not None else [])]
    options = [o for v in inner for o in (v.options if isinstance(v, OneOf) else (v,))]
    return any(isinstance(v, Unknown) and v.stored for v in options)


def names_in(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The names an annotation mentions, outermost first (``Optional[X]`` gives X)."""
    found: list[cst.BaseExpression] = []
    if isinstance(node, cst.Name | cst.Attribute):
        found.append(node)
    elif isinstance(node, cst.BinaryOperation):
        found.extend(names_in(node.left))
        found.extend(names_in(node.right))
    elif isinstance(node, cst.Subscript):
        head = dotted(node.value) or ""
        elements = node.slice
        if head.rsplit(".", 1)[-1] == "Annotated":
            elements = elements[:1]
        for element in elements:
            if isinstance(element.slice, cst.Index):
                found.extend(names_in(element.slice.value))
    return found


def _positional_needs(func: Value) -> int:
    """How many positional arguments a curried function waits for before it runs."""
    if isinstance(func, Func):
        params = func.node.params.params
        needed = [p for p in params if p.default is None]
        if func.bound_self is not None and needed:
            needed = needed[1:]
        return len(needed)
    if isinstance(func, External) and func.name in (
        "builtins.map",
        "builtins.filter",
        "toolz.pluck",
    ):
        return 2
    return 0


def _says_nothing(value: Value) -> bool:
    """A value the analysis knows nothing about (not data, not stored, not a source)."""
    options = value.options if isinstance(value, OneOf) else (value,)
    return all(isinstance(o, Unknown) and not o.stored and o.bound is None for o in options)
