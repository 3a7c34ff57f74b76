"""The pre-commit hook: `dokeos-audit scan` with the staged files, run from the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.ci.helpers import REPO, SYNC_FINDINGS, scan_json, sync_project

USERS = """\
import requests

from sync.conf import API_VERSION

ACCEPT = f"application/vnd.dokeos+json;version={API_VERSION}"


def fetch_user(user_id):
    response = requests.get(
        f"https://acme.dokeos.com/api/users/{user_id}", headers={"Accept": ACCEPT}, timeout=10
    )
    return response.json()
"""


def test_hook_definition_is_what_pre_commit_expects() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["dokeos-audit"]
    hook = hooks[0]
    assert hook["entry"] == "dokeos-audit scan --force-exclude"  # excludes hold for staged files
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook.get("pass_filenames", True) is True


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sync_project(tmp_path, **{"sync/conf.py": "API_VERSION = 1\n", "sync/users.py": USERS})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_staged_files_are_scanned_with_their_project_around_them(repository: Path) -> None:
    outcome = scan_json("sync/users.py")
    # API_VERSION comes from sync/conf.py, which pre-commit did not pass
    assert outcome.places == [("DK001", "sync/users.py", 10)]
    assert outcome.document["summary"]["files_scanned"] == 1
    assert outcome.code == 1
    assert (repository / ".dokeos-audit-cache").is_dir()
    assert not (repository / "sync" / ".dokeos-audit-cache").exists()


def test_only_the_staged_files_are_reported(repository: Path) -> None:
    outcome = scan_json("sync/conf.py", "sync/dokeos.py")
    assert {path for _, path, _ in outcome.places} == {"sync/dokeos.py"}
    assert outcome.document["summary"]["files_scanned"] == 2


def test_a_package_outside_a_project_root_is_read_from_the_folder_above_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_project(tmp_path / "work", **{"sync/conf.py": "API_VERSION = 1\n", "sync/users.py": USERS})
    monkeypatch.chdir(tmp_path / "work")
    # no pyproject, setup.* or .git: the imports of package `sync` start above it, as
    # Python's would, so users.py is analyzed with the sync.conf it imports
    assert scan_json("sync/users.py").places == [("DK001", "sync/users.py", 10)]
    alone = scan_json("sync/dokeos.py")
    assert (
        sorted(
            (f["rule"], f["location"]["file"], f["location"]["line"])
            for f in alone.document["findings"]
        )
        == SYNC_FINDINGS
    )
    assert {f["location"]["path"] for f in alone.document["findings"]} == {"sync/dokeos.py"}
