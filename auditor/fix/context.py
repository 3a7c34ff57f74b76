"""What fixers share while planning one group's fixes: the modules as rewritable sources,
where a name is defined, where it is read, and which requests use a node."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from auditor.code.modules import ModuleInfo
from auditor.code.subnodes import subnodes
from auditor.code.values import HttpRequest, NodeRef
from auditor.fix.source import ModuleSource

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.analyzer import Analyzer


@dataclass(frozen=True)
class Definition:
    """``NAME = value`` at a module's top level (or in a function, for a local constant)."""

    source: ModuleSource
    name: str
    target: cst.Name
    value: cst.BaseExpression


@dataclass
class FixContext:
    analyzer: Analyzer
    _sources: dict[str, ModuleSource] = field(default_factory=dict)

    @property
    def catalog(self) -> Catalog:
        return self.analyzer.catalog

    @property
    def requests(self) -> list[HttpRequest]:
        return self.analyzer.requests

    @property
    def python_target(self) -> tuple[int, int] | None:
        return self.analyzer.project.python_target

    def source(self, module: ModuleInfo) -> ModuleSource:
        found = self._sources.get(module.rel_path)
        if found is None or found.module is not module:
            found = self._sources[module.rel_path] = ModuleSource(module)
        return found

    def source_of(self, ref: NodeRef) -> ModuleSource:
        return self.source(ref.module)

    def modules(self) -> Iterator[ModuleInfo]:
        for info in list(self.analyzer.modules.values()):
            if info is not None:
                yield info

    # -- names ------------------------------------------------------------------------
    def definition(
        self, source: ModuleSource, expr: cst.BaseExpression, depth: int = 0
    ) -> Definition | None:
        """Where the constant an expression reads is assigned: a plain name (local, global
        or imported from a project module) or ``module.NAME``."""
        if depth > 4:
            return None
        if isinstance(expr, cst.Name):
            function = _enclosing_function(source, expr)
            if function is not None and expr.value in _bound_names(function):
                found = _single_assignment(source, function.body, expr.value)
                return found
            return self.global_definition(source, expr.value, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            module = self._module_named(source, expr.value.value)
            if module is not None:
                return self.global_definition(self.source(module), expr.attr.value, depth + 1)
        return None

    def value_of_name(
        self, source: ModuleSource, name: cst.Name, request: HttpRequest | None = None
    ) -> tuple[ModuleSource, cst.BaseExpression] | None:
        """The expression a name stands for where it is read: a parameter's argument in the
        calling context of ``request`` (or its default), a local or global constant."""
        function = _enclosing_function(source, name)
        if function is not None:
            param = _param(function, name.value)
            if param is not None:
                if request is not None:
                    passed = self.caller_argument(request, function, param)
                    if passed is not None:
                        return passed
                return (source, param.default) if param.default is not None else None
        definition = self.definition(source, name)
        return (definition.source, definition.value) if definition is not None else None

    def caller_argument(
        self, request: HttpRequest, function: cst.FunctionDef, param: cst.Param
    ) -> tuple[ModuleSource, cst.BaseExpression] | None:
        """What the call into ``function`` on the request's way passed for ``param``
        (its default when that call leaves it out)."""
        chain = request.chain
        for index, ref in enumerate(chain):
            if ref.function != id(function):
                continue
            if index == 0:
                return None
            caller = chain[index - 1]
            call = caller.node
            if not isinstance(call, cst.Call) or _called_name(call) != function.name.value:
                return None
            argument = _argument_for(call, function, param)
            if argument is None:
                if param.default is None:
                    return None
                return self.source(ref.module), param.default
            return self.source_of(caller), argument
        return None

    def global_definition(
        self, source: ModuleSource, name: str, depth: int = 0
    ) -> Definition | None:
        found = _single_assignment(source, source.module.tree, name)
        if found is not None:
            return found
        for statement in _top_level_small(source.module.tree):
            if not isinstance(statement, cst.ImportFrom) or isinstance(
                statement.names, cst.ImportStar
            ):
                continue
            for alias in statement.names:
                local = _alias_name(alias)
                if local != name or not isinstance(alias.name, cst.Name):
                    continue
                module = self._import_from_module(source, statement)
                if module is not None:
                    return self.global_definition(self.source(module), alias.name.value, depth + 1)
        return None

    def _module_named(self, source: ModuleSource, local: str) -> ModuleInfo | None:
        """The project module a top-level import binds to ``local``."""
        for statement in _top_level_small(source.module.tree):
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    dotted = _dotted(alias.name)
                    if dotted is None:
                        continue
                    if _alias_name(alias) == local and (
                        alias.asname is not None or "." not in dotted
                    ):
                        return self._module(dotted, source)
            elif isinstance(statement, cst.ImportFrom) and not isinstance(
                statement.names, cst.ImportStar
            ):
                base = self._import_base(source, statement)
                for alias in statement.names:
                    if _alias_name(alias) == local and isinstance(alias.name, cst.Name):
                        found = self._module(
                            f"{base}.{alias.name.value}" if base else alias.name.value, source
                        )
                        if found is not None:
                            return found
        return None

    def _import_from_module(
        self, source: ModuleSource, statement: cst.ImportFrom
    ) -> ModuleInfo | None:
        base = self._import_base(source, statement)
        return self._module(base, source) if base else None

    @staticmethod
    def _import_base(source: ModuleSource, statement: cst.ImportFrom) -> str:
        base = _dotted(statement.module) if statement.module is not None else ""
        dots = len(statement.relative)
        if dots:
            package = source.module.name.split(".")
            if not source.module.rel_path.endswith("__init__.py"):
                package = package[:-1]
            package = package[: len(package) - (dots - 1)] if dots - 1 <= len(package) else []
            base = ".".join([*package, base] if base else package)
        return base or ""

    def _module(self, name: str, importer: ModuleSource) -> ModuleInfo | None:
        rel = self.analyzer.project.resolve_module(name, importer.path)
        return self.analyzer.module(rel) if rel is not None else None

    def references(self, definition: Definition) -> Iterator[tuple[ModuleSource, cst.Name]]:
        """Every read of the constant's name in the parsed modules (imports and the
        assignment itself left out): a name spelled the same in another scope counts too,
        which only makes a fix more careful."""
        name = definition.name
        for module in self.modules():
            if name not in module.text:
                continue
            source = self.source(module)
            skip: set[int] = {id(definition.target)}
            for node in _walk(module.tree):
                if isinstance(node, cst.ImportAlias | cst.ImportFrom | cst.Import):
                    skip.update(id(n) for n in _walk(node))
                elif isinstance(node, cst.Name) and node.value == name and id(node) not in skip:
                    parent = source.parent(node)
                    if isinstance(parent, cst.Attribute) and parent.attr is node:
                        owner = parent.value
                        if not (
                            isinstance(owner, cst.Name)
                            and self._module_named(source, owner.value) is definition.source.module
                        ):
                            continue
                    if isinstance(parent, cst.AssignTarget) and source is not definition.source:
                        continue
                    yield source, node

    def users_of(self, node: cst.CSTNode) -> list[HttpRequest]:
        """The requests whose URL or params were written at this node."""
        out: list[HttpRequest] = []
        for request in self.requests:
            given = request.params_given
            node_ref = getattr(given, "node", None)
            if isinstance(node_ref, NodeRef) and node_ref.node is node:
                out.append(request)
                continue
            if any(origin.node is node for origin in request.url.origins):
                out.append(request)
        return out


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(subnodes(current))


def _top_level_small(tree: cst.Module) -> Iterator[cst.BaseSmallStatement]:
    for statement in tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif isinstance(statement, cst.If | cst.Try):
            # `try: from x import Y` / `if TYPE_CHECKING:` blocks keep their imports
            for inner in (
                statement.body.body if isinstance(statement.body, cst.IndentedBlock) else ()
            ):
                if isinstance(inner, cst.SimpleStatementLine):
                    yield from inner.body


def _single_assignment(source: ModuleSource, scope: cst.CSTNode, name: str) -> Definition | None:
    """The one assignment of ``name`` among the scope's own statements (branches included,
    nested functions and classes not); None when there are several or none."""
    found: list[Definition] = []
    for small in _scope_statements(scope):
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    found.append(Definition(source, name, target.target, small.value))
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            if isinstance(small.target, cst.Name) and small.target.value == name:
                found.append(Definition(source, name, small.target, small.value))
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            if small.target.value == name:
                return None
    return found[0] if len(found) == 1 else None


def _scope_statements(scope: cst.CSTNode) -> Iterator[cst.BaseSmallStatement]:
    stack: list[cst.CSTNode] = list(scope.children)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        if isinstance(node, cst.BaseSmallStatement):
            yield node
            continue
        if isinstance(node, cst.BaseExpression):
            continue
        stack.extend(node.children)


def _enclosing_function(source: ModuleSource, node: cst.CSTNode) -> cst.FunctionDef | None:
    for ancestor in source.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
        if isinstance(ancestor, cst.ClassDef):
            return None
    return None


def _bound_names(function: cst.FunctionDef) -> set[str]:
    names: set[str] = set()
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        names.add(param.name.value)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    binders = cst.AssignTarget | cst.AnnAssign | cst.AugAssign | cst.For | cst.NamedExpr
    for node in _walk(function.body):
        target = getattr(node, "target", None) if isinstance(node, binders) else None
        if isinstance(target, cst.Name):
            names.add(target.value)
    return names


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = _dotted(alias.name)
    return dotted.split(".")[0] if dotted else None


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def _param(function: cst.FunctionDef, name: str) -> cst.Param | None:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == name:
            return param
    return None


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _argument_for(
    call: cst.Call, function: cst.FunctionDef, param: cst.Param
) -> cst.BaseExpression | None:
    """The argument a call passes for a parameter (None: not passed, or not knowable)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param.name.value:
            return arg.value
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if param not in positional:
        return None
    index = positional.index(param)
    if (
        isinstance(call.func, cst.Attribute)
        and positional
        and positional[0].name.value in ("self", "cls")
    ):
        index -= 1
    if index < 0:
        return None
    given = []
    for arg in call.args:
        if arg.keyword is not None:
            break
        if arg.star:
            return None
        given.append(arg.value)
    return given[index] if index < len(given) else None
