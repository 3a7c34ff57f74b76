"""Baselines: record today's findings once, then report (and fail on) only the new ones."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import TOOL_NAME
from auditor.errors import ConfigError
from auditor.findings import Finding

FORMAT_VERSION = 1


@dataclass(frozen=True)
class BaselineEntry:
    fingerprint: str
    rule: str
    path: str
    message: str

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        if finding.location is not None:
            path = finding.location.path
        else:
            assert finding.flow is not None
            path = finding.flow.file
        return cls(finding.fingerprint, finding.rule, path, finding.message)

    def to_json(self) -> dict[str, str]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
        }


@dataclass(frozen=True)
class BaselineMatch:
    new: list[Finding]
    known: int
    """Findings the baseline already holds (not reported)."""
    fixed: int
    """Baseline entries no finding matched any more: fixed, or moved to another file."""

    def summary(self) -> dict[str, int]:
        return {"new": len(self.new), "known": self.known, "fixed": self.fixed}


def baseline_text(findings: Iterable[Finding]) -> str:
    """The baseline document: sorted, one entry per finding, no dates or line numbers, so
    re-recording an unchanged project gives the same bytes and a small diff otherwise."""
    entries = sorted(
        (BaselineEntry.of(f) for f in findings),
        key=lambda e: (e.path, e.rule, e.fingerprint, e.message),
    )
    document = {
        "tool": TOOL_NAME,
        "version": FORMAT_VERSION,
        "findings": [e.to_json() for e in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> list[BaselineEntry]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"baseline {path}: no such file (record one with --write-baseline)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"baseline {path}: not JSON: {exc}") from None
    if (
        not isinstance(document, dict)
        or document.get("tool") != TOOL_NAME
        or not isinstance(document.get("findings"), list)
    ):
        raise ConfigError(f"baseline {path}: not a {TOOL_NAME} baseline (see --write-baseline)")
    if document.get("version") != FORMAT_VERSION:
        raise ConfigError(
            f"baseline {path}: format version {document.get('version')!r} is not "
            f"{FORMAT_VERSION}; record it again with --write-baseline"
        )
    return [_entry(raw, path) for raw in document["findings"]]


def _entry(raw: Any, path: Path) -> BaselineEntry:
    if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str):
        raise ConfigError(f"baseline {path}: an entry has no fingerprint")
    return BaselineEntry(
        raw["fingerprint"],
        str(raw.get("rule", "")),
        str(raw.get("path", "")),
        str(raw.get("message", "")),
    )


def match_baseline(findings: Iterable[Finding], baseline: Iterable[BaselineEntry]) -> BaselineMatch:
    """The findings the baseline does not hold; each entry absorbs one finding."""
    remaining = Counter(entry.fingerprint for entry in baseline)
    new: list[Finding] = []
    known = 0
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            known += 1
        else:
            new.append(finding)
    return BaselineMatch(new, known, sum(remaining.values()))
