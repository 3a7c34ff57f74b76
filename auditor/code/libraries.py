"""What the analyzer knows of third-party and standard-library names."""

from __future__ import annotations

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})

# module-level request functions: name → HTTP stack
REQUEST_FUNCTIONS = {
    "requests": "requests",
    "requests.api": "requests",
    "httpx": "httpx",
}

# classes that make a client or session
CLIENT_CLASSES = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "aiohttp.client.ClientSession": "aiohttp",
}

URLOPEN = frozenset(
    {"urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"}
)
URLLIB_REQUEST = frozenset({"urllib.request.Request", "urllib2.Request"})
URLJOIN = frozenset({"urllib.parse.urljoin", "urlparse.urljoin", "requests.compat.urljoin"})
URLENCODE = frozenset({"urllib.parse.urlencode", "urllib.urlencode"})

# chunking helpers: name → index of the size argument, index of the sequence argument
CHUNKERS = {
    "itertools.batched": (1, 0),
    "more_itertools.chunked": (1, 0),
    "more_itertools.batched": (1, 0),
    "more_itertools.ichunked": (1, 0),
    "toolz.partition_all": (0, 1),
    "cytoolz.partition_all": (0, 1),
    "funcy.chunks": (0, 1),
    "boltons.iterutils.chunked": (1, 0),
}

TIMEDELTA = frozenset({"datetime.timedelta", "datetime.datetime.timedelta"})

# calls whose arguments are only logged or shown: a response passed here is not "handed on"
LOGGING_SINKS = frozenset(
    {
        "print",
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
        "write_line",
        "pprint",
        "assertEqual",
        "assertTrue",
    }
)

# methods that read stored data back: their results are ids "kept for later"
DATABASE_READS = frozenset(
    "execute fetchall fetchone fetchmany query filter all exclude values_list select "
    "objects iterator values".split()
)
FILE_READS = frozenset("load loads read readlines reader DictReader read_text read_json".split())
QUEUE_READS = frozenset(
    "get_nowait receive consume lrange smembers blpop brpop lpop rpop zrange zrangebyscore "
    "scan_iter hgetall hkeys hget mget keys pop".split()
)
STORAGE_READS = (
    DATABASE_READS
    | FILE_READS
    | QUEUE_READS
    | frozenset("scan find find_many get items fetch get_pending pending".split())
)

# calls that run a function later: the delay decides whether a job id is still alive then
SCHEDULERS = frozenset(
    {
        "add_job",
        "enter",
        "enterabs",
        "call_later",
        "call_at",
        "apply_async",
        "schedule",
        "enqueue_in",
        "enqueue_at",
        "schedule_in",
        "run_at",
        "add_timeout",
        "Timer",
    }
)
