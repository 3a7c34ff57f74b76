"""Speed without surprises: groups of files sharing no import are analyzed apart (in worker
processes when it pays), an unchanged group comes from the cache, and a change to any file a
group read (even one without Dokeos markers) sends it back to the analyzer."""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

import auditor.parallel
from auditor.catalog import Catalog
from auditor.code.project import Project
from auditor.code.scan import ScanOptions, scan_paths
from auditor.config import Settings
from auditor.parallel import GroupResult, Progress, worth_a_pool
from tests.ci.helpers import REPO, SYNC, dokeos_audit, scan_json, sync_project, write_project

CONF = "API_VERSION = 2\n"
USERS = """\
import requests

from hr.conf import API_VERSION

ACCEPT = f"application/vnd.dokeos+json;version={API_VERSION}"


def fetch_user(user_id):
    response = requests.get(
        f"https://acme.dokeos.com/api/users/{user_id}", headers={"Accept": ACCEPT}, timeout=10
    )
    return response.json()
"""


class AnalyzerSpy:
    """Counts the groups sent to the analyzer (in this process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.groups: list[list[str]] = []
        real = auditor.parallel.analyze_group

        def spy(
            project: Project, catalog: Catalog, entries: Sequence[str], declared: Sequence = ()
        ) -> GroupResult:
            self.groups.append(list(entries))
            return real(project, catalog, entries, declared)

        monkeypatch.setattr(auditor.parallel, "analyze_group", spy)


def two_integrations(root: Path) -> Path:
    """Two packages that share no import: the HR sync, and a user lookup with its settings."""
    sync_project(root, **{"hr/__init__.py": "", "hr/conf.py": CONF, "hr/users.py": USERS})
    return root


def cached_scan(root: Path, settings: Settings | None = None) -> list[tuple[str, str, int]]:
    options = ScanOptions(cache_dir=root / ".dokeos-audit-cache")
    result = scan_paths([root], settings or Settings(), options=options)
    return sorted((f.rule, f.location.path, f.location.line) for f in result.findings if f.location)


def test_files_sharing_no_import_form_separate_groups(tmp_path: Path) -> None:
    project = Project.discover([two_integrations(tmp_path)])
    project.read_all()
    relevant = ["hr/users.py", "sync/dokeos.py"]
    assert project.components(relevant, relevant) == [["hr/users.py"], ["sync/dokeos.py"]]
    assert project.imported_closure(["hr/users.py"]) == {"hr/users.py", "hr/conf.py"}


def test_unchanged_rerun_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_integrations(tmp_path)
    first = cached_scan(tmp_path)
    assert len(first) == 4
    spy = AnalyzerSpy(monkeypatch)
    assert cached_scan(tmp_path) == first
    assert spy.groups == []


def test_only_the_changed_group_is_analyzed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_integrations(tmp_path)
    cached_scan(tmp_path)
    spy = AnalyzerSpy(monkeypatch)
    (tmp_path / "sync" / "dokeos.py").write_text(SYNC.replace("timeout=30", "timeout=60"))
    assert len(cached_scan(tmp_path)) == 4
    assert spy.groups == [["sync/dokeos.py"]]


def test_a_change_in_an_imported_module_without_markers_is_seen(tmp_path: Path) -> None:
    two_integrations(tmp_path)
    assert ("DK001", "hr/users.py", 10) not in cached_scan(tmp_path)
    (tmp_path / "hr" / "conf.py").write_text("API_VERSION = 1\n")
    assert ("DK001", "hr/users.py", 10) in cached_scan(tmp_path)


def test_a_new_module_that_an_import_now_finds_is_seen(tmp_path: Path) -> None:
    sync_project(tmp_path, **{"hr/__init__.py": "", "hr/users.py": USERS})
    assert ("DK001", "hr/users.py", 10) not in cached_scan(tmp_path)
    write_project(tmp_path, {"hr/conf.py": "API_VERSION = 1\n"})
    assert ("DK001", "hr/users.py", 10) in cached_scan(tmp_path)


def test_cache_entries_serve_any_rule_selection(tmp_path: Path) -> None:
    two_integrations(tmp_path)
    assert [r for r, _, _ in cached_scan(tmp_path, Settings(select=frozenset({"DK001"})))] == [
        "DK001"
    ]
    assert len(cached_scan(tmp_path)) == 4


def test_damaged_cache_entries_are_misses(tmp_path: Path) -> None:
    two_integrations(tmp_path)
    first = cached_scan(tmp_path)
    entries = list((tmp_path / ".dokeos-audit-cache").glob("v1/??/*.json"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_text(entry.read_text()[:40])
    assert cached_scan(tmp_path) == first


def test_cli_keeps_its_cache_in_the_scanned_folder_unless_told_otherwise(tmp_path: Path) -> None:
    project = two_integrations(tmp_path / "project")
    cold = scan_json(project)
    cache = project / ".dokeos-audit-cache"
    assert (
        (cache / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(cache.glob("v1/??/*.json"))) == 2
    assert scan_json(project).document == cold.document

    shutil.rmtree(cache)
    scan_json(project, "--no-cache")
    assert not cache.exists()
    scan_json(project, "--cache-dir", tmp_path / "elsewhere")
    assert not cache.exists()
    assert len(list((tmp_path / "elsewhere").glob("v1/??/*.json"))) == 2


def test_worker_processes_report_what_one_process_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("hr_sync_requests", "etl_httpx", "groups_admin", "tricky_flow"):
        shutil.copytree(REPO / "fixtures" / "code" / name, tmp_path / name)
    alone = scan_paths([tmp_path], Settings(), options=ScanOptions(jobs=1))
    monkeypatch.setattr(auditor.parallel, "worth_a_pool", lambda sizes, jobs: True)
    spy = AnalyzerSpy(monkeypatch)
    spread = scan_paths([tmp_path], Settings(), options=ScanOptions(jobs=2))
    assert spy.groups == []  # every group went to a worker
    assert len(alone.findings) > 20
    assert spread.to_json() == alone.to_json()


def test_a_pool_only_when_it_ends_sooner() -> None:
    assert worth_a_pool([4, 4], jobs=2)
    assert worth_a_pool([3, 2, 2, 1, 1, 1], jobs=2)
    assert not worth_a_pool([7, 1], jobs=2)  # the big group alone takes nearly as long
    assert not worth_a_pool([1, 1], jobs=2)  # starting workers costs more than two files
    assert not worth_a_pool([20, 20], jobs=1)
    assert not worth_a_pool([40], jobs=8)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_and_is_cleared() -> None:
    screen = Terminal()
    progress = Progress(screen)
    progress.start(groups=2, files=5)
    progress.advance(3)
    progress.advance(2)
    progress.finish()
    shown = screen.getvalue()
    # the user's words: files, not the groups the work is split into
    assert "analyzing 0 of 5 files" in shown
    assert "analyzing 5 of 5 files" in shown
    assert "group" not in shown
    assert shown.endswith("\r\x1b[K")


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    pipe = io.StringIO()
    progress = Progress(pipe)
    progress.start(groups=1, files=1)
    progress.advance(1)
    progress.finish()
    assert pipe.getvalue() == ""
    outcome = dokeos_audit("scan", two_integrations(tmp_path), "--no-cache")
    assert outcome.stderr == ""
    assert outcome.code == 1
