"""Where a report written with --output really goes: through symlinks, past stale leftovers."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

STALE_AFTER_SECONDS = 60.0
"""A temporary file of ours older than this was left by a run that was killed (SIGKILL,
power loss): no write of a report takes that long between creating and renaming it."""


def resolved_target(path: Path) -> Path:
    """The file to replace: a symlink's target (as editors write through links), not the link.

    Replacing the link itself would turn a link into a CI artifact folder, or into a
    shared report, into a private copy beside it.
    """
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_temporaries(path: Path, *, now: float | None = None) -> list[Path]:
    """Delete our own leftovers beside ``path`` (`.NAME.xxxxxxxx.tmp`) once they are stale.

    Only names mkstemp gives for this target and only old ones: another run writing the
    same report right now keeps its file.
    """
    directory = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(re.escape(temporary_prefix(path)) + r"[A-Za-z0-9_]{6,12}\.tmp")
    moment = time.time() if now is None else now
    removed: list[Path] = []
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return removed
    for candidate in candidates:
        if not pattern.fullmatch(candidate.name):
            continue
        try:
            info = candidate.lstat()
            if moment - info.st_mtime >= STALE_AFTER_SECONDS and not candidate.is_dir():
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed
