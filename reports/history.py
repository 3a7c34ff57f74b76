"""Progress over time: this report against earlier ones (what was fixed, new, still open)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.findings import RunResult


def load_history(paths: Sequence[Path]) -> list[Any]:
    return []


def compare(model: Any, runs: Sequence[RunResult], history: Sequence[Any]) -> Any:
    return None
