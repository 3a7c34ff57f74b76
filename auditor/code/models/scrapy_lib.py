"""Scrapy: a spider yields requests that the engine sends, with the project's default
headers, and hands each response to the request's callback; its settings are the
project's settings module."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.models.spec import CallContext, LibraryModel, ResponseKind, Special
from auditor.code.strings import method_name, url_parts
from auditor.code.values import (
    NONE,
    ClassRef,
    Client,
    DictV,
    Func,
    Instance,
    Opaque,
    Partial,
    PreparedRequest,
    Value,
)

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


_REQUEST = ("scrapy.Request", "scrapy.http.Request")


def _sends(classes: tuple[str, ...], *body_keywords: str) -> Special:
    """A request class (its import paths first, then its bases') whose body is given under
    these keywords (``JsonRequest(data=)``, ``FormRequest(formdata=)``, ``Request(body=)``)."""

    def handler(call: CallContext) -> Value | None:
        body = next((call.kwargs[k] for k in body_keywords if k in call.kwargs), None)
        return _request(call, None if body is NONE else body, classes)

    own = classes if classes == _REQUEST else classes[: -len(_REQUEST)]
    return Special(own, handler)


def _request(call: CallContext, body: Value | None, classes: tuple[str, ...]) -> Value | None:
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
        Client("scrapy", hooks=_middleware_hooks(call), request_classes=classes),
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
        interpreter, node = call.interpreter, call.node

        def answer() -> None:
            made = interpreter.call_value(callback, [response], passed, node, frame)
            # what it yields goes to the item pipelines (stored) or back to the engine
            interpreter.hand_on([made], {})

        # the engine calls it once the method that made the request has returned: a
        # callback may make a request through the same helper
        interpreter.run_later(answer)
    return Opaque("scrapy.Request", attrs={"url": url})


def _middleware_hooks(call: CallContext) -> tuple[Value, ...]:
    """``process_request`` of the project's downloader middlewares: each sees every
    request the engine sends, and headers it sets are sent."""
    enabled = _spider_setting(call, "DOWNLOADER_MIDDLEWARES")
    if not isinstance(enabled, DictV):
        return ()
    hooks: list[Value] = []
    for path, order in enabled.entries.items():
        found = call.interpreter.object_named(path)
        if order is NONE or not isinstance(found, ClassRef):
            continue  # switched off (None), or a middleware of Scrapy's own
        # the engine makes it with `from_crawler(crawler)` when it has one: the crawler's
        # settings are the project's
        made = call.interpreter.attribute(found, "from_crawler", call.node, call.frame)
        if isinstance(made, Func):
            crawler = Opaque(
                "scrapy.crawler.Crawler", {"settings": call.interpreter.settings_map()}
            )
            middleware = call.interpreter.call_value(made, [crawler], {}, call.node, call.frame)
        else:
            middleware = call.interpreter.default_instance(found.cls)
        hook = call.interpreter.attribute(middleware, "process_request", call.node, call.frame)
        if isinstance(hook, Func):
            hooks.append(hook)
    return tuple(hooks)


def _spider_setting(call: CallContext, name: str) -> Value | None:
    """A setting as the running spider sees it: its ``custom_settings`` first."""
    spider = call.frame.self_value
    if isinstance(spider, Instance):
        custom = call.interpreter.attribute(spider, "custom_settings", call.node, call.frame)
        if isinstance(custom, DictV) and custom.get_ci(name) is not None:
            return custom.get_ci(name)
    return call.interpreter.setting(name)


def _urlparse_cached(call: CallContext) -> Value | None:
    """``urlparse_cached(request)``: the parts of the request's URL."""
    given = call.args[0] if call.args else None
    if isinstance(given, PreparedRequest):
        return url_parts(given.url)
    if isinstance(given, Opaque) and "url" in given.attrs:
        return url_parts(given.attrs["url"])
    return None


MODEL = LibraryModel(
    name="scrapy",
    specials=(
        _sends(_REQUEST, "body"),
        _sends((*_JSON, *_REQUEST), "body", "data"),
        _sends((*_FORM, *_REQUEST), "body", "formdata"),
        Special(("scrapy.utils.httpobj.urlparse_cached",), _urlparse_cached),
    ),
    responses=(RESPONSE,),
    settings_attrs=(
        "scrapy.Spider.settings",
        "scrapy.spiders.Spider.settings",
        "scrapy.spiders.CrawlSpider.settings",
    ),
    aliases={"scrapy.spiders.Spider": "scrapy.Spider"},
)
