"""Calls into libraries and onto values: what the models say a call does, else what the
values say (``http.generic_http``), else the arguments are handed on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore, returned_closures
from auditor.code.frames import Frame
from auditor.code.models.spec import CallContext, Scheduler, TaskMethod
from auditor.code.modules import ClassInfo
from auditor.code.strings import name_words
from auditor.code.values import (
    UNKNOWN,
    Bound,
    ClassRef,
    Client,
    Data,
    Deferred,
    DictV,
    Duration,
    External,
    Func,
    Injected,
    Instance,
    ListV,
    ModuleRef,
    Num,
    OneOf,
    Opaque,
    Partial,
    PreparedRequest,
    Response,
    Str,
    SuperRef,
    Unknown,
    Value,
    as_str,
    describe_source,
    hole,
    literal_list,
    one_of,
)


class LibraryCallsMixin(EvaluatorCore):
    # -- a dotted name from outside the project -----------------------------------------
    def call_external(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> Value:
        models = self.models
        name = models.normalize(name)
        short = name.rsplit(".", 1)[-1]
        if name.startswith("builtins."):
            return self.call_builtin(short, args, kwargs, node, frame)
        if models.is_test_double(name):
            return Opaque(name, double=True)
        injector = models.injector(name)
        if injector is not None:
            return Injected(injector.provider.pick(args, kwargs))
        special = models.special(name)
        if special is not None:
            result = special.handler(CallContext(self, args, kwargs, node, frame))
            if result is not None:
                return result
        send = models.http_function(name)
        if send is not None:
            return self.send(None, send, args, kwargs, node, frame, stack=models.stack_of(name))
        client_class = models.client_class(name)
        if client_class is not None:
            return self.make_client(client_class, args, kwargs)
        prepare = models.prepare(name)
        if prepare is not None:
            return self.prepared(prepare, args, kwargs, node, frame)
        chunker = models.chunker(name)
        chunked = (
            (chunker.seq.pick(args, kwargs) or UNKNOWN, chunker.size.pick(args, kwargs))
            if chunker is not None
            else _named_chunker(short, args, kwargs)
        )
        if chunked is not None:
            seq, size = chunked
            bound = size.as_int if isinstance(size, Num) else None
            source = describe_source(seq)
            return ListV(
                elem=ListV(bound=bound, source=source, origin=seq), source=source, origin=seq
            )
        duration = models.duration(name)
        if duration is not None:
            if not duration.known(args, kwargs):
                return UNKNOWN
            return Duration(duration.days(args, kwargs))
        getter = models.env_getter(name)
        if getter is not None:
            configured = self.configured_value(
                getter.key.pick(args, kwargs), getter.default.pick(args, kwargs)
            )
            if getter.stored and not isinstance(configured, Num | Duration | DictV | ListV):
                if not (isinstance(configured, Str) and configured.known):
                    return self.from_source(getter.stored, True, False, frame)
            return configured
        passthrough = models.passthrough(name)
        if passthrough is not None:
            value = passthrough.arg.pick(args, kwargs)
            if value is not None:
                return value.copy() if isinstance(value, DictV) else value
            return UNKNOWN
        size_bound = models.size_bound(name)
        if size_bound is not None:
            size = size_bound.size.pick(args, kwargs)
            return Unknown(
                source="a model field", bound=size.as_int if isinstance(size, Num) else None
            )
        origin = models.source(name)
        if origin is not None:
            self.hand_on(args, kwargs, how="stored")
            return self.from_source(origin.source, origin.stored, origin.sequence, frame)
        scheduler = models.scheduler(name)
        if scheduler is not None and self.schedule(scheduler, args, kwargs, node, frame):
            return UNKNOWN
        registry = models.registry(name)
        if registry is not None:
            registered_key = registry.key.pick(args, kwargs)
            registered = registry.value.pick(args, kwargs)
            if isinstance(registered_key, Str) and registered_key.known and registered is not None:
                self.stores[(registry.kind, registered_key.text)] = registered
            return Opaque(name, attrs={k: v for k, v in kwargs.items() if k != "**"})
        lookup = models.lookup(name) or models.method_lookup(short)
        if lookup is not None:
            found = self.fetch_registered(lookup.kind, lookup.key.pick(args, kwargs), frame)
            if found is not None:
                return found
        if models.is_sink(name):
            return UNKNOWN
        store = models.store(name)
        if store is not None:
            self.hand_on(args, kwargs, how="stored")
            return UNKNOWN
        sent = self.generic_http(None, short, args, kwargs, node, frame)
        if sent is not None:
            return sent
        self.register_by_name(args, kwargs)
        self.run_callbacks(args, kwargs, frame)
        self.hand_on(args, kwargs)
        if short[:1].isupper():
            # an object of a class nobody modeled: keep what it was given
            return Opaque(
                name, attrs={k: v for k, v in kwargs.items() if k != "**"}, args=tuple(args[:8])
            )
        stored = models.is_stored_module(name)
        return Unknown(
            source=models.describe_call(short), stored=stored, name=short, made_in=frame.func_id
        )

    def configured_value(self, key: Value | None, default: Value | None) -> Value:
        """A configuration getter: without configuration, the default is what is sent."""
        name = key.text if isinstance(key, Str) and key.known else ""
        empty = (isinstance(default, ListV) and default.items == []) or (
            isinstance(default, DictV) and not default.entries and not default.open
        )
        if isinstance(default, Str) and default.text == "":
            # an empty default (`getenv("IDS", "")`): what is configured is not known
            return hole(Unknown(source="the environment", name=name))
        if empty:
            # an empty default says nothing of what is configured: a list of unknown size
            return Unknown(source="the configuration", name=name)
        if isinstance(default, Str | Num | Duration | DictV | ListV):
            return default
        return hole(Unknown(source="the environment", name=name))

    def from_source(self, source: str, stored: bool, sequence: bool, frame: Frame) -> Value:
        # its own limits first (checks made on it later), then those of where it is read
        spans: tuple[list[float], ...] = ([], frame.spans, *frame.caller_spans) if stored else ()
        if stored:
            self.stored_reads += 1
        item = Unknown(source=source, stored=stored, made_in=frame.func_id, spans=spans)
        if sequence:
            return ListV(source=source, elem=item, origin=item)
        return item

    def register_by_name(self, args: list[Value], kwargs: Mapping[str, Value]) -> None:
        """A library given one project callable and one name for it
        (``config.add_request_method(make_service, "dokeos")``): what the framework offers
        under that name later (``request.dokeos``) is what the callable makes."""
        given = [*args, *(v for k, v in kwargs.items() if k != "**")]
        factories = [v for v in given if isinstance(v, Func | ClassRef)]
        names = [v.text for v in given if isinstance(v, Str) and v.known and v.text.isidentifier()]
        if len(factories) == 1 and len(names) == 1:
            self.stores.setdefault(("factory", names[0]), factories[0])

    def run_callbacks(self, args: list[Value], kwargs: Mapping[str, Value], frame: Frame) -> None:
        """A function defined inside another and handed to a library
        (``hass.services.async_register(DOMAIN, "sync", handler)``) is a callback the
        library runs: nobody in the project calls it, so it runs here. Functions defined
        at module level are evaluated on their own already."""
        for value in [*args, *kwargs.values()]:
            # alone, or several a factory returned (a dlt source's resources)
            for func in returned_closures(value):
                # what it returns or yields goes back to the library
                self.hand_on([self.call_function(func, [], {}, None, frame)], {})

    def made_by_name(self, name: str, frame: Frame) -> Value | None:
        """What the factory registered under ``name`` makes, if the project registered one."""
        factory = self.stored("factory", name, frame)
        if isinstance(factory, Func):
            return self.call_function(factory, [], {}, None, frame)
        if isinstance(factory, ClassRef):
            return self.instantiate(factory.cls, [], {}, None, frame)
        return None

    def fetch_registered(self, kind: str, key: Value | None, frame: Frame) -> Value | None:
        """What a framework registered under ``key``: a task's result, a stored value."""
        if isinstance(key, ListV) and key.items:
            key = key.items[0]
        if not isinstance(key, Str) or not key.known:
            return None
        found = self.stored(kind, key.text, frame)
        if isinstance(found, Func):
            return self.call_function(found, [], {}, None, frame)
        return found

    # -- methods ------------------------------------------------------------------------
    def call_method(
        self,
        target: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if isinstance(target, OneOf):
            return one_of(
                [self.call_method(o, name, args, kwargs, node, frame) for o in target.options]
            )
        if name == "result" and not args and isinstance(target, Data | Response | ListV | DictV):
            # a future's result(): `executor.submit(f, x)` already stands for what f returned
            return target
        if isinstance(target, Client):
            return self.client_method(target, name, args, kwargs, node, frame)
        if isinstance(target, Deferred):
            return self.deferred_call(target, name, args, kwargs, node, frame)
        if isinstance(target, Instance):
            member = self.instance_member(target, name, node, frame)
            if member is not None:
                return self.call_value(member, args, kwargs, node, frame)
            if isinstance(target.base, Client):
                return self.client_method(
                    target.base, name, args, kwargs, node, frame, receiver=target
                )
            return self.call_on_unknown(target, name, args, kwargs, node, frame)
        if isinstance(target, Response):
            return self.response_member(target, name, called=True)
        if isinstance(target, Data):
            return self.data_method(target, name, args, kwargs, node, frame)
        if isinstance(target, DictV):
            return self.dict_method(target, name, args, kwargs, node, frame)
        if isinstance(target, Str) and target.member_of is not None:
            method = self.lookup_method(target.member_of, name)
            if method is not None:
                return self.call_value(
                    replace(method, bound_self=target), args, kwargs, node, frame
                )
        if isinstance(target, Str) and not hasattr(str, name):
            # a path held as its text (`Path("jobs.json").read_text()`): what it reads
            source = self.models.method_source(name, "path", False)
            if source is not None:
                return self.from_source(source.source, source.stored, source.sequence, frame)
        if isinstance(target, Str):
            return self.str_method(target, name, args, kwargs)
        if isinstance(target, ListV):
            return self.list_method(target, name, args, frame)
        if isinstance(target, PreparedRequest):
            return self.prepared_method(target, name, args, node, frame)
        if isinstance(target, Duration):
            # a timedelta's own methods
            if name == "total_seconds":
                return Num(target.days * 86400)
            return UNKNOWN
        if isinstance(target, Func | Partial):
            return self.task_method(target, name, args, kwargs, node, frame)
        if isinstance(target, ClassRef):
            if name in self.models.instance_factories and self.external_bases(target.cls):
                # `QuerySet.as_manager()`: an object of the project's own class
                return Instance(target.cls, stored=True)
            if (
                self.models.is_model_constructor(name)
                and args
                and self.lookup_method(target.cls, name) is None
            ):
                # Model.model_validate(item): the model's fields come from the data's keys
                return self.instantiate(target.cls, [], {"**": args[0]}, node, frame)
            member = self.attribute(target, name, node, frame)
            return self.call_value(member, args, kwargs, node, frame)
        if isinstance(target, Unknown | Opaque):
            return self.call_on_unknown(target, name, args, kwargs, node, frame)
        if isinstance(target, SuperRef | ModuleRef):
            member = self.attribute(target, name, node, frame)
            return self.call_value(member, args, kwargs, node, frame)
        self.hand_on(args, kwargs)
        return UNKNOWN

    def deferred_call(
        self,
        target: Deferred,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        """A method called through a deferring proxy runs later, by the proxy's delay."""
        receiver = target.target
        member = (
            self.instance_member(receiver, name, node, frame)
            if isinstance(receiver, Instance)
            else None
        )
        if isinstance(member, Func):
            self.call_function(member, args, kwargs, node, frame, delay=target.delay_days)
            return UNKNOWN
        return self.call_method(receiver, name, args, kwargs, node, frame)

    def function_named(self, dotted_name: str) -> Value | None:
        """The project function an import path names (``"lms.tasks.recheck_job"``)."""
        found = self.object_named(dotted_name)
        return found if isinstance(found, Func) else None

    def object_named(self, dotted_name: str) -> Value | None:
        """What an import path in a setting names in the project (a function, a class)."""
        module, _, name = dotted_name.rpartition(".")
        rel = self.project.resolve_module(module) if module else None
        info = self.module(rel) if rel is not None else None
        if info is None:
            return None
        return self.module_env(info).get(name)

    def is_orm_class(self, cls: ClassInfo) -> bool:
        return any(self.models.is_orm_base(b) for b in self.external_bases(cls))

    def instance_member(
        self, owner: Instance, name: str, node: cst.CSTNode, frame: Frame
    ) -> Value | None:
        """What ``owner.name`` is, or None when neither the object nor its class has it."""
        if name in owner.attrs or self.lookup_method(owner.cls, name) is not None:
            return self.attribute(owner, name, node, frame)
        found = self.lookup_class_attr(owner.cls, name)
        if found is None and self.lookup_method(owner.cls, "__getattr__") is not None:
            # a method made on demand (`resource.list` built by `__getattr__("list")`)
            made = self.attribute(owner, name, node, frame)
            return None if isinstance(made, Unknown) else made
        return found

    def call_on_unknown(
        self,
        receiver: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        """A method of an object no model knows (or an unknown callable, ``name`` empty)."""
        if isinstance(receiver, Opaque) and (receiver.double or receiver.fluent):
            return receiver
        models = self.models
        if isinstance(receiver, Opaque) and name:
            declared = models.declared_method(models.normalize(receiver.name), name)
            if declared is not None:
                # the configuration says this library method is an HTTP call
                base, headers, names, _ = self.receiver_state(receiver)
                client = Client(
                    "declared", base_url=base, headers=headers, names=names, declared=True
                )
                return self.send(client, declared.send, args, kwargs, node, frame, stack="declared")
        receiver_name = _receiver_name(receiver)
        stored_receiver = isinstance(receiver, Unknown) and receiver.stored
        if name and isinstance(receiver, Instance) and receiver.base is None:
            served = self.served_records(receiver, name, frame)
            if served is not None:
                return served
        if name and isinstance(receiver, Instance) and self.is_orm_class(receiver.cls):
            if name in models.fluent_methods:
                self.hand_on(args, kwargs)
                return receiver
            if receiver.records_of is not None and (
                name in models.record_getters or name in models.record_pair_getters
            ):
                self.hand_on(args, kwargs, how="stored")
                record = Instance(
                    receiver.records_of,
                    {},
                    stored=True,
                    spans=[*receiver.spans, *frame.spans],
                    made_in=frame.func_id,
                )
                if name in models.record_pair_getters:
                    return literal_list([record, UNKNOWN])  # (record, created)
                return record
            if name in models.record_queries or name in models.record_getters:
                self.hand_on(args, kwargs, how="stored")
                # records of the same model; a look-back in the query bounds their age
                return Instance(
                    receiver.cls,
                    dict(receiver.attrs) if receiver.records_of is not None else {},
                    stored=True,
                    spans=[*receiver.spans, *frame.spans],
                    records_of=receiver.records_of,
                    made_in=frame.func_id,
                )
        if name:
            getter = models.method_env_getter(name)
            if getter is not None:
                return self.configured_value(
                    getter.key.pick(args, kwargs), getter.default.pick(args, kwargs)
                )
            passthrough = models.method_passthrough(name)
            if passthrough is not None:
                given = passthrough.arg.pick(args, kwargs)
                if isinstance(given, Response):
                    return Data(given.request)
                if isinstance(given, Data):
                    return given  # decoded by an object we cannot see: the same body
                if isinstance(given, ListV) and isinstance(given.origin or given.elem, Data):
                    return given  # items decoded one by one (`Schema(many=True).load(rows)`)
            deferrer = models.deferrer(name)
            if deferrer is not None:
                return Deferred(receiver, _delay_days(deferrer.delays, args, kwargs))
            special = models.method_special(name)
            if special is not None:
                made = special.handler(CallContext(self, args, kwargs, node, frame, receiver))
                if made is not None:
                    return made
            # what the values say first: `session.get("https://…/users")` is HTTP whatever
            # the receiver's name suggests (an ORM session's get() takes no URL)
            sent = self.generic_http(receiver, name, args, kwargs, node, frame)
            if sent is not None:
                return sent
            in_memory = isinstance(receiver, Opaque | External) and models.is_in_memory(
                receiver.name
            )
            source = (
                None if in_memory else models.method_source(name, receiver_name, stored_receiver)
            )
            if source is not None:
                # what it is given is kept too (an INSERT's values, a queue message)
                self.hand_on(args, kwargs, how="stored")
                made = self.from_source(source.source, source.stored, source.sequence, frame)
                if stored_receiver and isinstance(receiver, Unknown) and receiver.spans:
                    # rows fetched from a cursor a helper's query made: that query's
                    # look-back bounds them too
                    made = _with_spans(made, receiver.spans)
                return made
            scheduler = models.method_scheduler(name)
            if scheduler is not None and self.schedule(scheduler, args, kwargs, node, frame):
                return UNKNOWN
            if models.is_method_sink(name):
                return UNKNOWN
            if models.is_method_output(name):
                for value in [*args, *kwargs.values()]:
                    self.events.escape(value, "output")
                return UNKNOWN
            lookup = models.method_lookup(name)
            if lookup is not None:
                found = self.fetch_registered(lookup.kind, lookup.key.pick(args, kwargs), frame)
                if found is not None:
                    return found
            if models.method_store(name, receiver_name) is not None:
                self.hand_on(args, kwargs, how="stored")
                return UNKNOWN
        self.register_by_name(args, kwargs)
        self.run_callbacks(args, kwargs, frame)
        self.hand_on(args, kwargs)
        if not name:
            kept = next(
                (v for v in [*args, *kwargs.values()] if isinstance(v, Unknown) and v.stored), None
            )
            if kept is not None:
                # a callable nothing models, given stored data (a record class made at run
                # time, `Job(*row)`): what it makes holds that data, as old as it is
                return replace(kept, item=False)
        if stored_receiver and isinstance(receiver, Unknown):
            # stored data read through a method (`msg.get_body()`): the same data, read back
            # where it was, with the age limits checked on it
            return replace(receiver, name=name, bound=None)
        return Unknown(
            source=models.describe_call(name),
            stored=stored_receiver,
            name=name,
            made_in=frame.func_id,
        )

    def served_records(self, view: Instance, name: str, frame: Frame) -> Value | None:
        """``self.get_object()`` of a generic view: a record of the query it names."""
        model = self.models.record_view(self.external_bases(view.cls))
        if model is None or name not in (*model.record_methods, *model.query_methods):
            return None
        query = self.attribute(view, model.query_attr, view.cls.node, frame)
        records_of = query.records_of if isinstance(query, Instance) else None
        if records_of is None:
            named = self.attribute(view, model.model_attr, view.cls.node, frame)
            records_of = named.cls if isinstance(named, ClassRef) else None
        if records_of is None:
            return None
        if name in model.query_methods:
            return Instance(records_of, stored=True, records_of=records_of)
        return Instance(records_of, stored=True, made_in=frame.func_id, spans=[*frame.spans])

    def task_method(
        self,
        target: Func | Partial,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        """``task.delay(...)``, ``task.apply_async(countdown=...)``, ``task.s(...)``."""
        method = self.models.task_method(name)
        if method is None:
            self.hand_on(args, kwargs)
            return UNKNOWN
        call_args, call_kwargs = _task_arguments(method, args, kwargs)
        if method.run == "partial":
            return Partial(target, tuple(call_args), tuple(call_kwargs.items()))
        delay = _delay_days(method.delays, args, kwargs) if method.run == "later" else 0.0
        func = target.func if isinstance(target, Partial) else target
        if isinstance(target, Partial):
            call_args = [*target.args, *call_args]
            call_kwargs = {**dict(target.kwargs), **call_kwargs}
        if method.run == "each":
            call_args = [self.element_of(a, frame) for a in call_args]
            call_kwargs = {k: self.element_of(v, frame) for k, v in call_kwargs.items()}
        if isinstance(func, Func):
            result = self.call_function(func, call_args, call_kwargs, node, frame, delay=delay)
        else:
            result = self.call_value(func, call_args, call_kwargs, node, frame)
        return ListV(elem=result, source="mapped results") if method.run == "each" else result

    def element_of(self, value: Value, frame: Frame) -> Value:
        """One element of a sequence a mapping call walks; other values are given as is."""
        if isinstance(value, ListV | Data | Unknown):
            return self.iterate(value, frame)
        return value

    def schedule(
        self,
        scheduler: Scheduler,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> bool:
        """A function handed to a scheduler runs later: evaluate it with that delay."""
        positional = list(args)
        task: Value | None = None
        delay = 0.0
        if scheduler.task is not None:
            task = scheduler.task.pick(args, kwargs)
            if scheduler.task.index is not None and task is not None:
                positional = positional[scheduler.task.index + 1 :]
            if isinstance(task, Str) and task.known:
                # a task named by its import path ("app.tasks.recheck")
                task = self.function_named(task.text)
        else:
            for index, value in enumerate(positional):
                if isinstance(value, Func | Partial):
                    task = value
                    before, positional = positional[:index], positional[index + 1 :]
                    # sched.enter(delay, priority, action) and loop.call_later(delay, cb)
                    if before and isinstance(before[0], Num):
                        delay = before[0].n * scheduler.delay_before_task
                    if before and isinstance(before[0], Duration):
                        delay = before[0].days
                    break
        if not isinstance(task, Func | Partial):
            return False
        if not _periodic(scheduler, args, kwargs):
            # a periodic trigger's interval is how often it runs, not how much later
            delay = max(delay, _delay_days(scheduler.delays, args, kwargs))
        task_args = scheduler.args.pick(args, kwargs) if scheduler.args is not None else None
        if isinstance(task_args, ListV) and task_args.items is not None:
            call_args = list(task_args.items)
        else:
            call_args = [v for v in positional if not isinstance(v, Str | Num | Duration)]
        task_kwargs = scheduler.kwargs.pick(args, kwargs) if scheduler.kwargs is not None else None
        call_kwargs = dict(task_kwargs.entries) if isinstance(task_kwargs, DictV) else {}
        if isinstance(task, Partial):
            call_args = [*task.args, *call_args]
            call_kwargs = {**dict(task.kwargs), **call_kwargs}
            task = task.func
        if isinstance(task, Func):
            self.call_function(task, call_args, call_kwargs, node, frame, delay=delay)
            return True
        return False

    def hand_on(self, args: list[Value], kwargs: Mapping[str, Value], how: str = "handed") -> None:
        """The values go where the analysis cannot follow them: they may be used later."""
        for value in [*args, *kwargs.values()]:
            self.events.escape(value, "stored" if how == "stored" else "handed")

    # -- implemented by the other parts -------------------------------------------------


_CHUNK_WORDS = frozenset(
    {"chunk", "chunks", "chunked", "batch", "batches", "batched", "grouper", "partition"}
)


def _with_spans(value: Value, spans: tuple[list[float], ...]) -> Value:
    """Stored data read back (one item, or a sequence of them) with more age limits."""
    if isinstance(value, ListV) and isinstance(value.elem, Unknown):
        item = _with_spans(value.elem, spans)
        return replace(value, elem=item, origin=item)
    if isinstance(value, Unknown):
        return replace(value, spans=(*value.spans, *spans)[:8])
    return value


def _named_chunker(
    name: str, args: list[Value], kwargs: dict[str, Value]
) -> tuple[Value, Value] | None:
    """A library function no model knows whose name says it chunks (``create_batch(ids,
    5)``, ``make_chunks(seq, size=5)``), given a sequence and one size: the sequence and
    the size, as a chunker's."""
    if not set(name_words(name)) & _CHUNK_WORDS:
        return None
    sizes = [a for a in args if isinstance(a, Num)]
    sizes += [v for k, v in kwargs.items() if isinstance(v, Num) and k in _SIZE_KEYWORDS]
    seqs = [a for a in args if isinstance(a, ListV | Unknown | Data)]
    if len(sizes) != 1 or len(seqs) != 1:
        return None
    return seqs[0], sizes[0]


_SIZE_KEYWORDS = frozenset({"n", "size", "batch_size", "chunk_size", "count", "length"})


def _receiver_name(receiver: Value) -> str:
    if isinstance(receiver, Unknown):
        return receiver.name
    if isinstance(receiver, Opaque):
        return receiver.name.rsplit(".", 1)[-1]
    if isinstance(receiver, Instance):
        return receiver.cls.name
    if isinstance(receiver, External):
        return receiver.name.rsplit(".", 1)[-1]
    if isinstance(receiver, Bound):
        return receiver.name
    return ""


def _periodic(scheduler: Scheduler, args: list[Value], kwargs: dict[str, Value]) -> bool:
    if scheduler.periodic is None:
        return False
    trigger = scheduler.periodic.pick(args, kwargs)
    return isinstance(trigger, Str) and trigger.text in scheduler.periodic_triggers


def _task_arguments(
    method: TaskMethod, args: list[Value], kwargs: dict[str, Value]
) -> tuple[list[Value], dict[str, Value]]:
    if method.args is None and method.kwargs is None:
        return list(args), dict(kwargs)
    given = method.args.pick(args, kwargs) if method.args is not None else None
    call_args = list(given.items) if isinstance(given, ListV) and given.items is not None else []
    given_kwargs = method.kwargs.pick(args, kwargs) if method.kwargs is not None else None
    call_kwargs = dict(given_kwargs.entries) if isinstance(given_kwargs, DictV) else {}
    return call_args, call_kwargs


def _delay_days(delays: tuple, args: list[Value], kwargs: dict[str, Value]) -> float:
    days = 0.0
    for delay in delays:
        value = delay.arg.pick(args, kwargs)
        if isinstance(value, Duration):
            days = max(days, value.days)
        elif isinstance(value, Num):
            days = max(days, value.n * delay.days_per_unit)
    return days


def as_text(value: Value) -> str:
    return as_str(value).text
