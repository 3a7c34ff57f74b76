"""Which runs belong to which integration, who owns it, and which runs repeat the same session."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from auditor.errors import ConfigError
from auditor.findings import RunResult

INTEGRATION_KEY = "integration"
OWNER_KEY = "owner"
SAME_SESSION_KEY = "same_session_as"
"""Run facts the report adds (kept in the merged JSON, so a merged report merges again)."""

_CAPTURE_SUFFIX = re.compile(r"\.(har|mitm|flows?|dump|json)$", re.IGNORECASE)


@dataclass(frozen=True)
class IntegrationSpec:
    """An integration named by the configuration or the command line, and its runs."""

    name: str
    runs: tuple[str, ...] = ()
    """Run names, result files (as given or by file name) or glob patterns of either."""
    owner: str = ""


@dataclass
class Assignment:
    """The outcome: every run's integration and owner, set as run facts."""

    names: list[str] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)


def name_from_run(run: RunResult) -> str:
    """The integration a run belongs to when nothing says otherwise: the scanned folder's
    name, or the capture's file name without its suffix (``nightly.har`` → ``nightly``)."""
    first = run.name.split(", ")[0].rstrip("/") or run.name
    base = PurePosixPath(first.replace("\\", "/")).name or first
    if run.kind == "traffic":
        base = _CAPTURE_SUFFIX.sub("", base) or base
    return base


def parse_pairs(values: Iterable[str], option: str) -> list[tuple[str, str]]:
    """``NAME=VALUE`` command-line values; a value may list several, comma-separated."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise ConfigError(f"{option} {value!r}: expected NAME=VALUE")
        pairs.append((name.strip(), rest.strip()))
    return pairs


def specs_from_options(integrations: Iterable[str]) -> list[IntegrationSpec]:
    by_name: dict[str, list[str]] = {}
    for name, results in parse_pairs(integrations, "--integration"):
        by_name.setdefault(name, []).extend(r.strip() for r in results.split(",") if r.strip())
    return [IntegrationSpec(name, tuple(runs)) for name, runs in by_name.items()]


def _matches(pattern: str, run: RunResult, source: str) -> bool:
    candidates = {run.name, source, PurePosixPath(source).name, PurePosixPath(source).stem}
    candidates.discard("")
    return any(c == pattern or fnmatch.fnmatchcase(c, pattern) for c in candidates)


def assign(
    runs: Sequence[RunResult],
    sources: Sequence[str],
    specs: Sequence[IntegrationSpec],
    owners: Mapping[str, str],
) -> None:
    """Set each run's integration and owner facts (in ``run.extra``).

    The first spec naming a run wins; otherwise a run keeps the integration an earlier
    report gave it, or takes the one its name implies. ``owners`` maps a run or an
    integration name to a team; a spec's own owner comes first.
    """
    for index, run in enumerate(runs):
        source = sources[index] if index < len(sources) else ""
        spec = next((s for s in specs if any(_matches(p, run, source) for p in s.runs)), None)
        if spec is not None:
            run.extra[INTEGRATION_KEY] = spec.name
        elif not isinstance(run.extra.get(INTEGRATION_KEY), str):
            run.extra[INTEGRATION_KEY] = name_from_run(run)
        integration = str(run.extra[INTEGRATION_KEY])
        owner = (
            owners.get(run.name)
            or (spec.owner if spec is not None else "")
            or owners.get(integration)
            or next((s.owner for s in specs if s.name == integration and s.owner), "")
        )
        if owner:
            run.extra[OWNER_KEY] = owner


def mark_same_sessions(runs: Sequence[RunResult]) -> None:
    """A capture and its export (a .mitm and the .har made from it) carry the same requests:
    the later run is marked as the same session, so the report counts it once."""
    first_by_digest: dict[tuple[str, str], str] = {}
    for run in runs:
        digest = run.extra.get("flows_digest")
        if run.kind != "traffic" or not isinstance(digest, str) or not digest:
            continue
        key = (str(run.extra.get(INTEGRATION_KEY, "")), digest)
        first = first_by_digest.setdefault(key, run.name)
        if first != run.name:
            run.extra[SAME_SESSION_KEY] = first
        else:
            run.extra.pop(SAME_SESSION_KEY, None)


def is_repeat(run: RunResult) -> bool:
    return isinstance(run.extra.get(SAME_SESSION_KEY), str)
