"""Library models, one module per library or ecosystem, and the index the evaluator asks.

To teach the analyzer a library, add a module here that exports ``MODEL`` (a
``LibraryModel``) and list it in ``_MODULES``; nothing else changes. Users declare their
own HTTP wrappers in ``[tool.dokeos-audit]`` (``http-calls``), read by ``declared_sends``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import libcst as cst

from auditor.code.models.spec import (
    HTTP_VERBS,
    Arg,
    Chunker,
    ClassRunner,
    ClientAttribute,
    ClientClass,
    DataMethod,
    DeclarativeClient,
    Deferrer,
    DurationMaker,
    EnvGetter,
    Injector,
    LibraryModel,
    Lookup,
    ParentObject,
    Passthrough,
    Prepare,
    ProjectSend,
    Registry,
    ResponseKind,
    Scheduler,
    Send,
    SizeBound,
    Source,
    Special,
    Store,
    StreamClass,
    TaskMethod,
)

_MODULES = (
    "requests_lib",
    "httpx_lib",
    "aiohttp_lib",
    "stdlib_http",
    "stdlib",
    "chunking",
    "dataframes",
    "datamodels",
    "tasks",
    "storage",
    "web",
    "workflows",
    "odoo",
    "retries",
    "openapi",
    "declarative",
    "azure",
    "durable",
    "streamlit",
    "cli",
    "ui",
    "testing",
    "functional",
    "tornado_lib",
    "ansible",
    "singer",
    "kopf_lib",
    "homeassistant",
    "twisted_lib",
    "scrapy_lib",
    "locust_lib",
    "dlt_lib",
    "spark",
)

GENERIC_RESPONSE = ResponseKind(
    "generic",
    decode=frozenset({"json"}),
    decoded_attrs=frozenset({"data"}),
    body=frozenset({"text", "content", "body"}),
    body_calls=frozenset({"read", "text", "aread"}),
    status=frozenset({"status_code", "ok", "status", "reason", "is_success", "is_error"}),
    status_calls=frozenset({"raise_for_status", "getcode"}),
    paths={"links": ("links",), "headers": ("headers",)},
    # an object nobody modeled answered: its other attributes are taken for fields of the
    # body (an SDK's response model)
    fields_are_data=True,
)


def load_models() -> tuple[LibraryModel, ...]:
    return tuple(importlib.import_module(f"auditor.code.models.{name}").MODEL for name in _MODULES)


class ModelIndex:
    """Every model's declarations, indexed by dotted name (or method name) for lookups."""

    def __init__(
        self, models: Iterable[LibraryModel], declared: Iterable[ProjectSend] = ()
    ) -> None:
        self.models = tuple(models)
        self.declared = tuple(declared)
        self._project_sends: dict[int, ProjectSend | None] = {}

    @classmethod
    def default(cls, declared: Iterable[ProjectSend] = ()) -> ModelIndex:
        return cls(load_models(), declared)

    # -- indexes ------------------------------------------------------------------------
    @cached_property
    def aliases(self) -> dict[str, str]:
        return {k: v for m in self.models for k, v in m.aliases.items()}

    def _by_name(self, field: str) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for model in self.models:
            for entry in getattr(model, field):
                for name in entry.names:
                    index.setdefault(name, entry)
        return index

    @cached_property
    def _http_functions(self) -> dict[str, tuple[Send, str]]:
        found: dict[str, tuple[Send, str]] = {}
        for model in self.models:
            for name, send in model.http_functions.items():
                found[name] = (send, model.name)
        for declared in self.declared:
            if not declared.classes:
                found.setdefault(declared.method, (declared.send, "declared"))
        return found

    @cached_property
    def declarative(self) -> tuple[DeclarativeClient, ...]:
        return tuple(d for m in self.models for d in m.declarative)

    @cached_property
    def _clients(self) -> dict[str, ClientClass]:
        return self._by_name("clients")

    @cached_property
    def _client_kinds(self) -> dict[str, ClientClass]:
        return {c.kind: c for m in self.models for c in m.clients}

    @cached_property
    def _prepares(self) -> dict[str, Prepare]:
        return {k: v for m in self.models for k, v in m.prepares.items()}

    @cached_property
    def _responses(self) -> dict[str, ResponseKind]:
        return {r.name: r for m in self.models for r in m.responses}

    @cached_property
    def _sources(self) -> dict[str, Source]:
        return self._by_name("sources")

    @cached_property
    def _method_sources(self) -> dict[str, list[Source]]:
        index: dict[str, list[Source]] = {}
        for model in self.models:
            for entry in model.method_sources:
                for name in entry.names:
                    index.setdefault(name, []).append(entry)
        return index

    @cached_property
    def _mapping_sources(self) -> dict[str, Source]:
        return self._by_name("mapping_sources")

    @cached_property
    def _env_getters(self) -> dict[str, EnvGetter]:
        return self._by_name("env_getters")

    @cached_property
    def _schedulers(self) -> dict[str, Scheduler]:
        return self._by_name("schedulers")

    @cached_property
    def _method_schedulers(self) -> dict[str, Scheduler]:
        return self._by_name("method_schedulers")

    @cached_property
    def _chunkers(self) -> dict[str, Chunker]:
        return self._by_name("chunkers")

    @cached_property
    def _passthrough(self) -> dict[str, Passthrough]:
        return self._by_name("passthrough")

    @cached_property
    def _durations(self) -> dict[str, DurationMaker]:
        return self._by_name("durations")

    @cached_property
    def _sinks(self) -> set[str]:
        return set(self._by_name("sinks"))

    @cached_property
    def _method_sinks(self) -> set[str]:
        return set(self._by_name("method_sinks"))

    @cached_property
    def _method_outputs(self) -> set[str]:
        return set(self._by_name("method_outputs"))

    @cached_property
    def _stores(self) -> dict[str, Store]:
        return self._by_name("stores")

    @cached_property
    def _method_stores(self) -> dict[str, Store]:
        return self._by_name("method_stores")

    @cached_property
    def _injectors(self) -> dict[str, Injector]:
        return self._by_name("injectors")

    @cached_property
    def _doubles(self) -> tuple[str, ...]:
        return tuple(n for m in self.models for d in m.test_doubles for n in d.names)

    @cached_property
    def double_params(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.double_params)

    @cached_property
    def _size_bounds(self) -> dict[str, SizeBound]:
        return self._by_name("bounds")

    @cached_property
    def _specials(self) -> dict[str, Special]:
        return self._by_name("specials")

    @cached_property
    def _registries(self) -> dict[str, Registry]:
        return self._by_name("registries")

    @cached_property
    def _lookups(self) -> dict[str, Lookup]:
        return self._by_name("lookups")

    @cached_property
    def _method_lookups(self) -> dict[str, Lookup]:
        return self._by_name("method_lookups")

    @cached_property
    def _task_methods(self) -> dict[str, TaskMethod]:
        return self._by_name("task_methods")

    @cached_property
    def _bound_tasks(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.bound_tasks)

    @cached_property
    def _settings_objects(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.settings_objects)

    @cached_property
    def _model_bases(self) -> frozenset[str]:
        names = {n for m in self.models for n in m.model_bases}
        return frozenset(names | {n.rsplit(".", 1)[-1] for n in names})

    @cached_property
    def _field_makers(self) -> frozenset[str]:
        names = {n for m in self.models for n in m.field_makers}
        return frozenset(names | {n.rsplit(".", 1)[-1] for n in names})

    @cached_property
    def _model_constructors(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.model_constructors)

    @cached_property
    def _sends_by_method(self) -> dict[str, list[ProjectSend]]:
        index: dict[str, list[ProjectSend]] = {}
        for send in (*self.declared, *(p for m in self.models for p in m.project_sends)):
            if send.classes:
                index.setdefault(send.method, []).append(send)
        return index

    # -- lookups ------------------------------------------------------------------------
    def normalize(self, name: str) -> str:
        if name in self.aliases:
            return self.aliases[name]
        head, _, tail = name.rpartition(".")
        while head:
            if head in self.aliases:
                return f"{self.aliases[head]}.{tail}"
            head, _, more = head.rpartition(".")
            tail = f"{more}.{tail}"
        return name

    def http_function(self, name: str) -> Send | None:
        found = self._http_functions.get(name)
        return found[0] if found is not None else None

    def stack_of(self, name: str) -> str:
        found = self._http_functions.get(name)
        return found[1] if found is not None else "generic"

    def client_class(self, name: str) -> ClientClass | None:
        return self._clients.get(self.normalize(name))

    def client_model(self, kind: str) -> ClientClass | None:
        return self._client_kinds.get(kind)

    def prepare(self, name: str) -> Prepare | None:
        return self._prepares.get(name)

    def response_kind(self, name: str) -> ResponseKind:
        return self._responses.get(name, GENERIC_RESPONSE)

    def source(self, name: str) -> Source | None:
        return self._sources.get(name)

    def method_source(self, method: str, receiver: str, stored_receiver: bool) -> Source | None:
        lowered = receiver.lower()
        for source in self._method_sources.get(method, ()):
            if not source.receivers or stored_receiver:
                return source
            if any(word in lowered for word in source.receivers):
                return source
        return None

    def mapping_source(self, name: str) -> Source | None:
        return self._mapping_sources.get(name)

    @cached_property
    def _typed_sources(self) -> dict[str, Source]:
        return self._by_name("typed_sources")

    def typed_source(self, name: str) -> Source | None:
        return self._typed_sources.get(name)

    def is_stored_source(self, words: str) -> bool:
        return words in _STORED_WORDS

    def is_stored_module(self, name: str) -> bool:
        head = name.split(".", 1)[0]
        return head in ("pickle", "shelve", "sqlite3", "redis", "dbm")

    def env_getter(self, name: str) -> EnvGetter | None:
        return self._env_getters.get(name)

    def scheduler(self, name: str) -> Scheduler | None:
        return self._schedulers.get(name) or self._method_schedulers.get(name.rsplit(".", 1)[-1])

    def method_scheduler(self, name: str) -> Scheduler | None:
        return self._method_schedulers.get(name)

    def chunker(self, name: str) -> Chunker | None:
        return self._chunkers.get(name)

    def passthrough(self, name: str) -> Passthrough | None:
        return self._passthrough.get(name)

    @cached_property
    def _method_passthrough(self) -> dict[str, Passthrough]:
        return self._by_name("method_passthrough")

    def method_passthrough(self, name: str) -> Passthrough | None:
        return self._method_passthrough.get(name)

    def duration(self, name: str) -> DurationMaker | None:
        return self._durations.get(name)

    def is_sink(self, name: str) -> bool:
        return name in self._sinks or name.rsplit(".", 1)[-1] in self._method_sinks

    @cached_property
    def _in_memory(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.in_memory)

    def is_in_memory(self, name: str) -> bool:
        return self.normalize(name) in self._in_memory

    def is_method_sink(self, name: str) -> bool:
        return name in self._method_sinks

    def is_method_output(self, name: str) -> bool:
        return name in self._method_outputs

    def store(self, name: str) -> Store | None:
        return self._stores.get(name)

    def method_store(self, name: str, receiver: str) -> Store | None:
        return self._method_stores.get(name)

    def injector(self, name: str) -> Injector | None:
        return self._injectors.get(self.normalize(name))

    def is_test_double(self, name: str) -> bool:
        return any(name == d or name.startswith(d + ".") for d in self._doubles)

    def size_bound(self, name: str) -> SizeBound | None:
        return self._size_bounds.get(name)

    def special(self, name: str) -> Special | None:
        return self._specials.get(name)

    @cached_property
    def _currying(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.currying)

    def is_currying(self, name: str) -> bool:
        return name in self._currying

    @cached_property
    def _method_specials(self) -> dict[str, Special]:
        return self._by_name("method_specials")

    def method_special(self, name: str) -> Special | None:
        return self._method_specials.get(name)

    def registry(self, name: str) -> Registry | None:
        return self._registries.get(name)

    def lookup(self, name: str) -> Lookup | None:
        return self._lookups.get(name)

    def method_lookup(self, name: str) -> Lookup | None:
        return self._method_lookups.get(name)

    def task_method(self, name: str) -> TaskMethod | None:
        return self._task_methods.get(name)

    def record_view(self, bases: Iterable[str]) -> Any:
        """The RecordView one of these library base classes is, if any."""
        for base in bases:
            for model in self.models:
                for view in model.record_views:
                    if base in view.bases:
                        return view
        return None

    @cached_property
    def _context_objects(self) -> dict[str, str]:
        return {
            short: c.attr for m in self.models for c in m.context_objects for short in c.decorators
        }

    def context_object(self, node: cst.FunctionDef) -> str | None:
        """The context attribute a decorator passes as the first parameter, if any."""
        for decorator in node.decorators:
            found = self._context_objects.get(_short_name(decorator.decorator))
            if found is not None:
                return found
        return None

    def binds_task(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            callee = call.func
            short = (
                callee.attr.value
                if isinstance(callee, cst.Attribute)
                else (callee.value if isinstance(callee, cst.Name) else "")
            )
            if short not in self._bound_tasks:
                continue
            for argument in call.args:
                if (
                    argument.keyword is not None
                    and argument.keyword.value == "bind"
                    and isinstance(argument.value, cst.Name)
                    and argument.value.value == "True"
                ):
                    return True
        return False

    def is_settings_object(self, name: str) -> bool:
        return name in self._settings_objects

    def is_model_base(self, name: str) -> bool:
        return name in self._model_bases

    def is_field_maker(self, name: str) -> bool:
        return name in self._field_makers

    def is_model_constructor(self, name: str) -> bool:
        return name in self._model_constructors

    def is_dataclass_decorated(self, node: cst.ClassDef) -> bool:
        return False

    @cached_property
    def _deferrers(self) -> dict[str, Deferrer]:
        return self._by_name("deferrers")

    def deferrer(self, name: str) -> Deferrer | None:
        return self._deferrers.get(name)

    @cached_property
    def class_runners(self) -> tuple[ClassRunner, ...]:
        return tuple(r for m in self.models for r in m.class_runners)

    @cached_property
    def _data_methods(self) -> dict[str, DataMethod]:
        return self._by_name("data_methods")

    def data_method(self, name: str) -> DataMethod | None:
        return self._data_methods.get(name)

    @cached_property
    def _client_attrs(self) -> dict[str, ClientAttribute]:
        return self._by_name("client_attrs")

    def client_attr(self, base: str, attr: str) -> ClientAttribute | None:
        """The client a framework base class's ``attr`` is (or delegates to)."""
        found = self._client_attrs.get(f"{base}.{attr}")
        if found is not None:
            return found
        for named in self._client_attrs.values():
            if attr in named.delegates and any(n.startswith(f"{base}.") for n in named.names):
                return named
        return None

    @cached_property
    def _parent_objects(self) -> dict[str, ParentObject]:
        return self._by_name("parent_objects")

    def parent_object(self, base: str, attr: str) -> ParentObject | None:
        return self._parent_objects.get(f"{base}.{attr}")

    @cached_property
    def settings_attrs(self) -> frozenset[str]:
        return frozenset(a for m in self.models for a in m.settings_attrs)

    @cached_property
    def coroutine_runners(self) -> frozenset[str]:
        return frozenset(d for m in self.models for d in m.coroutine_runners)

    @cached_property
    def configured_params(self) -> frozenset[str]:
        return frozenset(d for m in self.models for d in m.configured_params)

    @cached_property
    def wired_decorators(self) -> frozenset[str]:
        return frozenset(d for m in self.models for w in m.param_wiring for d in w.decorators)

    @cached_property
    def name_attrs(self) -> tuple[str, ...]:
        return tuple(a for m in self.models for n in m.named_classes for a in n.attrs)

    @cached_property
    def _method_env_getters(self) -> dict[str, EnvGetter]:
        return self._by_name("method_env_getters")

    def method_env_getter(self, name: str) -> EnvGetter | None:
        return self._method_env_getters.get(name)

    @cached_property
    def _namespaces(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.namespaces)

    def is_namespace(self, name: str) -> bool:
        return name in self._namespaces

    @cached_property
    def _orm_bases(self) -> frozenset[str]:
        names = {n for m in self.models for n in m.orm_bases}
        return frozenset(names)

    @cached_property
    def fluent_methods(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.fluent_methods)

    @cached_property
    def instance_factories(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.instance_factories)

    @cached_property
    def record_queries(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.record_queries)

    @cached_property
    def default_managers(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.default_managers)

    @cached_property
    def record_getters(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.record_getters)

    @cached_property
    def record_pair_getters(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.record_pair_getters)

    def is_orm_base(self, name: str) -> bool:
        return name in self._orm_bases

    @cached_property
    def stream_classes(self) -> tuple[StreamClass, ...]:
        return tuple(c for m in self.models for c in m.stream_classes)

    @cached_property
    def _enum_bases(self) -> frozenset[str]:
        return frozenset(n for m in self.models for n in m.enum_bases)

    def is_enum_base(self, name: str) -> bool:
        return name in self._enum_bases

    def describe_call(self, name: str) -> str:
        return f"`{name}()`" if name else "other data"

    def declared_method(self, owner: str, method: str) -> ProjectSend | None:
        """A method of a library class the configuration declares to be an HTTP call."""
        for send in self._sends_by_method.get(method, ()):
            if send in self.declared and owner in send.classes[1:]:
                return send
        return None

    def project_function_send(self, dotted: str) -> ProjectSend | None:
        """A module-level function of the project declared as an HTTP call."""
        for send in self.declared:
            if not send.classes and (send.method == dotted or dotted.endswith("." + send.method)):
                return send
        return None

    def project_send(
        self, class_name: str | None, method: str, params: Iterable[str], qualname: str = ""
    ) -> ProjectSend | None:
        """The model of a project method that is an HTTP call, if one describes it."""
        candidates = self._sends_by_method.get(method)
        if not candidates:
            return None
        names = set(params)
        for send in candidates:
            if class_name is None:
                continue
            if not any(
                c == class_name or qualname.endswith(f".{c}") or qualname == c for c in send.classes
            ):
                continue
            if all(p in names for p in send.requires_params):
                return send
        return None


_STORED_WORDS = frozenset({"a database query", "a file", "a queue or cache", "storage"})


def declared_sends(entries: Iterable[Mapping[str, Any]]) -> tuple[ProjectSend, ...]:
    """``http-calls`` of the configuration: ``{call = "acme.lms.Client.call", method = 0,
    url = 1}`` (positions or parameter names; ``method`` may also be a verb)."""
    found: list[ProjectSend] = []
    for entry in entries:
        call = str(entry["call"])
        owner, _, method = call.rpartition(".")
        verb = entry.get("method")
        fixed = isinstance(verb, str) and verb.lower() in HTTP_VERBS
        send = Send(
            method=verb.upper() if fixed and isinstance(verb, str) else _arg(verb),
            url=_arg(entry.get("url", 0)) or Arg(0),
            headers=_arg(entry.get("headers", "headers")) or Arg(),
            params=_arg(entry.get("params", "params")) or Arg(),
            body=_arg(entry.get("body", "json")) or Arg(),
        )
        classes = (owner.rsplit(".", 1)[-1], owner) if owner else ()
        if owner and owner.rsplit(".", 1)[-1][:1].isupper():
            found.append(ProjectSend(classes=classes, method=method, send=send))
        else:
            found.append(ProjectSend(classes=(), method=call, send=send))
    return tuple(found)


def _arg(value: object) -> Arg | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Arg(value)
    if isinstance(value, str):
        return Arg(None, (value,))
    return None


def _short_name(expression: cst.BaseExpression) -> str:
    if isinstance(expression, cst.Call):
        expression = expression.func
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return expression.value if isinstance(expression, cst.Name) else ""
