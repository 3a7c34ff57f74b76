"""Size guards: what a test on ``len(x)`` says of ``x`` in each branch.

``if len(ids) > 5: raise ...`` bounds ``ids`` to 5 after the test, ``if len(batch) <= 5:``
inside the branch, ``assert len(ids) <= 5`` after the assertion. Read from the syntax of
the test; the limit is evaluated when the branch is entered.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True)
class SizeLimit:
    name: str
    limit: cst.BaseExpression
    offset: int = 0
    """Added to the limit's value: ``len(x) < 6`` bounds ``x`` to 6 - 1."""


def size_limits(test: cst.BaseExpression, holds: bool) -> list[SizeLimit]:
    """Bounds on names that hold when ``test`` is ``holds``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return size_limits(test.expression, not holds)
    if isinstance(test, cst.BooleanOperation):
        both = isinstance(test.operator, cst.And) == holds
        if both:  # `a and b` true, or `a or b` false: each side is as asked
            return size_limits(test.left, holds) + size_limits(test.right, holds)
        return []
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return []
    compared = test.comparisons[0]
    operator = compared.operator
    name = len_of(test.left)
    limit = compared.comparator
    if name is None:
        # `5 < len(ids)` is `len(ids) > 5`
        name, limit = len_of(compared.comparator), test.left
        operator = _MIRRORED.get(type(operator), type(operator))()
    if name is None:
        return []
    if not holds:
        negated = _NEGATED.get(type(operator))
        if negated is None:
            return []
        operator = negated()
    if isinstance(operator, cst.LessThanEqual | cst.Equal):
        return [SizeLimit(name, limit)]
    if isinstance(operator, cst.LessThan):
        return [SizeLimit(name, limit, -1)]
    return []


_MIRRORED: dict[type[cst.BaseCompOp], type[cst.BaseCompOp]] = {
    cst.LessThan: cst.GreaterThan,
    cst.GreaterThan: cst.LessThan,
    cst.LessThanEqual: cst.GreaterThanEqual,
    cst.GreaterThanEqual: cst.LessThanEqual,
}
_NEGATED: dict[type[cst.BaseCompOp], type[cst.BaseCompOp]] = {
    cst.GreaterThan: cst.LessThanEqual,
    cst.GreaterThanEqual: cst.LessThan,
    cst.NotEqual: cst.Equal,
}


def len_of(node: cst.BaseExpression) -> str | None:
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "len"
        and len(node.args) == 1
        and isinstance(node.args[0].value, cst.Name)
    ):
        return node.args[0].value.value
    return None
