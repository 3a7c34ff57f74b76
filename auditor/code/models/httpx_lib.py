"""httpx: module functions, Client and AsyncClient (base URL, default headers, event hooks,
auth objects)."""

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

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")

RESPONSE = ResponseKind(
    "httpx",
    decode=frozenset({"json"}),
    body=frozenset({"text", "content"}),
    body_calls=frozenset({"read", "aread", "iter_lines", "aiter_lines", "iter_bytes"}),
    status=frozenset({"status_code", "is_success", "is_error", "reason_phrase", "is_client_error"}),
    status_calls=frozenset({"raise_for_status"}),
    paths={"links": ("links",), "headers": ("headers",)},
)

_REQUEST = Send(method=arg(0, "method"), url=arg(1, "url"), response="httpx")

CLIENT = ClientClass(
    names=("httpx.Client", "httpx.AsyncClient"),
    kind="httpx",
    response="httpx",
    base_url=kw("base_url"),
    hooks=kw("event_hooks"),
    auth=(kw("auth"), "auth_flow"),
    sends={"request": _REQUEST, "stream": _REQUEST},
    prepares={"build_request": Prepare()},
    sends_prepared=frozenset({"send"}),
    dispatch="request",
)

MODEL = LibraryModel(
    name="httpx",
    http_functions={
        **{f"httpx.{verb}": Send(method=verb.upper(), response="httpx") for verb in _VERBS},
        "httpx.request": _REQUEST,
        "httpx.stream": _REQUEST,
    },
    clients=(CLIENT,),
    prepares={"httpx.Request": Prepare()},
    responses=(RESPONSE,),
)
