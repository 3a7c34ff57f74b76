"""Modules and classes of the scanned project, parsed once, positions computed on demand."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from auditor.code.parsing import DEFAULT_MAX_FILE_SIZE, parse_python
from auditor.findings import Location


@dataclass(eq=False)
class ClassInfo:
    name: str
    module: ModuleInfo
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"ClassInfo({self.module.rel_path}:{self.name})"


@dataclass(eq=False)
class ModuleInfo:
    rel_path: str
    name: str
    text: str
    tree: cst.Module
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    qualnames: dict[int, str] = field(default_factory=dict)
    """id() of every function or class definition → its dotted name in the module."""
    units: dict[int, cst.CSTNode] = field(default_factory=dict)
    """id() of every function or class definition → the top-level statement holding it."""
    definitions: dict[int, cst.FunctionDef] = field(default_factory=dict)
    """id() of every function definition → the definition."""
    generated: bool = False
    """Generated code (an OpenAPI client): findings point at the project code calling it."""
    _positions: dict[cst.CSTNode, CodeRange] | None = None
    _unit_positions: dict[int, tuple[int, dict[cst.CSTNode, CodeRange]]] = field(
        default_factory=dict
    )
    _unit_lines: dict[int, int] | None = None
    _ast_nodes: dict[str, dict[type[ast.AST], list[ast.expr]]] = field(default_factory=dict)
    _ast_failed: bool = False
    _lines: list[str] = field(default_factory=list)
    _ast_tree: ast.Module | None = None
    _segments: dict[int, str] = field(default_factory=dict)
    _scopes: dict[str, ast.AST] | None = None
    _locations: dict[cst.CSTNode, Location] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"ModuleInfo({self.rel_path!r})"

    @classmethod
    def parse(
        cls, rel_path: str, name: str, text: str, *, max_size: int = DEFAULT_MAX_FILE_SIZE
    ) -> ModuleInfo:
        """Parse a module, or raise UnreadableSource with the reason (see parsing.py)."""
        tree, syntax = parse_python(text, max_size=max_size)
        info = cls(rel_path, name, text, tree, generated=is_generated(text))
        info._ast_tree = syntax
        info._lines = text.splitlines(keepends=True)
        for statement in tree.body:
            if isinstance(statement, cst.FunctionDef):
                info.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                info.classes[statement.name.value] = class_info(statement, info)
            for qualname, definition in _definitions(statement, ""):
                info.units[id(definition)] = statement
                info.qualnames[id(definition)] = qualname
                if isinstance(definition, cst.FunctionDef):
                    info.definitions[id(definition)] = definition
        return info

    def location(
        self, node: cst.CSTNode, function: int | None = None, unit: cst.CSTNode | None = None
    ) -> Location:
        """Where a node is. Positions come from the one top-level statement holding it.

        libcst computes positions by generating the code of a whole tree; doing that for one
        top-level statement (a function, a class) rather than the module is what keeps a
        scan of Dokeos-dense code close to the cost of parsing it.
        """
        known = self._locations.get(node)
        if known is not None:
            return known
        try:
            location = self._locate(node, function, unit)
        except RecursionError:
            # code nested deeper than libcst can regenerate: find the node's first line by text
            location = self._search(node)
        self._locations[node] = location
        return location

    def _search(self, node: cst.CSTNode) -> Location:
        try:
            first = _CODEGEN.code_for_node(node).strip().splitlines()[0].strip()
        except (RecursionError, IndexError):
            first = ""
        for number, line in enumerate(self.text.splitlines(), 1):
            column = line.find(first) if first else -1
            if column >= 0:
                return Location(self.rel_path, number, column + 1, number, column + 1 + len(first))
        return Location(self.rel_path, 1, 1, 1, 1)

    def _locate(
        self, node: cst.CSTNode, function: int | None, unit: cst.CSTNode | None
    ) -> Location:
        if unit is None and function is not None:
            unit = self.units.get(function)
        code_range: CodeRange | None = self._ast_range(node, function)
        line_offset = 0
        if code_range is None and unit is not None:
            found = self._unit_range(unit, node)
            if found is not None:
                line_offset, code_range = found
        if code_range is None:
            if self._positions is None:
                wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
                self._positions = dict(wrapper.resolve(PositionProvider))
            code_range = self._positions.get(node)
            line_offset = 0
        if code_range is None:
            return Location(self.rel_path, 1, 1, 1, 1)
        return Location(
            self.rel_path,
            code_range.start.line + line_offset,
            code_range.start.column + 1,
            code_range.end.line + line_offset,
            code_range.end.column + 1,
        )

    def _ast_range(self, node: cst.CSTNode, function: int | None = None) -> CodeRange | None:
        """The node's range found through `ast` (10x cheaper than libcst's positions).

        The node's own code is looked up among `ast` nodes of the same kind; only when that
        text is unique in the module is the answer taken, else libcst computes it.
        """
        if isinstance(node, cst.DictElement):
            start = self._ast_range(node.key, function)
            end = self._ast_range(node.value, function)
            if start is None or end is None:
                return None
            return CodeRange(start.start, end.end)
        kinds = _AST_KINDS.get(type(node))
        if kinds is None:
            return None
        if self._ast_parsed() is None:
            return None
        bare = node.with_changes(lpar=(), rpar=()) if hasattr(node, "lpar") else node
        # code generated for a node alone loses its block's indentation: compare normalized
        text = _WHITESPACE.sub(" ", _CODEGEN.code_for_node(bare))
        matches: list[ast.expr] = []
        scope = self.qualnames.get(function, "") if function is not None else ""
        if scope and scope in self._ast_scopes():
            matches = self._matching(scope, kinds, text)
        if not matches:
            matches = self._matching("", kinds, text)
        if len(matches) != 1:
            return None
        found = matches[0]
        return CodeRange(
            CodePosition(found.lineno, self._column(found.lineno, found.col_offset)),
            CodePosition(
                found.end_lineno or found.lineno,
                self._column(found.end_lineno or found.lineno, found.end_col_offset or 0),
            ),
        )

    def _ast_parsed(self) -> ast.Module | None:
        if self._ast_tree is None and not self._ast_failed:
            try:
                self._ast_tree = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._ast_failed = True
                return None
            self._lines = self.text.splitlines(keepends=True)
        return self._ast_tree

    def _matching(self, scope: str, kinds: tuple[type[ast.AST], ...], text: str) -> list[ast.expr]:
        index = self._ast_index(scope)
        return [n for kind in kinds for n in index.get(kind, ()) if self._normalized(n) == text]

    def _ast_index(self, scope: str) -> dict[type[ast.AST], list[ast.expr]]:
        """Expression nodes by type, in one function or class (``scope``) or the module."""
        nodes = self._ast_nodes.get(scope)
        if nodes is None:
            root: ast.AST | None = self._ast_scopes().get(scope) if scope else self._ast_tree
            nodes = {}
            if root is not None:
                for found in ast.walk(root):
                    if type(found) in _AST_TYPES:
                        nodes.setdefault(type(found), []).append(found)  # type: ignore[arg-type]
            self._ast_nodes[scope] = nodes
        return nodes

    def _normalized(self, node: ast.expr) -> str | None:
        segment = self._segments.get(id(node))
        if segment is None:
            raw = self._segment(node)
            segment = _WHITESPACE.sub(" ", raw) if raw is not None else ""
            self._segments[id(node)] = segment
        return segment

    def _ast_scopes(self) -> dict[str, ast.AST]:
        """Qualified name → the `ast` function or class of that name (when defined once)."""
        if self._scopes is None:
            self._scopes = {}
            seen: set[str] = set()
            tree = self._ast_parsed()
            stack: list[tuple[str, ast.AST]] = [("", tree)] if tree is not None else []
            while stack:
                prefix, current = stack.pop()
                for child in ast.iter_child_nodes(current):
                    if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        name = f"{prefix}{child.name}"
                        if name in seen:
                            self._scopes.pop(name, None)  # defined twice: ambiguous
                        else:
                            seen.add(name)
                            self._scopes[name] = child
                        stack.append((name + ".", child))
                    elif isinstance(child, ast.stmt):
                        stack.append((prefix, child))
        return self._scopes

    def _segment(self, node: ast.expr) -> str | None:
        end_line = node.end_lineno
        if end_line is None or node.end_col_offset is None:
            return None
        lines = self._lines[node.lineno - 1 : end_line]
        if not lines:
            return None
        encoded = [line.encode("utf-8") for line in lines]
        if len(encoded) == 1:
            return encoded[0][node.col_offset : node.end_col_offset].decode("utf-8", "replace")
        encoded[0] = encoded[0][node.col_offset :]
        encoded[-1] = encoded[-1][: node.end_col_offset]
        return b"".join(encoded).decode("utf-8", "replace")

    def _column(self, line: int, byte_offset: int) -> int:
        """`ast` counts columns in UTF-8 bytes; libcst (and users) in characters."""
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))

    def _unit_range(self, unit: cst.CSTNode, node: cst.CSTNode) -> tuple[int, CodeRange] | None:
        cached = self._unit_positions.get(id(unit))
        if cached is None:
            first_line = self._first_lines().get(id(unit))
            if first_line is None or not isinstance(unit, cst.BaseStatement):
                return None
            statement = cast(cst.SimpleStatementLine | cst.BaseCompoundStatement, unit)
            alone = cst.Module(
                body=[statement.with_changes(leading_lines=())],
                header=(),
                footer=(),
                encoding=self.tree.encoding,
                default_indent=self.tree.default_indent,
                default_newline=self.tree.default_newline,
            )
            wrapper = MetadataWrapper(alone, unsafe_skip_copy=True)
            cached = (first_line - 1, dict(wrapper.resolve(PositionProvider)))
            self._unit_positions[id(unit)] = cached
        offset, positions = cached
        code_range = positions.get(node)
        return (offset, code_range) if code_range is not None else None

    def _first_lines(self) -> dict[int, int]:
        """The line each top-level statement starts on (its first decorator), from `ast`."""
        if self._unit_lines is None:
            self._unit_lines = {}
            tree = self._ast_parsed()
            if tree is None:
                return self._unit_lines
            statements = tree.body
            index = 0
            for statement in self.tree.body:
                if index >= len(statements):
                    break
                first = statements[index]
                decorators = getattr(first, "decorator_list", [])
                line = min([first.lineno, *(d.lineno for d in decorators)])
                self._unit_lines[id(statement)] = line
                index += (
                    len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
                )
        return self._unit_lines


_CODEGEN = cst.Module(body=())
_GENERATED = re.compile(
    r"(?i)(auto-?generated|generated by|do not edit|openapi-generator|swagger-codegen)"
)
# what code generators write without saying so: openapi-python-client's operation modules
# (`_get_kwargs` + `sync_detailed`), its models (`from_dict` + `additional_properties`) and
# its client (`get_httpx_client`)
_GENERATED_LAYOUTS = (
    (
        re.compile(r"^def _get_kwargs\(", re.M),
        re.compile(r"^(async )?def (sync|asyncio)_detailed\(", re.M),
    ),
    (re.compile(r"^    def from_dict\(cls", re.M), re.compile(r"additional_properties")),
    (
        re.compile(r"^    def get_httpx_client\(self", re.M),
        re.compile(r"^    def get_async_httpx_client\(self", re.M),
    ),
)


def is_generated(text: str) -> bool:
    """Code nobody edits by hand: a generator's header, or a generator's known layout."""
    if _GENERATED.search(text[:3000]):
        return True
    return any(all(p.search(text) for p in layout) for layout in _GENERATED_LAYOUTS)


_WHITESPACE = re.compile(r"\s+")

# libcst node kinds whose positions can be found through the `ast` node of the same code
_AST_KINDS: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.Call: (ast.Call,),
    cst.Subscript: (ast.Subscript,),
    cst.Attribute: (ast.Attribute,),
    cst.SimpleString: (ast.Constant,),
    cst.FormattedString: (ast.JoinedStr,),
    cst.ConcatenatedString: (ast.Constant, ast.JoinedStr),
    cst.Name: (ast.Name,),
}

_AST_TYPES = frozenset(kind for kinds in _AST_KINDS.values() for kind in kinds)


def _definitions(statement: cst.CSTNode, prefix: str) -> Iterator[tuple[str, cst.CSTNode]]:
    """(qualified name, node) of function and class definitions inside a statement.

    Walks statement bodies by their fields: libcst's generic ``children`` is a visit.
    """
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        prefix = f"{prefix}{statement.name.value}."
        yield prefix[:-1], statement
    for block in _bodies(statement):
        for inner in block:
            yield from _definitions(inner, prefix)


def _bodies(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    suites: list[cst.CSTNode | None] = []
    if isinstance(statement, cst.FunctionDef | cst.ClassDef | cst.With):
        suites = [statement.body]
    elif isinstance(statement, cst.If):
        suites = [statement.body, statement.orelse]
    elif isinstance(statement, cst.Else | cst.Finally | cst.ExceptHandler | cst.ExceptStarHandler):
        suites = [statement.body]
    elif isinstance(statement, cst.For | cst.While):
        suites = [statement.body, statement.orelse]
    elif isinstance(statement, cst.Try | cst.TryStar):
        suites = [statement.body, *statement.handlers, statement.orelse, statement.finalbody]
    for suite in suites:
        if suite is None:
            continue
        if isinstance(suite, cst.IndentedBlock):
            yield suite.body
        elif isinstance(
            suite, cst.If | cst.Else | cst.Finally | cst.ExceptHandler | cst.ExceptStarHandler
        ):
            yield (suite,)


def class_info(node: cst.ClassDef, module: ModuleInfo) -> ClassInfo:
    """A class and its methods (a property's setter does not replace its getter)."""
    info = ClassInfo(node.name.value, module, node)
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            if any(_is_accessor(d) for d in statement.decorators):
                continue
            info.methods[statement.name.value] = statement
    return info


def _is_accessor(decorator: cst.Decorator) -> bool:
    target = decorator.decorator
    return isinstance(target, cst.Attribute) and target.attr.value in ("setter", "deleter")
