"""Twisted: ``inlineCallbacks`` coroutines and treq, its requests-like HTTP client whose
calls give Deferreds of responses."""

from __future__ import annotations

from auditor.code.models.spec import LibraryModel, ResponseKind, Send, Special, arg, kw
from auditor.code.models.stdlib import json_loads

RESPONSE = ResponseKind(
    "treq",
    decode=frozenset({"json"}),
    body=frozenset(),
    body_calls=frozenset({"content", "text"}),
    status=frozenset({"code", "phrase"}),
    status_calls=frozenset(),
    paths={"headers": ("headers",)},
)


def _verb(method: str) -> Send:
    return Send(
        method=method,
        url=arg(0, "url"),
        headers=kw("headers"),
        params=kw("params"),
        body=kw("json", "data"),
        response="treq",
    )


_SENDS = {
    f"treq.{verb}": _verb(verb.upper())
    for verb in ("get", "post", "put", "patch", "delete", "head")
}
_SENDS["treq.request"] = Send(
    method=arg(0, "method"),
    url=arg(1, "url"),
    headers=kw("headers"),
    params=kw("params"),
    body=kw("json", "data"),
    response="treq",
)

MODEL = LibraryModel(
    name="twisted",
    http_functions=_SENDS,
    responses=(RESPONSE,),
    # treq.json_content(response) is response.json(); content/text give its body
    specials=(Special(("treq.json_content",), json_loads),),
    coroutine_runners=("inlineCallbacks",),
    aliases={"treq.api.get": "treq.get", "treq.api.post": "treq.post"},
)
