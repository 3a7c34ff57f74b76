"""aiohttp's ClientSession (a base URL as first argument, default headers)."""

from __future__ import annotations

from auditor.code.models.spec import ClientClass, LibraryModel, ResponseKind, Send, arg

RESPONSE = ResponseKind(
    "aiohttp",
    decode=frozenset({"json"}),
    body=frozenset({"content"}),
    body_calls=frozenset({"text", "read"}),
    status=frozenset({"status", "ok", "reason"}),
    status_calls=frozenset({"raise_for_status"}),
    paths={"links": ("links",), "headers": ("headers",)},
)

_REQUEST = Send(method=arg(0, "method"), url=arg(1, "url"), response="aiohttp")

SESSION = ClientClass(
    names=("aiohttp.ClientSession", "aiohttp.client.ClientSession"),
    kind="aiohttp",
    response="aiohttp",
    base_url=arg(0, "base_url"),
    sends={"request": _REQUEST},
    dispatch="_request",
)

MODEL = LibraryModel(
    name="aiohttp",
    http_functions={"aiohttp.request": _REQUEST},
    clients=(SESSION,),
    responses=(RESPONSE,),
    aliases={"aiohttp.client.ClientSession": "aiohttp.ClientSession"},
)
