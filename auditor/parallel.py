"""Analyze groups of files that share no imports, each with its own analyzer, over processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, NoReturn, TextIO

from auditor.catalog import Catalog
from auditor.code.model import CodeModel
from auditor.code.models.spec import ProjectSend
from auditor.code.project import Project
from auditor.config import Settings
from auditor.findings import Location
from auditor.fix.model import Fix
from auditor.rules import ALL_RULES
from auditor.rules.base import RawFinding

PARALLEL_OVERHEAD_FILES = 2
"""Starting a pool costs about as much as analyzing this many files: below that gain, the
groups are analyzed in this process."""


@dataclass
class GroupResult:
    """What analyzing one group gave: what a cache entry holds and a worker sends back."""

    findings: list[RawFinding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    """Files not analyzed (unreadable, unparseable, their worker crashed), with why."""
    partial: list[tuple[str, str]] = field(default_factory=list)
    """Files read but not analyzed completely (one construct stopped it), with why."""
    endpoints: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    """Every project file the analysis read: the files this result depends on."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    """The Dokeos calls the group makes (``dokeos-audit calls``), one per calling context."""
    warnings: list[tuple[str, str]] = field(default_factory=list)
    """Files analyzed only in part (a budget was reached), with why."""

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [
                {
                    "rule": f.rule,
                    "message": f.message,
                    "endpoint": f.endpoint,
                    "key": f.key,
                    "location": f.location.to_json() if f.location is not None else None,
                    **({"fix": f.fix.to_json()} if f.fix is not None else {}),
                    **({"no_fix": f.no_fix} if f.no_fix else {}),
                }
                for f in self.findings
            ],
            "errors": [list(e) for e in self.errors],
            "partial": [list(e) for e in self.partial],
            "endpoints": self.endpoints,
            "loaded": self.loaded,
            "calls": self.calls,
            "warnings": [list(w) for w in self.warnings],
        }

    @classmethod
    def from_json(cls, raw: Any) -> GroupResult:
        """The result ``to_json`` wrote; ValueError for anything else (a cache entry from
        another version, edited or damaged, is then a miss)."""
        if not isinstance(raw, dict):
            raise ValueError("a group result is an object")
        return cls(
            findings=[_finding(f) for f in _list(raw, "findings")],
            errors=[_pair(e) for e in _list(raw, "errors")],
            partial=[_pair(e) for e in _list(raw, "partial", [])],
            endpoints=[_text(e) for e in _list(raw, "endpoints")],
            loaded=[_text(rel) for rel in _list(raw, "loaded")],
            calls=[c if isinstance(c, dict) else _bad(c) for c in _list(raw, "calls", [])],
            warnings=[_pair(w) for w in _list(raw, "warnings", [])],
        )


def _bad(value: object) -> NoReturn:
    raise ValueError(f"unexpected {type(value).__name__} in a group result")


def _list(raw: dict[str, Any], key: str, default: list[Any] | None = None) -> list[Any]:
    value = raw.get(key, default)
    return value if isinstance(value, list) else _bad(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else _bad(value)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else _bad(value)


def _pair(value: object) -> tuple[str, str]:
    if isinstance(value, list) and len(value) == 2:
        return _text(value[0]), _text(value[1])
    return _bad(value)


def _finding(raw: object) -> RawFinding:
    if not isinstance(raw, dict):
        return _bad(raw)
    where = raw.get("location")
    location = None
    if where is not None:
        if not isinstance(where, dict):
            return _bad(where)
        location = Location(
            path=_text(where.get("path")),
            line=_int(where.get("line")),
            column=_int(where.get("column")),
            end_line=_int(where.get("end_line")),
            end_column=_int(where.get("end_column")),
        )
    endpoint = raw.get("endpoint")
    fix = raw.get("fix")
    return RawFinding(
        rule=_text(raw.get("rule")),
        message=_text(raw.get("message")),
        endpoint=None if endpoint is None else _text(endpoint),
        location=location,
        key=_text(raw.get("key")),
        fix=Fix.from_json(fix) if fix is not None else None,
        no_fix=_text(raw.get("no_fix", "")),
    )


def run_rules(model: CodeModel, catalog: Catalog, settings: Settings) -> list[RawFinding]:
    raw: list[RawFinding] = []
    rules = [r for r in ALL_RULES if settings.rule_enabled(r.id)]
    for call in model.calls:
        for rule in rules:
            raw.extend(rule.check_call(call, catalog))
    for poll in model.polls:
        for rule in rules:
            raw.extend(rule.check_poll(poll, catalog))
    return raw


def analyze_group(
    project: Project,
    catalog: Catalog,
    entries: Sequence[str],
    declared: Sequence[ProjectSend] = (),
) -> GroupResult:
    """Every rule over one group; the engine later drops the rules a run leaves out, so the
    result (and its cache entry) serves any --select."""
    # libcst is imported only when something needs analyzing: a warm cache never pays it
    from auditor.code.analyzer import Analyzer
    from auditor.code.inventory import summarize
    from auditor.fix.plan import plan_fixes

    analyzer = Analyzer(project, catalog, declared)
    analyzer.analyze_all(entries)
    analysis = analyzer.model()
    model = CodeModel(analysis.calls, analysis.polls)
    endpoints = {c.endpoint for c in model.calls if c.is_dokeos and c.endpoint is not None}
    loaded = set(getattr(analyzer, "modules", {})) | set(entries)
    return GroupResult(
        findings=plan_fixes(analyzer, model, run_rules(model, catalog, Settings())),
        errors=sorted(analyzer.errors.items()),
        partial=sorted(analyzer.partial.items()),
        endpoints=sorted(endpoints),
        loaded=sorted(loaded),
        calls=[summarize(c, catalog) for c in model.calls if c.is_dokeos and c.endpoint],
        warnings=sorted(analyzer.warnings.items()),
    )


class Progress:
    """``analyzing 40 of 130 files`` on a terminal's stderr; silent elsewhere. Files are what
    a user counts: groups (files analyzed together) are how the work is split."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream if stream is not None and _is_terminal(stream) else None
        self._groups = self._files = self._done_groups = self._done_files = 0
        self._shown = 0.0

    def start(self, groups: int, files: int) -> None:
        self._groups, self._files = groups, files
        self._show(force=True)

    def advance(self, files: int) -> None:
        self._done_groups += 1
        self._done_files += files
        self._show(force=self._done_groups == self._groups)

    def finish(self) -> None:
        if self._stream is not None and self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def _show(self, *, force: bool = False) -> None:
        if self._stream is None or not self._groups:
            return
        now = time.monotonic()
        if not force and now - self._shown < 0.1:
            return
        self._shown = now
        self._stream.write(
            f"\r\x1b[Kdokeos-audit: analyzing {self._done_files} of {self._files} "
            f"file{'s' if self._files != 1 else ''}"
        )
        self._stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worth_a_pool(group_sizes: Sequence[int], jobs: int) -> bool:
    """Whether spreading the groups over ``jobs`` processes ends sooner than one process.

    The pool can finish no sooner than its largest group, nor than an even share of all
    files, and starting it costs a little; a group cannot be split (its files need each
    other), so one big group and a few small ones stay here.
    """
    if jobs <= 1 or len(group_sizes) <= 1:
        return False
    total = sum(group_sizes)
    parallel = max(max(group_sizes), -(-total // jobs)) + PARALLEL_OVERHEAD_FILES
    return parallel < total


def analyze_groups(
    project: Project,
    catalog: Catalog,
    groups: Sequence[Sequence[str]],
    *,
    jobs: int,
    progress: Progress,
    on_result: Callable[[int, GroupResult], None] = lambda index, result: None,
    declared: Sequence[ProjectSend] = (),
) -> list[GroupResult]:
    """One GroupResult per group, in the groups' order; ``on_result`` sees each as it ends."""
    results: list[GroupResult | None] = [None] * len(groups)
    progress.start(len(groups), sum(len(g) for g in groups))
    try:
        if worth_a_pool([len(g) for g in groups], jobs):
            _in_pool(project, catalog, groups, jobs, results, progress, on_result, declared)
        else:
            for index, group in enumerate(groups):
                result = analyze_group(project, catalog, group, declared)
                results[index] = result
                on_result(index, result)
                progress.advance(len(group))
    finally:
        progress.finish()
    return [r for r in results if r is not None]


def _in_pool(
    project: Project,
    catalog: Catalog,
    groups: Sequence[Sequence[str]],
    jobs: int,
    results: list[GroupResult | None],
    progress: Progress,
    on_result: Callable[[int, GroupResult], None],
    declared: Sequence[ProjectSend],
) -> None:
    # Each worker gets the project once (inherited as is where processes fork, pickled
    # otherwise: plain text, never libcst trees) and builds its own analyzer per group.
    # Largest groups first, so the last one to finish is a small one.
    order = sorted(range(len(groups)), key=lambda i: -len(groups[i]))
    broken = _run_pool(
        project, catalog, groups, order, jobs, results, progress, on_result, declared
    )
    # A worker that died (a native crash, the kernel's OOM killer) breaks the whole pool:
    # every group it had not finished runs again, each in a pool of its own, so only the
    # group that kills its process is lost, and it is reported.
    for index in broken:
        if _run_pool(project, catalog, groups, [index], 1, results, progress, on_result, declared):
            result = GroupResult(
                errors=[(rel, _CRASHED) for rel in groups[index]], loaded=list(groups[index])
            )
            results[index] = result  # not handed to on_result: a crash is not cached
            progress.advance(len(groups[index]))


_CRASHED = "the analysis of this file ended its process (a crash in a native library): not analyzed"


def _run_pool(
    project: Project,
    catalog: Catalog,
    groups: Sequence[Sequence[str]],
    order: Sequence[int],
    jobs: int,
    results: list[GroupResult | None],
    progress: Progress,
    on_result: Callable[[int, GroupResult], None],
    declared: Sequence[ProjectSend],
) -> list[int]:
    """Analyze the groups in ``order``; the ones left without a result when a worker died."""
    lost: list[int] = []
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(order)),
        initializer=_start_worker,
        initargs=(project, catalog, tuple(declared)),
    ) as pool:
        futures = {pool.submit(_analyze_in_worker, list(groups[i])): i for i in order}
        for future in as_completed(futures):
            index = futures[future]
            try:
                result = GroupResult.from_json(future.result())
            except BrokenProcessPool:
                lost.append(index)
                continue
            except Exception as exc:  # the group's failure costs that group only
                reason = f"could not be analyzed ({type(exc).__name__})"
                results[index] = GroupResult(
                    errors=[(rel, reason) for rel in groups[index]], loaded=list(groups[index])
                )
                progress.advance(len(groups[index]))
                continue
            results[index] = result
            on_result(index, result)
            progress.advance(len(groups[index]))
    return sorted(lost, key=order.index)


_worker_state: dict[str, Any] = {}
"""Set once in each worker process by its initializer (never in the parent)."""


def _start_worker(project: Project, catalog: Catalog, declared: Sequence[ProjectSend]) -> None:
    _worker_state["project"] = project
    _worker_state["catalog"] = catalog
    _worker_state["declared"] = declared


def _analyze_in_worker(entries: list[str]) -> dict[str, Any]:
    result = analyze_group(
        _worker_state["project"], _worker_state["catalog"], entries, _worker_state["declared"]
    )
    return result.to_json()
