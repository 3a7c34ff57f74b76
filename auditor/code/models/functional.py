"""Functional-style helpers (toolz, cytoolz, funcy, functools, itertools, operator): code
that composes functions and folds sequences instead of writing loops."""

from __future__ import annotations

from collections.abc import Callable

from auditor.code.models.spec import CallContext, LibraryModel, Special
from auditor.code.values import (
    UNKNOWN,
    Composed,
    Data,
    DictV,
    External,
    ListV,
    Num,
    OneOf,
    Partial,
    Str,
    Unknown,
    Value,
    one_of,
)


def _prefixed(*names: str) -> tuple[str, ...]:
    """The name in toolz, its submodules and cytoolz (the same API in C); ``toolz.curried``
    is an alias of ``toolz`` (see ``aliases``)."""
    found: list[str] = []
    for name in names:
        module, _, short = name.rpartition(".")
        for root in ("toolz", "cytoolz"):
            found.append(f"{root}.{short}")
            if module:
                found.append(f"{root}.{module}.{short}")
    return tuple(found)


def _compose(call: CallContext) -> Value | None:
    return Composed(tuple(call.args)) if call.args else None


def _compose_left(call: CallContext) -> Value | None:
    return Composed(tuple(reversed(call.args))) if call.args else None


def _pipe(call: CallContext) -> Value | None:
    """``pipe(data, f, g)``: g(f(data))."""
    if not call.args:
        return None
    value = call.args[0]
    for func in call.args[1:]:
        value = call.interpreter.call_value(func, [value], {}, call.node, call.frame)
    return value


def _curry(call: CallContext) -> Value | None:
    if not call.args:
        return None
    return Partial(call.args[0], tuple(call.args[1:]), tuple(call.kwargs.items()), curried=True)


def _merge(call: CallContext) -> Value | None:
    """Later mappings win, as in ``{**a, **b}``."""
    merged = DictV()
    for part in call.args:
        if isinstance(part, DictV):
            merged.merge(part)
        else:
            merged.open = True
    return merged


def _curried(builtin: str, needs: int) -> Callable[[CallContext], Value | None]:
    """A builtin's curried form (toolz.curried.map): with fewer arguments, it waits."""

    def handler(call: CallContext) -> Value | None:
        func = External(f"builtins.{builtin}")
        if len(call.args) < needs:
            return Partial(func, tuple(call.args), curried=True)
        return call.interpreter.call_value(func, call.args, {}, call.node, call.frame)

    return handler


def _concat(call: CallContext) -> Value | None:
    """``concat(seqs)``: the elements of each sequence."""
    if not call.args:
        return None
    inner = call.interpreter.iterate(call.args[0], call.frame)
    return ListV(elem=call.interpreter.iterate(inner, call.frame), source="concatenated lists")


def _pluck(call: CallContext) -> Value | None:
    """``pluck(key, seqs)``: the value under ``key`` of each element."""
    if not call.args:
        return None
    if len(call.args) < 2:
        return Partial(External("toolz.pluck"), tuple(call.args), curried=True, made_at=call.node)
    key, seq = call.args[0], call.args[1]
    element = call.interpreter.iterate(seq, call.frame)
    picked: list[Value] = []
    options = element.options if isinstance(element, OneOf) else (element,)
    for option in options:
        if isinstance(option, Data) and isinstance(key, Str) and key.known:
            picked.append(call.interpreter.read_key(option, key.text, call.node, call.frame))
    return ListV(
        elem=one_of(picked) if picked else UNKNOWN, origin=seq, source="values picked from a list"
    )


def _reduce(call: CallContext) -> Value | None:
    """``reduce(f, seq, initial)``: f applied to what was folded so far and an element, in
    what is a loop over ``seq``."""
    if len(call.args) < 2:
        return None
    func, seq = call.args[0], call.args[1]
    element = call.interpreter.iterate(seq, call.frame)
    start = call.args[2] if len(call.args) > 2 else element
    call.frame.loop_depth += 1
    try:
        folded = call.interpreter.call_value(func, [start, element], {}, call.node, call.frame)
        # folded once more: what a step returns is what the next step is given
        again = call.interpreter.call_value(func, [folded, element], {}, call.node, call.frame)
    finally:
        call.frame.loop_depth -= 1
    return again if again is not UNKNOWN else folded


def _count(call: CallContext) -> Value | None:
    """``count(1)``: the numbers from there on, without end."""
    return ListV(elem=Unknown(source="a counter", item=True), source="a counter")


def _while(call: CallContext) -> Value | None:
    """``takewhile(pred, seq)``: some of the elements of ``seq``, in order."""
    if len(call.args) < 2:
        return None
    seq = call.args[1]
    element = call.interpreter.iterate(seq, call.frame)
    call.interpreter.call_value(call.args[0], [element], {}, call.node, call.frame)
    return ListV(elem=element, origin=seq, source=seq.source if isinstance(seq, ListV) else "")


def _take(call: CallContext) -> Value | None:
    """``take(5, seq)``: at most that many first elements (``islice`` is stdlib's)."""
    if len(call.args) < 2:
        return None
    count, seq = call.args[0], call.args[1]
    bound = count.as_int if isinstance(count, Num) and not count.default else None
    element = call.interpreter.iterate(seq, call.frame, first_only=bound is not None)
    source = seq.source if isinstance(seq, ListV | Unknown) else ""
    return ListV(bound=bound, elem=element, source=source or "the first elements")


def _operator_add(call: CallContext) -> Value | None:
    if len(call.args) != 2:
        return None
    return call.interpreter.add(call.args[0], call.args[1])


MODEL = LibraryModel(
    name="functional",
    specials=(
        Special((*_prefixed("functoolz.compose"), "funcy.compose"), _compose),
        Special((*_prefixed("functoolz.compose_left"), "funcy.rcompose"), _compose_left),
        Special(_prefixed("functoolz.pipe"), _pipe),
        Special((*_prefixed("functoolz.curry"), "funcy.curry"), _curry),
        Special((*_prefixed("dicttoolz.merge"), "funcy.merge"), _merge),
        # toolz.curried's map and filter: the builtins, waiting for their sequence
        Special(_prefixed("map"), _curried("map", 2)),
        Special(_prefixed("filter"), _curried("filter", 2)),
        Special((*_prefixed("itertoolz.concat"), "funcy.cat"), _concat),
        Special(("itertools.chain.from_iterable",), _concat),
        Special(_prefixed("itertoolz.pluck"), _pluck),
        Special(("functools.reduce", "toolz.reduce", "toolz.curried.reduce"), _reduce),
        Special(("itertools.count",), _count),
        Special(("itertools.takewhile", "itertools.dropwhile"), _while),
        Special((*_prefixed("itertoolz.take"), "funcy.take", "more_itertools.take"), _take),
        Special(("operator.add", "operator.concat", "operator.iadd"), _operator_add),
    ),
    currying=(*_prefixed("functoolz.curry"), "funcy.curry"),
    # the curried namespace holds the same functions, curried
    aliases={"toolz.curried": "toolz", "cytoolz.curried": "cytoolz"},
)
