"""The oldest Python a scanned project supports, from its ``requires-python``: fixes only
write what that version runs (``itertools.batched`` exists from 3.12 on)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from auditor.config import pyprojects_above

_LOWER = re.compile(r"(>=|~=|==|\^|>)\s*(\d+)\.(\d+)")
_BARE = re.compile(r"^\s*(\d+)\.(\d+)")


def python_target(start: Path) -> tuple[int, int] | None:
    """The lower bound of ``[project] requires-python`` (or Poetry's ``python``
    dependency) in the nearest pyproject.toml from ``start`` upwards; None when no
    project file says."""
    for candidate in pyprojects_above(start):
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        spec = _requirement(data)
        if spec is not None:
            return lowest_version(spec)
    return None


def _requirement(data: dict[str, object]) -> str | None:
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("requires-python"), str):
        return str(project["requires-python"])
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(dependencies, dict) and isinstance(dependencies.get("python"), str):
        return str(dependencies["python"])
    return None


def lowest_version(spec: str) -> tuple[int, int] | None:
    """``>=3.11,<4`` → (3, 11); ``^3.12`` → (3, 12); ``>3.11`` → (3, 11) (3.11.1 runs it)."""
    found = [(int(major), int(minor)) for _, major, minor in _LOWER.findall(spec)]
    if not found:
        bare = _BARE.match(spec)
        if bare is None:
            return None
        found = [(int(bare.group(1)), int(bare.group(2)))]
    return min(found)
