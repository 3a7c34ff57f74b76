"""HTTP calls: clients and what they send, prepared requests, responses, and the fallback
that recognises a call nobody modeled by what its values say."""

from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst

from auditor.code.core import EvaluatorCore
from auditor.code.frames import Frame
from auditor.code.models.spec import (
    HTTP_VERBS,
    Arg,
    CallContext,
    ClientClass,
    Prepare,
    ProjectSend,
    Send,
)
from auditor.code.strings import (
    is_absolute,
    method_name,
    name_words,
    prefix_base,
    query_params,
)
from auditor.code.values import (
    UNKNOWN,
    Bound,
    Client,
    Data,
    DictV,
    Func,
    HttpRequest,
    Instance,
    ListV,
    NoneV,
    OneOf,
    Opaque,
    PreparedRequest,
    Response,
    Str,
    Unknown,
    Value,
    as_str,
    concat,
    either_mapping,
    literal_list,
    one_of,
    walk_values,
)
from auditor.urls import HOLE, split_url

_URL_KEYWORDS = ("url", "path", "endpoint", "resource_path", "uri", "route", "resource")
_PAIR_PARAM_MARK = "[]"


class HttpMixin(EvaluatorCore):
    # -- clients ------------------------------------------------------------------------
    def make_client(
        self, model: ClientClass, args: list[Value], kwargs: dict[str, Value]
    ) -> Client:
        client = Client(model.kind)
        self.configure_client(client, args, kwargs)
        self.clients.append(client)
        return client

    def configure_client(self, client: Client, args: list[Value], kwargs: dict[str, Value]) -> None:
        model = self.models.client_model(client.kind)
        if model is None:
            return
        if model.base_url is not None:
            base = model.base_url.pick(args, kwargs)
            if base is not None and model.host_scheme is not None:
                base = concat(Str(model.host_scheme), as_str(base))
            if base is not None:
                client.base_url = base
        if model.headers is not None:
            headers = model.headers.pick(args, kwargs)
            if isinstance(headers, DictV):
                client.headers = headers.copy()
            elif headers is not None:
                client.headers = DictV(open=True)
        if model.params is not None:
            params = model.params.pick(args, kwargs)
            if isinstance(params, DictV):
                client.params = params.copy()
        if model.method is not None:
            client.method = (
                method_name(model.method.pick(args, kwargs))
                or client.method
                or model.default_method
            )
        for key, where in model.keeps.items():
            given = where.pick(args, kwargs)
            if given is not None:
                client.kept[key] = given
        names = [as_str(v).text for a in model.labels if (v := a.pick(args, kwargs)) is not None]
        client.names = (*client.names, *(n for n in names if n and HOLE not in n))
        if model.hooks is not None:
            hooks = model.hooks.pick(args, kwargs)
            if isinstance(hooks, DictV):
                found = hooks.get_ci("request")
                if isinstance(found, ListV) and found.items is not None:
                    client.hooks = tuple(found.items)
        if model.auth is not None:
            auth_arg, flow_name = model.auth
            auth = auth_arg.pick(args, kwargs)
            if isinstance(auth, Instance):
                flow = self.lookup_method(auth.cls, flow_name)
                if flow is not None:
                    client.hooks = (*client.hooks, replace(flow, bound_self=auth))

    def typed_client(self, name: str) -> Value | None:
        model = self.models.client_class(name)
        if model is None:
            return None
        return Client(model.kind, typed=True)

    def client_method(
        self,
        client: Client,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        receiver: Value | None = None,
    ) -> Value:
        model = self.models.client_model(client.kind)
        if model is None:
            return self.generic_or_unknown(client, name, args, kwargs, node, frame)
        if name in model.sends_prepared and args and isinstance(args[0], PreparedRequest):
            return self.send_prepared(client, args[0], node, frame)
        if name in model.sends:
            return self.send(client, model.sends[name], args, kwargs, node, frame)
        if name in model.specials:
            context = CallContext(self, args, kwargs, node, frame, client)
            made = model.specials[name](context)
            if made is not None:
                return made
        if name in model.answers:
            if client.last is not None:
                return Response(client.last, model.response)
            return UNKNOWN
        if model.verbs and name in HTTP_VERBS:
            if (
                model.dispatch is not None
                and isinstance(receiver, Instance)
                and model.dispatch in self.project_methods(receiver)
            ):
                # a subclass overrides the method every verb goes through: call it
                method = self.attribute(receiver, model.dispatch, node, frame)
                if isinstance(method, Func):
                    url = model.verb_url.pick(args, kwargs) or UNKNOWN
                    rest = {k: v for k, v in kwargs.items() if k not in model.verb_url.names}
                    return self.call_function(
                        method, [Str(name.upper()), url, *args[1:]], rest, node, frame
                    )
            spec = Send(method=name.upper(), url=model.verb_url)
            return self.send(client, spec, args, kwargs, node, frame)
        if name in model.prepares:
            return self.prepared(model.prepares[name], args, kwargs, node, frame)
        if name in ("prepare_request",) and args and isinstance(args[0], PreparedRequest):
            return args[0]
        if name in ("__enter__", "__aenter__"):
            return client
        if name == "__init__":
            # a subclass calling the library's constructor: `super().__init__(base_url=...)`
            self.configure_client(client, args, kwargs)
            return UNKNOWN
        if name in ("close", "aclose", "mount", "__exit__", "__aexit__"):
            return UNKNOWN
        return self.generic_or_unknown(client, name, args, kwargs, node, frame)

    def project_methods(self, instance: Instance) -> set[str]:
        names: set[str] = set()
        pending = [instance.cls]
        seen = 0
        while pending and seen < 12:
            cls = pending.pop()
            seen += 1
            names.update(cls.methods)
            from auditor.code.values import ClassRef

            pending.extend(b.cls for b in self.class_bases(cls) if isinstance(b, ClassRef))
        return names

    def generic_or_unknown(
        self,
        receiver: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        sent = self.generic_http(receiver, name, args, kwargs, node, frame)
        if sent is not None:
            return sent
        self.hand_on(args, kwargs)
        return UNKNOWN

    # -- sending ------------------------------------------------------------------------
    def send(
        self,
        client: Client | None,
        spec: Send,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
        *,
        stack: str = "",
        url: Value | None = None,
    ) -> Value:
        method: str | None
        if isinstance(spec.method, str):
            method = spec.method
        elif isinstance(spec.method, Arg):
            method = method_name(spec.method.pick(args, kwargs))
        else:
            method = client.method if client is not None else None
        if url is None:
            url = spec.url.pick(args, kwargs) or UNKNOWN
        if isinstance(url, PreparedRequest):
            return self.send_prepared(client, url, node, frame, stack=stack)
        headers = spec.headers.pick(args, kwargs)
        params = spec.params.pick(args, kwargs)
        body = spec.body.pick(args, kwargs)
        if method is None and spec.infer_method:
            method = "POST" if body is not None else "GET"
        if spec.data_is_query and method in (None, "GET", "DELETE") and params is None:
            params, body = body, None
        extra = DictV()
        for key, where in spec.extra_args.items():
            given = where.pick(args, kwargs)
            if given is not None:
                extra.set_ci(key, given)
        if extra.entries:
            params = _merged_params(params, extra)
        if "**" in kwargs:
            open_params = DictV(open=True)
            params = _merged_params(params, open_params)
        response = spec.response or (
            self.models.client_model(client.kind).response  # type: ignore[union-attr]
            if client is not None and self.models.client_model(client.kind) is not None
            else "generic"
        )
        sent = self.http_request(
            client,
            method,
            url,
            headers,
            params,
            body,
            node,
            frame,
            stack=stack or (client.kind if client is not None else "generic"),
            response=response,
        )
        if spec.params.names and not spec.data_is_query:
            for option in sent.options if isinstance(sent, OneOf) else (sent,):
                if isinstance(option, Response):
                    option.request.params_keyword = spec.params.names[0]
        return sent

    def http_request(
        self,
        client: Client | None,
        method: str | None,
        url_value: Value,
        call_headers: Value | None,
        call_params: Value | None,
        body: Value | None,
        node: cst.Call,
        frame: Frame,
        *,
        stack: str,
        response: str,
    ) -> Value:
        if isinstance(url_value, OneOf):
            # one request per URL the code may send (`base + ("/users" if a else "/groups")`)
            return one_of(
                [
                    self.http_request(
                        client,
                        method,
                        option,
                        call_headers,
                        call_params,
                        body,
                        node,
                        frame,
                        stack=stack,
                        response=response,
                    )
                    for option in url_value.options
                ]
            )
        url = as_str(url_value)
        if client is not None and client.base_url is not None and not is_absolute(url.text):
            url = prefix_base(as_str(client.base_url), url)
        if isinstance(call_headers, NoneV):
            call_headers = None
        if isinstance(call_params, NoneV):
            call_params = None
        if isinstance(body, NoneV):
            body = None
        headers = client.headers.copy() if client is not None else DictV()
        if isinstance(call_headers, OneOf) and all(
            isinstance(o, DictV) for o in call_headers.options
        ):
            # headers chosen in a branch (`headers = V2_HEADERS if flag else V1_HEADERS`)
            call_headers = either_mapping([o for o in call_headers.options if isinstance(o, DictV)])
        if isinstance(call_headers, DictV):
            headers.merge(call_headers)
        elif call_headers is not None:
            headers.open = True
        params = client.params.copy() if client is not None else DictV()
        if isinstance(call_params, DictV):
            for key, value in call_params.entries.items():
                params.set_ci(key, value)
            params.open = params.open or call_params.open
        elif isinstance(call_params, ListV):
            for key, value in pair_params(call_params).items():
                params.set_ci(key, value)
        elif isinstance(call_params, Str):
            for key, value in query_params(Str("?" + call_params.text, call_params.slots)):
                params.set_ci(key, value)
        elif call_params is not None:
            params.open = True
        for key, value in query_params(url):
            params.set_ci(key, value)
        names = tuple(client.names) if client is not None else ()
        names += tuple(
            v.name
            for slot in url.slots
            for v in walk_values(slot)
            if isinstance(v, Unknown) and v.name
        )
        request = HttpRequest(
            site=frame.ref(node),
            chain=(*frame.chain, frame.ref(node)),
            entry=frame.entry,
            method=method,
            url=url,
            headers=headers,
            params=params,
            body=body,
            stack=stack,
            in_loop=frame.loop_depth > 0,
            names=names[:16],
            delay_days=frame.delay_days,
            delayed_func=frame.delayed_func,
            params_given=call_params,
            owner=id(frame.self_value.cls) if isinstance(frame.self_value, Instance) else None,
        )
        if client is not None:
            for hook in client.hooks:
                self.run_request_hook(hook, request, frame, client.request_classes)
        split = split_url(url.text)
        accept = request.headers.get_ci("accept")
        accept_text = as_str(accept).text if accept is not None else ""
        request.is_dokeos = (
            self.catalog.is_dokeos_host(split.host)
            or self.catalog.names_dokeos_media_type(accept_text)
            or (client is not None and client.declared and split.host is None)
        )
        request.typed_client = (
            client is not None and client.typed and split.host is None and accept is None
        )
        request.endpoint = self.catalog.endpoint_of(method, split.segments)
        if request.endpoint is not None:
            evidence = url.text + " " + _body_evidence(body)
            operation = self.catalog.async_operation(request.endpoint, evidence)
            request.async_change = operation.change if operation is not None else None
        self.requests.append(request)
        if client is not None:
            client.last = request
        self.events.request(request, frame)
        return Response(request, response)

    def run_request_hook(
        self, hook: Value, request: HttpRequest, frame: Frame, classes: tuple[str, ...] = ()
    ) -> None:
        """An event hook sees the request before it goes: headers it sets are sent."""
        prepared = PreparedRequest(
            request.url,
            request.headers,
            request.params,
            request.method,
            request.body,
            request.site,
            classes,
        )
        if isinstance(hook, Func):
            self.call_function(hook, [prepared], {}, None, frame)

    def prepared(
        self,
        spec: Prepare,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value:
        if isinstance(spec.method, str):
            method: str | None = spec.method
        elif isinstance(spec.method, Arg):
            method = method_name(spec.method.pick(args, kwargs))
        else:
            method = None
        headers = spec.headers.pick(args, kwargs)
        params = spec.params.pick(args, kwargs)
        return PreparedRequest(
            spec.url.pick(args, kwargs) or UNKNOWN,
            headers.copy() if isinstance(headers, DictV) else DictV(open=headers is not None),
            params.copy() if isinstance(params, DictV) else DictV(open=params is not None),
            method,
            spec.body.pick(args, kwargs),
            frame.ref(node),
        )

    def send_prepared(
        self,
        client: Client | None,
        request: PreparedRequest,
        node: cst.Call,
        frame: Frame,
        *,
        stack: str = "",
        response: str = "",
    ) -> Value:
        method = request.method or ("POST" if request.body is not None else "GET")
        model = self.models.client_model(client.kind) if client is not None else None
        return self.http_request(
            client,
            method,
            request.url,
            request.headers,
            request.params,
            request.body,
            node,
            frame,
            stack=stack or (client.kind if client is not None else "generic"),
            response=response or (model.response if model is not None else "generic"),
        )

    def prepared_method(
        self, target: PreparedRequest, name: str, args: list[Value], node: cst.Call, frame: Frame
    ) -> Value:
        if name == "prepare":
            return target
        if name in ("add_header", "add_unredirected_header", "putheader") and len(args) >= 2:
            key = args[0]
            if isinstance(key, Str) and key.known:
                target.headers.set_ci(key.text, args[1], frame.ref(node))
        return UNKNOWN

    # -- responses ----------------------------------------------------------------------
    def response_member(
        self,
        response: Value,
        name: str,
        *,
        called: bool,
        node: cst.CSTNode | None = None,
        frame: Frame | None = None,
    ) -> Value:
        """``response.name`` (read, or called): status, body, decoded data, or a method."""
        if not isinstance(response, Response):
            return UNKNOWN
        kind = self.models.response_kind(response.protocol)
        request = response.request
        if called:
            if name in kind.status_calls or name in kind.status:
                self.events.status_read(request)
                return UNKNOWN
            if name in kind.decode or name in kind.body_calls:
                self.events.body_read(request)
                return Data(request)
            if name in ("__enter__", "__aenter__"):
                return response
            return UNKNOWN
        if name in kind.status:
            self.events.status_read(request)
            return UNKNOWN
        if name in kind.decode or name in kind.body_calls or name in kind.status_calls:
            return Bound(response, name)  # a method, called later
        if name in kind.decoded_attrs or name in kind.body:
            self.events.body_read(request)
            return Data(request)
        if name in kind.paths:
            return Data(request, kind.paths[name])
        if kind.fields_are_data and name in _MAPPING_METHODS:
            # what an unmodeled object answered, read as a mapping: its decoded body
            self.events.body_read(request)
            return Bound(Data(request), name)
        if kind.fields_are_data and node is not None and frame is not None:
            # a generated client's model: its attributes are the body's fields
            return self.read_key(Data(request), name, node, frame)
        return Bound(response, name)

    # -- the project's own HTTP calls ---------------------------------------------------
    def project_send(
        self,
        func: Func,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value | None:
        """A project method a model (or the configuration) declares to be an HTTP call
        (a generated client's ``call_api``): the call is the request."""
        known = func.key in self.project_sends
        cached = self.project_sends.get(func.key)
        if not known:
            params = [
                p.name.value for p in (*func.node.params.params, *func.node.params.kwonly_params)
            ]
            cls = func.cls
            cached = self.models.project_send(
                cls.name if cls is not None else None,
                func.name,
                params,
                f"{func.module.name}.{cls.name}" if cls is not None else func.module.name,
            )
            if cached is None and cls is None:
                cached = self.models.project_function_send(f"{func.module.name}.{func.name}")
            self.project_sends[func.key] = cached
        if not isinstance(cached, ProjectSend):
            return None
        spec = by_position(cached.send, func)
        url = as_str(spec.url.pick(args, kwargs) or UNKNOWN)
        if cached.path_params is not None:
            url = fill_path(url, cached.path_params.pick(args, kwargs))
        base: Value | None = None
        if cached.base_url and func.bound_self is not None:
            base = func.bound_self
            for attr in cached.base_url:
                base = self.attribute(base, attr, node, frame)
            if not isinstance(base, Str):
                base = None
        declared = cached in self.models.declared
        client = Client("generic", base_url=base, typed=not declared, declared=declared)
        return self.send(client, spec, args, kwargs, node, frame, stack="generic", url=url)

    # -- what the values say ------------------------------------------------------------
    def generic_http(
        self,
        receiver: Value | None,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: cst.Call,
        frame: Frame,
    ) -> Value | None:
        """A call no model knows, recognised as an HTTP call by its values.

        A verb-named method given a URL or an API path (``session.get("/users")`` on a
        session we cannot type) is an HTTP call; so is any call given an HTTP method and a
        path the catalog knows, when the URL or the object it is called on names Dokeos
        (its base URL, its headers, its name): ``self._call("DELETE", f"/user/{id}")``.
        """
        method: str | None = None
        url: Str | None = None
        base, headers, names, fixed_method = self.receiver_state(receiver)
        if name in HTTP_VERBS:
            method = name.upper()
            url = _first_url(args, kwargs)
            if url is None or not _looks_like_url(url):
                return None
            client = Client("generic", base_url=base, headers=headers, typed=True, names=names)
            return self.http_request(
                client,
                method,
                url,
                kwargs.get("headers"),
                kwargs.get("params"),
                kwargs.get("json", kwargs.get("data")),
                node,
                frame,
                stack="unknown" if receiver is not None else "generic",
                response="generic",
            )
        verbs = [
            (i, method_name(a)) for i, a in enumerate(args) if method_name(a) in _METHODS_UPPER
        ]
        if verbs:
            index, method = verbs[0]
            if any(_message_template(a) for a in args[:index]):
                return None  # `log.debug("%s %s", method, url)`: a message, not a request
            url = _first_url(args[index + 1 :], kwargs)
        elif method_name(kwargs.get("method")) in _METHODS_UPPER:
            method = method_name(kwargs.get("method"))
            url = _first_url(args, kwargs)
        elif fixed_method is not None:
            method = fixed_method
            url = _first_url(args, kwargs)
        elif (named := _verb_in_name(name)) is not None:
            # `make_get_request(url)`, `http_post(url, data)`, `get_json(url)`
            method = named
            url = _first_url(args, kwargs)
        if method is None or url is None or not _looks_like_url(url):
            return None
        full = url
        if base is not None and not is_absolute(url.text):
            full = prefix_base(as_str(base), url)
        split = split_url(full.text)
        if self.catalog.endpoint_of(method, split.segments) is None:
            return None
        accept = headers.get_ci("accept")
        says_dokeos = (
            self.catalog.is_dokeos_host(split.host)
            or (accept is not None and self.catalog.names_dokeos_media_type(as_str(accept).text))
            or any(self.names_dokeos(n) for n in names)
        )
        if not says_dokeos:
            return None
        client = Client("generic", base_url=base, headers=headers, typed=True, names=names)
        body = kwargs.get("json", kwargs.get("data", kwargs.get("body")))
        params = kwargs.get("params", kwargs.get("query", kwargs.get("query_params")))
        return self.http_request(
            client,
            method,
            url,
            kwargs.get("headers"),
            params,
            body,
            node,
            frame,
            stack="generic",
            response="generic",
        )

    def names_dokeos(self, name: str) -> bool:
        lowered = name.lower()
        return any(marker in lowered for marker in self.catalog.host_markers)

    def receiver_state(
        self, receiver: Value | None
    ) -> tuple[Value | None, DictV, tuple[str, ...], str | None]:
        """What an object we cannot type carries: a base URL, headers, names, a method."""
        if receiver is None:
            return None, DictV(), (), None
        base: Value | None = None
        headers = DictV()
        names: list[str] = []
        method: str | None = None
        attrs: dict[str, Value] = {}
        if isinstance(receiver, Client):
            return receiver.base_url, receiver.headers, receiver.names, receiver.method
        if isinstance(receiver, Instance):
            names.append(receiver.cls.name)
            attrs = dict(receiver.attrs)
            for key in ("base_url", "host", "url", "api_url", "endpoint", "headers", "method"):
                if key not in attrs:
                    from auditor.code.values import ClassRef

                    found = (
                        self.lookup_class_attr(receiver.cls, key)
                        if isinstance(receiver, Instance)
                        else None
                    )
                    if found is not None and not isinstance(found, ClassRef):
                        attrs[key] = found
            if isinstance(receiver.base, Client):
                return (
                    receiver.base.base_url or _base_in(attrs),
                    receiver.base.headers,
                    (*receiver.base.names, *names),
                    receiver.base.method,
                )
        elif isinstance(receiver, Opaque):
            names.append(receiver.name)
            attrs = {**{f"#{i}": v for i, v in enumerate(receiver.args)}, **receiver.attrs}
        elif isinstance(receiver, Unknown) and receiver.name:
            names.append(receiver.name)
        for key, value in attrs.items():
            if isinstance(value, Client):
                return value.base_url, value.headers, (*value.names, *names), value.method
            if isinstance(value, DictV) and value.get_ci("accept") is not None:
                headers = value
            elif isinstance(value, Str):
                if key == "method" and method_name(value) in _METHODS_UPPER:
                    method = method_name(value)
                elif value.known and HOLE not in value.text and value.text.isidentifier():
                    names.append(value.text)
        base = _base_in(attrs)
        return base, headers, tuple(names), method


_METHODS_UPPER = frozenset(v.upper() for v in HTTP_VERBS)


def by_position(spec: Send, func: Func) -> Send:
    """A send declared with parameter names, its arguments found by position too."""
    params = [p.name.value for p in (*func.node.params.posonly_params, *func.node.params.params)]
    if func.cls is not None and func.kind != "staticmethod" and params:
        params = params[1:]

    def placed(where: Arg) -> Arg:
        if where.index is not None or not where.names:
            return where
        for name in where.names:
            if name in params:
                return Arg(params.index(name), where.names)
        return where

    method = placed(spec.method) if isinstance(spec.method, Arg) else spec.method
    return replace(
        spec,
        method=method,
        url=placed(spec.url),
        headers=placed(spec.headers),
        params=placed(spec.params),
        body=placed(spec.body),
    )


def fill_path(url: Str, values: Value | None) -> Str:
    """``/users/{user_id}`` with the values of a path-parameters mapping in place."""
    if not isinstance(values, DictV) or "{" not in url.text or not url.known:
        return url
    parts: list[Str] = []
    text = url.text
    position = 0
    for match in re.finditer(r"\{(\w+)\}", text):
        parts.append(Str(text[position : match.start()]))
        value = values.get_ci(match.group(1))
        parts.append(as_str(value) if value is not None else Str(HOLE, (UNKNOWN,)))
        position = match.end()
    parts.append(Str(text[position:]))
    filled = concat(*parts)
    return Str(filled.text, filled.slots, url.origins)


def _base_in(attrs: dict[str, Value]) -> Value | None:
    for value in attrs.values():
        if isinstance(value, Str) and is_absolute(value.text):
            return value
    for key in ("base_url", "host", "url", "api_url", "base", "root_url"):
        found = attrs.get(key)
        if isinstance(found, Str) and found.text:
            return found
    return None


def _first_url(args: list[Value], kwargs: dict[str, Value]) -> Str | None:
    for given in args:
        if isinstance(given, Str):
            return given
    for key in _URL_KEYWORDS:
        found = kwargs.get(key)
        if isinstance(found, Str):
            return found
    return None


_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})


def _message_template(value: Value) -> bool:
    """A literal with placeholders or words: the message a log or print call formats."""
    return (
        isinstance(value, Str)
        and value.known
        and ("%" in value.text or "{" in value.text or " " in value.text.strip())
    )


_TRANSPORT_WORDS = frozenset({"request", "http", "https", "json", "api", "rest", "url", "call"})


def _verb_in_name(name: str) -> str | None:
    """The HTTP method a library function's name says it sends: one verb among its words,
    beside a word of HTTP (``make_get_request``, ``http_post``, ``getJson``)."""
    words = name_words(name)
    verbs = [w for w in words if w in HTTP_VERBS]
    if len(verbs) == 1 and any(w in _TRANSPORT_WORDS for w in words):
        return verbs[0].upper()
    return None


def _looks_like_url(url: Str) -> bool:
    text = url.text
    return "/" in text and text.startswith(("/", "http://", "https://", HOLE))


def _merged_params(params: Value | None, extra: DictV) -> Value:
    if isinstance(params, DictV):
        merged = params.copy()
        merged.merge(extra)
        return merged
    if params is None:
        return extra
    return params


def _body_evidence(body: Value | None) -> str:
    if body is None:
        return ""
    words: list[str] = []
    for value in walk_values(body):
        if isinstance(value, DictV):
            words.extend(value.entries)
        elif isinstance(value, Str) and value.known:
            words.append(value.text)
    return " ".join(words)


def pair_params(pairs: ListV) -> dict[str, Value]:
    """params given as (key, value) pairs: a repeated key sends a list of values."""
    if pairs.items is None:
        # [("user_ids", i) for i in ids]: one pair per item of what the list was built from
        found = pair_params(ListV(items=list(pairs.extra), size=len(pairs.extra)))
        pair = pairs.elem
        if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
            key = pair.items[0]
            if isinstance(key, Str) and key.known:
                found[key.text] = ListV(
                    size=pairs.size,
                    bound=pairs.bound,
                    source=pairs.source,
                    origin=pairs.origin,
                    elem=pair.items[1],
                )
        return found
    grouped: dict[str, list[Value]] = {}
    for pair in pairs.items:
        if isinstance(pair, ListV) and pair.items and len(pair.items) == 2:
            key = pair.items[0]
            if isinstance(key, Str) and key.known:
                grouped.setdefault(key.text, []).append(pair.items[1])
    return {
        key: values[0] if len(values) == 1 else literal_list(values)
        for key, values in grouped.items()
    }
