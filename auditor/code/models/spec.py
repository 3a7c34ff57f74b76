"""The vocabulary library models are written in: what a library's functions and classes do.

A model says, as data, what a call sends (an HTTP request and where its URL, method,
headers, params and body are), what it returns (data from a file, a database, the
environment; a span of time; its argument), what runs later (schedulers and their
delays), what chunks a sequence, and which objects are test doubles. The evaluator reads
these declarations and never names a library itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from auditor.code.values import Num

if TYPE_CHECKING:
    import libcst as cst

    from auditor.code.frames import Frame
    from auditor.code.modules import ClassInfo
    from auditor.code.values import Client, Data, Value


@dataclass(frozen=True)
class Arg:
    """Where a call's argument is: a position, keyword names, or both."""

    index: int | None = None
    names: tuple[str, ...] = ()

    def pick(self, args: list[Value], kwargs: Mapping[str, Value]) -> Value | None:
        if self.index is not None and self.index < len(args):
            return args[self.index]
        for name in self.names:
            if name in kwargs:
                return kwargs[name]
        return None

    def given(self, args: list[Value], kwargs: Mapping[str, Value]) -> bool:
        return self.pick(args, kwargs) is not None


def arg(index: int | None = None, *names: str) -> Arg:
    return Arg(index, tuple(names))


def kw(*names: str) -> Arg:
    return Arg(None, tuple(names))


NO_ARG = Arg()

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


@dataclass(frozen=True)
class Send:
    """A function or method that sends an HTTP request."""

    method: str | Arg | None = None
    """The verb, where the verb is given, or None: the verb the client was made with."""
    url: Arg = Arg(0, ("url",))
    headers: Arg = Arg(None, ("headers",))
    params: Arg = Arg(None, ("params",))
    body: Arg = Arg(
        None,
        (
            "json",
            "data",
            "content",
            "body",
        ),
    )
    data_is_query: bool = False
    """A GET's ``data`` are its query parameters (Airflow's ``HttpHook.run``)."""
    response: str = ""
    """The response model of what it returns ("" = the client's)."""
    extra_args: Mapping[str, Arg] = field(default_factory=dict)
    """More parameters sent as query parameters when given (generated clients' kwargs)."""
    infer_method: bool = False
    """No verb given: POST when a body is sent, else GET (``urlopen(url, data)``)."""


@dataclass(frozen=True)
class Prepare:
    """A call that builds a request to be sent later (``requests.Request``)."""

    method: str | Arg | None = Arg(0, ("method",))
    url: Arg = Arg(1, ("url",))
    headers: Arg = Arg(None, ("headers",))
    params: Arg = Arg(None, ("params",))
    body: Arg = Arg(
        None,
        (
            "json",
            "data",
            "body",
            "content",
        ),
    )


@dataclass(frozen=True)
class ClientClass:
    """A class whose objects send HTTP requests (sessions, clients, hooks, connections)."""

    names: tuple[str, ...]
    kind: str
    response: str
    base_url: Arg | None = Arg(None, ("base_url",))
    """Where the base URL is given (None: the library has no base URL)."""
    headers: Arg | None = Arg(None, ("headers",))
    params: Arg | None = Arg(None, ("params",))
    method: Arg | None = None
    """Where the verb is given when the object is made (it is then fixed)."""
    default_method: str | None = None
    """The verb when the object is made without one (Airflow's hooks POST by default)."""
    labels: tuple[Arg, ...] = ()
    """Arguments that name what the object talks to (a connection id)."""
    hooks: Arg | None = None
    """Event hooks: ``{"request": [callable, ...]}``, called with each request."""
    auth: tuple[Arg, str] | None = None
    """An auth object and its method that sees each request before it goes (httpx's
    ``auth=`` and ``Auth.auth_flow(request)``): headers it sets are sent."""
    verbs: bool = True
    """``.get(url)``, ``.post(url)``… send that verb."""
    verb_url: Arg = Arg(0, ("url",))
    sends: Mapping[str, Send] = field(default_factory=dict)
    prepares: Mapping[str, Prepare] = field(default_factory=dict)
    sends_prepared: frozenset[str] = frozenset()
    """Methods that send a prepared request given as first argument."""
    dispatch: str | None = None
    """The method every verb goes through: a subclass that overrides it sees every call."""
    header_pairs_attr: str | None = None
    """An attribute holding headers as (name, value) pairs (urllib's ``addheaders``)."""
    host_scheme: str | None = None
    """The base URL is a bare host given with this scheme (``HTTPSConnection("h")``)."""
    answers: frozenset[str] = frozenset()
    """Methods that return the response of the request sent last (``getresponse()``)."""
    keeps: Mapping[str, Arg] = field(default_factory=dict)
    """Arguments of the constructor its methods read later (dlt's default paginator)."""
    specials: Mapping[str, Callable[[CallContext], Value | None]] = field(default_factory=dict)
    """Methods whose meaning takes a few lines of code; ``call.receiver`` is the client."""


@dataclass(frozen=True)
class ClientAttribute:
    """``Base.attr``: an HTTP client a framework base class gives its subclasses' objects,
    configured from the object's own attributes (a Locust user's ``self.client``, whose
    base URL is the class's ``host``)."""

    names: tuple[str, ...]
    kind: str
    """The client model it is an object of."""
    base_url_attr: str | None = None
    headers_attr: str | None = None
    """The object's attribute holding headers sent with every request."""
    delegates: tuple[str, ...] = ()
    """Methods of the object that call the client's method of the same name
    (FastHttpUser's ``self.rest(...)``)."""
    via: str | None = None
    """The client is that of the object this attribute names (a TaskSet's ``user``)."""
    set_up: tuple[str, ...] = ()
    """Methods the framework runs on the object before it uses the client (Locust's
    ``on_start``): headers they set on it are sent by every request."""


@dataclass(frozen=True)
class ParentObject:
    """``Base.attr``: the project object that runs this one, found as the class whose
    class attribute ``listed_in`` lists it (a Locust user's ``tasks`` for a TaskSet's
    ``self.user``)."""

    names: tuple[str, ...]
    listed_in: str


@dataclass(frozen=True)
class ResponseKind:
    """What the attributes and methods of a library's response objects mean."""

    name: str
    decode: frozenset[str] = frozenset({"json"})
    """Methods that return the decoded body."""
    decoded_attrs: frozenset[str] = frozenset()
    """Attributes that hold the decoded body."""
    body: frozenset[str] = frozenset({"text", "content"})
    """Attributes that hold the raw body (decoded later by ``json.loads``)."""
    body_calls: frozenset[str] = frozenset()
    """Methods that return the raw body."""
    status: frozenset[str] = frozenset({"status_code", "ok", "status", "reason"})
    status_calls: frozenset[str] = frozenset({"raise_for_status"})
    paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Attributes that lead to parts of the response (``links``, ``headers``)."""
    fields_are_data: bool = False
    """Other attributes are fields of the decoded body (a generated client's models)."""


@dataclass(frozen=True)
class Source:
    """A call that returns data from outside the program."""

    names: tuple[str, ...]
    source: str
    """In words, for messages: "a database query", "the command line"."""
    stored: bool = False
    """What it returns was kept earlier (a database, a file, a queue): it may be old."""
    sequence: bool = False
    """It returns a sequence of such values (rows, lines)."""
    receivers: tuple[str, ...] = ()
    """For a method known by name alone: words the receiver's name must contain (a
    ``.get()`` is a read from storage on ``redis`` or ``cache``, not on any object)."""


@dataclass(frozen=True)
class TaskMethod:
    """A method of a task function (Celery, RQ, Dramatiq...): run now, later, or bind."""

    names: tuple[str, ...]
    run: str = "now"
    """"now" (the task runs with these arguments), "later" (with a delay), "each" (once
    per element of the sequences given), "partial" (a signature that receives the previous
    task's result first), "frozen" (one that does not)."""
    args: Arg | None = None
    """Where the task's positional arguments are given as one sequence (``args=[...]``)."""
    kwargs: Arg | None = None
    delays: tuple[Delay, ...] = ()


@dataclass(frozen=True)
class EnvGetter:
    """A configuration getter: with a literal default, the default is what is sent."""

    names: tuple[str, ...]
    key: Arg = Arg(0, ("key",))
    default: Arg = Arg(1, ("default",))
    stored: str = ""
    """In words, when what it reads was kept there by the program earlier (a workflow's
    Variable, set by one run and read by the next): without a literal default, the value
    may be old."""


@dataclass(frozen=True)
class Delay:
    """An argument of a scheduler that says how much later the task runs."""

    arg: Arg
    days_per_unit: float
    """1/86400 for seconds, 1 for days; ignored when the value is a timedelta."""


@dataclass(frozen=True)
class Scheduler:
    """A call that runs a function later (or elsewhere): its delay matters to job ids."""

    names: tuple[str, ...]
    task: Arg | None = None
    """Where the function is (None: the first function among the arguments)."""
    delays: tuple[Delay, ...] = ()
    args: Arg | None = None
    """Where the task's positional arguments are given as one sequence."""
    kwargs: Arg | None = None
    delay_before_task: float = 0.0
    """Days per unit of a number given before the function (``sched.enter(60, 1, f)``)."""
    periodic: Arg | None = None
    """Where the trigger is named; a periodic one (``periodic_triggers``) runs the function
    every interval, so its ``hours=`` are a period, not a delay."""
    periodic_triggers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Chunker:
    """A call that splits a sequence into chunks of a given size."""

    names: tuple[str, ...]
    seq: Arg
    size: Arg


@dataclass(frozen=True)
class Passthrough:
    """A call that returns (a wrapper of) one of its arguments: decorators, copies."""

    names: tuple[str, ...]
    arg: Arg = Arg(0)


@dataclass(frozen=True)
class DurationMaker:
    """A call that makes a span of time from its arguments."""

    names: tuple[str, ...]
    units: Mapping[str, float]
    """Keyword → days per unit."""
    positional: tuple[float, ...] = ()
    """Days per unit of each positional argument."""

    def days(self, args: Sequence[Value], kwargs: Mapping[str, Value]) -> float:
        """The span the call's known numbers make, in days."""
        days = 0.0
        for index, factor in enumerate(self.positional):
            given = args[index] if index < len(args) else None
            if isinstance(given, Num):
                days += given.n * factor
        for key, factor in self.units.items():
            value = kwargs.get(key)
            if isinstance(value, Num):
                days += value.n * factor
        return days

    def known(self, args: Sequence[Value], kwargs: Mapping[str, Value]) -> bool:
        """Every number it is given is known (``timedelta(days=n)`` of an unknown n is a
        span of unknown length, not of none)."""
        given = [*args[: len(self.positional)], *(kwargs[k] for k in self.units if k in kwargs)]
        return all(isinstance(value, Num) for value in given)


@dataclass(frozen=True)
class Sink:
    """A call that only shows its arguments (logging): handing data to it keeps nothing."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Output:
    """A call that hands its arguments back as the program's result, as an entry point's
    ``return`` would (an Ansible module's ``exit_json``): what it is given is used whole."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Store:
    """A call that keeps its arguments for later: a queue, a table, a cache, a file."""

    names: tuple[str, ...]
    kind: str = "storage"


@dataclass(frozen=True)
class Injector:
    """A parameter default that the framework replaces by what a provider returns."""

    names: tuple[str, ...]
    provider: Arg = Arg(0, ("dependency",))


@dataclass(frozen=True)
class TestDouble:
    """Calls that register fake responses or build fake clients: their arguments are test
    data, and what they return never sends a request."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SizeBound:
    """A call that bounds the size of what it returns (``Field(max_length=5)``)."""

    names: tuple[str, ...]
    size: Arg


class Interpreter(Protocol):
    """What special semantics may ask of the evaluator."""

    def call_value(
        self,
        func: Value,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call | None,
        frame: Frame,
    ) -> Value: ...

    def iterate(self, value: Value, frame: Frame, *, first_only: bool = False) -> Value: ...

    def eval(self, node: cst.BaseExpression | None, frame: Frame) -> Value: ...

    def hand_on(self, args: list[Value], kwargs: Mapping[str, Value]) -> None: ...

    def add(self, left: Value, right: Value) -> Value: ...

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
    ) -> Value: ...

    def register(self, kind: str, key: str, value: Value) -> None: ...

    def read_key(self, data: Data, key: str, node: cst.CSTNode, frame: Frame) -> Value: ...

    def registered(self, kind: str, key: str, frame: Frame) -> Value | None: ...

    def default_instance(self, cls: ClassInfo) -> Value: ...

    def setting(self, name: str) -> Value | None: ...

    def object_named(self, dotted_name: str) -> Value | None: ...

    def settings_map(self) -> Value: ...

    def note_tested(self, value: Value, kept: list[Data] | None = None) -> None: ...

    def run_later(self, step: Callable[[], object]) -> None: ...

    def attribute(self, owner: Value, attr: str, node: cst.CSTNode, frame: Frame) -> Value: ...


@dataclass(frozen=True)
class CallContext:
    interpreter: Interpreter
    args: list[Value]
    kwargs: dict[str, Value]
    node: cst.Call
    frame: Frame
    receiver: Value | None = None
    """The object whose method is called, for a client's specials."""


@dataclass(frozen=True)
class Special:
    """A call whose meaning takes a few lines of code (a DataFrame of response items)."""

    names: tuple[str, ...]
    handler: Callable[[CallContext], Value | None]
    """Returns the call's value, or None to fall back on the generic handling."""


@dataclass(frozen=True)
class Registry:
    """Name-keyed lookup of framework objects: a task registered by id, fetched by id."""

    names: tuple[str, ...]
    kind: str
    key: Arg
    value: Arg
    """What is registered: a function (its result is what is fetched) or a value."""


@dataclass(frozen=True)
class Lookup:
    """A call that fetches what a ``Registry`` call registered under a key."""

    names: tuple[str, ...]
    kind: str
    key: Arg


@dataclass(frozen=True)
class Deferrer:
    """A method that returns a proxy whose method calls run later
    (``record.with_delay(eta=60).sync()``)."""

    names: tuple[str, ...]
    delays: tuple[Delay, ...] = ()


@dataclass(frozen=True)
class ClassRunner:
    """A framework base class whose subclasses' method runs repeatedly after the object is
    made, for as long as a setting allows (a sensor pokes until its timeout)."""

    bases: tuple[str, ...]
    method: str
    delays: tuple[Delay, ...] = ()
    default_days: float = 0.0


@dataclass(frozen=True)
class StreamClass:
    """A library base class that sends the request its subclass describes in attributes
    and methods, and hands the answer, record by record, to methods the subclass
    overrides (Singer SDK's ``RESTStream``): the request runs when an object is made."""

    bases: tuple[str, ...]
    url: tuple[str, ...]
    """Attributes whose values, joined, are the URL (``url_base``, ``path``); ``{name}``
    placeholders are filled from a context the analysis cannot see."""
    verb: str | None = None
    """The attribute naming the HTTP method (GET when the class does not set it)."""
    headers: str | None = None
    params: str | None = None
    """The method returning the query, called with (context, page token)."""
    parse: str | None = None
    """The method turning the response into records; when the class does not define it,
    ``records_path`` (a JSONPath attribute, else ``default_records``) picks them."""
    records_path: str | None = None
    default_records: str = "$[*]"
    record_hooks: tuple[str, ...] = ()
    """Methods called with each record and the context."""
    paginator: str | None = None
    """The method returning the paginator; one returning None sends a single request."""
    contexts: str | None = None
    """An attribute listing the contexts the request is sent with, one request each
    (Singer's ``partitions``); the context is what the query and the hooks are given."""


@dataclass(frozen=True)
class DataMethod:
    """A method of tabular data (a DataFrame built from response items)."""

    names: tuple[str, ...]
    keys: Arg | None = None
    """The argument naming the columns it reads."""
    returns: str = "same"
    """"same" (the table), "rows" (a sequence of rows), "pairs" (of an index and a row)."""
    every_arg: bool = False
    """Every positional argument names columns (polars' ``select("id", pl.col("x"))``)."""


@dataclass(frozen=True)
class ContextObject:
    """Decorators that pass a command's shared object as its first parameter: what the
    program keeps on the context under ``attr`` (click's ``pass_obj`` passes ``ctx.obj``)."""

    decorators: tuple[str, ...]
    attr: str


@dataclass(frozen=True)
class RecordView:
    """Library classes that serve the records of a query their subclass names in a class
    attribute: ``get_object()`` is one stored record of it, ``get_queryset()`` the query
    (Django REST framework's generic views, Django's class-based views)."""

    bases: tuple[str, ...]
    query_attr: str = "queryset"
    model_attr: str = "model"
    record_methods: tuple[str, ...] = ("get_object",)
    query_methods: tuple[str, ...] = ("get_queryset", "filter_queryset")


@dataclass(frozen=True)
class ParamWiring:
    """Functions with these decorators receive, in a parameter named after another such
    function, that function's result (Dagster assets)."""

    decorators: tuple[str, ...]


@dataclass(frozen=True)
class NamedClasses:
    """A registry that finds a project class by the value of a class attribute
    (Odoo's ``env["res.partner"]`` finds the class whose ``_name`` is that)."""

    attrs: tuple[str, ...]


@dataclass(frozen=True)
class ProjectSend:
    """A method of the project's own code that is an HTTP call, recognised by its class name,
    method name and parameters (a generated client's ``ApiClient.call_api``), or declared by
    the user in ``[tool.dokeos-audit]``: its body is not evaluated, the call is the request."""

    classes: tuple[str, ...]
    """Class names (or ``module.Class`` suffixes); empty for a module-level function."""
    method: str
    send: Send
    requires_params: tuple[str, ...] = ()
    """Parameter names the definition must have (so a look-alike is not taken for it)."""
    path_params: Arg | None = None
    """A mapping whose values fill the ``{name}`` placeholders of the path."""
    base_url: tuple[str, ...] = ()
    """Attribute path from the object to its base URL (``configuration.host``)."""


@dataclass(frozen=True)
class Route:
    """A decorator that makes a method an HTTP call (``@get("users/{user_id}")``)."""

    names: tuple[str, ...]
    method: str
    path: Arg = Arg(0, ("uri", "path"))


@dataclass(frozen=True)
class DeclarativeClient:
    """A library whose HTTP calls are declared on methods with decorators and annotated
    parameters (uplink): a call of such a method is the request it declares."""

    names: tuple[str, ...]
    """Its name (for messages); the parts below hold the qualified names it matches."""
    routes: tuple[Route, ...]
    headers: tuple[str, ...] = ()
    """Decorators given a dict of headers, on the class or on one method."""
    query: tuple[str, ...] = ()
    """Parameter annotations sent as one query parameter (named after the parameter, or
    the annotation's first argument: ``Query("per_page")``)."""
    query_maps: tuple[str, ...] = ()
    """Parameter annotations whose dict is merged into the query."""
    path: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    """Parameter annotations sent as one header."""
    decodes: tuple[str, ...] = ()
    """Decorators that make the method return the decoded body (``@returns.json``)."""
    response: str = "requests"
    """The response model of what undecoded methods return."""


@dataclass(frozen=True)
class LibraryModel:
    """Everything one library (or ecosystem) contributes; a model module exports one."""

    name: str
    http_functions: Mapping[str, Send] = field(default_factory=dict)
    clients: tuple[ClientClass, ...] = ()
    declarative: tuple[DeclarativeClient, ...] = ()
    prepares: Mapping[str, Prepare] = field(default_factory=dict)
    responses: tuple[ResponseKind, ...] = ()
    sources: tuple[Source, ...] = ()
    method_sources: tuple[Source, ...] = ()
    """Sources known by method name alone, on receivers the analysis cannot type
    (``cursor.fetchall()``, ``queue.receive_message()``)."""
    env_getters: tuple[EnvGetter, ...] = ()
    schedulers: tuple[Scheduler, ...] = ()
    method_schedulers: tuple[Scheduler, ...] = ()
    chunkers: tuple[Chunker, ...] = ()
    passthrough: tuple[Passthrough, ...] = ()
    method_passthrough: tuple[Passthrough, ...] = ()
    """Methods known by name that return (a decoded form of) their argument: a decoder's
    ``decode(body)``, a validator's ``validate_python(data)``."""
    durations: tuple[DurationMaker, ...] = ()
    sinks: tuple[Sink, ...] = ()
    method_sinks: tuple[Sink, ...] = ()
    method_outputs: tuple[Output, ...] = ()
    """Outputs known by method name (on an object the library made)."""
    stores: tuple[Store, ...] = ()
    method_stores: tuple[Store, ...] = ()
    injectors: tuple[Injector, ...] = ()
    test_doubles: tuple[TestDouble, ...] = ()
    bounds: tuple[SizeBound, ...] = ()
    specials: tuple[Special, ...] = ()
    method_specials: tuple[Special, ...] = ()
    """Specials known by method name, on receivers the analysis cannot type."""
    coroutine_runners: tuple[str, ...] = ()
    """Decorators that run a generator as a coroutine (Twisted's ``inlineCallbacks``,
    Tornado's ``gen.coroutine``): ``x = yield d`` waits for d and gives its result, and
    what the function returns is its result, not a generator."""
    currying: tuple[str, ...] = ()
    """Decorators that curry the function they decorate (``@toolz.curry``)."""
    task_methods: tuple[TaskMethod, ...] = ()
    bound_tasks: tuple[str, ...] = ()
    """Decorators whose ``bind=True`` makes the first parameter the task itself."""
    registries: tuple[Registry, ...] = ()
    lookups: tuple[Lookup, ...] = ()
    method_lookups: tuple[Lookup, ...] = ()
    settings_attrs: tuple[str, ...] = ()
    """``Base.attr``: an attribute a framework base class gives its subclasses' objects
    that maps the project's settings module (a Scrapy spider's ``self.settings``)."""
    client_attrs: tuple[ClientAttribute, ...] = ()
    parent_objects: tuple[ParentObject, ...] = ()
    settings_objects: tuple[str, ...] = ()
    """Objects whose attributes are the project's settings (``django.conf.settings``)."""
    model_bases: tuple[str, ...] = ()
    """Base classes whose subclasses declare fields (pydantic, attrs, msgspec, ORMs)."""
    field_makers: tuple[str, ...] = ()
    """Calls that declare a field with a default (``Field(default=...)``, ``attr.ib``)."""
    model_constructors: tuple[str, ...] = ()
    """Class methods that build a model from a mapping (``model_validate``, ``from_dict``)."""
    decorators: tuple[str, ...] = ()
    """Decorators that keep the function callable as it is (tasks, routes, retries)."""
    project_sends: tuple[ProjectSend, ...] = ()
    deferrers: tuple[Deferrer, ...] = ()
    class_runners: tuple[ClassRunner, ...] = ()
    data_methods: tuple[DataMethod, ...] = ()
    stream_classes: tuple[StreamClass, ...] = ()
    named_classes: tuple[NamedClasses, ...] = ()
    param_wiring: tuple[ParamWiring, ...] = ()
    configured_params: tuple[str, ...] = ()
    """Decorators (last name) whose function's parameters nobody passes the framework fills
    from configuration (dlt's sources and resources): a default is only a fallback."""
    context_objects: tuple[ContextObject, ...] = ()
    record_views: tuple[RecordView, ...] = ()
    method_env_getters: tuple[EnvGetter, ...] = ()
    """Configuration getters known by method name (``get_param(key, default)``)."""
    namespaces: tuple[str, ...] = ()
    """Objects used as attribute stores across the program (``flask.g``, ``app.state``)."""
    fluent_methods: tuple[str, ...] = ()
    """Methods a framework base class gives its subclasses that return the object itself
    (Odoo's ``sudo()``, ``with_context()``)."""
    record_queries: tuple[str, ...] = ()
    """Methods a framework base class gives its subclasses that return stored records of
    the same class (Odoo's ``search()``, ``browse()``)."""
    default_managers: tuple[str, ...] = ()
    """Class attributes an ORM gives every model without the code declaring them
    (Django's ``objects``): a manager of the model's records."""
    record_getters: tuple[str, ...] = ()
    """Query methods that return one record of the queried model (Django's ``get()``,
    ``first()``), not a query."""
    record_pair_getters: tuple[str, ...] = ()
    """Query methods that return a record and a flag (``get_or_create()``)."""
    instance_factories: tuple[str, ...] = ()
    """Class methods a framework base class gives that return an object of the class
    (Django's ``QuerySet.as_manager()``)."""
    enum_bases: tuple[str, ...] = ()
    """Base classes whose subclasses' class attributes are members: objects of the class
    that hold that value (``enum.Enum``)."""
    orm_bases: tuple[str, ...] = ()
    """Base classes of stored records: what their class methods return was kept earlier."""
    double_params: tuple[str, ...] = ()
    """Parameter names that test frameworks fill with doubles (``httpx_mock``)."""
    mapping_sources: tuple[Source, ...] = ()
    """Mappings whose items come from outside (``os.environ``, ``request.args``)."""
    typed_sources: tuple[Source, ...] = ()
    """Types whose objects a framework passes in from outside: a parameter annotated with
    one holds that data (an Azure queue trigger's ``func.QueueMessage``)."""
    in_memory: tuple[str, ...] = ()
    """Containers that live only as long as the process (``asyncio.Queue``): what is read
    from them was put there moments ago, not kept for later, whatever they are called."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other dotted names of the same objects (re-exports, old module paths)."""
