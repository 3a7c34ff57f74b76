"""DK100's fix (safe, as ruff's RUF100): a suppression comment that hides nothing is removed,
or loses only the rule ids that no longer hide a finding, through libcst: the comment is a
node of the module's tree, so the code and every other comment come back as they were."""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.fix.model import Applicability, Edit, Fix
from auditor.fix.source import hunks, minimal_edit
from auditor.suppressions import NOQA_PATTERN, OURS_PATTERN

_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def without_idle(comment: str, idle: Sequence[str]) -> str | None:
    """The comment without what suppressed nothing: the idle ids of each of our directives
    (the whole directive when none is left, or when ``idle`` is empty: the directive named
    no rule and hid nothing). None when nothing but the directives was in the comment."""
    idle_ids = {i.upper() for i in idle}
    pieces: list[tuple[int, int, str]] = []
    for match in OURS_PATTERN.finditer(comment):
        ids = match.group("ids")
        kept = [] if ids is None else [c for c in re.split(r"[,\s]+", ids.strip()) if c]
        kept = [c for c in kept if c.upper() not in idle_ids] if idle_ids else []
        new = f"{comment[match.start() : match.start('ids')]}{', '.join(kept)}]" if kept else ""
        pieces.append((match.start(), match.end(), new))
    for match in NOQA_PATTERN.finditer(comment):
        codes = match.group("codes")
        if codes is None:
            continue  # a bare noqa serves every linter: never ours to remove
        kept = [c for c in _CODE.findall(codes) if c.upper() not in idle_ids]
        if not [c for c in _CODE.findall(codes) if c.upper().startswith("DK")]:
            continue
        new = f"{comment[match.start() : match.start('codes')]}{', '.join(kept)}" if kept else ""
        pieces.append((match.start(), match.end(), new))
    text = comment
    for start, end, new in sorted(pieces, reverse=True):
        text = text[:start] + new + text[end:]
    rest = text.strip().lstrip("#").strip()
    return f"# {rest}" if rest else None


class _CommentRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, column: int, new: str | None) -> None:
        super().__init__()
        self.line, self.column, self.new = line, column, new
        self.done = False

    def _is_target(self, comment: cst.Comment | None) -> bool:
        if comment is None or self.done:
            return False
        start = self.get_metadata(PositionProvider, comment).start
        return (start.line, start.column + 1) == (self.line, self.column)

    def leave_TrailingWhitespace(
        self, original: cst.TrailingWhitespace, updated: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        if not self._is_target(original.comment):
            return updated
        self.done = True
        if self.new is None:
            return updated.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return updated.with_changes(comment=cst.Comment(self.new))

    def leave_EmptyLine(
        self, original: cst.EmptyLine, updated: cst.EmptyLine
    ) -> cst.EmptyLine | cst.RemovalSentinel:
        if not self._is_target(original.comment):
            return updated
        self.done = True
        if self.new is None:
            return cst.RemoveFromParent()
        return updated.with_changes(comment=cst.Comment(self.new))


def suppression_fix(
    path: str, text: str, line: int, column: int, comment: str, idle: Sequence[str]
) -> Fix | str:
    """The fix of one unused suppression (``line``/``column`` 1-based, where its ``#`` is),
    or why there is none."""
    new = without_idle(comment, idle)
    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
        rewriter = _CommentRewriter(line, column, new)
        rewritten = wrapper.visit(rewriter).code
    except (cst.ParserSyntaxError, RecursionError, cst.CSTValidationError):
        return "libcst cannot read the file: remove the comment by hand"
    if not rewriter.done or wrapper.module.code != text:
        return "the comment is not where the scan saw it: remove it by hand"
    edit: Edit | None = minimal_edit(path, text, rewritten)
    if edit is None:
        return "nothing to remove"
    what = ", ".join(idle)
    message = (
        "remove the unused suppression"
        if new is None
        else f"drop {what} from the suppression"
        if what
        else "remove the unused directive"
    )
    return Fix(Applicability.SAFE, message, (edit,), hunks([(path, text, [edit])]))
