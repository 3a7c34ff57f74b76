"""The standard library's HTTP (urllib.request, http.client) and urllib3."""

from __future__ import annotations

from auditor.code.models.spec import (
    ClientClass,
    LibraryModel,
    Prepare,
    ResponseKind,
    Send,
    arg,
    kw,
)

URLLIB_RESPONSE = ResponseKind(
    "urllib",
    decode=frozenset(),
    body=frozenset(),
    body_calls=frozenset({"read", "readlines", "readline"}),
    status=frozenset({"status", "code", "reason"}),
    status_calls=frozenset({"getcode"}),
    paths={"headers": ("headers",)},
)

URLLIB3_RESPONSE = ResponseKind(
    "urllib3",
    decode=frozenset({"json"}),
    body=frozenset({"data"}),
    body_calls=frozenset({"read"}),
    status=frozenset({"status", "reason"}),
    status_calls=frozenset(),
    paths={"headers": ("headers",)},
)

_URLOPEN = Send(
    method=None,
    url=arg(0, "url", "fullurl"),
    headers=kw(),
    params=kw(),
    body=arg(1, "data"),
    infer_method=True,
    response="urllib",
)

OPENER = ClientClass(
    names=("urllib.request.build_opener", "urllib.request.OpenerDirector", "urllib2.build_opener"),
    kind="urllib",
    response="urllib",
    base_url=None,
    headers=None,
    params=None,
    verbs=False,
    sends={"open": _URLOPEN},
    sends_prepared=frozenset({"open"}),
    header_pairs_attr="addheaders",
)

_POOL_REQUEST = Send(
    method=arg(0, "method"),
    url=arg(1, "url"),
    headers=kw("headers"),
    params=kw("fields"),
    body=kw("body", "json"),
    data_is_query=True,
    response="urllib3",
)

POOL_MANAGER = ClientClass(
    names=("urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager"),
    kind="urllib3",
    response="urllib3",
    base_url=None,
    headers=kw("headers"),
    params=None,
    verbs=False,
    sends={"request": _POOL_REQUEST, "urlopen": _POOL_REQUEST, "request_encode_url": _POOL_REQUEST},
)

CONNECTION_POOL = ClientClass(
    names=(
        "urllib3.HTTPSConnectionPool",
        "urllib3.connectionpool.HTTPSConnectionPool",
    ),
    kind="urllib3-pool",
    response="urllib3",
    base_url=arg(0, "host"),
    host_scheme="https://",
    headers=kw("headers"),
    params=None,
    verbs=False,
    sends={"request": _POOL_REQUEST, "urlopen": _POOL_REQUEST},
)

HTTP_CONNECTION = ClientClass(
    names=("http.client.HTTPSConnection", "httplib.HTTPSConnection"),
    kind="http.client",
    response="urllib",
    base_url=arg(0, "host"),
    host_scheme="https://",
    headers=None,
    params=None,
    verbs=False,
    sends={
        "request": Send(
            method=arg(0, "method"),
            url=arg(1, "url"),
            body=arg(2, "body"),
            headers=arg(3, "headers"),
            params=kw(),
            response="urllib",
        )
    },
    answers=frozenset({"getresponse"}),
)

PLAIN_HTTP_CONNECTION = ClientClass(
    names=("http.client.HTTPConnection", "httplib.HTTPConnection"),
    kind="http.client-plain",
    response="urllib",
    base_url=arg(0, "host"),
    host_scheme="http://",
    headers=None,
    params=None,
    verbs=False,
    sends=HTTP_CONNECTION.sends,
    answers=frozenset({"getresponse"}),
)

MODEL = LibraryModel(
    name="stdlib-http",
    http_functions={
        "urllib.request.urlopen": _URLOPEN,
        "urllib2.urlopen": _URLOPEN,
        "six.moves.urllib.request.urlopen": _URLOPEN,
        "urllib3.request": _POOL_REQUEST,
    },
    clients=(OPENER, POOL_MANAGER, CONNECTION_POOL, HTTP_CONNECTION, PLAIN_HTTP_CONNECTION),
    prepares={
        "urllib.request.Request": Prepare(
            method=kw("method"), url=arg(0, "url"), body=arg(1, "data"), headers=arg(2, "headers")
        ),
        "urllib2.Request": Prepare(
            method=kw("method"), url=arg(0, "url"), body=arg(1, "data"), headers=arg(2, "headers")
        ),
    },
    responses=(URLLIB_RESPONSE, URLLIB3_RESPONSE),
    aliases={"urllib2.Request": "urllib.request.Request"},
)
