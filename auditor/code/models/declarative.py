"""Declarative HTTP clients: methods whose decorators and parameter annotations say the
request they send (uplink's ``Consumer``)."""

from __future__ import annotations

from auditor.code.models.spec import (
    ClientClass,
    DeclarativeClient,
    LibraryModel,
    Route,
    arg,
)

_VERBS = ("get", "post", "put", "patch", "delete", "head")


def _uplink(name: str) -> tuple[str, ...]:
    return (f"uplink.{name}", f"uplink.commands.{name}", f"uplink.arguments.{name}")


UPLINK = DeclarativeClient(
    names=("uplink",),
    routes=tuple(Route(_uplink(verb), verb.upper()) for verb in _VERBS),
    headers=(*_uplink("headers"), "uplink.decorators.headers"),
    query=_uplink("Query"),
    query_maps=_uplink("QueryMap"),
    path=_uplink("Path"),
    body=(*_uplink("Body"), *_uplink("Field"), *_uplink("FieldMap")),
    header=_uplink("Header"),
    decodes=(
        "uplink.returns.json",
        "uplink.returns.from_json",
        "uplink.returns.model",
        "uplink.returns.schema",
    ),
)

CONSUMER = ClientClass(
    names=("uplink.Consumer", "uplink.builder.Consumer"),
    kind="uplink",
    response="requests",
    base_url=arg(0, "base_url"),
    headers=None,
    params=None,
    verbs=False,
)

MODEL = LibraryModel(name="declarative", clients=(CONSUMER,), declarative=(UPLINK,))
