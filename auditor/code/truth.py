"""What the code's conditions are, when the values say: ``if page is not None:`` with no
page, ``if self.method == "GET":`` on a hook made for PUT. Unknown otherwise."""

from __future__ import annotations

import libcst as cst

from auditor.code.values import (
    ClassRef,
    Client,
    DictV,
    Duration,
    Func,
    Instance,
    ListV,
    ModuleRef,
    NoneV,
    Num,
    OneOf,
    Str,
    Value,
)
from auditor.urls import HOLE


def truth(value: Value) -> bool | None:
    """``bool(value)`` when the value says it."""
    if isinstance(value, NoneV):
        return False
    if isinstance(value, Num) and value.boolean and not value.default:
        return bool(value.n)
    if isinstance(value, Num):
        # zero and False are decisive; other numbers are often counters a recursion or a
        # loop moves, which the analysis follows only once: both ways stay open
        return False if value.n == 0 and not value.default else None
    if isinstance(value, Duration):
        return bool(value.days)
    if isinstance(value, Str) and value.known:
        return bool(value.text)
    # what the code put in is there, whatever unknown items may join it
    if isinstance(value, ListV) and value.items:
        return True
    if isinstance(value, ListV) and value.items is not None and not value.extra:
        return False
    if isinstance(value, DictV) and value.entries:
        return True
    if isinstance(value, DictV) and not value.open and value.elem is None:
        return False
    if isinstance(value, Instance | Client | Func | ClassRef | ModuleRef):
        return True
    if isinstance(value, OneOf):
        answers = {truth(option) for option in value.options}
        return answers.pop() if len(answers) == 1 else None
    return None


def definitely_not_none(value: Value) -> bool:
    return isinstance(
        value, Str | Num | Duration | ListV | DictV | Func | ClassRef | Client | Instance
    )


def compare(operator: cst.BaseCompOp, left: Value, right: Value) -> bool | None:
    """One comparison, when both sides say enough."""
    if isinstance(operator, cst.Is | cst.IsNot):
        positive = isinstance(operator, cst.Is)
        for side, other in ((left, right), (right, left)):
            if isinstance(other, NoneV):
                if isinstance(side, NoneV):
                    return positive
                if definitely_not_none(side):
                    return not positive
        if isinstance(left, Instance) and isinstance(right, Instance):
            # a sentinel object (`v is not UNSET`): the same object, or objects of two
            # classes; two objects of one class may still be one object at run time
            if left is right:
                return positive
            if left.cls is not right.cls:
                return not positive
        elif isinstance(left, Instance) != isinstance(right, Instance) and all(
            isinstance(v, Instance | Str | Num | ListV | DictV | NoneV) for v in (left, right)
        ):
            return not positive  # an object of a project class is no str, number or None
        return None
    if isinstance(operator, cst.Equal | cst.NotEqual):
        positive = isinstance(operator, cst.Equal)
        if isinstance(left, Str) and isinstance(right, Str) and left.known and right.known:
            return (left.text == right.text) == positive
        if isinstance(left, Num) and isinstance(right, Num) and not (left.default or right.default):
            return (left.n == right.n) == positive
        if isinstance(left, NoneV) and isinstance(right, NoneV):
            return positive
        return None
    if isinstance(operator, cst.In | cst.NotIn):
        positive = isinstance(operator, cst.In)
        if isinstance(left, Str) and left.known and isinstance(right, ListV) and right.items:
            texts = [i.text for i in right.items if isinstance(i, Str) and i.known]
            if len(texts) == len(right.items) and not right.extra:
                return (left.text in texts) == positive
        if isinstance(left, Str) and left.known and left.text and isinstance(right, Str):
            # a substring test (`"?" in path`): a literal part holding it says yes, and a
            # string without holes says no
            if any(left.text in part for part in right.text.split(HOLE)):
                return positive
            return (not positive) if right.known else None
        if isinstance(left, Str) and left.known and isinstance(right, DictV) and not right.open:
            if right.elem is None:
                return (left.text in right.entries) == positive
        return None
    return None
