"""Scrapy: a spider yields requests that the engine sends, with the project's default
headers, and hands each response to the request's callback; its settings are the
project's settings module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from auditor.code.models.spec import CallContext, LibraryModel, ResponseKind, Special
from auditor.code.strings import method_name
from auditor.code.values import NONE, Client, DictV, Func, Instance, Opaque, Partial, Value

RESPONSE = ResponseKind(
    "scrapy",
    decode=frozenset({"json"}),
    body=frozenset({"text", "body"}),
    status=frozenset({"status"}),
    status_calls=frozenset(),
    paths={"headers": ("headers",)},
)

_JSON = ("scrapy.http.JsonRequest", "scrapy.http.request.json_request.JsonRequest")
_FORM = ("scrapy.FormRequest", "scrapy.http.FormRequest")


def _sends(*body_keywords: str) -> Callable[[CallContext], Value | None]:
    """A request class whose body is given under these keywords (``JsonRequest(data=)``,
    ``FormRequest(formdata=)``, ``Request(body=)``)."""

    def handler(call: CallContext) -> Value | None:
        body = next((call.kwargs[k] for k in body_keywords if k in call.kwargs), None)
        return _request(call, None if body is NONE else body)

    return handler


def _request(call: CallContext, body: Value | None) -> Value | None:
    """``Request(url, callback=self.parse_page, headers=..., cb_kwargs=...)``: sent by the
    engine, its response handed to the callback."""
    args, kwargs = call.args, call.kwargs
    url = args[0] if args else kwargs.get("url")
    if url is None:
        return None
    method = method_name(kwargs.get("method")) or ("POST" if body is not None else "GET")
    # the DefaultHeadersMiddleware puts the project's DEFAULT_REQUEST_HEADERS under the
    # request's own
    headers = DictV(open=True)
    defaults = _spider_setting(call, "DEFAULT_REQUEST_HEADERS")
    if isinstance(defaults, DictV):
        headers.merge(defaults)
    given = kwargs.get("headers")
    if isinstance(given, DictV):
        headers.merge(given)
    callback = kwargs.get("callback", args[1] if len(args) > 1 else None)
    frame = call.frame
    if isinstance(callback, Func | Partial):
        # a callback may ask for the next page with another request: the engine runs
        # request and callback in turn, a loop
        frame = replace(frame, loop_depth=frame.loop_depth + 1)
    response = call.interpreter.http_request(
        Client("scrapy"),
        method,
        url,
        headers,
        None,
        body,
        call.node,
        frame,
        stack="scrapy",
        response="scrapy",
    )
    extra = kwargs.get("cb_kwargs")
    if isinstance(callback, Func | Partial):
        passed = dict(extra.entries) if isinstance(extra, DictV) else {}
        made = call.interpreter.call_value(callback, [response], passed, call.node, frame)
        # what it yields goes to the item pipelines (stored) or back to the engine
        call.interpreter.hand_on([made], {})
    return Opaque("scrapy.Request", attrs={"url": url})


def _spider_setting(call: CallContext, name: str) -> Value | None:
    """A setting as the running spider sees it: its ``custom_settings`` first."""
    spider = call.frame.self_value
    if isinstance(spider, Instance):
        custom = call.interpreter.attribute(spider, "custom_settings", call.node, call.frame)
        if isinstance(custom, DictV) and custom.get_ci(name) is not None:
            return custom.get_ci(name)
    return call.interpreter.setting(name)


MODEL = LibraryModel(
    name="scrapy",
    specials=(
        Special(("scrapy.Request", "scrapy.http.Request"), _sends("body")),
        Special(_JSON, _sends("body", "data")),
        Special(_FORM, _sends("body", "formdata")),
    ),
    responses=(RESPONSE,),
    settings_attrs=(
        "scrapy.Spider.settings",
        "scrapy.spiders.Spider.settings",
        "scrapy.spiders.CrawlSpider.settings",
    ),
    aliases={"scrapy.spiders.Spider": "scrapy.Spider"},
)
