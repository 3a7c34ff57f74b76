"""Scan small projects written by a test, the way the CLI scans a folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.code.scan import scan_paths
from auditor.config import Settings
from auditor.findings import Finding


def write_project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def scan_files(
    root: Path, files: dict[str, str], settings: Settings | None = None
) -> list[Finding]:
    """Write the files and scan them; a pyproject.toml among them is the configuration."""
    write_project(root, files)
    if settings is None and "pyproject.toml" in files:
        from auditor.config import load_config
        from auditor.rules import RULES_BY_ID

        settings = load_config(root / "pyproject.toml", RULES_BY_ID)
    return scan_paths([root], settings or Settings()).findings


def rules_at(findings: list[Finding]) -> list[tuple[str, str, int]]:
    """(rule, path, line) of each finding, sorted: what assertions compare."""
    return sorted(
        (f.rule, f.location.path, f.location.line) for f in findings if f.location is not None
    )


def marked(files: dict[str, str]) -> list[tuple[str, str, int]]:
    """(rule, path, line) for every `# !DK00x` marker in the test's sources, sorted."""
    import re

    found = []
    for rel, text in files.items():
        for number, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1):
            for rule in re.findall(r"!(DK\d{3})", line):
                found.append((rule, rel, number))
    return sorted(found)
