"""requests and the session classes built on it (requests-toolbelt, requests-oauthlib)."""

from __future__ import annotations

from auditor.code.models.spec import (
    ClientClass,
    LibraryModel,
    Passthrough,
    Prepare,
    ResponseKind,
    Send,
    arg,
)

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")

RESPONSE = ResponseKind(
    "requests",
    decode=frozenset({"json"}),
    body=frozenset({"text", "content", "raw"}),
    body_calls=frozenset({"iter_content", "iter_lines"}),
    status=frozenset({"status_code", "ok", "reason", "is_redirect"}),
    status_calls=frozenset({"raise_for_status"}),
    paths={"links": ("links",), "headers": ("headers",), "next": ("links",)},
)

_REQUEST = Send(method=arg(0, "method"), url=arg(1, "url"), response="requests")

SESSION = ClientClass(
    names=(
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        # Session subclasses of other libraries: they send as requests does
        "requests_cache.CachedSession",
        "requests_cache.session.CachedSession",
        "requests_cache.session.CacheMixin",
        "requests_futures.sessions.FuturesSession",
        "requests_ratelimiter.LimiterSession",
        "requests_toolbelt.sessions.BaseUrlSession.__base__",
    ),
    kind="requests",
    response="requests",
    base_url=None,
    headers=None,
    params=None,
    sends={"request": _REQUEST},
    sends_prepared=frozenset({"send"}),
    dispatch="request",
)

BASE_URL_SESSION = ClientClass(
    names=(
        "requests_toolbelt.sessions.BaseUrlSession",
        "requests_toolbelt.BaseUrlSession",
    ),
    kind="requests-base-url",
    response="requests",
    base_url=arg(0, "base_url"),
    headers=None,
    params=None,
    sends={"request": _REQUEST},
    sends_prepared=frozenset({"send"}),
    dispatch="request",
)

OAUTH_SESSION = ClientClass(
    names=(
        "requests_oauthlib.OAuth2Session",
        "requests_oauthlib.OAuth1Session",
        "requests_oauthlib.oauth2_session.OAuth2Session",
        "authlib.integrations.requests_client.OAuth2Session",
    ),
    kind="requests-oauth",
    response="requests",
    base_url=None,
    headers=None,
    params=None,
    sends={"request": _REQUEST},
    sends_prepared=frozenset({"send"}),
    dispatch="request",
)

MODEL = LibraryModel(
    name="requests",
    http_functions={
        **{f"requests.{verb}": Send(method=verb.upper(), response="requests") for verb in _VERBS},
        **{
            f"requests.api.{verb}": Send(method=verb.upper(), response="requests")
            for verb in _VERBS
        },
        "requests.request": _REQUEST,
        "requests.api.request": _REQUEST,
    },
    clients=(SESSION, BASE_URL_SESSION, OAUTH_SESSION),
    prepares={
        "requests.Request": Prepare(),
        "requests.models.Request": Prepare(),
    },
    responses=(RESPONSE,),
    passthrough=(
        # wrappers that return the session they are given, adapters mounted
        Passthrough(("cachecontrol.CacheControl", "requests_cache.install_cache")),
    ),
    aliases={"requests.sessions.Session": "requests.Session"},
)
