"""What a fix is, as every output format reads it: edits of source text, safe or unsafe."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Applicability(StrEnum):
    """ruff's distinction: a safe fix keeps what the code means and only meets the V2
    contract; an unsafe one changes what the code does (more requests, a wait) and is
    applied only when asked for (``--unsafe-fixes``)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to, not including, (end_line, end_column)
    of ``path`` by ``replacement``; equal ends make it an insertion. Lines and columns are
    1-based, columns count characters (code points), as in ``Location``."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str

    @property
    def start(self) -> tuple[int, int]:
        return (self.line, self.column)

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_column)

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "replacement": self.replacement,
        }

    @classmethod
    def from_json(cls, raw: Any) -> Edit:
        if not isinstance(raw, dict):
            raise ValueError("an edit is an object")
        numbers = [raw.get(k) for k in ("line", "column", "end_line", "end_column")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in numbers):
            raise ValueError("an edit's lines and columns are positive integers")
        path, replacement = raw.get("path"), raw.get("replacement")
        if not isinstance(path, str) or not isinstance(replacement, str):
            raise ValueError("an edit has a path and a replacement text")
        line, column, end_line, end_column = (int(n) for n in numbers)  # type: ignore[arg-type]
        if (end_line, end_column) < (line, column):
            raise ValueError("an edit ends before it starts")
        return cls(path, line, column, end_line, end_column, replacement)


@dataclass(frozen=True)
class Fix:
    """The change that resolves one finding: what it does in words, and its edits (several
    files when the cause sits in another module, a helper added beside the call)."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]
    diff: str = ""
    """The changed lines as a unified diff (``-``/``+`` lines with a ``@@`` header per
    hunk), for formats that show the suggestion to a person (Markdown, GitHub)."""

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def applies(self, *, unsafe: bool) -> bool:
        """Whether this fix is applied by ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``)."""
        return self.safe or unsafe

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.path for e in self.edits))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "applicability": self.applicability.value,
            "message": self.message,
            "edits": [e.to_json() for e in self.edits],
        }
        if self.diff:
            out["diff"] = self.diff
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Fix:
        if not isinstance(raw, dict):
            raise ValueError("a fix is an object")
        edits = raw.get("edits")
        message = raw.get("message", "")
        diff = raw.get("diff", "")
        if not isinstance(edits, list) or not edits:
            raise ValueError("a fix has a list of edits")
        if not isinstance(message, str) or not isinstance(diff, str):
            raise ValueError("a fix's message and diff are texts")
        return cls(
            Applicability(str(raw.get("applicability"))),
            message,
            tuple(Edit.from_json(e) for e in edits),
            diff,
        )
