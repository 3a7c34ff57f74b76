"""The unit of every fix: one node of one module rewritten. Fixes that rewrite the same node
share one change (a params dict two reads need, a constant two headers use), so their edits
are merged before any text is touched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from auditor.fix.model import Applicability, Edit
from auditor.fix.source import ModuleSource

Replacement = cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]


class Change:
    """Rewrite ``node`` of ``source``; subclasses say into what."""

    def __init__(self, source: ModuleSource, node: cst.CSTNode) -> None:
        self.source = source
        self.node = node
        self._edit: Edit | None = None
        self._rendered = False

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.source.path, id(self.node), type(self).__name__)

    def absorb(self, other: Change) -> None:
        """Take in what another fix wants of the same node (the same kind of change)."""

    def replacement(self) -> Replacement | None:
        raise NotImplementedError

    def edit(self) -> Edit | None:
        if not self._rendered:
            self._rendered = True
            new = self.replacement()
            self._edit = self.source.edit(self.node, new) if new is not None else None
        return self._edit


class Replace(Change):
    """A replacement built once (a rewritten statement, a literal with one word changed)."""

    def __init__(
        self, source: ModuleSource, node: cst.CSTNode, build: Callable[[], Replacement | None]
    ) -> None:
        super().__init__(source, node)
        self._build = build

    def replacement(self) -> Replacement | None:
        return self._build()


class InsertBefore(Change):
    """New top-level statements before one of the module's statements (an import, a helper
    function); fixes that insert the same text there insert it once."""

    def __init__(
        self, source: ModuleSource, anchor: cst.CSTNode, code: str, *, blank_after: int = 0
    ) -> None:
        super().__init__(source, anchor)
        self.code = code
        self.blank_after = blank_after
        """Blank lines at least between the new code and the anchor (the new code then takes
        the anchor's own leading lines: a comment above the anchor stays above both)."""

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.source.path, id(self.node), f"insert:{self.code}")

    def replacement(self) -> Replacement | None:
        try:
            new = list(cst.parse_module(self.code).body)
        except cst.ParserSyntaxError:
            return None
        assert isinstance(self.node, cst.BaseStatement)
        blank = len(self.code) - len(self.code.lstrip("\n"))
        if new and blank:
            # blank lines that open the code belong to its first statement, not to a header
            first = new[0]
            lines = [cst.EmptyLine(indent=False)] * blank
            new[0] = first.with_changes(leading_lines=[*lines, *first.leading_lines])
        anchor = self.node
        if new and self.blank_after:
            own = list(anchor.leading_lines)  # type: ignore[attr-defined]
            blanks = [line for line in own if line.comment is None]
            if len(blanks) < self.blank_after and len(blanks) == len(own):
                first = new[0]
                if not blank:
                    new[0] = first.with_changes(leading_lines=[*own, *first.leading_lines])
                    own = []
                missing = self.blank_after - len(own)
                anchor = anchor.with_changes(
                    leading_lines=[*own, *([cst.EmptyLine(indent=False)] * missing)]
                )
        return cst.FlattenSentinel([*new, anchor])


@dataclass
class Proposal:
    """What one fixer offers for one finding in one calling context."""

    applicability: Applicability
    message: str
    changes: list[Change] = field(default_factory=list)
