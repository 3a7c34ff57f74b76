"""The one schema every analyzer emits and every renderer reads (SPEC.md, JSON output)."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from auditor import TOOL_NAME, __version__
from auditor.fix.model import Fix


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


Origin = Literal["code", "traffic", "sandbox"]
"""`sandbox`: a contract break `dokeos-audit sandbox` saw while answering as V2."""


@dataclass(frozen=True)
class Location:
    """A span in a source file; path relative to the project root, 1-based line and column."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    file: str | None = None
    """The same file as the user's shell reaches it: relative to the working directory of
    the run (absolute when outside it). What text reports print."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.file is None:
            out.pop("file")
        return out


@dataclass(frozen=True)
class FlowRef:
    """Where a traffic finding comes from: the capture as given, and the flow's 0-based index."""

    file: str
    index: int
    method: str
    url: str
    timestamp: str
    status: int | None = None


@dataclass(frozen=True)
class SourceContext:
    """A few lines around a code finding, so reports need not re-read the file."""

    start_line: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    origin: Origin
    endpoint: str | None
    fingerprint: str
    location: Location | None = None
    flow: FlowRef | None = None
    context: SourceContext | None = None
    run: str | None = None
    occurrences: int = 1
    """Flows that showed this same problem (rule, endpoint, query shape) in a live run that
    reports each distinct problem once; 1 everywhere else."""
    fix: Fix | None = None
    """The rewrite that resolves it (code findings), when one can be made."""
    no_fix: str = ""
    """Why a code finding has no fix, in words (empty: it has one, or nobody said)."""

    @property
    def sort_key(self) -> tuple[Any, ...]:
        if self.location is not None:
            return (0, self.location.path, self.location.line, self.location.column, self.rule)
        assert self.flow is not None
        return (1, self.flow.file, self.flow.index, 0, self.rule)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "origin": self.origin,
        }
        if self.location is not None:
            out["location"] = self.location.to_json()
        if self.flow is not None:
            flow = asdict(self.flow)
            if flow.get("status") is None:
                flow.pop("status", None)
            out["flow"] = flow
        out["endpoint"] = self.endpoint
        out["fingerprint"] = self.fingerprint
        if self.context is not None:
            out["context"] = {
                "start_line": self.context.start_line,
                "lines": list(self.context.lines),
            }
        if self.run is not None:
            out["run"] = self.run
        if self.occurrences != 1:
            out["occurrences"] = self.occurrences
        if self.fix is not None:
            out["fix"] = self.fix.to_json()
        elif self.no_fix:
            out["no_fix"] = self.no_fix
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Finding:
        location = raw.get("location")
        flow = raw.get("flow")
        context = raw.get("context")
        return cls(
            rule=str(raw["rule"]),
            severity=Severity(raw["severity"]),
            message=str(raw["message"]),
            origin=raw["origin"],
            endpoint=raw.get("endpoint"),
            fingerprint=str(raw.get("fingerprint", "")),
            location=Location(**location) if location else None,
            flow=FlowRef(**flow) if flow else None,
            context=(
                SourceContext(int(context["start_line"]), tuple(context["lines"]))
                if context
                else None
            ),
            run=raw.get("run"),
            occurrences=int(raw.get("occurrences", 1) or 1),
            fix=Fix.from_json(raw["fix"]) if raw.get("fix") else None,
            no_fix=str(raw.get("no_fix") or ""),
        )


@dataclass(frozen=True)
class ErrorEntry:
    """Something that could not be read; the run goes on without it."""

    path: str
    reason: str
    index: int | None = None
    level: Literal["error", "warning"] = "error"
    """"warning": the input was read, but not all of it could be analyzed (a budget was
    reached)."""
    line: int | None = None
    column: int | None = None
    """Where in the file reading stopped (a syntax error, an undecodable byte), 1-based."""
    file: str | None = None
    """The path relative to the working directory, as for Location.file."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "reason": self.reason}
        if self.index is not None:
            out["index"] = self.index
        if self.level != "error":
            out["level"] = self.level
        for key in ("line", "column", "file"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class RunResult:
    """Everything one run produced: what the JSON document, and every other format, renders."""

    name: str
    kind: Literal["code", "traffic", "merged"]
    findings: list[Finding] = field(default_factory=list)
    errors: list[ErrorEntry] = field(default_factory=list)
    files_scanned: int = 0
    flows_read: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    """For a code scan: the Dokeos calls the analyzer understood (``dokeos-audit calls``)."""
    paths: dict[str, Path] = field(default_factory=dict)
    """For a code scan: where each reported path is on disk (what ``--fix`` rewrites)."""
    unsafe_fixes: bool = False
    """The run applies or shows unsafe fixes too (``--unsafe-fixes``): they count as
    fixable in the text summary."""
    explain_fixes: bool = False
    """The run was asked about fixes (``--fix``, ``--unsafe-fixes``): the text says under
    each finding left without a fix why it has none."""
    root: str | None = None
    """For a code scan: the project root, absolute; ``location.path`` is relative to it."""
    repository_root: str | None = None
    """The top of the git work tree holding the project, absolute, when there is one:
    what SARIF's %SRCROOT% and CI annotations' paths are relative to."""
    docs_url: str | None = None
    """Where the user's copy of the rule pages lives (``docs-url``), for links."""

    def repository_path(self, path: str) -> str:
        """A path relative to the project root, made relative to the repository's top (what
        code scanning and CI annotations resolve paths against); unchanged without one."""
        if self.root is None or self.repository_root is None:
            return path
        relative = os.path.relpath(os.path.join(self.root, path), self.repository_root)
        if relative == ".." or relative.startswith(("../", "..\\")):
            return path
        return relative.replace(os.sep, "/")

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key)

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "run": {
                "name": self.name,
                "kind": self.kind,
                **{
                    key: value
                    for key, value in (
                        ("root", self.root),
                        ("repository_root", self.repository_root),
                        ("docs_url", self.docs_url),
                    )
                    if value is not None
                },
            },
            "findings": [f.to_json() for f in self.sorted_findings()],
            "errors": [e.to_json() for e in self.errors],
            "summary": {
                "files_scanned": self.files_scanned,
                "flows_read": self.flows_read,
                "by_rule": self.by_rule(),
                "by_severity": dict(
                    sorted(Counter(f.severity.value for f in self.findings).items())
                ),
                **self.extra,
            },
        }
        if self.kind == "code":
            document["calls"] = self.calls
        return document


def fingerprint(*parts: object) -> str:
    """A stable hash of what identifies a finding, independent of where lines moved."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def now_iso() -> str:
    """This moment in UTC, to the second, as results record when a run was made."""
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
