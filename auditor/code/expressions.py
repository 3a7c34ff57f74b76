"""Expressions: names, literals, operators, comparisons, subscripts and comprehensions."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import libcst as cst

from auditor.code.core import EvaluatorCore, decorated_with, dotted
from auditor.code.frames import Frame
from auditor.code.modules import ClassInfo
from auditor.code.strings import percent_format, plain_literal
from auditor.code.subnodes import subnodes
from auditor.code.truth import compare, truth
from auditor.code.values import (
    CLOCK,
    NONE,
    UNKNOWN,
    AnnotatedType,
    ClassRef,
    Data,
    DictV,
    Duration,
    External,
    Instance,
    LambdaV,
    Limits,
    ListV,
    NoneV,
    Num,
    OneOf,
    PreparedRequest,
    Str,
    Tested,
    Unknown,
    Value,
    as_str,
    concat,
    hole,
    is_empty,
    literal_list,
    one_of,
    telling,
)
from auditor.urls import HOLE

Evaluate = Callable[[Any, cst.CSTNode, Frame], Value]


class ExpressionsMixin(EvaluatorCore):
    _dispatch: dict[type, Evaluate] = {}

    def eval(self, node: cst.BaseExpression | None, frame: Frame) -> Value:
        if node is None:
            return UNKNOWN
        handler = self._dispatch.get(type(node))
        if handler is None:
            handler = getattr(type(self), "eval_" + type(node).__name__, None) or _children
            type(self)._dispatch[type(node)] = handler
        result: Value = handler(self, node, frame)
        return result

    def eval_children(self, node: cst.CSTNode, frame: Frame) -> None:
        """Evaluate sub-expressions for their effects (reads, calls) when we model nothing."""
        for child in subnodes(node):
            if isinstance(child, cst.BaseExpression):
                self.eval(child, frame)
            elif isinstance(child, cst.Arg | cst.Element | cst.DictElement | cst.StarredElement):
                self.eval_children(child, frame)

    # -- names and literals -------------------------------------------------------------
    def eval_Name(self, node: cst.Name, frame: Frame) -> Value:
        name = node.value
        if name in frame.env and not (frame.func is not None and name in frame.global_names):
            return frame.env[name]
        if frame.closure is not None and name in frame.closure:
            return frame.closure[name]
        if name in frame.globals:
            value = frame.globals[name]
            if isinstance(value, Str) and frame.func is not None:
                # remember which function first used a module constant (for locations)
                return Str(value.text, value.slots, (*value.origins, frame.ref(node))[-24:])
            return value
        if name in ("True", "False"):
            return Num(1 if name == "True" else 0, boolean=True)
        if name == "None":
            return NONE
        if name in _BUILTINS:
            return External(f"builtins.{name}")
        if name in _KERNEL_GLOBALS:
            return External(_KERNEL_GLOBALS[name])
        return UNKNOWN

    def eval_SimpleString(self, node: cst.SimpleString, frame: Frame) -> Value:
        text = self.literals.get(id(node))
        if text is None:
            text = plain_literal(node.value)
            if text is None:
                try:
                    raw = node.evaluated_value
                except Exception:  # odd literals are simply unknown text
                    return hole(UNKNOWN)
                text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
            self.literals[id(node)] = text
        if len(text) > Limits.TEXT:
            return Str(HOLE, (UNKNOWN,), (frame.ref(node),))
        self.events.text(text, frame)
        return Str(text.replace(HOLE, ""), (), (frame.ref(node),))

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, frame: Frame) -> Value:
        return concat(as_str(self.eval(node.left, frame)), as_str(self.eval(node.right, frame)))

    def eval_FormattedString(self, node: cst.FormattedString, frame: Frame) -> Value:
        parts: list[Str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(Str(part.value.replace("{{", "{").replace("}}", "}")))
            elif isinstance(part, cst.FormattedStringExpression):
                value = self.eval(part.expression, frame)
                parts.append(hole(value) if part.format_spec else as_str(value))
        result = concat(*parts)
        self.events.text(result.text, frame)
        return Str(result.text, result.slots, (frame.ref(node), *result.origins)[:24])

    def eval_Integer(self, node: cst.Integer, frame: Frame) -> Value:
        try:
            return Num(int(node.value.replace("_", ""), 0))
        except ValueError:
            return UNKNOWN

    def eval_Float(self, node: cst.Float, frame: Frame) -> Value:
        try:
            return Num(float(node.value.replace("_", "")))
        except ValueError:
            return UNKNOWN

    def eval_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        value = self.eval(node.expression, frame)
        if isinstance(node.operator, cst.Minus) and isinstance(value, Num):
            return Num(-value.n)
        if isinstance(node.operator, cst.Minus) and isinstance(value, Duration):
            return Duration(-value.days)
        if isinstance(node.operator, cst.Not):
            return UNKNOWN
        return value if isinstance(value, Num) else UNKNOWN

    def eval_Await(self, node: cst.Await, frame: Frame) -> Value:
        return self.eval(node.expression, frame)

    def eval_Tuple(self, node: cst.Tuple, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def eval_List(self, node: cst.List, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def eval_Set(self, node: cst.Set, frame: Frame) -> Value:
        return self.sequence(node.elements, frame)

    def sequence(self, elements: Sequence[cst.BaseElement], frame: Frame) -> Value:
        items: list[Value] = []
        spread: list[Value] = []
        for element in elements:
            value = self.eval(element.value, frame)
            if isinstance(element, cst.StarredElement):
                if isinstance(value, ListV) and value.items is not None:
                    items.extend(value.items)
                else:
                    spread.append(value)
                continue
            items.append(value)
        if not spread:
            return literal_list(items)
        # `[*stored_ids, job_id]`: of unknown size, holding what was spread and the items
        elements_of = [self.iterate(v, frame) for v in spread] + items[: Limits.ITEMS]
        known = [e for e in elements_of if e is not UNKNOWN]
        return ListV(
            source="a list built from other data",
            elem=one_of(known) if known else UNKNOWN,
            extra=tuple(items[: Limits.ITEMS]),
        )

    def eval_Dict(self, node: cst.Dict, frame: Frame) -> Value:
        result = DictV(node=frame.ref(node))
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = self.eval(element.value, frame)
                if isinstance(spread, DictV):
                    result.merge(spread)
                else:
                    result.open = True
                continue
            assert isinstance(element, cst.DictElement)
            key_value = self.eval(element.key, frame)
            value = self.eval(element.value, frame)
            if isinstance(key_value, Str) and key_value.known:
                result.set_ci(key_value.text, value, frame.ref(element))
            else:
                # keys the analysis cannot spell (`{Flow: 3}`, `{row["id"]: row}`): what they
                # and their values may be is kept
                result.open = True
                result.key_elem = (
                    one_of([result.key_elem, key_value]) if result.key_elem else key_value
                )
                result.elem = one_of([result.elem, value]) if result.elem else value
        return result

    def eval_Attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        return self.attribute(owner, node.attr.value, node, frame)

    def eval_Subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            return self.slice_of(owner, node.slice[0].slice, frame)
        if isinstance(owner, External) and owner.name.rsplit(".", 1)[-1] == "Annotated":
            parts = [
                self.eval(element.slice.value, frame)
                for element in node.slice
                if isinstance(element.slice, cst.Index)
            ]
            if parts:
                return AnnotatedType(parts[0], tuple(parts[1:]))
        mask = _row_mask(node)
        if isinstance(owner, Unknown) and owner.stored and mask is not None:
            # `jobs[jobs["issued_at"] >= week_ago]`: the rows the test keeps are bounded by
            # it, not every stored row this code reads (another cell's, the unfiltered set)
            limits: list[float] = []
            self.eval(mask, replace(frame, spans=limits))
            return replace(owner, spans=(limits, *owner.spans))
        key = self.subscript_key(node, frame)
        return self.item(owner, key, node, frame)

    def eval_Lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        return LambdaV(frame.module, node, {**frame.globals, **(frame.closure or {}), **frame.env})

    def eval_NamedExpr(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.eval(node.value, frame)
        self.bind(node.target, value, frame)
        return value

    def eval_IfExp(self, node: cst.IfExp, frame: Frame) -> Value:
        test = self.condition(node.test, frame)
        if test is True:
            return self.eval(node.body, frame)
        if test is False:
            return self.eval(node.orelse, frame)
        return pick_informative([self.eval(node.body, frame), self.eval(node.orelse, frame)])

    def eval_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        left_truth = truth(left)
        is_or = isinstance(node.operator, cst.Or)
        if left_truth is is_or:
            return left  # `x or y` with a true x, `x and y` with a false x: x
        right = self.eval(node.right, frame)
        if left_truth is not None:
            return right
        if is_or:
            # `x or default`: the informative side; an empty default (`doc or {}`) tells
            # nothing of what x holds when it is there
            if isinstance(left, Unknown) and is_empty(right):
                return left
            return left if not isinstance(left, Unknown | NoneV) else right
        return right

    def condition(self, node: cst.BaseExpression, frame: Frame) -> bool | None:
        """Evaluate a condition for its effects, and say whether it holds when the values
        tell (``page is not None`` with no page, ``self.method == "GET"``)."""
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self.condition(node.expression, frame)
            return None if inner is None else not inner
        if isinstance(node, cst.BooleanOperation):
            left = self.condition(node.left, frame)
            if isinstance(node.operator, cst.And):
                if left is False:
                    return False
                right = self.condition(node.right, frame)
                if left is True:
                    return right
                return False if right is False else None
            if left is True:
                return True
            right = self.condition(node.right, frame)
            if left is False:
                return right
            return True if right is True else None
        if isinstance(node, cst.Comparison):
            return self.comparison(node, frame)
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "isinstance"
            and "isinstance" not in frame.env
            and len(node.args) == 2
        ):
            return self.is_instance(self.eval(node.args[0].value, frame), node.args[1].value, frame)
        value = self.eval(node, frame)
        self.note_tested(value)
        return truth(value)

    def is_instance(self, value: Value, types: cst.BaseExpression, frame: Frame) -> bool | None:
        """``isinstance(value, types)`` when the value's kind says it (a job object is no
        ``str``, a list is no ``dict``); None when it could be either."""
        if isinstance(value, OneOf):
            answers = {self.is_instance(option, types, frame) for option in value.options}
            return answers.pop() if len(answers) == 1 else None
        elements = types.elements if isinstance(types, cst.Tuple) else None
        nodes = [e.value for e in elements] if elements is not None else [types]
        answers = set()
        for type_node in nodes:
            named = dotted(type_node) if isinstance(type_node, cst.Name | cst.Attribute) else None
            target = self.eval(type_node, frame)
            if isinstance(value, PreparedRequest) and value.classes:
                # a request object of a known library class (Scrapy's JsonRequest)
                known = isinstance(target, External) and self.models.normalize(target.name)
                answers.add(known in value.classes if known else None)
            elif isinstance(target, ClassRef):
                if not isinstance(value, Instance):
                    answers.add(False if _builtin_kind(value) else None)
                else:
                    answers.add(self.subclass_of(value.cls, target.cls))
            elif named is not None and named.rsplit(".", 1)[-1] in _KINDS:
                kinds = _KINDS[named.rsplit(".", 1)[-1]]
                kind = _builtin_kind(value)
                if isinstance(value, Instance):
                    answers.add(None if self.external_bases(value.cls) else False)
                elif kind is None:
                    answers.add(None)
                else:
                    answers.add(kind in kinds)
            else:
                answers.add(None)
        if True in answers:
            return True
        return False if answers == {False} else None

    def subclass_of(self, cls: ClassInfo, target: ClassInfo, seen: int = 0) -> bool | None:
        if cls is target:
            return True
        if seen > 12:
            return None
        answer: bool | None = False
        for base in self.class_bases(cls):
            if isinstance(base, ClassRef):
                found = self.subclass_of(base.cls, target, seen + 1)
                if found:
                    return True
                if found is None:
                    answer = None
            elif not (isinstance(base, External) and base.name in ("object", "builtins.object")):
                answer = None  # a library base could be anything
        return answer

    def eval_Yield(self, node: cst.Yield, frame: Frame) -> Value:
        runners = self.models.coroutine_runners
        if frame.func is not None and runners and decorated_with(frame.func, runners):
            # a coroutine run by its decorator: the yield waits for what it is given
            if isinstance(node.value, cst.From):
                return self.eval(node.value.item, frame)
            return self.eval(node.value, frame) if node.value is not None else UNKNOWN
        if isinstance(node.value, cst.From):
            value = self.eval(node.value.item, frame)
            frame.yields.append(self.iterate(value, frame))
        elif node.value is not None:
            frame.yields.append(self.eval(node.value, frame))
        else:
            return UNKNOWN
        if frame.depth == 0 and frame.func is not None:
            # a generator nobody in the project runs: the framework running it (a pipeline
            # stage, a Scrapy callback) takes what it yields, as it takes what is returned
            self.events.escape(frame.yields[-1], "returned")
        return UNKNOWN

    # -- operators ----------------------------------------------------------------------
    def eval_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        right = self.eval(node.right, frame)
        return self.binary(left, right, node.operator, frame)

    def binary(self, left: Value, right: Value, operator: cst.CSTNode, frame: Frame) -> Value:
        for side in (left, right):
            if isinstance(side, Duration):
                self.events.span(side.days, frame)
        if (
            isinstance(operator, cst.Subtract)
            and isinstance(left, Unknown)
            and left.source == CLOCK
            and isinstance(right, Num)
            and right.n >= 3600
        ):
            # an epoch timestamp minus seconds: the start of a look-back window
            self.events.span(right.n / 86400, frame)
            return left
        if isinstance(operator, cst.Add | cst.AddAssign):
            return self.add(left, right)
        if isinstance(operator, cst.Modulo | cst.ModuloAssign) and isinstance(left, Str):
            return percent_format(left, right)
        if isinstance(operator, cst.BitOr | cst.BitOrAssign) and isinstance(left, DictV):
            if isinstance(right, DictV):
                merged = left.copy()  # {**a, **b} spelled a | b
                merged.merge(right)
                return merged
        return arithmetic(left, right, operator)

    def add(self, left: Value, right: Value) -> Value:
        if isinstance(right, OneOf) and isinstance(left, ListV | Str | OneOf):
            # ids += helper(body): each thing the helper can return is added
            return one_of([self.add(left, option) for option in right.options])
        if isinstance(left, OneOf) and isinstance(right, ListV | Str):
            return one_of([self.add(option, right) for option in left.options])
        if isinstance(left, Str) or isinstance(right, Str):
            if isinstance(left, Num | Duration) or isinstance(right, Num | Duration):
                return UNKNOWN
            return concat(as_str(left), as_str(right))
        if isinstance(left, Num) and isinstance(right, Num):
            return Num(left.n + right.n)
        if isinstance(left, Duration) and isinstance(right, Duration):
            return Duration(left.days + right.days)
        if isinstance(left, ListV) and isinstance(right, ListV):
            if left.items is not None and right.items is not None:
                return literal_list(left.items + right.items)
            unsized, known = (left, right) if left.items is None else (right, left)
            return ListV(
                source=unsized.source,
                elem=unsized.element(),
                origin=unsized.origin,
                extra=(*unsized.extra, *(known.items or ()))[:64],
            )
        if isinstance(left, Unknown) and isinstance(right, ListV):
            # records read back + new records: a list of unknown size that holds them
            return ListV(
                source=left.source,
                elem=right.element(),
                origin=left,
                extra=tuple(right.items or ())[:64],
            )
        if isinstance(left, Unknown) and isinstance(right, Duration):
            return right
        if isinstance(left, Data | ListV) and isinstance(right, Data | ListV):
            # items + page["data"]: a list holding the response's items
            data = right if isinstance(right, Data) else left
            assert isinstance(data, Data)
            return ListV(
                source="an API response", elem=Data(data.request, (*data.path, "[]")), origin=data
            )
        return left if isinstance(left, Duration) else UNKNOWN

    # -- comparisons --------------------------------------------------------------------
    def eval_Comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        tested: list[Data] = []
        result = self.comparison(node, frame, tested)
        if result is None and tested:
            return Tested(tuple(tested))  # decides a branch only where a branch tests it
        return UNKNOWN if result is None else Num(1 if result else 0)

    def comparison(
        self, node: cst.Comparison, frame: Frame, tested: list[Data] | None = None
    ) -> bool | None:
        """A comparison's answer when the values say it; the response data it compares go
        to ``tested`` (kept for later), or decide the branch being taken (None)."""
        left = self.eval(node.left, frame)
        left_node: cst.BaseExpression = node.left
        result: bool | None = True
        self.note_tested(left, tested)
        for comparison in node.comparisons:
            right = self.eval(comparison.comparator, frame)
            self.note_tested(right, tested)
            self.events.compared(
                left, comparison.operator, right, left_node, comparison.comparator, frame
            )
            if isinstance(comparison.operator, cst.In | cst.NotIn):
                if isinstance(left, Str) and left.known:
                    for data in _each(right):
                        if isinstance(data, Data):
                            self.read_key(data, left.text, node, frame)
            answer = compare(comparison.operator, left, right)
            if answer is False:
                result = False
            elif answer is None and result is True:
                result = None
            left = right
            left_node = comparison.comparator
        return result

    def note_tested(self, value: Value, kept: list[Data] | None = None) -> None:
        """Response data a branch tests, or kept with a test's outcome for later."""
        for option in _each(value):
            found = option.data if isinstance(option, Tested) else (option,)
            for data in found:
                if not isinstance(data, Data):
                    continue
                if kept is None:
                    self.events.tested(data)
                elif len(kept) < 8:
                    kept.append(data)

    def read_key(self, data: Data, key: str, node: cst.CSTNode, frame: Frame) -> Value:
        self.events.key_read(data, key, frame.ref(node))
        return Data(data.request, (*data.path, key))

    # -- slices -------------------------------------------------------------------------
    def slice_of(self, owner: Value, sl: cst.Slice, frame: Frame) -> Value:
        lower = self.eval(sl.lower, frame) if sl.lower is not None else Num(0)
        upper = self.eval(sl.upper, frame) if sl.upper is not None else None
        if sl.step is not None:
            self.eval(sl.step, frame)
        bound: int | None = None
        start = lower.as_int if isinstance(lower, Num) else None
        if upper is None and start is not None and start < 0:
            bound = -start  # the last few: `ids[-5:]`
        elif isinstance(upper, Num) and isinstance(lower, Num):
            span = upper.as_int
            if span is not None and span >= 0:
                bound = max(0, span - (lower.as_int or 0))
        elif (
            sl.upper is not None
            and sl.lower is not None
            and isinstance(sl.upper, cst.BinaryOperation)
            and isinstance(sl.upper.operator, cst.Add)
        ):
            # ids[i : i + 5] (or i + step with a known step)
            if sl.upper.left.deep_equals(sl.lower):
                step = self.eval(sl.upper.right, frame)
            elif sl.upper.right.deep_equals(sl.lower):
                step = self.eval(sl.upper.left, frame)
            else:
                step = UNKNOWN
            if isinstance(step, Num):
                bound = step.as_int
        if isinstance(owner, ListV) and owner.items is not None and bound is not None:
            if start is not None and isinstance(upper, Num) and upper.as_int is not None:
                return literal_list(owner.items[start : upper.as_int], owner.source)
        if isinstance(owner, Str):
            return hole(owner)
        # the first few items of a response (no more than a page holds) are not taken for
        # the whole list, even when they are returned or iterated
        head = (
            bound is not None
            and bound <= self.catalog.page_size
            and (sl.lower is None or (isinstance(sl.lower, cst.Integer) and sl.lower.value == "0"))
        )
        if isinstance(owner, Data):
            self.events.iterated(owner, bound is not None)
        source = owner.source if isinstance(owner, ListV | Unknown) else ""
        return ListV(
            bound=bound,
            source=source or "a slice",
            origin=None if head and isinstance(owner, Data) else owner,
            elem=self.iterate(owner, frame, first_only=True)
            if isinstance(owner, Data)
            else (owner.element() if isinstance(owner, ListV) else UNKNOWN),
        )

    # -- comprehensions -----------------------------------------------------------------
    def eval_ListComp(self, node: cst.ListComp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_SetComp(self, node: cst.SetComp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_GeneratorExp(self, node: cst.GeneratorExp, frame: Frame) -> Value:
        return self.comprehension(node.for_in, node.elt, frame)

    def eval_DictComp(self, node: cst.DictComp, frame: Frame) -> Value:
        kept = self.filtered_mapping(node, frame)
        if kept is not None:
            return kept
        result = self.comprehension(node.for_in, node.key, frame, value=node.value)
        if isinstance(result, DictV):
            return result
        value = result.origin_value if isinstance(result, ListV) else None
        # its keys too: iterating the dict gives them (`{pool.submit(f, x): x for x in xs}`)
        keys = result.element() if isinstance(result, ListV) else None
        return DictV(open=True, elem=value, key_elem=None if isinstance(keys, Unknown) else keys)

    def filtered_mapping(self, node: cst.DictComp, frame: Frame) -> Value | None:
        """``{k: v for k, v in body.items() if ...}``: some of the response's own entries,
        read later by key as the response's fields (``Model(**that)``)."""
        for_in = node.for_in
        target = for_in.target
        source = for_in.iter
        if (
            for_in.inner_for_in is not None
            or not isinstance(target, cst.Tuple)
            or len(target.elements) != 2
            or not isinstance(node.key, cst.Name)
            or dotted(target.elements[0].value) != node.key.value
            or not isinstance(target.elements[1].value, cst.Name)
            or not isinstance(source, cst.Call)
            or source.args
            or not isinstance(source.func, cst.Attribute)
            or source.func.attr.value != "items"
            or not isinstance(source.func.value, cst.Name | cst.Attribute)
        ):
            return None
        value_name = target.elements[1].value.value
        mapping = self.eval(source.func.value, frame)
        if isinstance(mapping, DictV) and not mapping.open:
            # some of a known mapping's entries (`{k: v for k, v in fields.items() if v}`,
            # `{k: str(v) ...}`): the same keys, less those a condition may drop
            kept = mapping.copy()
            for key, entry in mapping.entries.items():
                # each entry through the comprehension's conditions, as Python runs it
                inner = frame.nested(dict(frame.env))
                inner.env[node.key.value] = Str(key)
                inner.env[value_name] = entry
                if any(self.condition(c.test, inner) is False for c in for_in.ifs):
                    del kept.entries[key]
                elif not (isinstance(node.value, cst.Name) and node.value.value == value_name):
                    kept.entries[key] = self.eval(node.value, inner)
            return kept
        same_values = isinstance(node.value, cst.Name) and node.value.value == value_name
        return mapping if isinstance(mapping, Data) and same_values else None

    def comprehension(
        self,
        for_in: cst.CompFor,
        elt: cst.BaseExpression,
        frame: Frame,
        *,
        value: cst.BaseExpression | None = None,
        first_only: bool = False,
    ) -> Value:
        outer_iter = self.eval(for_in.iter, frame)
        if (
            for_in.inner_for_in is None
            and isinstance(outer_iter, ListV)
            and outer_iter.items is not None
            and len(outer_iter.items) <= _EXACT_ITEMS
        ):
            exact = self.exact_comprehension(for_in, outer_iter.items, elt, value, frame)
            if exact is not None:
                if isinstance(exact, ListV):
                    exact.source = outer_iter.source or "a comprehension"
                return exact
        inner = frame.nested(dict(frame.env))
        iterable = outer_iter
        clause: cst.CompFor | None = for_in
        first = True
        has_ifs = False
        while clause is not None:
            if not first:
                iterable = self.eval(clause.iter, inner)
            self.bind(clause.target, self.iterate(iterable, inner, first_only=first_only), inner)
            for condition in clause.ifs:
                has_ifs = True
                self.eval(condition.test, inner)
            clause = clause.inner_for_in
            first = False
        element = self.eval(elt, inner)
        dict_value = self.eval(value, inner) if value is not None else None
        size = outer_iter.size if isinstance(outer_iter, ListV) else None
        bound = outer_iter.bound if isinstance(outer_iter, ListV) else None
        if bound is None and isinstance(outer_iter, Unknown):
            bound = outer_iter.bound
        if isinstance(outer_iter, OneOf):
            bound = _largest(outer_iter)  # over whichever list it is: the largest of them
        source = outer_iter.source if isinstance(outer_iter, ListV | Unknown) else ""
        if isinstance(outer_iter, Data):
            source = "an API response"
        result = ListV(
            size=None if has_ifs else size,
            bound=bound if bound is not None else (size if has_ifs else None),
            elem=element,
            source=source or "a comprehension",
            origin=outer_iter,
        )
        result.origin_value = dict_value
        return result

    def exact_comprehension(
        self,
        for_in: cst.CompFor,
        items: list[Value],
        elt: cst.BaseExpression,
        value: cst.BaseExpression | None,
        frame: Frame,
    ) -> Value | None:
        """A comprehension over a few known items, run item by item as Python does
        (``",".join(str(v) for v in ("a", "b"))``, ``{k: v for k, v in pairs if v}``);
        None when a list's condition cannot be decided or a key cannot be spelled. A
        mapping keeps the entries a condition may keep: what the code may send."""
        elements: list[Value] = []
        mapping = DictV()
        for item in items:
            inner = frame.nested(dict(frame.env))
            self.bind(for_in.target, item, inner)
            decided = [self.condition(c.test, inner) for c in for_in.ifs]
            if False in decided:
                continue
            if None in decided and value is None:
                return None  # a list of unknown length; a mapping keeps what may be sent
            element = self.eval(elt, inner)
            if value is None:
                elements.append(element)
                continue
            if not (isinstance(element, Str) and element.known):
                return None
            mapping.set_ci(element.text, self.eval(value, inner), frame.ref(elt))
        return mapping if value is not None else literal_list(elements)


def arithmetic(left: Value, right: Value, operator: cst.CSTNode) -> Value:
    if isinstance(left, Num) and isinstance(right, Num):
        try:
            if isinstance(operator, cst.Subtract | cst.SubtractAssign):
                return Num(left.n - right.n)
            if isinstance(operator, cst.Multiply | cst.MultiplyAssign):
                return Num(left.n * right.n)
            if isinstance(operator, cst.FloorDivide | cst.FloorDivideAssign):
                return Num(left.n // right.n if right.n else 0)
            if isinstance(operator, cst.Divide | cst.DivideAssign):
                return Num(left.n / right.n if right.n else 0)
            if isinstance(operator, cst.Power) and abs(right.n) < 64 and abs(left.n) < 1e6:
                return Num(left.n**right.n)
        except (OverflowError, ValueError, ZeroDivisionError):
            return UNKNOWN
        return UNKNOWN
    if isinstance(operator, cst.Multiply | cst.MultiplyAssign):
        if isinstance(left, Duration) and isinstance(right, Num):
            return Duration(left.days * right.n)
        if isinstance(left, Num) and isinstance(right, Duration):
            return Duration(left.n * right.days)
    if isinstance(operator, cst.Divide | cst.FloorDivide) and isinstance(left, Duration):
        if isinstance(right, Num) and right.n:
            return Duration(left.days / right.n)
    if isinstance(operator, cst.Subtract | cst.Add) and isinstance(left, Duration):
        if isinstance(right, Duration):
            sign = 1 if isinstance(operator, cst.Add) else -1
            return Duration(left.days + sign * right.days)
    return UNKNOWN


def pick_informative(values: list[Value]) -> Value:
    """One value for two branches: both when they differ in kind, else the informative one."""
    told: list[Value] = [v for v in values if isinstance(v, Unknown) and telling(v)]
    known = [v for v in values if not isinstance(v, Unknown | NoneV)]
    if told:
        # `json.loads(kept) if kept is not None else []`: what was read back, not the
        # empty fallback
        known = [v for v in known if not (isinstance(v, ListV) and v.items == [])] + told
    if not known:
        return values[0] if values else UNKNOWN
    unknowns = [v for v in values if isinstance(v, Unknown)]
    if unknowns and all(is_empty(v) for v in known):
        # `options.ids if options else ""`: the empty fallback tells nothing of what the
        # other branch holds (a list of ids of any length)
        return one_of([*unknowns, *known])
    if len(known) == 1:
        return known[0]
    return one_of(known)


def _each(value: Value) -> tuple[Value, ...]:
    return value.options if isinstance(value, OneOf) else (value,)


def _children(self: ExpressionsMixin, node: cst.CSTNode, frame: Frame) -> Value:
    self.eval_children(node, frame)
    return UNKNOWN


# builtins the analysis gives no value to (they still see their arguments)
OPAQUE_BUILTINS = frozenset(
    "sum any all isinstance issubclass hasattr bool hash id abs round callable type vars "
    "format divmod pow ord chr hex oct bin".split()
)


def _row_mask(node: cst.Subscript) -> cst.BaseExpression | None:
    """The test a subscript selects rows by (``df[df["age"] > 7]``, ``df[(a) & ~(b)]``)."""
    index = node.slice[0].slice if len(node.slice) == 1 else None
    if isinstance(index, cst.Index) and _is_test(index.value):
        return index.value
    return None


def _is_test(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
        return _is_test(node.expression)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitAnd | cst.BitOr):
        return _is_test(node.left) or _is_test(node.right)
    return False


BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, kind in vars(builtins).items()
    if isinstance(kind, type) and issubclass(kind, BaseException)
)
"""What a builtin exception is given is a message for people: it keeps nothing."""

# names a Jupyter kernel defines in every notebook without an import
_KERNEL_GLOBALS = {"display": "IPython.display.display"}

_BUILTINS = (
    OPAQUE_BUILTINS
    | frozenset(
        "len list tuple sorted set reversed frozenset range enumerate zip map filter str repr "
        "int float dict next iter open input super getattr setattr min max print object "
        "staticmethod classmethod property locals".split()
    )
    | BUILTIN_EXCEPTIONS
)


# a comprehension over at most this many known items is run item by item
_EXACT_ITEMS = 16

# builtin and abstract types by name → the kinds of value that are instances of them
_SEQUENCE = frozenset({"list", "tuple"})
_KINDS: dict[str, frozenset[str]] = {
    "str": frozenset({"str"}),
    "bytes": frozenset(),
    "int": frozenset({"number"}),
    "float": frozenset({"number"}),
    "bool": frozenset({"number"}),
    "list": _SEQUENCE,
    "tuple": _SEQUENCE,
    "set": _SEQUENCE,
    "frozenset": _SEQUENCE,
    "Sequence": _SEQUENCE | {"str"},
    "Iterable": _SEQUENCE | {"str", "dict"},
    "Collection": _SEQUENCE | {"str", "dict"},
    "dict": frozenset({"dict"}),
    "Mapping": frozenset({"dict"}),
    "MutableMapping": frozenset({"dict"}),
}


def _builtin_kind(value: Value) -> str | None:
    """The builtin kind a value surely is, for ``isinstance``."""
    if isinstance(value, Str):
        return "str"
    if isinstance(value, Num):
        return "number"
    if isinstance(value, ListV):
        return "list"
    if isinstance(value, DictV):
        return "dict"
    if isinstance(value, NoneV):
        return "none"
    return None


def _largest(value: OneOf) -> int | None:
    """The most items any of the options can hold, when each of them is bounded."""
    largest = 0
    for option in value.options:
        if isinstance(option, ListV) and (option.size is not None or option.bound is not None):
            sizes = [n for n in (option.size, option.bound) if n is not None]
            largest = max(largest, min(sizes))
        elif isinstance(option, Unknown) and option.bound is not None:
            largest = max(largest, option.bound)
        else:
            return None
    return largest
