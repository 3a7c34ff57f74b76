"""Locust: a user class's ``self.client`` is an HTTP session whose base URL is the class's
``host`` (FastHttpUser's also sends the class's ``default_headers``); a TaskSet's
``self.client`` is that of the user whose ``tasks`` list it."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.models.spec import (
    ClientAttribute,
    ClientClass,
    LibraryModel,
    ParentObject,
    ResponseKind,
    Send,
    arg,
)

RESPONSE = ResponseKind(
    "locust",
    decode=frozenset({"json"}),
    # FastHttpUser's rest() answers with the decoded body already in `.js`
    decoded_attrs=frozenset({"js"}),
    body=frozenset({"text", "content"}),
    status=frozenset({"status_code", "ok", "reason", "error"}),
    # with catch_response=True the code itself says whether the request succeeded
    status_calls=frozenset({"raise_for_status", "success", "failure"}),
    paths={"headers": ("headers",)},
)

_REQUEST = Send(method=arg(0, "method"), url=arg(1, "url"), response="locust")

SESSION = ClientClass(
    names=("locust.clients.HttpSession",),
    kind="locust",
    response="locust",
    base_url=arg(0, "base_url"),
    headers=None,
    params=None,
    sends={"request": _REQUEST},
    dispatch="request",
)

# FastHttpUser's session: the same, with the environment first and rest()
FAST_SESSION = replace(
    SESSION,
    names=("locust.contrib.fasthttp.FastHttpSession",),
    kind="locust-fast",
    base_url=arg(1, "base_url"),
    sends={"request": _REQUEST, "rest": _REQUEST},
)

# bases are looked up by their public names; `aliases` below maps the module paths
_USERS = ("locust.HttpUser",)
_FAST_USERS = ("locust.FastHttpUser",)
_TASK_SETS = ("locust.TaskSet", "locust.SequentialTaskSet")

MODEL = LibraryModel(
    name="locust",
    clients=(SESSION, FAST_SESSION),
    responses=(RESPONSE,),
    client_attrs=(
        ClientAttribute(
            tuple(f"{u}.client" for u in _USERS),
            "locust",
            base_url_attr="host",
            set_up=("on_start",),
        ),
        ClientAttribute(
            tuple(f"{u}.client" for u in _FAST_USERS),
            "locust-fast",
            base_url_attr="host",
            headers_attr="default_headers",
            delegates=("rest",),
            set_up=("on_start",),
        ),
        ClientAttribute(tuple(f"{t}.client" for t in _TASK_SETS), "locust", via="user"),
    ),
    parent_objects=(
        ParentObject(
            tuple(f"{t}.{attr}" for t in _TASK_SETS for attr in ("user", "parent")), "tasks"
        ),
    ),
    # `@task(3)`, `@tag("smoke")`: the method is still the method (Locust picks it)
    decorators=("locust.task", "locust.tag", "locust.user.task.task", "locust.user.task.tag"),
    aliases={
        "locust.user.HttpUser": "locust.HttpUser",
        "locust.user.users.HttpUser": "locust.HttpUser",
        "locust.contrib.fasthttp.FastHttpUser": "locust.FastHttpUser",
        "locust.user.task.TaskSet": "locust.TaskSet",
        "locust.user.sequential_taskset.SequentialTaskSet": "locust.SequentialTaskSet",
    },
)
