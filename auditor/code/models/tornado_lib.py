"""Tornado's HTTP client: ``AsyncHTTPClient().fetch(url or HTTPRequest(...))``."""

from __future__ import annotations

from auditor.code.models.spec import (
    CallContext,
    ClientClass,
    LibraryModel,
    Prepare,
    ResponseKind,
    Send,
    Special,
    arg,
    kw,
)
from auditor.code.models.stdlib import json_dumps, json_loads
from auditor.code.strings import urlencode
from auditor.code.values import NONE, DictV, Str, Value, as_str, concat

RESPONSE = ResponseKind(
    "tornado",
    decode=frozenset(),
    body=frozenset({"body"}),
    body_calls=frozenset(),
    status=frozenset({"code", "reason", "error"}),
    status_calls=frozenset({"rethrow"}),
    paths={"headers": ("headers",)},
)

# fetch(url, method="GET", headers=..., body=...) or fetch(HTTPRequest(...)); Tornado
# sends GET unless told, and refuses a body with it
_FETCH = Send(
    method=kw("method"),
    url=arg(0, "request"),
    headers=kw("headers"),
    params=kw(),
    body=kw("body"),
    infer_method=True,
    response="tornado",
)

CLIENT = ClientClass(
    names=(
        "tornado.httpclient.AsyncHTTPClient",
        "tornado.httpclient.HTTPClient",
        "tornado.curl_httpclient.CurlAsyncHTTPClient",
        "tornado.simple_httpclient.SimpleAsyncHTTPClient",
    ),
    kind="tornado",
    response="tornado",
    base_url=None,
    headers=None,
    params=None,
    verbs=False,
    sends={"fetch": _FETCH},
    sends_prepared=frozenset({"fetch"}),
)


def _url_concat(call: CallContext) -> Value | None:
    """``url_concat(url, {"page": 2})``: the URL with the arguments as its query string."""
    if len(call.args) < 2:
        return None
    url, args = as_str(call.args[0]), call.args[1]
    if isinstance(args, DictV) and not args.entries and not args.open:
        return url
    separator = "&" if "?" in url.text else "?"
    return concat(url, Str(separator), as_str(urlencode(args)))


def _define(call: CallContext) -> Value | None:
    """``define("accept", default="…")``: ``options.accept`` is the default unless the
    command line or a config file says otherwise."""
    name = call.args[0] if call.args else call.kwargs.get("name")
    default = call.kwargs.get("default", call.args[1] if len(call.args) > 1 else None)
    if isinstance(name, Str) and name.known and default is not None:
        call.interpreter.register("attr", name.text, default)
    return NONE


MODEL = LibraryModel(
    name="tornado",
    clients=(CLIENT,),
    prepares={
        "tornado.httpclient.HTTPRequest": Prepare(
            method=kw("method"), url=arg(0, "url"), headers=kw("headers"), params=kw()
        ),
    },
    specials=(
        Special(("tornado.httputil.url_concat",), _url_concat),
        Special(("tornado.options.define",), _define),
        # tornado.escape's JSON helpers are json.loads and json.dumps
        Special(("tornado.escape.json_decode",), json_loads),
        Special(("tornado.escape.json_encode",), json_dumps),
    ),
    namespaces=("tornado.options.options",),
    # @gen.coroutine: `resp = yield client.fetch(req)` waits for the response
    coroutine_runners=("coroutine", "engine"),
    responses=(RESPONSE,),
)
