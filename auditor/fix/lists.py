"""DK003's and DK004's fixes (unsafe: they make more requests): a list read becomes a walk
over the pages (a small generator beside the call), an id list is sent in chunks of 5 whose
results are merged, or both at once when a call has both findings.

    def _all_users():                              users = session.get(...).json()["data"]
        page = 1                                   becomes the generator on the left, and
        while True:                                the use reads ``list(_all_users())``
            response = session.get(..., params={..., "page": page})
            batch = response.json()["data"]
            if not batch:
                return
            yield from batch
            page += 1
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import libcst as cst

from auditor.code.model import HttpCall
from auditor.fix.changes import Change, Proposal, Replace, Replacement
from auditor.fix.context import FixContext
from auditor.fix.model import Applicability
from auditor.fix.reads import ListRead, bound_in, find_list_read, fresh
from auditor.fix.source import ModuleSource
from auditor.fix.syntax import append_dict_entry, append_keyword, dict_entry, keyword_arg, quote_of
from auditor.fix.toplevel import add_import, imports_module
from auditor.rules import RULES_BY_ID
from auditor.rules.base import RawFinding

NodeT = TypeVar("NodeT", bound=cst.CSTNode)
StatementT = TypeVar("StatementT", bound=cst.BaseStatement)
_BUILTINS = frozenset(dir(builtins))

Rebuild = Callable[[cst.CSTNode], cst.CSTNode]
"""How a node of the moved code is rewritten, given the node with its children rewritten."""


def propose_pages(finding: RawFinding, call: HttpCall, ctx: FixContext) -> Proposal | str:
    if finding.key == "short-page-stop":
        return _short_page_stop(call, ctx)
    chunked = _chunk_param(call, ctx)
    return _rewrite(call, ctx, pages=True, chunk_param=chunked)


def propose_chunks(finding: RawFinding, call: HttpCall, ctx: FixContext) -> Proposal | str:
    pages = any(f.key == "no-pages" for f in RULES_BY_ID["DK004"].check_call(call, ctx.catalog))
    return _rewrite(call, ctx, pages=pages, chunk_param=finding.key)


def _chunk_param(call: HttpCall, ctx: FixContext) -> str | None:
    for found in RULES_BY_ID["DK003"].check_call(call, ctx.catalog):
        return found.key
    return None


def _rewrite(
    call: HttpCall, ctx: FixContext, *, pages: bool, chunk_param: str | None
) -> Proposal | str:
    request = call.request
    if request is None:
        return "the request is not known"
    read = find_list_read(ctx, request, call.location)
    if isinstance(read, str):
        return read
    catalog = ctx.catalog
    endpoint = call.endpoint or ""
    resource = next(
        (s for s in endpoint.split(" ", 1)[-1].split("/") if s and not s.startswith(":")), "items"
    )
    taken = bound_in(read.function) | _module_names(read)
    page = fresh("page", taken) if pages else ""
    chunk = fresh("chunk", taken) if chunk_param else ""
    replacements: dict[int, Rebuild] = {}
    keyword = request.params_keyword or "params"
    params = _params_dict(read, keyword)
    ids = ""
    if chunk_param is not None:
        found = _id_list_name(read, params, chunk_param)
        if isinstance(found, str):
            return found
        ids = found.value
        replacements[id(found)] = lambda _: cst.Name(chunk)
    if pages:
        query = request.url.text.partition("?")[2]
        if any(p.partition("=")[0] in catalog.page_params for p in query.split("&")):
            return "the URL already asks for one page: walk the pages by hand"
        change = _with_page(read, params, page, request.params_keyword, catalog.page_params)
        if isinstance(change, str):
            return change
        replacements.update(change)
    size = _max_ids(ctx, call) if chunk_param else 0
    changes: list[Change] = []
    use_batched = chunk_param is not None and (ctx.python_target or (0, 0)) >= (3, 12)
    if use_batched and not imports_module(read.source, "itertools"):
        added = add_import(read.source, "itertools")
        if added is None:
            return "no place to import itertools"
        changes.append(added)

    def build() -> Replacement | None:
        return _new_block(
            read,
            replacements,
            resource=resource,
            taken=set(taken),
            page=page,
            chunk=chunk,
            ids=ids,
            size=size,
            batched=use_batched,
        )

    changes.append(Replace(read.source, read.block, build))
    what = []
    if pages:
        what.append(f"walk the pages of {endpoint}")
    if chunk_param:
        how = "itertools.batched" if use_batched else "slices"
        what.append(f"send {chunk_param} {size} at a time ({how}) and merge the results")
    return Proposal(Applicability.UNSAFE, "; ".join(what), changes)


def _module_names(read: ListRead) -> set[str]:
    names: set[str] = set()
    for statement in read.source.module.tree.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            names.add(statement.name.value)
    return names


def _max_ids(ctx: FixContext, call: HttpCall) -> int:
    found = ctx.catalog.id_filter_for(call.endpoint)
    return found.max_ids if found is not None else 5


def _params_dict(read: ListRead, keyword: str) -> tuple[cst.Dict, cst.CSTNode] | None:
    """The params dict of the call (written in the call, or in the statement just before
    it), and the node that holds it (the keyword, or the assignment)."""
    arg = keyword_arg(read.call, keyword)
    if arg is not None and isinstance(arg.value, cst.Dict):
        return arg.value, arg
    if (
        arg is not None
        and isinstance(arg.value, cst.Name)
        and read.first < read.block.body.index(_call_statement(read))
    ):
        prelude = read.block.body[read.first]
        if isinstance(prelude, cst.SimpleStatementLine) and isinstance(prelude.body[0], cst.Assign):
            value = prelude.body[0].value
            if isinstance(value, cst.Dict):
                return value, prelude
    return None


def _call_statement(read: ListRead) -> cst.BaseStatement:
    statement = read.source.statement_of(read.call)
    assert isinstance(statement, cst.BaseStatement)
    return statement


def _id_list_name(
    read: ListRead, params: tuple[cst.Dict, cst.CSTNode] | None, param: str
) -> cst.Name | str:
    """The one name in the id filter's value that holds the list (``training_ids`` in
    ``",".join(map(str, training_ids))``)."""
    if params is None:
        return f"{param} is not given in a params dict beside the call: chunk it by hand"
    entry = dict_entry(params[0], param) or dict_entry(params[0], f"{param}[]")
    if entry is None:
        return f"{param} is not given in a params dict beside the call: chunk it by hand"
    if isinstance(entry.value, cst.SimpleString | cst.List | cst.Tuple):
        return f"the {param} are written in the code: split them into requests of 5 by hand"
    local = bound_in(read.function)
    candidates = [
        name
        for name in _plain_names(read, entry.value)
        if name.value not in _BUILTINS and (name.value in local or name.value.isidentifier())
    ]
    if len({c.value for c in candidates}) != 1 or len(candidates) != 1:
        return f"the ids of {param} are prepared apart from the call: chunk them by hand"
    return candidates[0]


def _plain_names(read: ListRead, node: cst.CSTNode) -> Iterator[cst.Name]:
    """Names read as values (not called, not an attribute's name)."""
    source = read.source
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            parent = source.parent(current)
            if isinstance(parent, cst.Call) and parent.func is current:
                continue
            if isinstance(parent, cst.Attribute) and parent.attr is current:
                continue
            if isinstance(parent, cst.Arg) and parent.keyword is current:
                continue
            yield current
            continue
        if isinstance(
            current, cst.Lambda | cst.GeneratorExp | cst.ListComp | cst.SetComp | cst.DictComp
        ):
            # `str(u) for u in user_ids`: the comprehension's own names are not the list
            comprehension = getattr(current, "for_in", None)
            if comprehension is not None:
                stack.append(comprehension.iter)
            continue
        stack.extend(current.children)


def _with_page(
    read: ListRead,
    params: tuple[cst.Dict, cst.CSTNode] | None,
    page: str,
    keyword: str | None,
    page_params: Sequence[str],
) -> dict[int, Rebuild] | str:
    """Rewrites that send the page number with the call."""
    value = cst.Name(page)
    page_param = page_params[0]
    if params is not None:
        dict_node = params[0]
        sent = next((p for p in page_params if dict_entry(dict_node, p) is not None), None)
        if sent is not None:
            return f"the call already sends a fixed {sent}: walk the pages by hand"
        return {id(dict_node): lambda new: append_dict_entry(_as(new, cst.Dict), page_param, value)}
    arg = keyword_arg(read.call, keyword or "params")
    quote = quote_of(read.call)
    entry = cst.DictElement(cst.SimpleString(f"{quote}{page_param}{quote}"), value)
    if arg is not None and isinstance(arg.value, cst.Name | cst.Attribute):
        spread = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return {
            id(arg.value): lambda new: cst.Dict(
                [cst.StarredDictElement(_expression(new), comma=spread), entry]
            )
        }
    if arg is None and keyword is not None and not any(a.star == "**" for a in read.call.args):
        return {
            id(read.call): lambda new: append_keyword(
                _as(new, cst.Call), keyword, cst.Dict([entry])
            )
        }
    return "the call's query parameters are built in a way the fix does not rewrite"


def _expression(node: cst.CSTNode) -> cst.BaseExpression:
    assert isinstance(node, cst.BaseExpression)
    return node


def _as(node: cst.CSTNode, kind: type[NodeT]) -> NodeT:
    assert isinstance(node, kind)
    return node


class _Swap(cst.CSTTransformer):
    """Rewrite nodes found by identity (the call with its page, the list with its chunk),
    inner ones first."""

    def __init__(self, replacements: dict[int, Rebuild]) -> None:
        self.replacements = replacements

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        rebuild = self.replacements.get(id(original))
        return rebuild(updated) if rebuild is not None else updated


def _swap(node: NodeT, replacements: dict[int, Rebuild]) -> NodeT:
    if not replacements:
        return node
    swapped = node.visit(_Swap(replacements))
    assert isinstance(swapped, type(node))
    return swapped


def _new_block(
    read: ListRead,
    replacements: dict[int, Rebuild],
    *,
    resource: str,
    taken: set[str],
    page: str,
    chunk: str,
    ids: str,
    size: int,
    batched: bool,
) -> Replacement | None:
    body = list(read.block.body)
    moved = [_swap(s, replacements) for s in body[read.first : read.last]]
    new_read = _swap(read.read, replacements)
    assert isinstance(new_read, cst.BaseExpression)
    leading = list(_leading(body[read.first]))
    if moved:
        moved[0] = _with_leading(moved[0], [])
    use = body[read.last]
    if read.first == read.last:
        use = _with_leading(use, [])
    statements: list[cst.BaseStatement] = []
    merged = fresh(resource, taken) if chunk else ""
    if page:
        generator = fresh(f"_all_{resource}", taken)
        batch = fresh("batch", taken)
        statements.append(_generator(generator, chunk, page, batch, moved, new_read))
        if chunk:
            statements += _chunk_loop(
                merged, ids, chunk, size, batched, taken, [], f"{generator}({chunk})"
            )
            consumed: cst.BaseExpression = cst.Name(merged)
        else:
            consumed = _consumption(read, generator)
    else:
        statements += _chunk_loop(merged, ids, chunk, size, batched, taken, moved, new_read)
        consumed = cst.Name(merged)
    new_use = use.deep_replace(read.read, consumed)
    assert isinstance(new_use, cst.BaseStatement)
    statements.append(new_use)
    if page:
        # a blank line around the nested generator, as PEP 8 has nested definitions
        blank = cst.EmptyLine(indent=False)
        statements[1] = _with_leading(statements[1], [blank, *_leading(statements[1])])
        if read.first > 0 and not any(line.comment is None for line in leading):
            leading = [*leading, blank]
    statements[0] = _with_leading(statements[0], leading)
    new_body = [*body[: read.first], *statements, *body[read.last + 1 :]]
    return read.block.with_changes(body=new_body)


def _leading(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return lines


def _with_leading(statement: StatementT, lines: Sequence[cst.EmptyLine]) -> StatementT:
    if not hasattr(statement, "leading_lines"):
        return statement
    return statement.with_changes(leading_lines=lines)


def _statement(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


def _generator(
    name: str,
    chunk: str,
    page: str,
    batch: str,
    moved: Sequence[cst.BaseStatement],
    new_read: cst.BaseExpression,
) -> cst.BaseStatement:
    template = _statement(
        f"def {name}({chunk}):\n"
        f"    {page} = 1\n"
        "    while True:\n"
        f"        {batch} = None\n"
        f"        if not {batch}:\n"
        "            return\n"
        f"        yield from {batch}\n"
        f"        {page} += 1\n"
    )
    assert isinstance(template, cst.FunctionDef) and isinstance(template.body, cst.IndentedBlock)
    loop = template.body.body[1]
    assert isinstance(loop, cst.While) and isinstance(loop.body, cst.IndentedBlock)
    first = loop.body.body[0]
    assert isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Assign)
    assignment = first.with_changes(body=[first.body[0].with_changes(value=new_read)])
    inner = [*moved, assignment, *loop.body.body[1:]]
    loop = loop.with_changes(body=loop.body.with_changes(body=inner))
    return template.with_changes(
        body=template.body.with_changes(body=[template.body.body[0], loop])
    )


def _chunk_loop(
    merged: str,
    ids: str,
    chunk: str,
    size: int,
    batched: bool,
    taken: set[str],
    moved: Sequence[cst.BaseStatement],
    read: cst.BaseExpression | str,
) -> list[cst.BaseStatement]:
    extend = _statement(f"{merged}.extend(None)\n")
    assert isinstance(extend, cst.SimpleStatementLine) and isinstance(extend.body[0], cst.Expr)
    value = cst.parse_expression(read) if isinstance(read, str) else read
    call = extend.body[0].value
    assert isinstance(call, cst.Call)
    extend = extend.with_changes(
        body=[extend.body[0].with_changes(value=call.with_changes(args=[cst.Arg(value)]))]
    )
    out: list[cst.BaseStatement] = [_statement(f"{merged} = []\n")]
    if batched:
        loop = _statement(f"for {chunk} in itertools.batched({ids}, {size}):\n    pass\n")
        head: list[cst.CSTNode] = []
    else:
        pending = fresh("pending", taken)
        start = fresh("start", taken)
        out.append(_statement(f"{pending} = list({ids})\n"))
        loop = _statement(f"for {start} in range(0, len({pending}), {size}):\n    pass\n")
        head = [_statement(f"{chunk} = {pending}[{start} : {start} + {size}]\n")]
    assert isinstance(loop, cst.For) and isinstance(loop.body, cst.IndentedBlock)
    out.append(loop.with_changes(body=loop.body.with_changes(body=[*head, *moved, extend])))
    return out


def _consumption(read: ListRead, generator: str) -> cst.BaseExpression:
    """``_all_users()`` where the list is iterated, ``list(_all_users())`` elsewhere."""
    walk = cst.parse_expression(f"{generator}()")
    parent = read.source.parent(read.read)
    if isinstance(parent, cst.For | cst.CompFor) and parent.iter is read.read:
        return walk
    return cst.parse_expression(f"list({generator}())")


def _short_page_stop(call: HttpCall, ctx: FixContext) -> Proposal | str:
    """``if len(batch) < 100: break`` → ``< 20``: the loop stopped after V2's first page.
    A constant the test reads (``< PAGE_SIZE``) changes where it is defined, when nothing
    else reads it."""
    request = call.request
    stop = call.page.short_page_stop
    cannot = (
        "the page loop's stop test is not a plain `len(page) < N`: stop on an empty page by hand"
    )
    if request is None or stop is None:
        return cannot
    named = next(
        (ref for ref in reversed(request.chain) if ref.location() == call.location), request.site
    )
    source = ctx.source_of(named)
    function = next(
        (a for a in source.ancestors(named.node) if isinstance(a, cst.FunctionDef)), None
    )
    if function is None:
        return cannot
    size = ctx.catalog.page_size
    found: list[tuple[cst.Comparison, cst.ComparisonTarget, cst.Integer, ModuleSource]] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
            continue
        left = node.left
        if not (
            isinstance(left, cst.Call)
            and isinstance(left.func, cst.Name)
            and left.func.value == "len"
        ):
            continue
        target = node.comparisons[0]
        number, where = target.comparator, source
        if isinstance(number, cst.Name | cst.Attribute):
            definition = ctx.definition(source, number)
            if definition is None:
                continue
            number, where = definition.value, definition.source
            others = [r for r in ctx.references(definition) if r[1] is not target.comparator]
            if others:
                location = others[0][0].module.location(others[0][1])
                return (
                    f"`{definition.name}` is also used at {location.path}:{location.line}: stop on "
                    "an empty page by hand"
                )
        if not isinstance(number, cst.Integer):
            continue
        value = int(number.value.replace("_", ""), 0)
        if (isinstance(target.operator, cst.LessThan) and value == stop) or (
            isinstance(target.operator, cst.LessThanEqual) and value + 1 == stop
        ):
            found.append((node, target, number, where))
    if len(found) != 1:
        return cannot
    _, target, number, where = found[0]
    changes: list[Change] = []
    if isinstance(target.operator, cst.LessThanEqual):
        operator = cst.LessThan(
            whitespace_before=target.operator.whitespace_before,
            whitespace_after=target.operator.whitespace_after,
        )
        changes.append(Replace(source, target.operator, lambda: operator))
    if int(number.value.replace("_", ""), 0) != size:
        changes.append(Replace(where, number, lambda: number.with_changes(value=str(size))))
    return Proposal(
        Applicability.UNSAFE,
        f"stop on a page shorter than {size}, the size V2 pages have",
        changes,
    )
