"""Small libcst rewrites the fixers share: string literals edited in place (prefix and quotes
kept), an entry appended to a dict or a call the way its author laid it out."""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

_PREFIX = re.compile(r"^[rRbBuUfF]*")


def string_parts(value: str) -> tuple[str, str, str] | None:
    """A literal's source as (prefix + opening quote, body, closing quote)."""
    prefix = _PREFIX.match(value)
    head = prefix.group(0) if prefix else ""
    rest = value[len(head) :]
    for quote in ('"""', "'''", '"', "'"):
        if rest.startswith(quote) and rest.endswith(quote) and len(rest) >= 2 * len(quote):
            return head + quote, rest[len(quote) : -len(quote)], quote
    return None


def rewrite_string(
    node: cst.SimpleString, change: Callable[[str], str | None]
) -> cst.SimpleString | None:
    """The literal with ``change`` applied to its body as written (None: no change)."""
    parts = string_parts(node.value)
    if parts is None:
        return None
    head, body, tail = parts
    if "b" in head.lower():
        return None
    new_body = change(body)
    if new_body is None or new_body == body:
        return None
    return node.with_changes(value=f"{head}{new_body}{tail}")


def quote_of(*nodes: cst.CSTNode | None) -> str:
    """The quote the author uses for short strings near these nodes (``"`` by default)."""
    for node in nodes:
        if node is None:
            continue
        for found in _strings(node):
            parts = string_parts(found.value)
            if parts is not None and len(parts[2]) == 1:
                return parts[2]
    return '"'


def _strings(node: cst.CSTNode) -> list[cst.SimpleString]:
    found: list[cst.SimpleString] = []
    stack = [node]
    while stack and len(found) < 4:
        current = stack.pop(0)
        if isinstance(current, cst.SimpleString):
            found.append(current)
        stack.extend(current.children)
    return found


def literal(text: str, quote: str) -> cst.SimpleString:
    """A plain string literal of ``text`` (which holds no quote or backslash)."""
    return cst.SimpleString(f"{quote}{text}{quote}")


def _without_comment(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(ws, cst.ParenthesizedWhitespace) and ws.first_line.comment is not None:
        return ws.with_changes(
            first_line=ws.first_line.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))
        )
    return ws


def _separator(
    elements: tuple[cst.BaseDictElement, ...] | tuple[cst.Arg, ...],
    opener: cst.BaseParenthesizableWhitespace,
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace the author puts after a comma between two items."""
    if len(elements) >= 2:
        comma = elements[-2].comma
        if isinstance(comma, cst.Comma):
            return _without_comment(comma.whitespace_after)
    if isinstance(opener, cst.ParenthesizedWhitespace):
        return _without_comment(opener)
    return cst.SimpleWhitespace(" ")


def append_dict_entry(node: cst.Dict, key: str, value: cst.BaseExpression) -> cst.Dict:
    """``{..., "key": value}``: trailing comma, line breaks and colon spacing as the dict
    already has them; a comment that ended the last line stays on that line."""
    quote = quote_of(node)
    colon_before: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace("")
    colon_after: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    entries = [e for e in node.elements if isinstance(e, cst.DictElement)]
    if entries:
        colon_before, colon_after = (
            entries[-1].whitespace_before_colon,
            entries[-1].whitespace_after_colon,
        )
    entry = cst.DictElement(
        literal(key, quote),
        value,
        whitespace_before_colon=colon_before,
        whitespace_after_colon=colon_after,
    )
    elements = tuple(node.elements)
    if not elements:
        return node.with_changes(elements=[entry])
    last = elements[-1]
    separator = _separator(elements, node.lbrace.whitespace_after)
    rbrace = node.rbrace
    closing = rbrace.whitespace_before
    if isinstance(last.comma, cst.Comma):
        if isinstance(closing, cst.ParenthesizedWhitespace) and closing.first_line.comment:
            # `"b": 2,  # note` then `}`: the note stays with "b"
            if isinstance(separator, cst.ParenthesizedWhitespace):
                separator = separator.with_changes(first_line=closing.first_line)
                rbrace = rbrace.with_changes(whitespace_before=_without_comment(closing))
        new_last = last.with_changes(comma=last.comma.with_changes(whitespace_after=separator))
        entry = entry.with_changes(comma=last.comma)
    else:
        new_last = last.with_changes(comma=cst.Comma(whitespace_after=separator))
    return node.with_changes(elements=[*elements[:-1], new_last, entry], rbrace=rbrace)


def append_keyword(node: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``f(..., name=value)`` laid out as the call already is."""
    arg = cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = tuple(node.args)
    if not args:
        return node.with_changes(args=[arg])
    last = args[-1]
    separator = _separator(args, node.whitespace_before_args)
    if isinstance(last.comma, cst.Comma):
        after = last.comma.whitespace_after
        if (
            isinstance(after, cst.ParenthesizedWhitespace)
            and after.first_line.comment
            and isinstance(separator, cst.ParenthesizedWhitespace)
        ):
            separator = separator.with_changes(first_line=after.first_line)
            after = _without_comment(after)
        new_last = last.with_changes(comma=last.comma.with_changes(whitespace_after=separator))
        arg = arg.with_changes(comma=last.comma.with_changes(whitespace_after=after))
    else:
        new_last = last.with_changes(
            comma=cst.Comma(whitespace_after=separator),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        arg = arg.with_changes(whitespace_after_arg=last.whitespace_after_arg)
    return node.with_changes(args=[*args[:-1], new_last, arg])


def keyword_arg(node: cst.Call, name: str) -> cst.Arg | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def dict_entry(node: cst.Dict, key: str) -> cst.DictElement | None:
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            try:
                if element.key.evaluated_value == key:
                    return element
            except Exception:  # an odd literal is no match
                continue
    return None
