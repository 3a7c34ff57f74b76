"""What fixes add at a module's top: an import after the imports, a helper before the first
function; each added once however many fixes need it."""

from __future__ import annotations

import sys

import libcst as cst

from auditor.fix.changes import Change, InsertBefore
from auditor.fix.source import ModuleSource


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def imports_module(source: ModuleSource, name: str) -> bool:
    """``import name`` at the module's top level."""
    for statement in source.module.tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if (
                            isinstance(alias.name, cst.Name)
                            and alias.name.value == name
                            and alias.asname is None
                        ):
                            return True
    return False


def defines(source: ModuleSource, name: str) -> bool:
    for statement in source.module.tree.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.name.value == name:
            return True
    return False


def add_import(source: ModuleSource, name: str) -> Change | None:
    """``import name`` after the module's leading imports (None: already there, or no
    statement to put it before)."""
    if imports_module(source, name):
        return None
    body: list[cst.BaseStatement] = list(source.module.tree.body)
    leading: list[cst.BaseStatement] = []
    for index, statement in enumerate(body):
        if _is_docstring(statement) and index == 0:
            continue
        if not _is_import(statement):
            break
        leading.append(statement)
    stdlib = name in sys.stdlib_module_names
    # into the first group of standard-library imports, in alphabetical order
    group: list[cst.BaseStatement] = []
    for statement in leading:
        if group and _starts_group(statement):
            break
        if _module_of(statement) == "__future__":
            continue
        group.append(statement)
    if (
        stdlib
        and group
        and all(_module_of(s).split(".")[0] in sys.stdlib_module_names for s in group)
    ):
        # isort's order: plain imports first, alphabetically, then the `from` imports
        for statement in group:
            plain = isinstance(statement, cst.SimpleStatementLine) and isinstance(
                statement.body[0], cst.Import
            )
            if not plain or _module_of(statement) > name:
                return InsertBefore(source, statement, f"import {name}\n")
        after = leading.index(group[-1]) + 1
        if after < len(leading):
            return InsertBefore(source, leading[after], f"import {name}\n")
    imports = [s for s in leading if _module_of(s) != "__future__"]
    if stdlib and imports:
        # no standard-library group yet: one of its own before the others
        return InsertBefore(source, imports[0], f"import {name}\n", blank_after=1)
    offset = 1 if body and _is_docstring(body[0]) else 0
    if len(body) <= len(leading) + offset:
        return None
    return InsertBefore(source, body[len(leading) + offset], f"import {name}\n")


def _starts_group(statement: cst.BaseStatement) -> bool:
    return any(isinstance(line, cst.EmptyLine) for line in getattr(statement, "leading_lines", ()))


def _module_of(statement: cst.BaseStatement) -> str:
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    if isinstance(small, cst.Import):
        name = small.names[0].name
    elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        name = small.module
    else:
        return "~"  # relative imports come last
    return cst.Module([]).code_for_node(name)


def add_helper(source: ModuleSource, name: str, code: str) -> Change | None:
    """A helper function before the module's first function or class (None: it is there)."""
    if defines(source, name):
        return None
    for statement in source.module.tree.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            return InsertBefore(source, statement, code, blank_after=2)
    return None
