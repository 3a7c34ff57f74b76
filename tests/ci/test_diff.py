"""--changed-since REF (formerly --diff REF): only the Python files changed against REF (and
untracked ones) are analyzed and reported, while the rest of the project still resolves what
they import."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ci.helpers import SYNC, dokeos_audit, scan_json, sync_project, write_project

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CONF = "API_VERSION = 2\nTIMEOUT = 30\n"
USERS = """\
import requests

from sync.conf import API_VERSION, TIMEOUT

ACCEPT = f"application/vnd.dokeos+json;version={API_VERSION}"


def fetch_user(user_id):
    response = requests.get(
        f"https://acme.dokeos.com/api/users/{user_id}",
        headers={"Accept": ACCEPT},
        timeout=TIMEOUT,
    )
    return response.json()
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=CI", "-c", "user.email=ci@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed integration: the sync script (4 findings) and a clean user lookup."""
    sync_project(tmp_path, **{"sync/conf.py": CONF, "sync/users.py": USERS})
    (tmp_path / ".gitignore").write_text(".dokeos-audit-cache/\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    return tmp_path


def test_nothing_changed_means_nothing_scanned(repo: Path) -> None:
    outcome = scan_json(repo, "--changed-since", "HEAD")
    assert outcome.places == []
    assert outcome.document["summary"]["files_scanned"] == 0
    assert outcome.code == 0


def test_only_findings_in_changed_files_are_reported(repo: Path) -> None:
    users = repo / "sync" / "users.py"
    users.write_text(USERS.replace("{API_VERSION}", "1"))
    outcome = scan_json(repo, "--changed-since", "HEAD")
    assert outcome.places == [("DK001", "sync/users.py", 11)]
    assert outcome.document["summary"]["files_scanned"] == 1
    assert outcome.code == 1
    # the same tree, scanned whole, also has the sync script's findings
    assert len(scan_json(repo).places) == 5


def test_constants_of_unchanged_modules_still_resolve(repo: Path) -> None:
    (repo / "sync" / "conf.py").write_text(CONF.replace("2", "1"))
    git(repo, "commit", "-q", "-am", "back to V1")
    (repo / "sync" / "users.py").write_text(USERS + "\n\n# reviewed\n")
    outcome = scan_json(repo, "--changed-since", "HEAD")
    assert outcome.places == [("DK001", "sync/users.py", 11)]


def test_staged_changes_and_untracked_files_count(repo: Path) -> None:
    write_project(repo, {"sync/extra.py": SYNC.replace("def ", "def extra_")})
    (repo / "sync" / "dokeos.py").write_text(SYNC + "\n\n# staged\n")
    git(repo, "add", "sync/dokeos.py")
    outcome = scan_json(repo, "--changed-since", "HEAD")
    assert {path for _, path, _ in outcome.places} == {"sync/dokeos.py", "sync/extra.py"}
    assert outcome.document["summary"]["files_scanned"] == 2


def test_diff_against_an_older_commit(repo: Path) -> None:
    (repo / "sync" / "users.py").write_text(USERS.replace("{API_VERSION}", "1"))
    git(repo, "commit", "-q", "-am", "pin V1")
    assert scan_json(repo, "--changed-since", "HEAD").places == []
    assert scan_json(repo, "--changed-since", "HEAD~1").places == [("DK001", "sync/users.py", 11)]


def test_unknown_ref_is_a_one_line_usage_error(repo: Path) -> None:
    outcome = scan_json(repo, "--changed-since", "no-such-branch")
    assert outcome.code == 2
    assert len(outcome.stderr.splitlines()) == 1
    assert "cannot diff against 'no-such-branch'" in outcome.stderr


def test_ref_that_looks_like_an_option_is_refused(repo: Path) -> None:
    outcome = scan_json(repo, "--changed-since=--output=/tmp/x")
    assert outcome.code == 2
    assert "not a git revision" in outcome.stderr


def test_outside_a_git_work_tree_is_a_usage_error(tmp_path: Path) -> None:
    outcome = scan_json(sync_project(tmp_path), "--changed-since", "HEAD")
    assert outcome.code == 2
    assert "not in a git work tree" in outcome.stderr


def test_the_former_diff_ref_still_works_with_a_deprecation_warning(repo: Path) -> None:
    (repo / "sync" / "users.py").write_text(USERS.replace("{API_VERSION}", "1"))
    outcome = scan_json(repo, "--diff", "HEAD")
    assert outcome.places == [("DK001", "sync/users.py", 11)]
    assert "--changed-since" in outcome.stderr and "deprecated" in outcome.stderr
    assert scan_json(repo, "--diff=HEAD").places == [("DK001", "sync/users.py", 11)]


def test_diff_followed_by_a_path_is_the_fix_preview(repo: Path) -> None:
    (repo / "sync" / "users.py").write_text(USERS.replace("{API_VERSION}", "1"))
    outcome = dokeos_audit("scan", "--diff", repo)
    assert outcome.code == 1
    assert '-ACCEPT = f"application/vnd.dokeos+json;version=1"' in outcome.stdout
    assert '+ACCEPT = f"application/vnd.dokeos+json;version=2"' in outcome.stdout
    assert "deprecated" not in outcome.stderr
    # a preview changes nothing
    assert "version=1" in (repo / "sync" / "users.py").read_text()
