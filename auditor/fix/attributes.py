"""DK002's fix: ask for the opt-in attributes the code reads, in the request's ``params``
dict (or its URL's query string when the URL carries the query), merged with what is
already asked for, in the author's style."""

from __future__ import annotations

import re

import libcst as cst

from auditor.code.model import HttpCall
from auditor.code.values import DictV, HttpRequest, OneOf, Str, Value, as_str
from auditor.findings import Location
from auditor.fix.changes import Change, Proposal, Replacement
from auditor.fix.context import FixContext
from auditor.fix.model import Applicability
from auditor.fix.source import ModuleSource
from auditor.fix.syntax import (
    append_dict_entry,
    append_keyword,
    dict_entry,
    keyword_arg,
    literal,
    quote_of,
    rewrite_string,
)
from auditor.rules.base import RawFinding
from auditor.urls import HOLE


class _AddAttributes(Change):
    """Adds attribute names to what a node asks for; fixes of the same node add theirs."""

    def __init__(
        self, source: ModuleSource, node: cst.CSTNode, param: str, attributes: list[str]
    ) -> None:
        super().__init__(source, node)
        self.param = param
        self.attributes = list(attributes)

    def absorb(self, other: Change) -> None:
        if isinstance(other, _AddAttributes):
            self.attributes += [a for a in other.attributes if a not in self.attributes]

    def _missing(self, present: str) -> list[str]:
        have = {p.strip() for p in present.split(",")}
        return [a for a in self.attributes if a not in have]


class AddParam(_AddAttributes):
    """``{"page": 1}`` → ``{"page": 1, "response_attributes": "progressions"}`` (or a
    keyword of ``dict(...)``)."""

    def replacement(self) -> Replacement | None:
        node = self.node
        value = literal(",".join(self.attributes), quote_of(node))
        if isinstance(node, cst.Dict):
            return append_dict_entry(node, self.param, value)
        if isinstance(node, cst.Call) and self.param.isidentifier():
            return append_keyword(node, self.param, value)
        return None


class ExtendNames(_AddAttributes):
    """``"group_ids,role_names"`` → ``"group_ids,role_names,tag_ids"``."""

    def replacement(self) -> Replacement | None:
        if not isinstance(self.node, cst.SimpleString):
            return None

        def extend(body: str) -> str | None:
            missing = self._missing(body)
            if not missing:
                return None
            separator = "" if not body.strip() or body.endswith(",") else ","
            return body + separator + ",".join(missing)

        return rewrite_string(self.node, extend)


class ExtendSequence(_AddAttributes):
    """``["group_ids", "role_names"]`` (joined with commas) gets the missing names."""

    def replacement(self) -> Replacement | None:
        node = self.node
        if not isinstance(node, cst.List | cst.Tuple) or not node.elements:
            return None
        present = []
        for element in node.elements:
            if not isinstance(element.value, cst.SimpleString):
                return None
            present.append(str(element.value.evaluated_value))
        missing = [a for a in self.attributes if a not in present]
        if not missing:
            return None
        quote = quote_of(node)
        elements = list(node.elements)
        last = elements[-1]
        trailing = last.comma
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
            separator = elements[-2].comma
        new = [cst.Element(literal(name, quote), comma=separator) for name in missing]
        if len(elements) == 1 and isinstance(node, cst.Tuple) and not _multiline(trailing):
            trailing = cst.MaybeSentinel.DEFAULT  # ("a",) becomes ("a", "b"), not ("a", "b",)
        new[-1] = new[-1].with_changes(comma=trailing)
        elements[-1] = last.with_changes(comma=separator)
        return node.with_changes(elements=[*elements, *new])


class NewParams(_AddAttributes):
    """``session.get(url)`` → ``session.get(url, params={"response_attributes": "…"})``."""

    def __init__(
        self,
        source: ModuleSource,
        node: cst.CSTNode,
        keyword: str,
        param: str,
        attributes: list[str],
    ) -> None:
        super().__init__(source, node, param, attributes)
        self.keyword = keyword

    def replacement(self) -> Replacement | None:
        node = self.node
        if not isinstance(node, cst.Call) or keyword_arg(node, self.keyword) is not None:
            return None
        quote = quote_of(node)
        entry = cst.DictElement(
            literal(self.param, quote), literal(",".join(self.attributes), quote)
        )
        return append_keyword(node, self.keyword, cst.Dict([entry]))


class AddKeyword(_AddAttributes):
    """``api.list_users(page=1)`` → ``api.list_users(page=1, response_attributes=[...])``:
    the generated client's own parameter."""

    def __init__(
        self,
        source: ModuleSource,
        node: cst.CSTNode,
        param: str,
        attributes: list[str],
        *,
        as_list: bool,
    ) -> None:
        super().__init__(source, node, param, attributes)
        self.as_list = as_list

    def replacement(self) -> Replacement | None:
        node = self.node
        if not isinstance(node, cst.Call) or keyword_arg(node, self.param) is not None:
            return None
        quote = quote_of(node)
        value: cst.BaseExpression
        if self.as_list:
            items = [literal(a, quote) for a in self.attributes]
            value = cst.List(
                [
                    cst.Element(item, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    for item in items[:-1]
                ]
                + [cst.Element(items[-1])]
            )
        else:
            value = literal(",".join(self.attributes), quote)
        return append_keyword(node, self.param, value)


def _generated_keyword(
    request: HttpRequest, param: str, missing: list[str], ctx: FixContext
) -> Change | str | None:
    """The project's call into a generated client operation that takes ``param``."""
    chain = request.chain
    for index in range(len(chain) - 1, 0, -1):
        inner, outer = chain[index], chain[index - 1]
        if not inner.module.generated or outer.module.generated:
            continue
        call = outer.node
        definition = inner.module.definitions.get(inner.function or -1)
        if not isinstance(call, cst.Call) or definition is None:
            return None
        if any(arg.star for arg in call.args):
            return None
        params = definition.params
        for candidate in (*params.params, *params.kwonly_params):
            if candidate.name.value != param:
                continue
            annotation = candidate.annotation
            text = cst.Module([]).code_for_node(annotation.annotation) if annotation else ""
            as_list = any(word in text.lower() for word in ("list", "sequence", "iterable"))
            return AddKeyword(ctx.source_of(outer), call, param, missing, as_list=as_list)
        return (
            f"the generated operation {definition.name.value}() takes no {param}: regenerate "
            "the client from the V2 API description"
        )
    return None


def _multiline(comma: cst.Comma | cst.MaybeSentinel) -> bool:
    return isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    )


class UrlQuery(_AddAttributes):
    """The URL literal asks for them: ``?response_attributes=…`` or ``&response_attributes=…``
    at the end of its query, or more names in the one it has."""

    def replacement(self) -> Replacement | None:
        node = self.node
        if isinstance(node, cst.SimpleString):
            return rewrite_string(node, self._rewrite)
        if isinstance(node, cst.FormattedString):
            parts = list(node.parts)
            for index, part in enumerate(parts):
                if isinstance(part, cst.FormattedStringText) and f"{self.param}=" in part.value:
                    new = self._extend_in(part.value)
                    if new is None:
                        return None
                    parts[index] = part.with_changes(value=new)
                    return node.with_changes(parts=parts)
            text = "".join(
                p.value if isinstance(p, cst.FormattedStringText) else HOLE for p in parts
            )
            addition = self._addition(text)
            if parts and isinstance(parts[-1], cst.FormattedStringText):
                parts[-1] = parts[-1].with_changes(value=parts[-1].value + addition)
            else:
                parts.append(cst.FormattedStringText(addition))
            return node.with_changes(parts=parts)
        return None

    def _addition(self, text: str) -> str:
        return f"{'&' if '?' in text else '?'}{self.param}={','.join(self.attributes)}"

    def _extend_in(self, text: str) -> str | None:
        pattern = re.compile(rf"((?:^|[?&]){re.escape(self.param)}=)([^&#]*)")
        match = pattern.search(text)
        if match is None:
            return None
        missing = self._missing(match.group(2))
        if not missing:
            return None
        value = match.group(2)
        value = value + ("," if value else "") + ",".join(missing)
        return text[: match.start(2)] + value + text[match.end(2) :]

    def _rewrite(self, body: str) -> str | None:
        if f"{self.param}=" in body:
            return self._extend_in(body)
        return body + self._addition(body)


def propose(finding: RawFinding, call: HttpCall, ctx: FixContext) -> Proposal | str:
    request = call.request
    if request is None:
        return "the request behind this read is not known"
    catalog = ctx.catalog
    opt_in = catalog.opt_in_attributes(call.endpoint)
    read = {r.key for r in call.attribute_reads}
    missing = [a for a in opt_in if a in read and a not in call.response_attributes]
    if not missing:
        return "the attribute is already asked for in another calling context"
    param = catalog.response_attributes_param
    existing = request.params.get_ci(param)
    change: Change | str
    if existing is not None:
        change = _extend_existing(request, existing, param, missing, ctx)
    else:
        change = _add_param(request, param, missing, ctx, call.location)
    if isinstance(change, str):
        return change
    blocked = _shared_with_others(change, missing, ctx)
    if blocked:
        return blocked
    return Proposal(
        Applicability.SAFE,
        f"ask for {param}={','.join(missing)}",
        [change],
    )


def _add_param(
    request: HttpRequest, param: str, missing: list[str], ctx: FixContext, call_location: Location
) -> Change | str:
    given = request.params_given
    literals = _params_literals(request, ctx)
    if literals:
        # the caller's own dict first: a wrapper's dict is every caller's
        source, node = literals[-1]
        if isinstance(node, cst.Dict) or keyword_arg(node, param) is None:
            return AddParam(source, node, param, missing)
    if request.site.module.generated:
        keyword = _generated_keyword(request, param, missing, ctx)
        if keyword is not None:
            return keyword
        return (
            "the generated client builds this request's params: pass "
            f"{param}='{','.join(missing)}' to the call"
        )
    keyword = request.params_keyword
    site = request.site.node
    if (
        given is None
        and keyword is not None
        and isinstance(site, cst.Call)
        and keyword_arg(site, keyword) is None
        and not any(arg.star == "**" for arg in site.args)
        and call_location == request.site.location()
        and "?" not in request.url.text
    ):
        # the library call names the endpoint itself: give it the params it lacks
        return NewParams(ctx.source_of(request.site), site, keyword, param, missing)
    if given is not None and not isinstance(given, DictV):
        return (
            "the request's params are built by code the fix does not rewrite: add "
            f"{param}={','.join(missing)} to them"
        )
    return _url_change(request, param, missing, ctx)


def _params_literals(
    request: HttpRequest, ctx: FixContext
) -> list[tuple[ModuleSource, cst.Dict | cst.Call]]:
    """The dict displays (or ``dict(...)`` calls) the request's params are written in: the
    one the HTTP call is given, then the dicts it spreads (``{**params, "page": page}``),
    followed back to the caller that passed them."""
    given = request.params_given
    if not isinstance(given, DictV) or given.node is None:
        return []
    node = given.node.node
    if not isinstance(node, cst.Dict | cst.Call):
        return []
    source = ctx.source_of(given.node)
    found: list[tuple[ModuleSource, cst.Dict | cst.Call]] = [(source, node)]
    for _ in range(4):
        current_source, current = found[-1]
        inner = _copied_from(current)
        if inner is None:
            break
        origin = _resolve(ctx, current_source, inner, request)
        if origin is None:
            break
        found.append(origin)
    return found


def _copied_from(node: cst.Dict | cst.Call) -> cst.Name | None:
    """The one mapping a dict display spreads (``{**params, "page": p}``) or ``dict()``
    copies (``dict(params or {})``), when it is a plain name."""
    if isinstance(node, cst.Dict):
        spreads = [e.value for e in node.elements if isinstance(e, cst.StarredDictElement)]
        if len(spreads) != 1:
            return None
        spread = _unwrap_or(spreads[0])
    else:
        positional = [a for a in node.args if a.keyword is None]
        if len(positional) != 1 or positional[0].star:
            return None
        spread = _unwrap_or(positional[0].value)
    return spread if isinstance(spread, cst.Name) else None


def _resolve(
    ctx: FixContext, source: ModuleSource, name: cst.Name, request: HttpRequest
) -> tuple[ModuleSource, cst.Dict | cst.Call] | None:
    """Follow a name through parameters and assignments to the dict it holds."""
    current: tuple[ModuleSource, cst.BaseExpression] | None = (source, name)
    for _ in range(6):
        if current is None:
            return None
        where, expr = current
        if isinstance(expr, cst.Dict):
            return where, expr
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Name)
            and expr.func.value == "dict"
        ):
            return where, expr
        if not isinstance(expr, cst.Name):
            return None
        current = ctx.value_of_name(where, expr, request)
    return None


def _unwrap_or(node: cst.BaseExpression) -> cst.BaseExpression:
    # `**(params or {})`
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        return node.left
    return node


def _extend_existing(
    request: HttpRequest, existing: Value, param: str, missing: list[str], ctx: FixContext
) -> Change | str:
    for source, node in reversed(_params_literals(request, ctx)):
        value: cst.BaseExpression | None = None
        if isinstance(node, cst.Dict):
            entry = dict_entry(node, param)
            value = entry.value if entry is not None else None
        else:
            arg = keyword_arg(node, param)
            value = arg.value if arg is not None else None
        if value is not None:
            found = _names_node(source, value, ctx, missing, param, request)
            if found is not None:
                return found
            break
    if isinstance(existing, Str) and f"{param}=" in request.url.text:
        url = _url_change(request, param, missing, ctx)
        if not isinstance(url, str):
            return url
    # a constant written elsewhere: the one literal that spells the whole value
    options = existing.options if isinstance(existing, OneOf) else (existing,)
    for option in options:
        text = as_str(option)
        literals = [o for o in text.origins if isinstance(o.node, cst.SimpleString)]
        spelled = literals[0].node if len(literals) == 1 else None
        if isinstance(spelled, cst.SimpleString) and _evaluated(spelled) == text.text:
            found = _constant_names(ctx.source_of(literals[0]), spelled, param, missing)
            if found is not None:
                return found
    return f"{param} is built by code the fix does not rewrite: add {','.join(missing)} to it"


def _constant_names(
    source: ModuleSource, node: cst.SimpleString, param: str, missing: list[str]
) -> Change | None:
    """The literal that spells the whole value, where it is a value of its own (a
    constant, an entry, an argument, a default), or the one item of a joined tuple."""
    parent = source.parent(node)
    if isinstance(parent, cst.Element):
        sequence = source.parent(parent)
        if isinstance(sequence, cst.List | cst.Tuple) and len(sequence.elements) == 1:
            return ExtendSequence(source, sequence, param, missing)
        return None
    if isinstance(parent, cst.Assign | cst.AnnAssign | cst.DictElement | cst.Arg | cst.Param):
        return ExtendNames(source, node, param, missing)
    return None


def _names_node(
    source: ModuleSource,
    value: cst.BaseExpression,
    ctx: FixContext,
    missing: list[str],
    param: str,
    request: HttpRequest,
    depth: int = 0,
) -> Change | None:
    if depth > 3:
        return None
    if isinstance(value, cst.SimpleString):
        return ExtendNames(source, value, param, missing)
    if isinstance(value, cst.List | cst.Tuple):
        return ExtendSequence(source, value, param, missing)
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "join"
        and isinstance(value.func.value, cst.SimpleString)
        and _evaluated(value.func.value) == ","
        and len(value.args) == 1
    ):
        found = _names_node(source, value.args[0].value, ctx, missing, param, request, depth + 1)
        return found if isinstance(found, ExtendSequence) else None
    if isinstance(value, cst.Name):
        origin = ctx.value_of_name(source, value, request)
        if origin is not None:
            return _names_node(origin[0], origin[1], ctx, missing, param, request, depth + 1)
        return None
    if isinstance(value, cst.Attribute):
        definition = ctx.definition(source, value)
        if definition is not None:
            return _names_node(
                definition.source, definition.value, ctx, missing, param, request, depth + 1
            )
    return None


def _url_change(
    request: HttpRequest, param: str, missing: list[str], ctx: FixContext
) -> Change | str:
    url = request.url.text
    cannot = (
        "the URL's query is built in a way the fix does not rewrite: add "
        f"{param}={','.join(missing)} to the request"
    )
    if url.count("?") > 1 or "#" in url:
        return cannot
    segments = [
        s
        for s in (request.endpoint or "").split(" ", 1)[-1].split("/")
        if s and not s.startswith(":")
    ]
    if "?" in url:
        anchor = re.compile(r"\?")
    elif segments:
        anchor = re.compile(rf"(?:^|/){re.escape(segments[-1])}(?=/|$|{re.escape(HOLE)})")
    else:
        return cannot
    for origin in request.url.origins:
        node = origin.node
        if not isinstance(node, cst.SimpleString | cst.FormattedString):
            continue
        rendered = _rendered(node, ctx.source_of(origin))
        if rendered is None:
            continue
        if _ends_url(rendered, url, anchor):
            return UrlQuery(ctx.source_of(origin), node, param, missing)
    return cannot


_PLACEHOLDER = re.compile(r"%[sdr]|\{[^{}]*\}")


def _rendered(node: cst.CSTNode, source: ModuleSource) -> str | None:
    """What a URL literal spells, its holes (f-string expressions, the placeholders of a
    ``%`` or ``.format`` template) as the analyzer's hole mark."""
    if isinstance(node, cst.SimpleString):
        text = _evaluated(node)
        parent = source.parent(node)
        is_template = (
            isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Modulo)
        ) or (isinstance(parent, cst.Attribute) and parent.attr.value == "format")
        if text is not None and is_template:
            text = _PLACEHOLDER.sub(HOLE, text)
        return text
    if isinstance(node, cst.FormattedString):
        return "".join(
            p.value.replace("{{", "{").replace("}}", "}")
            if isinstance(p, cst.FormattedStringText)
            else HOLE
            for p in node.parts
        )
    return None


def _ends_url(rendered: str, url: str, anchor: re.Pattern[str]) -> bool:
    """Whether the literal writes the end of the URL: after its last ``anchor``, what it
    spells (its holes standing for anything but a ``?``) is what the URL ends with."""
    mine = list(anchor.finditer(rendered))
    theirs = list(anchor.finditer(url))
    if not mine or not theirs:
        return False
    tail = rendered[mine[-1].end() :]
    query = anchor.pattern == r"\?"
    hole = r"[^#]*" if query else r"[^?#]*"
    pattern = "".join(hole if ch == HOLE else re.escape(ch) for ch in tail)
    return re.fullmatch(pattern, url[theirs[-1].end() :]) is not None


def _evaluated(node: cst.CSTNode) -> str | None:
    if not isinstance(node, cst.SimpleString):
        return None
    try:
        value = node.evaluated_value
    except Exception:  # an odd literal: not one to rewrite
        return None
    return value if isinstance(value, str) else None


def _shared_with_others(change: Change, missing: list[str], ctx: FixContext) -> str:
    """A dict or URL literal other requests use too may only ask for what they return."""
    catalog = ctx.catalog
    for other in ctx.users_of(change.node):
        if other.method not in (None, "GET") or not set(missing) <= set(
            catalog.opt_in_attributes(other.endpoint)
        ):
            endpoint = other.endpoint or f"{other.method or ''} {other.url.text}".strip()
            return (
                f"the same {'params' if isinstance(change, AddParam) else 'URL'} are used for "
                f"{endpoint.replace(HOLE, '…')}: ask for {','.join(missing)} on this request only"
            )
    return ""
