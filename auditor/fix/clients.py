"""The call an unsafe fix rewrites: the HTTP library's own call, or a verb called on an object
of a project class that subclasses the library's client and overrides the method every verb
goes through (``class DokeosClient(httpx.Client): def request(...): ... super().request``).

Such a ``client.get("/groups")`` is a library call in all but name: it takes the library's
arguments (``params=``), returns the library's response, and ``client.get`` of another URL
goes through the same override (its base URL, headers and retries). Any other wrapper (a
method that builds the request, returns decoded JSON, or sends through several helpers) is
left to a person: the fixers say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from auditor.code.models.spec import HTTP_VERBS
from auditor.code.values import HttpRequest, NodeRef
from auditor.findings import Location
from auditor.fix.context import FixContext
from auditor.fix.source import ModuleSource

THROUGH_A_HELPER = "the call is made through a helper"


@dataclass(frozen=True)
class ClientCall:
    """A call that sends the request the way the library does."""

    ref: NodeRef
    node: cst.Call
    verb: str
    """The method called on the client: ``get``, ``delete``, ``request``..."""
    receiver: cst.BaseExpression | None
    """The client (``session``, ``self.client``, the ``requests`` module); None for a plain
    function call."""


def client_call(ctx: FixContext, request: HttpRequest, location: Location) -> ClientCall | str:
    """The call at ``location`` (where the finding points) when it sends ``request`` as a
    library call does; else why not, in words that start with ``THROUGH_A_HELPER``."""
    site = request.site
    if isinstance(site.node, cst.Call) and site.location() == location:
        return _described(site, site.node)
    helper = _helper_name(ctx, site)
    through = f"{THROUGH_A_HELPER} ({helper})" if helper else THROUGH_A_HELPER
    chain = request.chain
    if len(chain) < 2 or chain[-1].node is not site.node:
        return through
    located = chain[-2]
    node = located.node
    if located.location() != location or not isinstance(node, cst.Call):
        return through
    func = node.func
    verb = func.attr.value if isinstance(func, cst.Attribute) else ""
    if verb not in HTTP_VERBS or (request.method or "").lower() != verb:
        return through
    model = ctx.analyzer.models.client_model(request.stack)
    if model is None or model.dispatch is None or not _overrides(ctx, site, model.dispatch):
        return through
    return _described(located, node)


def _helper_name(ctx: FixContext, site: NodeRef) -> str:
    """``Api.get`` or ``fetch``: the function the library call is made in."""
    source = ctx.source_of(site)
    names = [
        a.name.value
        for a in source.ancestors(site.node)
        if isinstance(a, cst.FunctionDef | cst.ClassDef)
    ]
    return ".".join(reversed(names))


def _described(ref: NodeRef, node: cst.Call) -> ClientCall:
    func = node.func
    if isinstance(func, cst.Attribute):
        return ClientCall(ref, node, func.attr.value, func.value)
    verb = func.value if isinstance(func, cst.Name) else ""
    return ClientCall(ref, node, verb, None)


def _overrides(ctx: FixContext, site: NodeRef, dispatch: str) -> bool:
    """``site`` is ``super().<dispatch>(...)`` in the class's own ``<dispatch>``, whose every
    ``return`` gives back that call's response."""
    node = site.node
    if not (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == dispatch
        and isinstance(node.func.value, cst.Call)
        and isinstance(node.func.value.func, cst.Name)
        and node.func.value.func.value == "super"
    ):
        return False
    source = ctx.source_of(site)
    function = next((a for a in source.ancestors(node) if isinstance(a, cst.FunctionDef)), None)
    if function is None or function.name.value != dispatch:
        return False
    owner = source.parent(source.parent(function) or function)
    if not isinstance(owner, cst.ClassDef) or not owner.bases:
        return False
    return _returns_only(source, function, node)


def _returns_only(source: ModuleSource, function: cst.FunctionDef, call: cst.Call) -> bool:
    bound: set[str] = set()
    statement = source.statement_of(call)
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign) and small.value is call:
                bound.update(
                    t.target.value for t in small.targets if isinstance(t.target, cst.Name)
                )
    returns = [n for n in _walk(function.body) if isinstance(n, cst.Return)]
    if not returns:
        return False
    for found in returns:
        value = found.value
        if value is call:
            continue
        if isinstance(value, cst.Name) and value.value in bound:
            continue
        return False
    return True


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            if current is not node:
                continue
        stack.extend(current.children)
    return out
