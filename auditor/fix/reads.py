"""The shape unsafe fixes rewrite: a list call in a function's body, the few statements that
check its response, and the one statement that uses the list it returns.

    response = session.get(url, params=...)     # the call (or the call inline in the use)
    response.raise_for_status()                   # checks of the response
    return response.json()["data"]                # the use: the list read is returned,
                                                  # assigned or iterated

Anything else (the response kept, read twice, the call inside a loop, async code) is a
shape a person rewrites better: the fixer says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from auditor.code.values import HttpRequest
from auditor.findings import Location
from auditor.fix.clients import client_call
from auditor.fix.context import FixContext
from auditor.fix.source import ModuleSource

LIST_KEY = "data"
"""Where a V2 list response holds its items (``{"data": [...], "meta": {...}}``)."""


@dataclass
class ListRead:
    source: ModuleSource
    function: cst.FunctionDef
    block: cst.IndentedBlock
    first: int
    """Index in the block of the first statement the fix moves (the call's, or the one
    building its params just before it)."""
    last: int
    """Index of the statement that uses the list."""
    call: cst.Call
    response: str | None
    """The name the response is bound to (None: the call is inline in the use)."""
    read: cst.BaseExpression
    """The list read: ``response.json()["data"]``."""

    @property
    def statements(self) -> list[cst.BaseStatement]:
        return list(self.block.body[self.first : self.last + 1])

    @property
    def use(self) -> cst.BaseStatement:
        return self.block.body[self.last]


def find_list_read(
    ctx: FixContext, request: HttpRequest, call_location: Location
) -> ListRead | str:
    found = client_call(ctx, request, call_location)
    if isinstance(found, str):
        return f"{found}: rewrite the code that calls it by hand"
    call = found.node
    if request.in_loop:
        return "the call already runs in a loop: rewrite that loop by hand"
    source = ctx.source_of(found.ref)
    function = next((a for a in source.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
    if function is None:
        return "the call is made at module level: move it into a function first"
    if function.asynchronous is not None:
        return "asynchronous code: walk the pages (or chunks) by hand"
    statement = source.statement_of(call)
    block = source.parent(statement) if statement is not None else None
    if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(
        block, cst.IndentedBlock
    ):
        return "the call is part of a `with`, `if` or loop header: rewrite it by hand"
    for ancestor in source.ancestors(statement):
        if ancestor is function:
            break
        # inside `with` or `try` the walk still runs there: the use consumes it on the spot
        if isinstance(ancestor, cst.For | cst.While):
            return "the call sits inside a loop: rewrite it by hand"
    body = list(block.body)
    index = body.index(statement)
    response = _bound_name(statement, call)
    if response is None:
        read = _read_chain(source, call)
        if read is None:
            return _read_reason()
        return ListRead(
            source, function, block, _prelude(body, index, call), index, call, None, read
        )
    last = index + 1
    while last < len(body) and _is_check(body[last], response):
        last += 1
    if last >= len(body):
        return "the response is not used after the call"
    use = body[last]
    uses = [n for n in _names(use, response)]
    if len(uses) != 1:
        return "the response is used more than once: rewrite it by hand"
    json_call = _json_call(source, uses[0])
    read = _read_chain(source, json_call) if json_call is not None else None
    if read is None:
        return _read_reason()
    for later in body[last + 1 :]:
        if any(True for _ in _names(later, response)):
            return "the response is used again further down: rewrite it by hand"
    return ListRead(
        source, function, block, _prelude(body, index, call), last, call, response, read
    )


def _read_reason() -> str:
    return (
        f'the list is not read as `response.json()["{LIST_KEY}"]` (a V1 bare list?): read '
        f'the V2 "{LIST_KEY}" first'
    )


def _bound_name(statement: cst.SimpleStatementLine, call: cst.Call) -> str | None:
    if len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and small.value is call:
        target = small.targets[0].target
        if isinstance(target, cst.Name):
            return target.value
    return None


def _is_check(statement: cst.BaseStatement, response: str) -> bool:
    """``response.raise_for_status()``: a check of the response, moved with the call."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == response
        and not small.value.args
    )


def _names(node: cst.CSTNode, name: str) -> Iterator[cst.Name]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            yield current
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        stack.extend(current.children)


def _json_call(source: ModuleSource, name: cst.Name) -> cst.Call | None:
    """``response.json()`` around a read of the response's name."""
    attribute = source.parent(name)
    call = source.parent(attribute) if attribute is not None else None
    if (
        isinstance(attribute, cst.Attribute)
        and attribute.value is name
        and attribute.attr.value == "json"
        and isinstance(call, cst.Call)
        and call.func is attribute
        and not call.args
    ):
        return call
    return None


def _read_chain(source: ModuleSource, start: cst.BaseExpression) -> cst.BaseExpression | None:
    """From ``X`` (a response, or its ``.json()``) up to ``X.json()["data"]``."""
    current: cst.BaseExpression = start
    if isinstance(start, cst.Call) and not _is_json_call(start):
        attribute = source.parent(start)
        outer = source.parent(attribute) if attribute is not None else None
        if not (
            isinstance(attribute, cst.Attribute)
            and attribute.attr.value == "json"
            and isinstance(outer, cst.Call)
            and not outer.args
        ):
            return None
        current = outer
    parent = source.parent(current)
    if isinstance(parent, cst.Subscript) and parent.value is current and len(parent.slice) == 1:
        index = parent.slice[0].slice
        if isinstance(index, cst.Index) and _text(index.value) == LIST_KEY:
            return parent
    if isinstance(parent, cst.Attribute) and parent.value is current and parent.attr.value == "get":
        call = source.parent(parent)
        if isinstance(call, cst.Call) and call.args and _text(call.args[0].value) == LIST_KEY:
            return call
    return None


def _is_json_call(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "json" and not node.args


def _text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # an odd literal is no key
            return None
        return value if isinstance(value, str) else None
    return None


def _prelude(body: list[cst.BaseStatement], index: int, call: cst.Call) -> int:
    """The statement just before the call when it builds the call's params
    (``params = {...}`` then ``session.get(url, params=params)``): it moves too."""
    if index == 0:
        return index
    previous = body[index - 1]
    if not isinstance(previous, cst.SimpleStatementLine) or len(previous.body) != 1:
        return index
    small = previous.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return index
    target = small.targets[0].target
    if not isinstance(target, cst.Name) or not isinstance(small.value, cst.Dict):
        return index
    for arg in call.args:
        if isinstance(arg.value, cst.Name) and arg.value.value == target.value:
            return index - 1
    return index


def bound_in(function: cst.FunctionDef) -> set[str]:
    """Every name the function binds or reads: new names must avoid them all (an
    attribute's or a keyword argument's name is no variable: ``exc.response`` leaves
    ``response`` free)."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [function]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        elif isinstance(current, cst.Attribute | cst.Arg):
            # the attribute's or keyword's own name is skipped, its value is not
            stack.append(current.value)
            continue
        stack.extend(current.children)
    return names


def fresh(name: str, taken: set[str]) -> str:
    if name not in taken:
        taken.add(name)
        return name
    for n in range(2, 100):
        candidate = f"{name}_{n}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    return f"{name}_fixed"
