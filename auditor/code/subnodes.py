"""A node's sub-nodes, fast: libcst's ``children`` runs a visitor per call and yields the
whitespace, commas and parentheses too, which no analysis of ours looks at.

The fields that hold code are found once per node type, from its dataclass fields, and
read with ``getattr``; whitespace and punctuation fields are skipped by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

_LAYOUT = ("whitespace", "leading_", "trailing_", "lpar", "rpar", "lb", "rb")
_LAYOUT_FIELDS = frozenset(
    {
        *("comma", "semicolon", "header", "footer", "lines_after_decorators", "empty_lines"),
        *("equal", "colon", "first_colon", "second_colon", "dot", "newline", "indent"),
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _code_fields(kind: type) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(kind)
            if not f.name.startswith(_LAYOUT) and f.name not in _LAYOUT_FIELDS
        )
        _FIELDS[kind] = fields
    return fields


# isinstance() against libcst's abstract node class goes through ABCMeta on every call:
# whether a type is a node is looked up once per type instead
_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def subnodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The code nodes directly below ``node``, in source order."""
    for name in _code_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if _is_node(type(item)):
                    yield item
        elif _is_node(kind):
            yield value
