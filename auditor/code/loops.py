"""What a loop body does to the lists around it, read from its syntax before it runs.

The evaluator runs a loop over an unknown number of items once. A list that body appends
to would then hold one item, when it really holds as many as there are turns: before the
body runs, such lists become lists of unknown size. One idiom keeps them bounded: a batch
that is emptied whenever ``len(batch)`` reaches a size (a hand-written chunker).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from auditor.code.guards import len_of
from auditor.code.subnodes import subnodes

_GROWERS = frozenset({"append", "insert", "appendleft", "add"})


_GROWN: dict[int, tuple[cst.BaseSuite, dict[str, cst.BaseExpression | None]]] = {}
"""What each loop body grows, by the body's identity (the node is kept, so no other node
takes its id): a loop in a function runs once per call of the function, its syntax once."""
_GROWN_LIMIT = 2_000


def grown_lists(body: cst.BaseSuite) -> dict[str, cst.BaseExpression | None]:
    """Names of lists the body adds items to, each with the batch size it is emptied at
    (None when it only grows)."""
    known = _GROWN.get(id(body))
    if known is not None and known[0] is body:
        return known[1]
    grown: dict[str, cst.BaseExpression | None] = {}
    tests: list[cst.If] = []
    for node in _walk(body):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            target = node.func.value
            if node.func.attr.value in _GROWERS and isinstance(target, cst.Name):
                grown.setdefault(target.value, None)
        elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            if isinstance(node.target, cst.Name):
                grown.setdefault(node.target.value, None)
        elif isinstance(node, cst.Assign) and isinstance(node.value, cst.BinaryOperation):
            # ids = ids + [x]
            left = node.value.left
            if isinstance(node.value.operator, cst.Add) and isinstance(left, cst.Name):
                for assigned in node.targets:
                    bound = assigned.target
                    if isinstance(bound, cst.Name) and bound.value == left.value:
                        grown.setdefault(left.value, None)
        elif isinstance(node, cst.If):
            tests.append(node)
    for test in tests:
        batch = _batch_size(test)
        if batch is not None and batch[0] in grown:
            grown[batch[0]] = batch[1]
    if len(_GROWN) >= _GROWN_LIMIT:
        _GROWN.clear()
    _GROWN[id(body)] = (body, grown)
    return grown


def _batch_size(node: cst.If) -> tuple[str, cst.BaseExpression] | None:
    """``if len(batch) == size: ...; batch = []``: the batch's name and its size."""
    test = node.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    compared = test.comparisons[0]
    operator = compared.operator
    if len_of(test.left) is not None and isinstance(operator, cst.Equal | cst.GreaterThanEqual):
        name, size = len_of(test.left), compared.comparator
    elif len_of(compared.comparator) is not None and isinstance(
        operator, cst.Equal | cst.LessThanEqual
    ):
        name, size = len_of(compared.comparator), test.left
    else:
        return None
    if name is None or not _empties(node.body, name):
        return None
    return name, size


def _empties(body: cst.BaseSuite, name: str) -> bool:
    for node in _walk(body):
        if isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets
        ):
            value = node.value
            if isinstance(value, cst.List) and not value.elements:
                return True
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                if value.func.value == "list" and not value.args:
                    return True
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "clear"
            and isinstance(node.func.value, cst.Name)
            and node.func.value.value == name
        ):
            return True
    return False


def _walk(body: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The body's nodes, without descending into functions or classes defined in it."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        yield node
        for child in subnodes(node):
            if not isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                stack.append(child)
