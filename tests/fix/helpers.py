"""Fix a small project the way `dokeos-audit scan --fix` does, and look at what changed."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from auditor.cli.fixing import FixRun, run_fixes, write_fixed
from auditor.code.scan import ScanOptions, scan_paths
from auditor.config import Settings
from auditor.findings import RunResult


def write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if rel != "example.py" else text)
    return root


def scan(root: Path, settings: Settings | None = None) -> RunResult:
    return scan_paths([root], settings or Settings())


def fix(root: Path, *, unsafe: bool = False, settings: Settings | None = None) -> FixRun:
    """Fix in passes and write the files, as `scan --fix` does."""

    def one_scan(overlay: Mapping[str, bytes] | None) -> RunResult:
        return scan_paths([root], settings or Settings(), options=ScanOptions(overlay=overlay))

    run = run_fixes(one_scan, unsafe=unsafe)
    assert write_fixed(run) == []
    return run
