"""Methods of declarative clients: a call of a method whose decorators declare a request
(uplink's ``@get("users/{user_id}")``) is that request, with its parameters placed as
their annotations say. The library is data (``DeclarativeClient`` models); this module
only reads the declaration and sends it."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from auditor.code.core import EvaluatorCore
from auditor.code.frames import Frame
from auditor.code.http import fill_path
from auditor.code.models.spec import DeclarativeClient, Route
from auditor.code.values import (
    UNKNOWN,
    Client,
    Data,
    DictV,
    External,
    Func,
    Instance,
    NoneV,
    Response,
    Str,
    Value,
    as_str,
    one_of,
)


@dataclass
class Declaration:
    """What a method's decorators and annotations declare, read once per method."""

    library: DeclarativeClient
    route: Route
    site: cst.Call
    """The route decorator: where a method nobody calls is located."""
    path: cst.BaseExpression | None
    headers: list[cst.BaseExpression] = field(default_factory=list)
    """The header dicts of the class and of the method, in the order they apply."""
    params: dict[str, tuple[str, cst.BaseExpression | None]] = field(default_factory=dict)
    """Parameter name: (its kind, the annotation's name argument when it renames it)."""
    decodes: bool = False


class RoutesMixin(EvaluatorCore):
    def route_call(
        self, func: Func, inner: Frame, node: cst.Call | None, frame: Frame | None
    ) -> Value | None:
        """The request a declared method sends, or None for an ordinary method. Run as an
        entry point (nobody calls it), the method still declares its request: its
        headers and fixed parameters are checked, its answer goes to an unknown caller."""
        if not func.node.decorators or not self.models.declarative:
            return None
        declaration = self.declaration(func)
        if declaration is None:
            return None
        entry = node is None or frame is None
        if node is None or frame is None:
            node, frame = declaration.site, inner
        module_frame = self.module_frame(func.module)
        path = (
            as_str(self.eval(declaration.path, module_frame))
            if declaration.path is not None
            else Str("")
        )
        query = DictV()
        path_values = DictV()
        headers = DictV()
        for expression in declaration.headers:
            given = self.eval(expression, module_frame)
            if isinstance(given, DictV):
                headers.merge(given)
        body: Value | None = None
        for name, (kind, renamed) in declaration.params.items():
            value = inner.env.get(name, UNKNOWN)
            if isinstance(value, NoneV):
                continue  # a parameter left at None is not sent
            key = name
            if renamed is not None:
                alias = self.eval(renamed, module_frame)
                if isinstance(alias, Str) and alias.known:
                    key = alias.text
            if kind == "path" or (kind == "" and "{" + name + "}" in path.text):
                path_values.set_ci(key, value)
            elif kind == "query" or kind == "":
                query.set_ci(key, value)
            elif kind == "query_map":
                if isinstance(value, DictV):
                    query.merge(value)
                else:
                    query.open = True
            elif kind == "header":
                headers.set_ci(key, value)
            elif kind == "body":
                body = value if body is None else one_of([body, value])
        url = fill_path(path, path_values)
        owner = func.bound_self
        client = owner.base if isinstance(owner, Instance) else None
        sent = self.http_request(
            client if isinstance(client, Client) else None,
            declaration.route.method,
            url,
            headers if headers.entries else None,
            query if query.entries or query.open else None,
            body,
            node,
            frame,
            stack="declared",
            response=declaration.library.response,
        )
        if entry:
            self.events.escape(sent, "handed")
            return sent
        if declaration.decodes and isinstance(sent, Response):
            return Data(sent.request)
        return sent

    def declaration(self, func: Func) -> Declaration | None:
        cached = self.declarations.get(func.key, False)
        if cached is not False:
            return cached
        found = self._read_declaration(func)
        self.declarations[func.key] = found
        return found

    def _read_declaration(self, func: Func) -> Declaration | None:
        module_frame = self.module_frame(func.module)
        declared: Declaration | None = None
        decodes = False
        method_headers: list[cst.BaseExpression] = []
        for decorator in func.node.decorators:
            expression = decorator.decorator
            called = expression.func if isinstance(expression, cst.Call) else expression
            name = self._qualified(called, module_frame)
            for library in self.models.declarative:
                for route in library.routes:
                    if name in route.names and isinstance(expression, cst.Call):
                        declared = Declaration(
                            library, route, expression, _first_arg(expression, route)
                        )
                if name in library.headers and isinstance(expression, cst.Call):
                    if expression.args:
                        method_headers.append(expression.args[0].value)
                if name in library.decodes:
                    decodes = True
        if declared is None:
            return None
        library = declared.library
        if func.cls is not None:
            for decorator in func.cls.node.decorators:
                expression = decorator.decorator
                if isinstance(expression, cst.Call) and expression.args:
                    if self._qualified(expression.func, module_frame) in library.headers:
                        declared.headers.append(expression.args[0].value)
        declared.headers.extend(method_headers)  # the method's own headers win
        declared.decodes = decodes
        params = func.node.params
        for param in (*params.params, *params.kwonly_params):
            name = param.name.value
            if name in ("self", "cls"):
                continue
            kind, renamed = "", None
            if param.annotation is not None:
                annotation = param.annotation.annotation
                target = annotation.func if isinstance(annotation, cst.Call) else annotation
                qualified = self._qualified(target, module_frame)
                for part, names in (
                    ("query", library.query),
                    ("query_map", library.query_maps),
                    ("path", library.path),
                    ("body", library.body),
                    ("header", library.header),
                ):
                    if qualified in names:
                        kind = part
                if isinstance(annotation, cst.Call) and annotation.args:
                    first = annotation.args[0]
                    if first.keyword is None or first.keyword.value == "name":
                        renamed = first.value
            declared.params[name] = (kind, renamed)
        return declared

    def _qualified(self, expression: cst.BaseExpression, frame: Frame) -> str:
        value = self.eval(expression, frame)
        return self.models.normalize(value.name) if isinstance(value, External) else ""


def _first_arg(call: cst.Call, route: Route) -> cst.BaseExpression | None:
    for position, argument in enumerate(call.args):
        if argument.keyword is None and position == route.path.index:
            return argument.value
        if argument.keyword is not None and argument.keyword.value in route.path.names:
            return argument.value
    return None
