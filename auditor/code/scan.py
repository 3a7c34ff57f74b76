"""The code scan: find the files that can involve Dokeos, analyze them, run the rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from auditor.catalog import Catalog, load_catalog
from auditor.code.analyzer import Analyzer
from auditor.code.model import CodeModel
from auditor.code.project import Project
from auditor.config import Settings
from auditor.engine import complete_code_findings
from auditor.findings import ErrorEntry, RunResult
from auditor.rules import ALL_RULES
from auditor.rules.base import RawFinding


def marker_pattern(catalog: Catalog) -> re.Pattern[bytes]:
    """Text that shows a file can talk to Dokeos: the media type, host markers, user hosts."""
    words = {catalog.media_type.split("/", 1)[1].split("+", 1)[0], *catalog.host_markers}
    for host in catalog.extra_hosts:
        words.add(host.lstrip("*.").replace("*", ""))
    alternatives = "|".join(re.escape(w) for w in sorted(words) if w)
    return re.compile(alternatives.encode(), re.IGNORECASE)


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


def scan_paths(paths: Sequence[Path], settings: Settings, name: str | None = None) -> RunResult:
    catalog = load_catalog().with_hosts(settings.hosts)
    project = Project.discover(paths, settings.exclude)
    project.read_all()
    result = RunResult(name=name or ", ".join(str(p) for p in paths), kind="code")
    result.errors.extend(ErrorEntry(path, reason) for path, reason in project.errors)
    for source in project.files.values():
        if source.error is not None:
            result.errors.append(ErrorEntry(source.rel_path, source.error))
    result.files_scanned = sum(1 for s in project.files.values() if s.error is None)

    analyzer = Analyzer(project, catalog)
    for rel in project.relevant_files(marker_pattern(catalog)):
        analyzer.analyze(rel)
    analysis = analyzer.model()
    model = CodeModel(analysis.calls, analysis.polls)
    for rel, reason in analyzer.errors.items():
        result.errors.append(ErrorEntry(rel, reason))

    sources = {rel: s.text for rel, s in project.files.items() if s.text is not None}
    raw = run_rules(model, catalog, settings)
    result.findings = complete_code_findings(raw, sources, settings)
    result.extra["endpoints_seen"] = sorted(
        {c.endpoint for c in model.calls if c.is_dokeos and c.endpoint is not None}
    )
    result.errors.sort(key=lambda e: e.path)
    return result
