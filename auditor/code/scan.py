"""The code scan: find the files that can involve Dokeos, analyze them, run the rules."""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from auditor.cache import CACHE_DIR_NAME, FileDigests, ResultCache
from auditor.catalog import Catalog, load_catalog
from auditor.code.inventory import merge as merge_calls
from auditor.code.models import declared_sends
from auditor.code.project import Project, find_project_root, is_test_path
from auditor.code.syntax_check import unparseable
from auditor.config import Settings
from auditor.engine import complete_code_findings
from auditor.excludes import FileFilter, git_top
from auditor.findings import ErrorEntry, Finding, Location, RunResult, SourceContext, fingerprint
from auditor.fix.target import python_target
from auditor.gitdiff import changed_python_files
from auditor.parallel import GroupResult, Progress, analyze_groups, run_rules
from auditor.rules import RULES_BY_ID
from auditor.suppressions import UnusedSuppression, apply_suppressions

__all__ = ["ScanOptions", "find_project_root", "marker_test", "run_rules", "scan_paths"]


@dataclass(frozen=True)
class ScanOptions:
    """How to run a scan; the defaults (one process, no cache) suit library callers."""

    jobs: int = 1
    cache_dir: Path | None = None
    """Where group results are kept between runs (None: no cache)."""
    diff_ref: str | None = None
    """Only the Python files changed against this git ref are analyzed and reported."""
    project_root: Path | None = None
    """The project the paths belong to: every file under it is read (so imports resolve),
    only the given paths are reported, and paths are relative to it. None: the single
    folder given, or the folder holding every path."""
    report_unused_suppressions: bool = False
    """Report DK100 even if the selection leaves it out."""
    overlay: Mapping[str, bytes] | None = None
    """Files (real path → bytes) read from here instead of the disk: the text fixes gave
    them in an earlier pass of the same run."""
    progress: TextIO | None = None
    """Where to show progress, when it is a terminal."""
    cwd: Path | None = None
    """What ``location.file`` is relative to (default: the working directory)."""


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
    project = discover(paths, settings, options)
    project.read_all(options.overlay)
    project.python_target = python_target(project.root)
    result = RunResult(name=name or ", ".join(str(p) for p in paths), kind="code")
    result.root = str(project.root)
    top = git_top(project.root)
    result.repository_root = str(top) if top is not None else None
    result.docs_url = settings.docs_url

    changed: set[str] = set(project.in_scope)
    if options.diff_ref is not None and paths:
        changed &= _in_project(project, changed_python_files(options.diff_ref, paths[0]))

    def in_scope(rel: str) -> bool:
        return rel in changed

    result.errors.extend(ErrorEntry(path, reason) for path, reason in project.errors)
    unreadable: set[str] = set()
    for source in project.files.values():
        if source.error is not None and in_scope(source.rel_path):
            unreadable.add(source.rel_path)
            result.errors.append(_unreadable(source.rel_path, source.error, source.raw))

    has_marker = marker_test(catalog)
    relevant = project.relevant_from(
        rel for rel, s in project.files.items() if s.text is not None and has_marker(s.raw)
    )
    # tests exercise the integration with test data and doubles: not integration code
    relevant = [rel for rel in relevant if not is_test_path(rel)]
    relevant_set = set(relevant)
    # Each group is analyzed on its own: files that share no import cannot affect each
    # other's model, and a group is what the cache keeps and a worker process receives.
    # The given paths are analyzed with every file linked to them by imports, callers too
    # (a wrapper is evaluated from the calls that name its endpoint), so a file scanned on
    # its own gets what `scan .` finds in it; --diff analyzes only what changed, for speed.
    if options.diff_ref is not None:
        groups = project.components([r for r in relevant if in_scope(r)], relevant)
    else:
        groups = [
            group
            for group in project.components(relevant, relevant)
            if any(in_scope(rel) for rel in group)
        ]
    group_results = _analyze(project, catalog, groups, settings, options)

    raw = [f for g in group_results for f in g.findings]
    sources = {rel: s.text for rel, s in project.files.items() if s.text is not None}
    findings = complete_code_findings(raw, sources, settings)
    findings = [f for f in findings if f.location is None or in_scope(f.location.path)]
    per_file = _per_file_ignored(project, settings)
    findings = [
        f for f in findings if f.location is None or f.rule not in per_file(f.location.path)
    ]
    unused_wanted = options.report_unused_suppressions or settings.rule_enabled("DK100")
    suppression = apply_suppressions(
        findings,
        sources,
        checked_files=([rel for rel in sources if in_scope(rel)] if unused_wanted else ()),
        rule_enabled=settings.rule_enabled,
    )
    result.findings = suppression.kept
    result.extra["suppressed"] = suppression.suppressed
    if unused_wanted:
        unused = _unused_suppression_findings(suppression.unused, sources, settings)
        result.findings.extend(
            f for f in unused if f.location is None or "DK100" not in per_file(f.location.path)
        )

    analyzer_errors = {(rel, reason) for g in group_results for rel, reason in g.errors}
    for rel, why in sorted(analyzer_errors):
        if in_scope(rel) and rel not in unreadable:
            unreadable.add(rel)
            result.errors.append(_unreadable(rel, why, project.files[rel].raw))
    # a file whose analysis stopped at one construct was read and checked up to there: it
    # counts as scanned, and its error says its findings may be incomplete
    partial = {(rel, reason) for g in group_results for rel, reason in g.partial}
    for rel, why in sorted(partial):
        if in_scope(rel) and rel not in unreadable:
            result.errors.append(ErrorEntry(rel, why))
    # files the analysis did not need: Python's own check, so none goes uncounted unread
    skipped = [
        rel
        for rel, source in project.files.items()
        if source.text is not None and rel not in relevant_set and in_scope(rel)
    ]
    for rel, reason in sorted(
        unparseable(project, skipped, jobs=options.jobs, cache_dir=options.cache_dir).items()
    ):
        unreadable.add(rel)
        result.errors.append(_unreadable(rel, reason, project.files[rel].raw))
    result.files_scanned = sum(
        1 for rel in project.files if in_scope(rel) and rel not in unreadable
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
    shown = display_paths(project.root, options.cwd)
    result.findings = [_with_file(f, shown) for f in result.findings]
    result.errors = [
        replace(e, file=shown(e.path)) if e.path in project.files else e for e in result.errors
    ]
    result.errors.sort(key=lambda e: e.path)
    for call in result.calls:
        call["location"]["file"] = shown(call["location"]["path"])
    result.paths = {rel: source.abs_path for rel, source in project.files.items()}
    return result


def discover(paths: Sequence[Path], settings: Settings, options: ScanOptions) -> Project:
    """The project around the paths, with what settings and .gitignore leave out."""
    root = Path(os.path.realpath(options.project_root)) if options.project_root else None
    if root is None:
        from auditor.code.project import default_root

        root = Path(os.path.realpath(default_root(paths)))
    file_filter = FileFilter.for_project(
        root, settings.exclude_lists(root), respect_gitignore=settings.respect_gitignore
    )
    return Project.discover(
        paths,
        max_file_size=settings.max_file_size,
        root=root,
        file_filter=file_filter,
        force_exclude=settings.force_exclude,
    )


def _per_file_ignored(project: Project, settings: Settings) -> Callable[[str], frozenset[str]]:
    known: dict[str, frozenset[str]] = {}

    def ignored(rel: str) -> frozenset[str]:
        if not settings.per_file_ignores:
            return frozenset()
        if rel not in known:
            known[rel] = settings.per_file_ignores.ignored(project.root / rel)
        return known[rel]

    return ignored


def _unused_suppression_findings(
    unused: Sequence[UnusedSuppression], sources: dict[str, str], settings: Settings
) -> list[Finding]:
    """DK100 findings: an id, the comment's place, a fingerprint that survives moved lines."""
    # libcst only where a comment is to be removed
    from auditor.fix.comments import suppression_fix

    rule = RULES_BY_ID["DK100"]
    seen: dict[tuple[str, str], int] = {}
    out = []
    for entry in unused:
        text = sources.get(entry.path, "")
        lines = text.splitlines()
        fix = suppression_fix(
            entry.path, text, entry.line, entry.column, entry.comment, entry.rules
        )
        key = (entry.path, entry.comment)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        start = max(1, entry.line - 3)
        out.append(
            Finding(
                rule=rule.id,
                severity=settings.severity_of(rule.id, rule.severity),
                message=entry.message,
                origin="code",
                endpoint=None,
                fingerprint=fingerprint(
                    rule.id, entry.path, entry.comment, entry.rules, occurrence
                ),
                location=Location(
                    entry.path,
                    entry.line,
                    entry.column,
                    entry.line,
                    entry.column + len(entry.comment),
                ),
                context=SourceContext(start, tuple(lines[start - 1 : entry.line + 3]))
                if lines
                else None,
                fix=fix if not isinstance(fix, str) else None,
                no_fix=fix if isinstance(fix, str) else "",
            )
        )
    return out


_AT_LINE = re.compile(r"^syntax error at line (\d+): ")


def _unreadable(rel: str, reason: str, raw: bytes) -> ErrorEntry:
    """An error entry for a file that cannot be read or parsed, at the exact place reading
    stopped when there is one: Python's own position for a syntax error, the first NUL
    byte of a binary file, the first byte that does not decode."""
    line: int | None = None
    column: int | None = None
    if reason.startswith("syntax error"):
        position = _syntax_error_at(raw)
        if position is not None:
            line, column, message = position
            hint = " (Python 2 code?)" if "(Python 2 code?)" in reason else ""
            reason = f"syntax error: {message}{hint}"
        else:
            found = _AT_LINE.match(reason)
            if found is not None:
                line, column = int(found.group(1)), 1
                reason = "syntax error: " + reason[found.end() :]
    elif reason.startswith("binary file") and b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
    elif reason.startswith("cannot decode"):
        offset = _bad_byte(raw)
        if offset is not None:
            line, column = _position(raw, offset)
    return ErrorEntry(rel, reason, line=line, column=column)


def _syntax_error_at(raw: bytes) -> tuple[int, int, str] | None:
    try:
        ast.parse(raw)
    except SyntaxError as exc:
        message = (exc.msg or "invalid syntax").rstrip(".")
        return exc.lineno or 1, max(1, exc.offset or 1), message
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _bad_byte(raw: bytes) -> int | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


def display_paths(root: Path, cwd: Path | None) -> Callable[[str], str]:
    """A path relative to the root, as the user's shell reaches it: relative to the working
    directory when under it, absolute otherwise (as ruff prints them)."""
    here = os.path.realpath(cwd or Path.cwd())
    prefix = here.rstrip(os.sep) + os.sep

    def shown(rel: str) -> str:
        full = os.path.join(root, rel)
        if full == here:
            return "."
        if full.startswith(prefix):
            return full[len(prefix) :].replace(os.sep, "/")
        return full

    return shown


def _with_file(finding: Finding, shown: Callable[[str], str]) -> Finding:
    if finding.location is None:
        return finding
    return replace(finding, location=replace(finding.location, file=shown(finding.location.path)))


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
                "python_target": project.python_target,
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


def default_cache_dir(root: Path) -> Path:
    """``.dokeos-audit-cache`` at the project root, as ruff keeps ``.ruff_cache``."""
    return root / CACHE_DIR_NAME
