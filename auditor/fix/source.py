"""A module's text as fixes see it: node replacements turned into minimal text edits, and
edits turned back into text and into the diff a person reads."""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

import libcst as cst

from auditor.code.modules import ModuleInfo
from auditor.code.subnodes import subnodes
from auditor.fix.model import Edit

# Python's own line ends: a form feed or a vertical tab is no line break for the tokenizer
_LINE_END = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Offsets in a text ↔ 1-based (line, column), columns counted in characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def offset(self, line: int, column: int) -> int | None:
        """The offset of a position, or None when the text has no such place."""
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        offset = start + column - 1
        return offset if offset <= end else None


class ModuleSource:
    """One parsed module of the project, with what fixes need to rewrite it."""

    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.lines = LineIndex(module.text)
        self._round_trips: bool | None = None
        self._parents: dict[int, cst.CSTNode] | None = None
        self._spans: dict[int, tuple[int, int]] | None = None

    @property
    def path(self) -> str:
        return self.module.rel_path

    @property
    def round_trips(self) -> bool:
        """libcst regenerates this text exactly (it always should; a fix never relies on it
        blindly)."""
        if self._round_trips is None:
            try:
                # printed statement by statement, which the edits reuse
                self._round_trips = bool(self._statement_spans()) or (
                    self.module.tree.code == self.module.text
                )
            except RecursionError:
                self._round_trips = False
        return self._round_trips

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if self._parents is None:
            self._parents = {}
            stack: list[cst.CSTNode] = [self.module.tree]
            while stack:
                current = stack.pop()
                for child in subnodes(current):
                    self._parents[id(child)] = current
                    stack.append(child)
        return self._parents.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The statement (simple line or compound) that holds the node."""
        for ancestor in (node, *self.ancestors(node)):
            if isinstance(ancestor, cst.SimpleStatementLine | cst.BaseCompoundStatement):
                return ancestor
        return None

    def edit(
        self, old: cst.CSTNode, new: cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]
    ) -> Edit | None:
        """The smallest text edit that turns this module into the module with ``old``
        replaced by ``new``: libcst regenerates the whole module, and the edit is what
        differs, so formatting and comments elsewhere are untouched by construction."""
        try:
            inner = self._inner_edit(old, new)
        except (RecursionError, cst.CSTValidationError):
            inner = None
        if inner is not None:
            return self.edit_between(inner)
        if not self.round_trips:
            return None
        top = self._top_statement(old)
        spans = self._statement_spans()
        try:
            if top is not None and top is not old and id(top) in spans:
                # only the top-level statement holding the node is rewritten and printed:
                # the rest of the module is the same text, whatever its size
                start, end = spans[id(top)]
                changed_top = top.deep_replace(old, new)  # type: ignore[type-var]
                assert isinstance(changed_top, cst.CSTNode)
                printed = self.module.tree.code_for_node(changed_top)
                text = self.module.text[:start] + printed + self.module.text[end:]
            else:
                changed = self.module.tree.deep_replace(old, new)  # type: ignore[type-var]
                assert isinstance(changed, cst.Module)
                text = changed.code
        except (RecursionError, cst.CSTValidationError, AssertionError):
            return None
        return self.edit_between(text)

    def _inner_edit(
        self, old: cst.CSTNode, new: cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]
    ) -> str | None:
        """The module's text with only the simple statement holding ``old`` reprinted, when
        that statement's text, as libcst prints it, is in the module once and on lines of
        its own; None to print the whole top-level statement instead."""
        line = self.statement_of(old)
        if not isinstance(line, cst.SimpleStatementLine) or line is old:
            return None
        changed = line.deep_replace(old, new)  # type: ignore[type-var]
        if not isinstance(changed, cst.SimpleStatementLine):
            return None
        pairs = zip(changed.leading_lines, line.leading_lines, strict=False)
        if len(changed.leading_lines) != len(line.leading_lines) or not all(
            a is b or a.deep_equals(b) for a, b in pairs
        ):
            return None  # comment lines added above: printed with the top-level statement
        tree = self.module.tree
        before = tree.code_for_node(line.with_changes(leading_lines=()))
        after = tree.code_for_node(changed.with_changes(leading_lines=()))
        text = self.module.text
        at = text.find(before)
        if at < 0 or text.find(before, at + 1) >= 0:
            return None  # not there as printed, or there twice: which one is ambiguous
        if text[text.rfind("\n", 0, at) + 1 : at].strip():
            return None  # the end of a longer line, not a statement of its own
        return text[:at] + after + text[at + len(before) :]

    def _top_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The statement of the module's body that holds ``node``."""
        tree = self.module.tree
        previous: cst.CSTNode | None = None
        for ancestor in (node, *self.ancestors(node)):
            if ancestor is tree:
                return previous
            previous = ancestor
        return None

    def _statement_spans(self) -> dict[int, tuple[int, int]]:
        """Where each top-level statement's text is (empty when printing them one by one
        does not give the module's text back: then edits print the whole module)."""
        if self._spans is None:
            tree = self.module.tree
            spans: dict[int, tuple[int, int]] = {}
            printed_parts = ["".join(tree.code_for_node(line) for line in tree.header)]
            offset = len(printed_parts[0])
            for statement in tree.body:
                printed = tree.code_for_node(statement)
                printed_parts.append(printed)
                spans[id(statement)] = (offset, offset + len(printed))
                offset += len(printed)
            printed_parts.append("".join(tree.code_for_node(line) for line in tree.footer))
            self._spans = spans if "".join(printed_parts) == self.module.text else {}
        return self._spans

    def edit_between(self, new_text: str) -> Edit | None:
        return minimal_edit(self.path, self.module.text, new_text, self.lines)


def minimal_edit(
    path: str, old_text: str, new_text: str, lines: LineIndex | None = None
) -> Edit | None:
    """The one edit that turns ``old_text`` into ``new_text``: what differs between their
    common start and common end (None: they are the same)."""
    if new_text == old_text:
        return None
    lines = lines or LineIndex(old_text)
    limit = min(len(old_text), len(new_text))
    start = 0
    while start < limit and old_text[start] == new_text[start]:
        start += 1
    end_old, end_new = len(old_text), len(new_text)
    while end_old > start and end_new > start and old_text[end_old - 1] == new_text[end_new - 1]:
        end_old -= 1
        end_new -= 1
    inserted = new_text[start:end_new]
    if end_old == start:
        # an insertion starts its line when it can: `import x` before a statement,
        # a helper before a def, rather than spliced in after `def `
        while (
            start > 0
            and old_text[start - 1] != "\n"
            and inserted
            and old_text[start - 1] == inserted[-1]
        ):
            inserted = old_text[start - 1] + inserted[:-1]
            start -= 1
        end_old = start
    line, column = lines.position(start)
    end_line, end_column = lines.position(end_old)
    return Edit(path, line, column, end_line, end_column, inserted)


def apply_edits(text: str, edits: Sequence[Edit]) -> str | None:
    """The text with non-overlapping edits applied (None: an edit falls outside the text or
    two overlap)."""
    lines = LineIndex(text)
    spans: list[tuple[int, int, str]] = []
    for edit in edits:
        start = lines.offset(edit.line, edit.column)
        end = lines.offset(edit.end_line, edit.end_column)
        if start is None or end is None or end < start:
            return None
        spans.append((start, end, edit.replacement))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (_, first_end, _), (second_start, _, _) in itertools.pairwise(spans):
        if second_start < first_end:
            return None
    out: list[str] = []
    cursor = 0
    for start, end, replacement in spans:
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def unified_diff(path: str, old: str, new: str, context: int = 1) -> str:
    """``--- a/path`` / ``+++ b/path`` and the hunks, as git shows them."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
        n=context,
    )
    out: list[str] = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def hunks(sources: Iterable[tuple[str, str, Sequence[Edit]]]) -> str:
    """The diff of a fix's edits, file by file, with only the lines around them: what a
    Markdown comment or an annotation shows."""
    parts: list[str] = []
    for path, text, edits in sources:
        first = min(e.line for e in edits)
        last = max(e.end_line for e in edits)
        lines = LineIndex(text)
        start = lines.starts[first - 1]
        stop = lines.starts[last] if last < len(lines.starts) else len(text)
        window = text[start:stop]
        shifted = [
            Edit(
                e.path,
                e.line - first + 1,
                e.column,
                e.end_line - first + 1,
                e.end_column,
                e.replacement,
            )
            for e in edits
        ]
        new_window = apply_edits(window, shifted)
        if new_window is None:
            continue
        body = unified_diff(path, window, new_window, context=0)
        # the hunk headers count from the window: put them back at the file's lines
        parts.append(_renumber(body, first - 1))
    return "".join(parts)


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.M)


def _renumber(diff: str, by: int) -> str:
    def shift(match: re.Match[str]) -> str:
        old, old_count, new, new_count = match.groups()
        return f"@@ -{int(old) + by}{old_count or ''} +{int(new) + by}{new_count or ''} @@"

    return _HUNK.sub(shift, diff)
