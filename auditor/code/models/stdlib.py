"""The standard library beyond HTTP: configuration, files, time, functools, asyncio,
threads and schedulers, logging."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.models.spec import (
    CallContext,
    DurationMaker,
    EnvGetter,
    LibraryModel,
    Passthrough,
    Scheduler,
    Sink,
    Source,
    Special,
    arg,
    kw,
)
from auditor.code.strings import join_url, url_parts, urlencode
from auditor.code.values import (
    CLOCK,
    IDENTITY,
    UNKNOWN,
    ConfigMap,
    Data,
    DictV,
    Duration,
    Func,
    LambdaV,
    ListV,
    Num,
    OneOf,
    Partial,
    Response,
    Str,
    Unknown,
    Value,
    as_str,
    hole,
    literal_list,
    one_of,
)
from auditor.urls import HOLE


def _config_parser(call: CallContext) -> Value | None:
    """An INI parser: its sections fill from ``read_dict`` and the files it reads."""
    parser = ConfigMap(open=True)
    defaults = call.kwargs.get("defaults", call.args[0] if call.args else None)
    if isinstance(defaults, DictV):
        section = ConfigMap(open=True)
        section.merge(defaults)
        parser.set_ci("DEFAULT", section)
    return parser


def json_loads(call: CallContext) -> Value | None:
    text = call.args[0] if call.args else UNKNOWN
    if isinstance(text, OneOf):
        # the body of whichever request answered; a branch that gives no JSON text
        # (``resp.read() if resp else b""``) raises or is never decoded
        decoded = [json_loads(replace(call, args=[option])) for option in text.options]
        known = [d for d in decoded if d is not None]
        return one_of(known) if known else None
    if isinstance(text, Unknown):
        # decoded JSON keeps where its text came from (a line of a file, a queue message)
        return Unknown(
            source=text.source or "decoded JSON",
            stored=text.stored,
            made_in=text.made_in if text.stored else None,
            name=text.name,
            spans=text.spans,  # the age limits of where the text was read stay with it
        )
    if isinstance(text, Data):
        return Data(text.request, text.path)
    if isinstance(text, Response):
        return Data(text.request)
    if isinstance(text, Str) and text.text == HOLE and isinstance(text.slots[0], DictV | ListV):
        return text.slots[0]  # a round trip through JSON text
    if isinstance(text, Str) and text.slots and isinstance(text.slots[0], Data):
        data = text.slots[0]
        assert isinstance(data, Data)
        return Data(data.request, data.path)
    return None


def json_dumps(call: CallContext) -> Value | None:
    """JSON text of a value: the value, spelled out where it is sent (its keys say which
    change a request body makes)."""
    return hole(call.args[0]) if call.args else None


def _cli_option(call: CallContext) -> Value | None:
    """argparse's ``add_argument``: what the option's value is, one value or a list. An
    option without ``nargs`` (or with ``"?"``) that is not appended gives one value."""
    flags = [a.text for a in call.args if isinstance(a, Str) and a.known]
    dest = call.kwargs.get("dest")
    if isinstance(dest, Str) and dest.known:
        name = dest.text
    else:
        long = [f for f in flags if f.startswith("--")]
        name = (long or flags or [""])[0].lstrip("-").replace("-", "_")
    nargs = call.kwargs.get("nargs")
    action = call.kwargs.get("action")
    many = (nargs is not None and not (isinstance(nargs, Str) and nargs.text == "?")) or (
        isinstance(action, Str) and action.text in ("append", "extend")
    )
    if name.isidentifier():
        call.interpreter.register("cli_list" if many else "cli_value", name, Str(name))
    return None


def _json_load(call: CallContext) -> Value | None:
    handle = call.args[0] if call.args else UNKNOWN
    if isinstance(handle, Response):
        return Data(handle.request)
    if isinstance(handle, Data):
        return handle
    frame = call.frame
    return Unknown(
        source="a file",
        stored=True,
        made_in=frame.func_id,
        spans=([], frame.spans, *frame.caller_spans),
    )


def _partial(call: CallContext) -> Value | None:
    if not call.args:
        return None
    return Partial(call.args[0], tuple(call.args[1:]), tuple(call.kwargs.items()))


def _partialmethod(call: CallContext) -> Value | None:
    if not call.args:
        return None
    return Partial(call.args[0], tuple(call.args[1:]), tuple(call.kwargs.items()), method=True)


def _urljoin(call: CallContext) -> Value | None:
    base = as_str(call.args[0]) if call.args else Str(HOLE, (UNKNOWN,))
    path = as_str(call.args[1]) if len(call.args) > 1 else Str(HOLE, (UNKNOWN,))
    return join_url(base, path)


def _urlencode(call: CallContext) -> Value | None:
    return urlencode(call.args[0] if call.args else UNKNOWN)


def _islice(call: CallContext) -> Value | None:
    seq = call.args[0] if call.args else UNKNOWN
    stop = call.args[-1] if len(call.args) > 1 else UNKNOWN
    bound = stop.as_int if isinstance(stop, Num) else None
    if isinstance(seq, Data):
        call.interpreter.iterate(seq, call.frame, first_only=bound is not None)
    source = seq.source if isinstance(seq, ListV | Unknown) else ""
    return ListV(bound=bound, source=source or "a slice", origin=seq)


def _product(call: CallContext) -> Value | None:
    """``itertools.product(a, b)``: tuples of one element of each."""
    if not call.args or "repeat" in call.kwargs:
        return None
    parts = [call.interpreter.iterate(a, call.frame) for a in call.args]
    return ListV(elem=literal_list(parts), source="combinations")


def _chained(call: CallContext) -> Value | None:
    """``itertools.chain(a, b)``: the elements of each, one after the other."""
    if not call.args:
        return None
    elements = [call.interpreter.iterate(a, call.frame) for a in call.args]
    bounds = [a.bound if isinstance(a, ListV) else None for a in call.args]
    bound = None if None in bounds else sum(b for b in bounds if b is not None)
    return ListV(elem=one_of(elements), bound=bound, source="chained sequences")


def _gather(call: CallContext) -> Value | None:
    return ListV(elem=one_of(call.args) if call.args else UNKNOWN, source="gathered results")


def _call_first(call: CallContext) -> Value | None:
    """``to_thread(f, *args)``, ``executor.submit(f, *args)``: f runs with the arguments."""
    if not call.args:
        return None
    func, rest = call.args[0], call.args[1:]
    if isinstance(func, Func | Partial):
        return call.interpreter.call_value(
            func, list(rest), dict(call.kwargs), call.node, call.frame
        )
    return None


def _map_over(call: CallContext, *, star: bool = False) -> Value | None:
    """``pool.map(f, items)``, ``executor.map(f, items)``, ``pool.imap_unordered(f, items)``:
    f runs on each item (``starmap``: with the item's parts as its arguments); the result
    is the sequence of what f returns."""
    if len(call.args) < 2 or not isinstance(call.args[0], Func | Partial | LambdaV):
        return None
    func, items = call.args[0], call.args[1]
    element = call.interpreter.iterate(items, call.frame)
    parts = [element]
    if star and isinstance(element, ListV) and element.items:
        parts = list(element.items)
    result = call.interpreter.call_value(func, parts, {}, call.node, call.frame)
    return ListV(elem=result, source="mapped results")


def _star_map_over(call: CallContext) -> Value | None:
    return _map_over(call, star=True)


def _decorator_factory(call: CallContext) -> Value | None:
    """``functools.wraps(f)``, ``lru_cache(maxsize=8)``: returns a decorator that keeps the
    function; called on the function directly (``lru_cache(f)``), the function itself."""
    if call.args and isinstance(call.args[0], Func | Partial):
        return call.args[0]
    return IDENTITY


_SECONDS = 1 / 86400
_TIMEDELTA_UNITS = {
    "days": 1.0,
    "weeks": 7.0,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
    "seconds": _SECONDS,
    "milliseconds": _SECONDS / 1000,
    "microseconds": _SECONDS / 1e6,
}

_CALENDAR_UNITS = {**_TIMEDELTA_UNITS, "months": 30.0, "years": 365.0}
_SHIFT = DurationMaker(("subtract", "shift", "add"), _CALENDAR_UNITS)


def _shifted_time(call: CallContext) -> Value | None:
    """``now.subtract(days=7)``, ``now.shift(days=-7)`` (pendulum, arrow): a time that far
    from another; what the code compares with it is held to that span."""
    days = _SHIFT.days((), call.kwargs)
    return Duration(abs(days)) if days else None


MODEL = LibraryModel(
    name="stdlib",
    enum_bases=("enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"),
    env_getters=(
        EnvGetter(("os.getenv", "os.environ.get", "os.environ.setdefault", "posix.getenv")),
        EnvGetter(("decouple.config",), key=arg(0, "option"), default=kw("default")),
        EnvGetter(("environ.Env.str", "environs.Env.str"), default=kw("default")),
    ),
    mapping_sources=(
        Source(("os.environ",), "the environment"),
        Source(("sys.argv",), "the command line"),
    ),
    sources=(
        Source(
            ("pickle.load", "pickle.loads", "shelve.open", "marshal.load"), "a file", stored=True
        ),
        Source(("csv.reader", "csv.DictReader"), "a file", stored=True, sequence=True),
        Source(("builtins.input", "sys.stdin.read", "sys.stdin.readlines"), "user input"),
        Source(
            (
                "time.time",
                "datetime.datetime.now",
                "datetime.datetime.utcnow",
                "datetime.datetime.today",
            ),
            CLOCK,
        ),
        Source(("fileinput.input",), "a file", stored=True, sequence=True),
        Source(("sqlite3.connect", "dbm.open"), "a database query", stored=True),
    ),
    method_sources=(
        Source(("parse_args", "parse_known_args"), "the command line"),
        # a path's text is the file's, whatever the path is called
        Source(("read_text", "read_bytes"), "a file", stored=True),
        Source(
            ("readlines", "readline"),
            "a file",
            stored=True,
            receivers=("path", "file", "fh", "handle", "stream", "f"),
        ),
        Source(("read",), "a file", stored=True, receivers=("file", "fh", "handle", "stream")),
        Source(("open",), "a file", stored=True),
    ),
    durations=(
        DurationMaker(
            ("datetime.timedelta", "datetime.datetime.timedelta"),
            _TIMEDELTA_UNITS,
            positional=(1.0, _SECONDS, _SECONDS / 1e6, _SECONDS / 1000, 1 / 1440, 1 / 24, 7.0),
        ),
        # the same spans spelled by pandas, dateutil and pendulum
        DurationMaker(("pandas.Timedelta", "pandas.DateOffset"), _TIMEDELTA_UNITS),
        DurationMaker(
            ("dateutil.relativedelta.relativedelta", "pendulum.duration"), _CALENDAR_UNITS
        ),
    ),
    passthrough=(
        Passthrough(
            (
                "copy.copy",
                "copy.deepcopy",
                "urllib.parse.quote",
                "urllib.parse.quote_plus",
                "asyncio.create_task",
                "asyncio.ensure_future",
                "asyncio.run",
                "asyncio.wait_for",
                "asyncio.shield",
                "contextlib.closing",
                "dataclasses.replace",
                # a template is its text; `.substitute()` fills it (see str_method)
                "string.Template",
            ),
        ),
        Passthrough(("typing.cast",), arg(1, "val")),
    ),
    specials=(
        Special(("json.loads",), json_loads),
        Special(
            (
                "configparser.ConfigParser",
                "configparser.RawConfigParser",
                "configparser.SafeConfigParser",
            ),
            _config_parser,
        ),
        Special(("json.load",), _json_load),
        Special(("json.dumps",), json_dumps),
        Special(("functools.partial",), _partial),
        Special(("functools.partialmethod",), _partialmethod),
        Special(
            (
                "urllib.parse.urljoin",
                "urlparse.urljoin",
                "requests.compat.urljoin",
                "posixpath.join",
            ),
            _urljoin,
        ),
        Special(("urllib.parse.urlencode", "urllib.urlencode"), _urlencode),
        Special(
            (
                "urllib.parse.urlparse",
                "urllib.parse.urlsplit",
                "urlparse.urlparse",
                "urlparse.urlsplit",
            ),
            lambda call: url_parts(call.args[0]) if call.args else None,
        ),
        Special(("itertools.islice",), _islice),
        Special(("itertools.product",), _product),
        Special(("itertools.chain",), _chained),
        Special(("asyncio.gather", "asyncio.wait", "trio.gather"), _gather),
        Special(
            ("asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync"),
            _call_first,
        ),
        # joblib's `delayed(f)(*args)` is the call f(*args) that `Parallel` runs
        Special(("joblib.delayed",), _decorator_factory),
        Special(
            (
                "functools.wraps",
                "functools.lru_cache",
                "functools.cache",
                "functools.cached_property",
            ),
            _decorator_factory,
        ),
    ),
    method_specials=(
        Special(_SHIFT.names, _shifted_time),
        Special(("map", "imap", "imap_unordered", "map_async"), _map_over),
        Special(("starmap", "starmap_async"), _star_map_over),
        Special(("add_argument",), _cli_option),
        # executor.submit(f, *args): a future of what f returns (its result())
        Special(("submit",), _call_first),
    ),
    schedulers=(
        Scheduler(
            ("threading.Timer",), delay_before_task=_SECONDS, args=kw("args"), kwargs=kw("kwargs")
        ),
        Scheduler(
            ("threading.Thread", "multiprocessing.Process"),
            task=kw("target"),
            args=kw("args"),
            kwargs=kw("kwargs"),
        ),
    ),
    method_schedulers=(
        Scheduler(
            ("enter", "enterabs"),
            delay_before_task=_SECONDS,
            args=kw("argument"),
            kwargs=kw("kwargs"),
        ),
        Scheduler(("call_later", "call_at"), delay_before_task=_SECONDS),
        Scheduler(
            (
                "call_soon",
                "call_soon_threadsafe",
                "start_soon",
                "run_in_executor",
                "add_done_callback",
            )
        ),
    ),
    sinks=(
        Sink(
            (
                "builtins.print",
                "pprint.pprint",
                "IPython.display.display",
                "IPython.core.display.display",
                "IPython.core.display_functions.display",
                "warnings.warn",
                "logging.info",
                "logging.debug",
                "logging.warning",
                "logging.error",
                "logging.exception",
                "logging.critical",
                "logging.log",
                "sys.stdout.write",
                "sys.stderr.write",
            )
        ),
    ),
    method_sinks=(
        Sink(
            (
                "debug",
                "info",
                "warning",
                "warn",
                "error",
                "exception",
                "critical",
                "log",
                "echo",
                "secho",
                "print",
                "pprint",
                "write_line",
                "assertEqual",
                "assertTrue",
                "assertIn",
                "assertIsNotNone",
                "assertFalse",
                "assert_called_with",
                "assert_called_once_with",
                "assert_called_once",
                "assert_not_called",
                "set_postfix",
                "set_description",
                "success",
                "fail",
            )
        ),
    ),
    in_memory=(
        "asyncio.Queue",
        "asyncio.PriorityQueue",
        "asyncio.LifoQueue",
        "asyncio.queues.Queue",
        "queue.Queue",
        "queue.SimpleQueue",
        "queue.LifoQueue",
        "queue.PriorityQueue",
        "collections.deque",
        "trio.open_memory_channel",
        "anyio.create_memory_object_stream",
    ),
    aliases={
        "urllib2.urlopen": "urllib.request.urlopen",
        "datetime.datetime.timedelta": "datetime.timedelta",
        "os.environ.get": "os.environ.get",
        "posixpath.join": "posixpath.join",
    },
)
