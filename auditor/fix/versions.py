"""DK001's fix: the literal, f-string part or constant that yields ``version=1`` says 2,
where it is defined, so one edit fixes every request built from it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from auditor.code.model import HeaderSource, HttpCall
from auditor.code.values import OneOf, as_str
from auditor.fix.changes import Change, Proposal, Replacement
from auditor.fix.context import Definition, FixContext
from auditor.fix.model import Applicability
from auditor.fix.source import ModuleSource
from auditor.fix.syntax import rewrite_string
from auditor.rules.base import RawFinding


class VersionText(Change):
    """``...;version=1`` → ``...;version=2`` inside one literal."""

    def __init__(
        self, source: ModuleSource, node: cst.CSTNode, pattern: re.Pattern[str], new: str
    ) -> None:
        super().__init__(source, node)
        self.pattern = pattern
        self.new = new

    def _swap(self, text: str) -> str | None:
        swapped = self.pattern.sub(lambda m: m.group(1) + self.new, text)
        return swapped if swapped != text else None

    def replacement(self) -> Replacement | None:
        node = self.node
        if isinstance(node, cst.SimpleString):
            return rewrite_string(node, self._swap)
        if isinstance(node, cst.FormattedString):
            parts = list(node.parts)
            changed = False
            for index, part in enumerate(parts):
                if isinstance(part, cst.FormattedStringText):
                    swapped = self._swap(part.value)
                    if swapped is not None:
                        parts[index] = part.with_changes(value=swapped)
                        changed = True
            return node.with_changes(parts=parts) if changed else None
        return None


class ScalarVersion(Change):
    """The ``1`` (or ``"1"``) a header's ``version=`` is filled with → 2."""

    def __init__(self, source: ModuleSource, node: cst.CSTNode, new: str) -> None:
        super().__init__(source, node)
        self.new = new

    def replacement(self) -> Replacement | None:
        node = self.node
        if isinstance(node, cst.Integer):
            return node.with_changes(value=self.new)
        if isinstance(node, cst.SimpleString):
            return rewrite_string(node, lambda body: self.new if body.strip() else None)
        return None


@dataclass(frozen=True)
class _Spot:
    change: Change
    constant: Definition | None = None
    """The constant the version number is read from, when it is one."""
    default: bool = False
    """The constant is only the default of a value read at run time (a stored setting)."""


def propose(finding: RawFinding, call: HttpCall, ctx: FixContext) -> Proposal | str:
    catalog = ctx.catalog
    headers = [
        h
        for h in call.accept_headers
        if h.location == finding.location
        and any(v in catalog.withdrawn_versions for v in catalog.accept_versions(h.value))
    ]
    if not headers:
        return "the header's value could not be traced to where it is written"
    changes: list[Change] = []
    notes: list[str] = []
    unsafe = False
    for header in headers:
        spot = _spot(header, ctx)
        if isinstance(spot, str):
            return spot
        changes.append(spot.change)
        if spot.default and spot.constant is not None:
            unsafe = True
            notes.append(
                f"`{spot.constant.name}` is the default of a setting read at run time: a "
                "stored value still decides"
            )
        if spot.constant is not None:
            other = _other_uses(spot.constant, ctx)
            if other:
                unsafe = True
                notes.append(
                    f"`{spot.constant.name}` is also used at {', '.join(other[:3])}: check that "
                    f"those uses want version {catalog.current_version} too"
                )
    where = sorted({c.source.path for c in changes})
    message = (
        f"ask for version {catalog.current_version} in {', '.join(where)}"
        if any(
            c.source.path != (finding.location.path if finding.location else "") for c in changes
        )
        else f"ask for version {catalog.current_version}"
    )
    if notes:
        message += " (" + "; ".join(notes) + ")"
    return Proposal(Applicability.UNSAFE if unsafe else Applicability.SAFE, message, changes)


def _patterns(ctx: FixContext) -> tuple[re.Pattern[str], re.Pattern[str], str]:
    catalog = ctx.catalog
    old = "|".join(re.escape(v) for v in catalog.withdrawn_versions)
    media = re.escape(catalog.media_type)
    with_media = re.compile(
        rf"({media}\s*;(?:[^,;]*;)*?\s*version\s*=\s*[\"']?)(?:{old})(?:\.0+)?(?![\w.])", re.I
    )
    bare = re.compile(rf"(version\s*=\s*[\"']?)(?:{old})(?:\.0+)?(?![\w.])", re.I)
    return with_media, bare, catalog.current_version


def _literal_text(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # an odd literal: nothing to rewrite safely
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        return "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    return None


def _spot(header: HeaderSource, ctx: FixContext) -> _Spot | str:
    with_media, bare, new = _patterns(ctx)
    media = ctx.catalog.media_type
    literals = [
        o for o in header.origins if isinstance(o.node, cst.SimpleString | cst.FormattedString)
    ]
    for origin in literals:
        text = _literal_text(origin.node)
        if text is None:
            continue
        source = ctx.source_of(origin)
        if media in text.lower() and with_media.search(text):
            return _Spot(VersionText(source, origin.node, with_media, new))
        if media not in text.lower() and len(bare.findall(text)) == 1:
            return _Spot(VersionText(source, origin.node, bare, new))
    # `version=` and the number written apart: find what fills the gap
    for origin in literals:
        source = ctx.source_of(origin)
        for expr in _fillers(source, origin.node):
            found = _scalar(source, expr, ctx, new)
            if found is not None:
                return found
    # the number is a literal the value was read with (a setting's default)
    for origin in header.origins:
        node = origin.node
        if (
            isinstance(node, cst.SimpleString | cst.Integer)
            and _scalar_text(node) in ctx.catalog.withdrawn_versions
        ):
            source = ctx.source_of(origin)
            parent = source.parent(node)
            target = (
                parent.targets[0].target
                if isinstance(parent, cst.Assign) and len(parent.targets) == 1
                else None
            )
            if isinstance(target, cst.Name):
                return _Spot(
                    ScalarVersion(source, node, new),
                    Definition(source, target.value, target, node),
                    True,
                )
    if any(isinstance(o.node, cst.Name | cst.Attribute) for o in header.origins) or literals:
        return (
            "the version number comes from outside the code (a parameter, a setting read at "
            f"run time): set it to {new} where it is configured"
        )
    return "the header's value could not be traced to where it is written"


_GAP = re.compile(r"version\s*=\s*$", re.I)
_FORMAT_GAP = re.compile(r"version\s*=\s*(%[sdir]|\{[^{}]*\})", re.I)


def _fillers(source: ModuleSource, node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The expressions whose value is written right after ``version=`` in this literal."""
    if isinstance(node, cst.FormattedString):
        parts = list(node.parts)
        for index, part in enumerate(parts[:-1]):
            following = parts[index + 1]
            if (
                isinstance(part, cst.FormattedStringText)
                and _GAP.search(part.value)
                and isinstance(following, cst.FormattedStringExpression)
                and following.format_spec is None
            ):
                yield following.expression
        return
    if not isinstance(node, cst.SimpleString):
        return
    text = _literal_text(node) or ""
    parent = source.parent(node)
    if _GAP.search(text):
        if isinstance(parent, cst.ConcatenatedString) and parent.left is node:
            yield _first_string(parent.right)
        elif (
            isinstance(parent, cst.BinaryOperation)
            and isinstance(parent.operator, cst.Add)
            and parent.left is node
        ):
            yield _str_call_arg(parent.right)
    gap = _FORMAT_GAP.search(text)
    if gap is None:
        return
    if (
        isinstance(parent, cst.BinaryOperation)
        and isinstance(parent.operator, cst.Modulo)
        and parent.left is node
    ):
        index = len(re.findall(r"%[^%]", text[: gap.start(1)]))
        operand = parent.right
        if isinstance(operand, cst.Tuple):
            elements = [e.value for e in operand.elements]
            if index < len(elements):
                yield elements[index]
        elif index == 0:
            yield operand
    elif isinstance(parent, cst.Attribute) and parent.attr.value == "format":
        call = source.parent(parent)
        if isinstance(call, cst.Call):
            field_name = gap.group(1)[1:-1] if gap.group(1).startswith("{") else ""
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            if field_name == "":
                index = len(re.findall(r"\{[^{}]*\}", text[: gap.start(1)]))
                if index < len(positional):
                    yield positional[index]
            elif field_name.isdigit() and int(field_name) < len(positional):
                yield positional[int(field_name)]
            else:
                for arg in call.args:
                    if arg.keyword is not None and arg.keyword.value == field_name:
                        yield arg.value


def _first_string(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.ConcatenatedString):
        node = node.left
    return node


def _str_call_arg(node: cst.BaseExpression) -> cst.BaseExpression:
    # `"version=" + str(API_VERSION)`
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "str"
        and len(node.args) == 1
    ):
        return node.args[0].value
    return node


def _scalar_text(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Integer):
        return node.value
    text = _literal_text(node)
    return text.strip() if text is not None else None


def _scalar(
    source: ModuleSource, expr: cst.BaseExpression, ctx: FixContext, new: str, depth: int = 0
) -> _Spot | None:
    withdrawn = set(ctx.catalog.withdrawn_versions)
    if isinstance(expr, cst.Integer):
        if expr.value in withdrawn:
            return _Spot(ScalarVersion(source, expr, new))
        return None
    if isinstance(expr, cst.SimpleString):
        text = _literal_text(expr)
        if text is not None and text.strip() in withdrawn:
            return _Spot(ScalarVersion(source, expr, new))
        return None
    if depth > 2 or not isinstance(expr, cst.Name | cst.Attribute):
        return None
    definition = ctx.definition(source, expr)
    if definition is None:
        return None
    found = _scalar(definition.source, definition.value, ctx, new, depth + 1)
    if found is None:
        return None
    return found if found.constant is not None else _Spot(found.change, definition)


def _other_uses(definition: Definition, ctx: FixContext) -> list[str]:
    """Where the constant is read other than to build a V1 Accept header."""
    feeding = _header_regions(ctx)
    other: list[str] = []
    for source, name in ctx.references(definition):
        if any(id(a) in feeding.get(source.path, set()) for a in source.ancestors(name)):
            continue
        location = source.module.location(name)
        other.append(f"{location.path}:{location.line}")
    return sorted(set(other))


def _header_regions(ctx: FixContext) -> dict[str, set[int]]:
    """The assignments and dict entries that build the Accept header of some request."""
    regions: dict[str, set[int]] = {}
    for request in ctx.requests:
        accept = request.headers.get_ci("accept")
        if accept is None:
            continue
        refs = []
        definition = request.headers.node_of("accept")
        if definition is not None:
            refs.append(definition)
        options = accept.options if isinstance(accept, OneOf) else (accept,)
        for option in options:
            refs.extend(as_str(option).origins)
        for ref in refs:
            source = ctx.source_of(ref)
            for node in (ref.node, *source.ancestors(ref.node)):
                if isinstance(
                    node, cst.Assign | cst.AnnAssign | cst.DictElement | cst.Arg | cst.AugAssign
                ):
                    regions.setdefault(source.path, set()).add(id(node))
                    break
                if isinstance(node, cst.BaseStatement):
                    break
    return regions
