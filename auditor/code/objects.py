"""Classes and objects: bases, methods, attributes, properties, fields of data classes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from auditor.code.core import Budget, EvaluatorCore, decorator_name, dotted, function_kind
from auditor.code.frames import Frame
from auditor.code.modules import ClassInfo, ModuleInfo
from auditor.code.subnodes import subnodes
from auditor.code.values import (
    UNKNOWN,
    Bound,
    ClassRef,
    Client,
    ConfigMap,
    Data,
    DictV,
    Duration,
    External,
    FieldOf,
    Func,
    Instance,
    ListV,
    ModuleRef,
    NoneV,
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
    is_empty,
    one_of,
)

_DATACLASS_DECORATORS = frozenset({"dataclass", "define", "frozen", "mutable", "attrs", "s"})
_TYPING_BASES = frozenset({"TypedDict", "NamedTuple"})
_DICT_METHODS = frozenset(
    {"get", "items", "keys", "values", "pop", "copy", "setdefault", "update", "json"}
    # a body read as bytes or text (`resp.read().decode()`)
    | {"decode", "encode", "strip"}
)


class ObjectsMixin(EvaluatorCore):
    # -- classes ------------------------------------------------------------------------
    def class_attrs(self, cls: ClassInfo) -> dict[str, Value]:
        state = self.class_state(cls)
        if state.attrs is None:
            state.attrs = {}
            module_env = self.state_of(cls.module).env
            frame = Frame(cls.module, None, state.attrs, module_env, (), None, closure=module_env)
            frame.unit = cls.module.units.get(id(cls.node), cls.node)
            body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
            for statement in body:
                if isinstance(statement, cst.SimpleStatementLine):
                    with contextlib.suppress(Budget):
                        self.exec_statement(statement, frame)
                elif isinstance(statement, cst.FunctionDef):
                    # methods are names of the class body (`get = partialmethod(_request, "GET")`)
                    state.attrs.setdefault(
                        statement.name.value,
                        Func(cls.module, statement, cls, kind=function_kind(statement)),
                    )
        return state.attrs

    def class_bases(self, cls: ClassInfo) -> list[Value]:
        state = self.class_state(cls)
        if state.bases is None:
            state.bases = []
            frame = self.module_frame(cls.module)
            for base in cls.node.bases:
                value = self.eval(base.value, frame)
                # the class statement already rebound the name: not a base of itself
                if isinstance(value, ClassRef) and value.cls is cls:
                    value = UNKNOWN
                state.bases.append(value)
        if id(cls) not in self.named_bases_done and self.models.name_attrs:
            found, complete = self.inherited_by_name(cls)
            known = {id(b.cls) for b in state.bases if isinstance(b, ClassRef)}
            state.bases.extend(ClassRef(c) for c in found if id(c) not in known)
            if complete:
                self.named_bases_done.add(id(cls))
        return state.bases

    def inherited_by_name(self, cls: ClassInfo) -> tuple[list[ClassInfo], bool]:
        """Classes a framework makes this one extend by name (Odoo's ``_inherit``), and
        whether every name was found (a module not loaded yet may hold one)."""
        attrs = self.models.name_attrs
        names: list[str] = []
        for attr in attrs[1:]:
            names.extend(_literal_names(cls, attr))
        own = set(_literal_names(cls, attrs[0]))
        found = []
        complete = True
        for name in names:
            if name in own:
                continue
            target = self.named_class(name)
            if target is None:
                complete = False
            elif target is not cls:
                found.append(target)
        return found, complete

    def named_class(self, name: str) -> ClassInfo | None:
        """The project class a framework registry finds by this name (``env["x.y"]``)."""
        attrs = self.models.name_attrs
        if not attrs:
            return None
        if self.name_index is None or self.name_index_size != len(self.modules):
            index: dict[str, ClassInfo] = {}
            for info in self.modules.values():
                if info is None:
                    continue
                for candidate in info.classes.values():
                    for registered in _literal_names(candidate, attrs[0]):
                        index.setdefault(registered, candidate)
            self.name_index = index
            self.name_index_size = len(self.modules)
        return self.name_index.get(name)

    def external_bases(self, cls: ClassInfo, seen: int = 0) -> list[str]:
        """Dotted names of the library classes a class derives from, nearest first."""
        if seen > 10:
            return []
        names: list[str] = []
        for base in self.class_bases(cls):
            if isinstance(base, External):
                names.append(self.models.normalize(base.name))
            elif isinstance(base, ClassRef):
                names.extend(self.external_bases(base.cls, seen + 1))
        return names

    def container_base(self, cls: ClassInfo) -> str | None:
        """The builtin container a class only dresses up (``class Record(dict)`` defining
        ``__getattr__``): no constructor and no method of its own but dunder ones."""
        bases = self.external_bases(cls)
        if not bases or bases[0] not in _CONTAINER_BASES:
            return None
        if self.lookup_method(cls, "__init__") or self.lookup_method(cls, "__new__"):
            return None
        for base in (cls, *self.project_bases(cls)):
            if any(not (m.startswith("__") and m.endswith("__")) for m in base.methods):
                return None
        return _CONTAINER_BASES[bases[0]]

    def project_bases(self, cls: ClassInfo, seen: int = 0) -> list[ClassInfo]:
        """The project classes a class derives from, at any depth."""
        if seen > 10:
            return []
        found: list[ClassInfo] = []
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                found.extend((base.cls, *self.project_bases(base.cls, seen + 1)))
        return found

    def lookup_method(self, cls: ClassInfo, name: str, seen: int = 0) -> Func | None:
        if seen > 10:
            return None
        node = cls.methods.get(name)
        if node is not None:
            return Func(cls.module, node, cls, kind=function_kind(node))
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

    def is_dataclass(self, cls: ClassInfo) -> bool:
        if {decorator_name(d) for d in cls.node.decorators} & _DATACLASS_DECORATORS:
            return True
        if self.models.is_dataclass_decorated(cls.node):
            return True
        for name in self.external_bases(cls):
            if self.models.is_model_base(name) or name.rsplit(".", 1)[-1] in _TYPING_BASES:
                return True
        if self.external_bases(cls) and self.declares_model_fields(cls):
            # a library's model class nobody modeled (LangChain's BaseTool is pydantic):
            # its fields say what it is
            return True
        return any(
            isinstance(base, ClassRef) and self.is_dataclass(base.cls)
            for base in self.class_bases(cls)
        )

    def declares_model_fields(self, cls: ClassInfo) -> bool:
        """Whether the class body declares a field with a model library's field maker
        (``api: Wrapper = Field(default_factory=Wrapper)``)."""
        state = self.class_state(cls)
        if state.declares_fields is None:
            state.declares_fields = self._declares_fields(cls)
        return state.declares_fields

    def _declares_fields(self, cls: ClassInfo) -> bool:
        for line in cls.node.body.body:
            for statement in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                value = statement.value if isinstance(statement, cst.AnnAssign) else None
                if isinstance(value, cst.Call) and self.models.is_field_maker(
                    dotted(value.func) or ""
                ):
                    return True
        return False

    def dataclass_fields(self, cls: ClassInfo, seen: int = 0) -> list[tuple[str, cst.CSTNode]]:
        """(name, statement) of declared fields in definition order, base classes first."""
        if seen > 10:
            return []
        fields: list[tuple[str, cst.CSTNode]] = []
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                fields.extend(self.dataclass_fields(base.cls, seen + 1))
        body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
        for statement in body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    annotation = cst.Module([]).code_for_node(small.annotation.annotation)
                    if "ClassVar" not in annotation:
                        fields = [f for f in fields if f[0] != small.target.value]
                        fields.append((small.target.value, small))
                elif (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                    and isinstance(small.value, cst.Call)
                    and self.models.is_field_maker(dotted(small.value.func) or "")
                ):
                    # attrs' `x = attr.ib(default=...)`
                    fields.append((small.targets[0].target.value, small))
        return fields

    def field_default(self, cls: ClassInfo, statement: cst.CSTNode) -> Value:
        frame = self.module_frame(cls.module)
        default = statement.value if isinstance(statement, cst.AnnAssign | cst.Assign) else None
        if default is None:
            return UNKNOWN
        if isinstance(default, cst.Call) and self.models.is_field_maker(dotted(default.func) or ""):
            bound = None
            for argument in default.args:
                keyword = argument.keyword.value if argument.keyword is not None else None
                if keyword in ("max_length", "max_items"):
                    size = self.eval(argument.value, frame)
                    bound = getattr(size, "as_int", None)
            if bound is not None:
                # what the model accepts is at most this long, whatever its default
                return Unknown(source="a model field", bound=bound)
            for index, argument in enumerate(default.args):
                keyword = argument.keyword.value if argument.keyword is not None else None
                if keyword == "default" or (keyword is None and index == 0):
                    value = self.eval(argument.value, frame)
                    if not (isinstance(value, External) and value.name.endswith("Ellipsis")):
                        return value
                if keyword in ("default_factory", "factory"):
                    factory = self.eval(argument.value, frame)
                    return self.call_value(factory, [], {}, default, frame)
            return Unknown(source="a model field")
        return self.eval(default, frame)

    def init_fields(
        self,
        instance: Instance,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame | None,
    ) -> None:
        """The ``__init__`` a data class decorator (or model base) writes."""
        cls = instance.cls
        remaining = list(args)
        spread = kwargs.get("**")
        if isinstance(spread, OneOf):
            # `Model.model_validate(row)` of `body.get("data", [])`'s items: the fields
            # come from the response's items, whatever the default holds
            found = [o for o in spread.options if isinstance(o, Data)]
            if found:
                kwargs = {**kwargs, "**": found[0]}
        for name, statement in self.dataclass_fields(cls):
            value: Value
            param, in_init = _init_parameter(name, statement)
            if not in_init:
                value = self.field_default(cls, statement)
            elif remaining:
                value = remaining.pop(0)
            elif param in kwargs:
                value = kwargs[param]
            elif name in kwargs:
                value = kwargs[name]
            elif isinstance(kwargs.get("**"), Data):
                value = FieldOf(kwargs["**"], name)  # type: ignore[arg-type]
            elif isinstance(spread := kwargs.get("**"), Unknown) and spread is not UNKNOWN:
                value = replace(spread, name=name, bound=None)
            else:
                value = self.field_default(cls, statement)
                if isinstance(value, Unknown) and value.bound is not None and not value.name:
                    value = replace(value, name=name)
                elif value is UNKNOWN and isinstance(statement, cst.AnnAssign):
                    # no default: what its annotation says it holds (a client class)
                    typed = self.annotated_value(cls.module, statement.annotation.annotation)
                    value = typed if typed is not None else Unknown(name=name)
            instance.attrs[name] = value
        post_init = self.lookup_method(cls, "__post_init__")
        if post_init is not None:
            bound = replace(post_init, bound_self=instance)
            if frame is None:
                self.call_function(bound, [], {}, None, None, entry=True)
            else:
                self.call_function(bound, [], {}, node, frame)

    # -- instances ----------------------------------------------------------------------
    def new_instance(self, cls: ClassInfo) -> Instance:
        instance = Instance(cls)
        for name in self.external_bases(cls):
            model = self.models.client_class(name)
            if model is not None:
                instance.base = Client(model.kind)
                self.clients.append(instance.base)
                break
        return instance

    def instantiate(
        self,
        cls: ClassInfo,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame | None,
    ) -> Value:
        # the same class built from the same arguments twice in one entry point: one object
        from auditor.code.calls import held, signature

        key = (
            id(cls),
            tuple(signature(a) for a in args),
            tuple(sorted((k, signature(v)) for k, v in kwargs.items())),
        )
        known = self.instances.get(key, (None, ()))[0]
        if known is not None:
            return known
        container = self.container_base(cls)
        if container is not None and node is not None and frame is not None:
            # `class Record(dict)` with only dunder methods (attribute access to keys):
            # the object is the mapping or list it is built from
            return self.call_builtin(container, args, kwargs, node, frame)
        instance = self.new_instance(cls)
        self.instances[key] = (instance, held(*args, *kwargs.values()))
        init = self.lookup_method(cls, "__init__")
        if init is not None:
            bound = replace(init, bound_self=instance)
            if frame is None:
                self.call_function(bound, args, kwargs, None, None, entry=True)
            else:
                self.call_function(bound, args, kwargs, node, frame)
        elif self.is_dataclass(cls):
            self.init_fields(instance, args, kwargs, node, frame)
        elif isinstance(instance.base, Client):
            self.configure_client(instance.base, args, kwargs)
        else:
            # an ORM model or a base class's __init__ we cannot see: keyword arguments
            # become attributes (Job(job_id=...) keeps the job id on the row)
            instance.attrs.update((k, v) for k, v in kwargs.items() if k != "**")
            if isinstance(kwargs.get("**"), Data):
                for name, _ in self.dataclass_fields(cls):
                    instance.attrs.setdefault(name, FieldOf(kwargs["**"], name))  # type: ignore[arg-type]
            if args:
                self.hand_on(args, {})
        if frame is not None and node is not None:
            self.run_framework_methods(instance, kwargs, node, frame)
        return instance

    def run_framework_methods(
        self, instance: Instance, kwargs: dict[str, Value], node: cst.Call, frame: Frame
    ) -> None:
        """A framework runs a method of objects of some classes after they are made, for a
        while (a sensor's ``poke`` until its timeout): run it, that much later."""
        self.run_streams(instance, node, frame)
        runners = self.models.class_runners
        if not runners:
            return
        bases = set(self.external_bases(instance.cls))
        for runner in runners:
            if not bases & set(runner.bases):
                continue
            method = self.lookup_method(instance.cls, runner.method)
            if method is None:
                continue
            days = runner.default_days
            for delay in runner.delays:
                given = delay.arg.pick([], kwargs)
                if isinstance(given, Duration):
                    days = given.days
                elif isinstance(given, Num):
                    days = given.n * delay.days_per_unit
            self.call_function(
                replace(method, bound_self=instance), [UNKNOWN], {}, node, frame, delay=days
            )

    def default_instance(self, cls: ClassInfo) -> Instance:
        state = self.class_state(cls)
        if state.default_instance is None:
            instance = self.new_instance(cls)
            state.default_instance = instance
            init = self.lookup_method(cls, "__init__")
            made = self.factory_made(cls, init)
            if made is not None:
                state.default_instance = made
                return made
            with contextlib.suppress(Budget):
                if init is not None:
                    self.call_function(
                        replace(init, bound_self=instance), [], {}, None, None, entry=True
                    )
                elif self.is_dataclass(cls):
                    self.init_fields(instance, [], {}, None, None)
        return state.default_instance

    def set_up_attribute(self, owner: Instance, attr: str, frame: Frame) -> Value | None:
        """An attribute ``__init__`` leaves None, or never sets, that another method fills
        (a Beam DoFn's ``setup()``, a Tornado handler's ``initialize()``): what that method
        puts there, the object being used once a framework or its owner has set it up."""
        setters = self.attribute_setters(owner.cls).get(attr, [])
        empty: Value | None = None
        for name in setters:
            running = frame.func is not None and frame.func.name.value == name
            if running or (id(owner), name) in self.setting_up:
                continue
            method = self.lookup_method(owner.cls, name)
            if method is None:
                continue
            self.setting_up.add((id(owner), name))
            # what the framework passes it (`initialize(self, dokeos: DokeosClient)`) is
            # what its parameters' types and defaults say
            self.call_function(replace(method, bound_self=owner), [], {}, None, frame, entry=True)
            value = owner.attrs.get(attr)
            if value is not None and is_empty(value):
                # reset by one method (Locust's `on_start`), filled by another: the code
                # that reads it runs once it holds something
                empty = value
                continue
            if value is not None and not isinstance(value, NoneV):
                return value
        return empty

    def attribute_setters(self, cls: ClassInfo) -> dict[str, list[str]]:
        state = self.class_state(cls)
        if state.setters is None:
            found: dict[str, list[str]] = {}
            for klass in (cls, *self.project_bases(cls)):
                for name, node in klass.methods.items():
                    if name == "__init__":
                        continue
                    for target in _self_targets(node):
                        found.setdefault(target, []).append(name)
            state.setters = found
        return state.setters

    def factory_made(self, cls: ClassInfo, init: Func | None) -> Instance | None:
        """An object of a class whose constructor needs what only the project's own factory
        gives (``Client.from_config(config)`` building the session and its headers): the
        object that factory makes, when the class has one."""
        if init is None or not _required_params(init.node):
            return None
        factories = [
            Func(cls.module, node, cls, bound_self=ClassRef(cls), kind="classmethod")
            for node in cls.methods.values()
            if function_kind(node) == "classmethod"
        ]
        # a module function of the project declared to return one (`make_client() ->
        # DokeosClient`), taking nothing it must be given
        for info in [m for m in self.modules.values() if m is not None]:
            for node in info.functions.values():
                returns = node.returns.annotation if node.returns is not None else None
                named = returns.value if isinstance(returns, cst.Name) else None
                if named == cls.name and not _required_params(node):
                    found = self.module_env(info).get(node.name.value)
                    if isinstance(found, Func):
                        factories.append(found)
        for factory in factories:
            with contextlib.suppress(Budget):
                made = self.call_function(factory, [], {}, None, None, entry=True)
                if isinstance(made, Instance) and made.cls is cls:
                    return made
        return None

    # -- attributes ---------------------------------------------------------------------
    def attribute(self, owner: Value, attr: str, node: cst.CSTNode, frame: Frame) -> Value:
        if isinstance(owner, OneOf):
            return one_of([self.attribute(o, attr, node, frame) for o in owner.options])
        if isinstance(owner, ModuleRef):
            return self.module_attribute(owner, attr, node, frame)
        if isinstance(owner, External):
            name = self.models.normalize(owner.name)
            if self.models.is_settings_object(name):
                found = self.setting(attr)
                if found is not None:
                    return found
            if self.models.is_namespace(name):
                kept = self.stored("attr", attr, frame)
                if kept is not None:
                    return kept
            return External(f"{name}.{attr}")
        if isinstance(owner, Instance):
            return self.instance_attribute(owner, attr, node, frame)
        if isinstance(owner, SuperRef):
            return self.super_attribute(owner, attr, frame)
        if isinstance(owner, ClassRef):
            return self.class_attribute(owner, attr)
        if isinstance(owner, Client):
            if attr == "headers":
                return owner.headers
            if attr == "params":
                return owner.params
            if attr == "base_url":
                return owner.base_url or UNKNOWN
            if attr == "method" and owner.method is not None:
                return Str(owner.method)
            return Bound(owner, attr)
        if isinstance(owner, Response):
            return self.response_member(owner, attr, called=False, node=node, frame=frame)
        if isinstance(owner, Data):
            if attr in _DICT_METHODS or self.models.data_method(attr) is not None:
                return Bound(owner, attr)
            # data turned into objects (a generated client's models, SimpleNamespace)
            return self.read_key(owner, attr, node, frame)
        if isinstance(owner, FieldOf):
            data = self.read_key(owner.data, owner.key, node, frame)
            return self.attribute(data, attr, node, frame)
        if isinstance(owner, Str) and attr == "value":
            return owner  # an enum member's value
        if isinstance(owner, Duration):
            if attr == "days":
                return Num(int(owner.days))
            if attr == "seconds":
                return Num(int(owner.days * 86400) % 86400)
            return Bound(owner, attr)
        if isinstance(owner, PreparedRequest):
            if attr == "headers":
                return owner.headers
            if attr == "params":
                return owner.params
            if attr == "url":
                return owner.url
            if attr == "method":
                return Str(owner.method) if owner.method else UNKNOWN
        if isinstance(owner, DictV | Str | ListV | PreparedRequest | Func):
            return Bound(owner, attr)
        if isinstance(owner, Opaque):
            if owner.fluent:
                return owner
            if attr not in owner.attrs and attr in ("headers", "params"):
                # an unmodeled client's headers: a mapping the code fills (`.update(...)`)
                owner.attrs[attr] = DictV()
            return owner.attrs.get(attr, Unknown(source=f"`{owner.name}`", name=attr))
        if isinstance(owner, Unknown):
            stored = self.stored("attr", attr, frame) or self.made_by_name(attr, frame)
            if stored is not None:
                return stored
            # an option of that name taking one value, and none taking a list
            one = ("cli_value", attr) in self.stores and ("cli_list", attr) not in self.stores
            if owner.source and one:
                # `args.training` of an option taking one value: one id, not a list
                return replace(owner, name=attr, bound=None, item=True)
            # a field taken out of a record read back (`row.job_id`), as `row["job_id"]`
            taken = frame.func_id if owner.stored else owner.taken_in
            return replace(
                owner, source=owner.source or f"`.{attr}`", name=attr, bound=None, taken_in=taken
            )
        return UNKNOWN

    def module_attribute(
        self, owner: ModuleRef, attr: str, node: cst.CSTNode, frame: Frame
    ) -> Value:
        env = self.module_env(owner.module)
        if attr in env:
            value = env[attr]
            if isinstance(value, Str) and frame.func is not None:
                return Str(value.text, value.slots, (*value.origins, frame.ref(node))[-24:])
            return value
        sub = self.project.resolve_module(f"{owner.module.name}.{attr}", frame.module.rel_path)
        info = self.module(sub) if sub is not None else None
        return ModuleRef(info) if info is not None else UNKNOWN

    def instance_attribute(
        self, owner: Instance, attr: str, node: cst.CSTNode, frame: Frame
    ) -> Value:
        if attr in owner.attrs:
            value = owner.attrs[attr]
            if isinstance(value, NoneV) or (value is not None and is_empty(value)):
                value = self.set_up_attribute(owner, attr, frame) or value
            if isinstance(value, FieldOf):
                return self.read_key(value.data, value.key, node, frame)
            if owner.cls.module.generated and not frame.module.generated:
                # a generated model's field, filled from the response in generated code:
                # the project reads the response's field here
                for option in value.options if isinstance(value, OneOf) else (value,):
                    if isinstance(option, Data) and option.path and option.path[-1] != "[]":
                        parent = Data(option.request, option.path[:-1])
                        self.events.key_read(parent, option.path[-1], frame.ref(node))
            if isinstance(value, Unknown) and not value.name:
                # what nothing else tells of, its attribute's name does (`self.path`)
                return replace(value, name=attr)
            return value
        method = self.lookup_method(owner.cls, attr)
        if method is not None:
            func = replace(method, bound_self=owner)
            if method.kind == "property":
                return self.call_function(func, [], {}, None, frame)
            if method.kind == "staticmethod":
                return replace(method, bound_self=None)
            if method.kind == "classmethod":
                return replace(method, bound_self=ClassRef(owner.cls))
            return func
        found = self.lookup_class_attr(owner.cls, attr)
        if found is not None:
            if (owner.stored and not isinstance(found, Func | Partial | ClassRef)) or (
                isinstance(found, Opaque)
                and any(self.models.is_orm_base(b) for b in self.external_bases(owner.cls))
            ):
                # a field of a database model: the value read back from the record
                return Unknown(
                    source="a database record",
                    name=attr,
                    stored=True,
                    # where the record was read back, when a method of its own reads it
                    made_in=owner.made_in if owner.made_in is not None else frame.func_id,
                    spans=(owner.spans, frame.spans, *frame.caller_spans),
                )
            if isinstance(found, Partial) and found.method and isinstance(found.func, Func):
                # partialmethod: bound to the object it is looked up on
                return replace(found, func=replace(found.func, bound_self=owner), method=False)
            return found
        dynamic = self.lookup_method(owner.cls, "__getattr__")
        if dynamic is not None and not attr.startswith("__"):
            # attributes made on demand (`client.users` built by `__getattr__("users")`)
            made = self.call_function(
                replace(dynamic, bound_self=owner), [Str(attr)], {}, None, frame
            )
            if not isinstance(made, Unknown):
                return made
        if isinstance(owner.base, Client):
            if attr in ("headers", "params", "base_url") or (
                attr == "method" and owner.base.method is not None
            ):
                return self.attribute(owner.base, attr, node, frame)
            # a method of the library class: called on the object, overrides apply
            return Bound(owner, attr)
        if owner.stored:
            # a field of records read back from the database
            return Unknown(
                source="a database record",
                name=attr,
                stored=True,
                made_in=frame.func_id,
                spans=(owner.spans, frame.spans, *frame.caller_spans),
            )
        set_up = self.set_up_attribute(owner, attr, frame)
        if set_up is not None:
            return set_up
        given = self.framework_attribute(owner, attr, node, frame)
        if given is not None:
            return given
        if self.models.settings_attrs and any(
            f"{base}.{attr}" in self.models.settings_attrs
            for base in self.external_bases(owner.cls)
        ):
            return self.settings_map()
        return Unknown(source=f"`.{attr}`", name=attr)

    def settings_map(self) -> Value:
        """The project's settings module as a mapping of its upper-case names: what the
        framework reads them from (``spider.settings.get("API_ROOT")``)."""
        found = ConfigMap(open=True)
        for info in self.settings_modules():
            for name, value in self.module_env(info).items():
                if name.isupper() and name not in found.entries:
                    found.entries[name] = value
        return found

    def settings_modules(self) -> Iterator[ModuleInfo]:
        """The project's settings or configuration modules (``settings.py``, a ``settings``
        package's modules, ``config.py``...)."""
        for module_name, rels in sorted(self.project.by_module.items()):
            last = module_name.split(".")[-1]
            if last not in _SETTINGS_MODULES and not module_name.startswith("settings."):
                continue
            for rel in rels:
                info = self.module(rel)
                if info is not None:
                    yield info

    def super_attribute(self, owner: SuperRef, attr: str, frame: Frame) -> Value:
        for base in self.class_bases(owner.cls):
            if isinstance(base, ClassRef):
                method = self.lookup_method(base.cls, attr)
                if method is not None:
                    bound = replace(method, bound_self=owner.instance)
                    if method.kind == "property":
                        # `super().session`: the base class's property, run on this object
                        return self.call_function(bound, [], {}, None, frame)
                    return bound
            elif isinstance(base, External) and isinstance(owner.instance, Instance):
                if isinstance(owner.instance.base, Client):
                    return Bound(owner.instance.base, attr)
        return UNKNOWN

    def class_attribute(self, owner: ClassRef, attr: str) -> Value:
        if (
            self.models.is_model_constructor(attr)
            and self.is_dataclass(owner.cls)
            and self.lookup_method(owner.cls, attr) is None
        ):
            # a model library's constructor; the project's own `from_api` is evaluated
            return Bound(owner, attr)
        if attr in self.models.instance_factories and self.external_bases(owner.cls):
            return Bound(owner, attr)  # `QuerySet.as_manager()`, made when it is called
        method = self.lookup_method(owner.cls, attr)
        if method is not None:
            if method.kind == "classmethod":
                return replace(method, bound_self=owner)
            return method
        found = self.lookup_class_attr(owner.cls, attr)
        if isinstance(found, Str) and any(
            self.models.is_enum_base(b) for b in self.external_bases(owner.cls)
        ):
            return replace(found, member_of=owner.cls)  # an enum member, with its methods
        if found is not None:
            if (
                isinstance(found, Instance)
                and found.records_of is None
                and self.is_orm_model(owner.cls)
            ):
                # a model's manager (`Job.objects`): what it returns are the model's records
                manager = Instance(
                    found.cls, found.attrs, found.base, stored=True, records_of=owner.cls
                )
                return manager
            return found
        if attr in self.models.default_managers and self.is_orm_model(owner.cls):
            # the manager an ORM gives every model (`Job.objects`)
            return Instance(owner.cls, stored=True, records_of=owner.cls)
        bases = self.external_bases(owner.cls)
        if bases:
            # inherited from a library class: an ORM's manager or query API, say
            stored = any(self.models.is_orm_base(b) for b in bases)
            return Unknown(
                source="a database query" if stored else f"`{owner.cls.name}.{attr}`",
                name=attr,
                stored=stored,
            )
        return UNKNOWN

    def is_orm_model(self, cls: ClassInfo) -> bool:
        return any(self.models.is_orm_base(b) for b in self.external_bases(cls))

    def setting(self, name: str) -> Value | None:
        """A framework setting (``settings.X``, ``app.config["X"]``): the project's own
        settings or configuration module, or a configuration class in it."""
        for info in self.settings_modules():
            env = self.module_env(info)
            if name in env:
                return env[name]
            for value in list(env.values()):
                if isinstance(value, ClassRef) and value.cls.module is info:
                    found = self.lookup_class_attr(value.cls, name)
                    if found is not None:
                        return found
        return None


def _init_parameter(name: str, statement: cst.CSTNode) -> tuple[str, bool]:
    """The ``__init__`` parameter that fills a field, and whether there is one: a field's
    ``alias=``, else its name without leading underscores (attrs' private attributes);
    ``init=False`` fields are set by the class itself."""
    value = statement.value if isinstance(statement, cst.AnnAssign | cst.Assign) else None
    param = name.lstrip("_") or name
    if isinstance(value, cst.Call):
        for argument in value.args:
            keyword = argument.keyword.value if argument.keyword is not None else None
            if keyword == "alias" and isinstance(argument.value, cst.SimpleString):
                alias = argument.value.evaluated_value
                if isinstance(alias, str):
                    param = alias
            elif keyword == "init" and dotted(argument.value) == "False":
                return param, False
    return param, True


def _literal_names(cls: ClassInfo, attr: str) -> list[str]:
    """String literals assigned to a class attribute (``_name = "x"``, ``_inherit = [...]``)."""
    body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
    found: list[str] = []
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            target = small.targets[0].target
            if not isinstance(target, cst.Name) or target.value != attr:
                continue
            values = (
                [e.value for e in small.value.elements]
                if isinstance(small.value, cst.List | cst.Tuple)
                else [small.value]
            )
            for value in values:
                if isinstance(value, cst.SimpleString):
                    text = value.evaluated_value
                    if isinstance(text, str):
                        found.append(text)
    return found


_SETTINGS_MODULES = frozenset({"settings", "config", "conf", "configuration", "default_settings"})


# library containers a project class may dress up, and the builtin that makes each
_CONTAINER_BASES = {
    "builtins.dict": "dict",
    "collections.OrderedDict": "dict",
    "collections.UserDict": "dict",
    "builtins.list": "list",
    "collections.UserList": "list",
    "builtins.tuple": "tuple",
}


def _required_params(node: cst.FunctionDef) -> list[str]:
    """Parameters a call must give (``self``/``cls`` of a method aside)."""
    params = node.params
    names = [p.name.value for p in params.params if p.default is None]
    names += [p.name.value for p in params.kwonly_params if p.default is None]
    return [n for n in names if n not in ("self", "cls")]


def _self_targets(node: cst.FunctionDef) -> set[str]:
    """Names of the ``self.<name> = …`` assignments in a method's body (not in the
    functions or classes it defines)."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        targets: list[cst.BaseExpression] = []
        if isinstance(current, cst.Assign):
            targets = [t.target for t in current.targets]
        elif isinstance(current, cst.AnnAssign | cst.AugAssign):
            targets = [current.target]
        for target in targets:
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
            ):
                found.add(target.attr.value)
        if isinstance(current, _STATEMENT_PARTS):
            stack.extend(subnodes(current))  # assignments sit in statements, not expressions
    return found


_STATEMENT_PARTS = (
    cst.BaseSuite,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.BaseSmallStatement,
    cst.ExceptHandler,
    cst.Else,
    cst.Finally,
)
