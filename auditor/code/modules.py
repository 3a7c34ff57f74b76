"""Modules and classes of the scanned project, parsed once, positions computed on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from auditor.findings import Location

if TYPE_CHECKING:
    from auditor.code.values import Value


@dataclass(eq=False)
class ClassInfo:
    name: str
    module: ModuleInfo
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    attrs: dict[str, Value] | None = None
    """Class-level attributes, once evaluated."""
    bases: list[Value] | None = None
    default_instance: Value | None = None

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
    env: dict[str, Value] = field(default_factory=dict)
    state: str = "new"
    """new → evaluating → done; imports of a module being evaluated see what is bound so far."""
    _positions: dict[cst.CSTNode, CodeRange] | None = None

    def __repr__(self) -> str:
        return f"ModuleInfo({self.rel_path!r})"

    @classmethod
    def parse(cls, rel_path: str, name: str, text: str) -> ModuleInfo:
        tree = cst.parse_module(text)
        info = cls(rel_path, name, text, tree)
        for statement in tree.body:
            if isinstance(statement, cst.FunctionDef):
                info.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                info.classes[statement.name.value] = _class_info(statement, info)
        return info

    def location(self, node: cst.CSTNode) -> Location:
        if self._positions is None:
            # Positions cost a full pass over the tree: paid only for modules with findings.
            wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        code_range = self._positions.get(node)
        if code_range is None:
            return Location(self.rel_path, 1, 1, 1, 1)
        return Location(
            self.rel_path,
            code_range.start.line,
            code_range.start.column + 1,
            code_range.end.line,
            code_range.end.column + 1,
        )


def _class_info(node: cst.ClassDef, module: ModuleInfo) -> ClassInfo:
    info = ClassInfo(node.name.value, module, node)
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            info.methods[statement.name.value] = statement
    return info
