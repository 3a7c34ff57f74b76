"""The code scan: find the files that can involve Dokeos, analyze them, run the rules."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from auditor.cache import CACHE_DIR_NAME, FileDigests, ResultCache
from auditor.catalog import Catalog, load_catalog
from auditor.code.inventory import merge as merge_calls
from auditor.code.models import declared_sends
from auditor.code.project import Project, is_test_path
from auditor.code.syntax_check import unparseable
from auditor.config import Settings
from auditor.engine import complete_code_findings
from auditor.findings import ErrorEntry, RunResult
from auditor.gitdiff import changed_python_files
from auditor.parallel import GroupResult, Progress, analyze_groups, run_rules
from auditor.suppressions import apply_suppressions

__all__ = ["ScanOptions", "marker_test", "run_rules", "scan_paths"]


@dataclass(frozen=True)
class ScanOptions:
    """How to run a scan; the defaults (one process, no cache) suit library callers."""

    jobs: int = 1
    cache_dir: Path | None = None
    """Where group results are kept between runs (None: no cache)."""
    diff_ref: str | None = None
    """Only the Python files changed against this git ref are analyzed and reported."""
    only_files: frozenset[str] | None = None
    """Only these files (real paths) are analyzed and reported; the rest of the scanned
    folders is there for what they import."""
    report_unused_suppressions: bool = False
    progress: TextIO | None = None
    """Where to show progress, when it is a terminal."""


def marker_test(catalog: Catalog) -> Callable[[bytes], bool]:
    """Whether a file's text shows it can talk to Dokeos (the media type, host markers, user
    hosts). Plain substring tests: a case-insensitive regex over every file was most of the
    cost of scanning a large project that never says Dokeos."""
    words = [w.lower().encode() for w in sorted(_marker_words(catalog))]
    return lambda raw: any(w in raw.lower() for w in words) if words else False


def _marker_words(catalog: Catalog) -> set[str]:
    words = {catalog.media_type.split("/", 1)[1].split("+", 1)[0], *catalog.host_markers}
    for host in catalog.extra_hosts:
        # `lms-*.example.org`: the longest literal piece is what a file must contain
        words.add(max(host.split("*"), key=len).strip("."))
    return {w for w in words if w}


def scan_paths(
    paths: Sequence[Path],
    settings: Settings,
    name: str | None = None,
    *,
    options: ScanOptions | None = None,
) -> RunResult:
    options = options or ScanOptions()
    catalog = load_catalog().with_hosts(settings.hosts)
    project = Project.discover(
        paths, settings.exclude, settings.config_root, max_file_size=settings.max_file_size
    )
    project.read_all()
    result = RunResult(name=name or ", ".join(str(p) for p in paths), kind="code")

    changed: set[str] | None = None
    if options.diff_ref is not None and paths:
        changed = _in_project(project, changed_python_files(options.diff_ref, paths[0]))
    if options.only_files is not None:
        given = _in_project(project, options.only_files)
        changed = given if changed is None else changed & given

    def in_scope(rel: str) -> bool:
        return changed is None or rel in changed

    result.errors.extend(ErrorEntry(path, reason) for path, reason in project.errors)
    for source in project.files.values():
        if source.error is not None and in_scope(source.rel_path):
            result.errors.append(ErrorEntry(source.rel_path, source.error))
    result.files_scanned = sum(
        1 for s in project.files.values() if s.error is None and in_scope(s.rel_path)
    )

    has_marker = marker_test(catalog)
    relevant = project.relevant_from(
        rel for rel, s in project.files.items() if s.text is not None and has_marker(s.raw)
    )
    # tests exercise the integration with test data and doubles: not integration code
    relevant = [rel for rel in relevant if not is_test_path(rel)]
    relevant_set = set(relevant)
    # Each group is analyzed on its own: files that share no import cannot affect each
    # other's model, and a group is what the cache keeps and a worker process receives.
    groups = project.components([r for r in relevant if in_scope(r)], relevant)
    group_results = _analyze(project, catalog, groups, settings, options)

    raw = [f for g in group_results for f in g.findings]
    sources = {rel: s.text for rel, s in project.files.items() if s.text is not None}
    findings = complete_code_findings(raw, sources, settings)
    findings = [f for f in findings if f.location is None or in_scope(f.location.path)]
    suppression = apply_suppressions(
        findings,
        sources,
        checked_files=(
            [rel for rel in sources if in_scope(rel)] if options.report_unused_suppressions else ()
        ),
        rule_enabled=settings.rule_enabled,
    )
    result.findings = suppression.kept
    result.extra["suppressed"] = suppression.suppressed
    if options.report_unused_suppressions:
        result.extra["unused_suppressions"] = [u.to_json() for u in suppression.unused]

    analyzer_errors = {(rel, reason) for g in group_results for rel, reason in g.errors}
    result.errors.extend(
        ErrorEntry(rel, why) for rel, why in sorted(analyzer_errors) if in_scope(rel)
    )
    # files the analysis did not need: Python's own check, so none goes uncounted unread
    skipped = [
        rel
        for rel, source in project.files.items()
        if source.text is not None and rel not in relevant_set and in_scope(rel)
    ]
    for rel, reason in sorted(
        unparseable(project, skipped, jobs=options.jobs, cache_dir=options.cache_dir).items()
    ):
        result.errors.append(
            ErrorEntry(rel, f"{reason} (not analyzed: it never mentions Dokeos)", level="warning")
        )
    warned = {(rel, reason) for g in group_results for rel, reason in g.warnings}
    result.errors.extend(
        ErrorEntry(rel, why, level="warning") for rel, why in sorted(warned) if in_scope(rel)
    )
    result.extra["endpoints_seen"] = sorted({e for g in group_results for e in g.endpoints})
    result.calls = [
        c
        for c in merge_calls(c for g in group_results for c in g.calls)
        if in_scope(c["location"]["path"])
    ]
    result.errors.sort(key=lambda e: e.path)
    return result


def _analyze(
    project: Project,
    catalog: Catalog,
    groups: list[list[str]],
    settings: Settings,
    options: ScanOptions,
) -> list[GroupResult]:
    progress = Progress(options.progress)
    declared = declared_sends(settings.http_calls)
    if options.cache_dir is None:
        return analyze_groups(
            project, catalog, groups, jobs=options.jobs, progress=progress, declared=declared
        )

    digest = FileDigests(project)
    cache = ResultCache.for_scan(options.cache_dir, _settings_salt(project, settings))
    keys = [cache.key(group, digest) for group in groups]
    results: list[GroupResult | None] = [cache.get(key, digest) for key in keys]
    missing = [i for i, r in enumerate(results) if r is None]

    def remember(index: int, result: GroupResult) -> None:
        cache.put(keys[missing[index]], result, digest)

    fresh = analyze_groups(
        project,
        catalog,
        [groups[i] for i in missing],
        jobs=options.jobs,
        progress=progress,
        on_result=remember,
        declared=declared,
    )
    for i, result in zip(missing, fresh, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def _settings_salt(project: Project, settings: Settings) -> list[str]:
    # What changes a group's raw findings besides its files: the extra Dokeos hosts, and
    # which settings modules exist (framework settings are looked up by name, not import).
    settings_modules = sorted(
        rel
        for module, rels in project.by_module.items()
        if module.split(".")[-1] == "settings" or module.startswith("settings.")
        for rel in rels
    )
    return [
        json.dumps(
            {
                "hosts": sorted(settings.hosts),
                "settings_modules": settings_modules,
                "http_calls": [sorted(c.items()) for c in settings.http_calls],
                "max_file_size": settings.max_file_size,
            },
            default=str,
        )
    ]


def _in_project(project: Project, real_paths: Set[str]) -> set[str]:
    return {
        rel
        for rel, source in project.files.items()
        if os.path.realpath(source.abs_path) in real_paths
    }


def default_cache_dir(paths: Sequence[Path]) -> Path:
    """``.dokeos-audit-cache`` in the scanned folder: the first one given, or the working
    directory for files (their paths are shown relative to it: it is their root)."""
    first = paths[0] if paths else Path(".")
    return (first if first.is_dir() else Path(".")) / CACHE_DIR_NAME


PROJECT_ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")


def context_root(paths: Sequence[Path], cwd: Path | None = None) -> Path | None:
    """The working directory, when only files are given, all inside it, and it is a
    project's root (pre-commit runs hooks there with the staged files as arguments).

    Those files are then scanned with the whole project around them, so a constant they
    import from a sibling module resolves; reported paths stay relative to it, as before.
    """
    cwd = cwd or Path.cwd()
    if not paths or not all(p.is_file() for p in paths):
        return None
    if not any((cwd / marker).exists() for marker in PROJECT_ROOT_MARKERS):
        return None
    top = os.path.realpath(cwd)
    inside = all(os.path.realpath(p).startswith(top.rstrip(os.sep) + os.sep) for p in paths)
    return cwd if inside else None
