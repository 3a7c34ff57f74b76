"""Files that cannot be read or parsed are listed in `errors`; the scan goes on for the others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

PY2_SCRIPT = """\
import urllib2

print "deleting leavers from https://acme.dokeos.com/api"
request = urllib2.Request("https://acme.dokeos.com/api/user/42")
request.get_method = lambda: "DELETE"
urllib2.urlopen(request)
"""

HALF_EDITED = """\
import requests

DOKEOS = "https://acme.dokeos.com/api"


def sync_users(session:
    return session.get(DOKEOS + "/users").json()
"""

LATIN1_EXPORT = (
    "# Export des r\u00e9sultats vers Dokeos (\u00e9t\u00e9 2019)\n"
    'API = "https://acme.dokeos.com/api"\n'
    'TITLE = "R\u00e9sultats"\n'
).encode("latin-1")

BINARY_BLOB = b"\x7fELF\x02\x01\x01\x00" + b"\x00\xff\xfe\x9c" * 64 + b"dokeos" + b"\x00\x80" * 64

GOOD_FILE = """\
import requests


def fetch_user(user_id):
    response = requests.get(
        f"https://acme.dokeos.com/api/users/{user_id}",
        headers={"Accept": "application/vnd.dokeos+json;version=1"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()
"""
GOOD_FILE_V1_LINE = 7

BAD_FILES = (
    "legacy/py2_sync.py",
    "broken/half_edited.py",
    "exports/latin1_export.py",
    "blob.py",
    "dangling.py",
    "loop/a.py",
    "loop/b.py",
)


def build_project(root: Path) -> None:
    (root / "legacy").mkdir()
    (root / "legacy" / "py2_sync.py").write_text(PY2_SCRIPT, encoding="utf-8")
    (root / "broken").mkdir()
    (root / "broken" / "half_edited.py").write_text(HALF_EDITED, encoding="utf-8")
    (root / "exports").mkdir()
    (root / "exports" / "latin1_export.py").write_bytes(LATIN1_EXPORT)
    (root / "blob.py").write_bytes(BINARY_BLOB)
    # Tests run as root, so chmod 000 would not stop a read: links that cannot be followed.
    (root / "dangling.py").symlink_to(root / "moved_away.py")
    (root / "loop").mkdir()
    (root / "loop" / "a.py").symlink_to("b.py")
    (root / "loop" / "b.py").symlink_to("a.py")
    (root / "good.py").write_text(GOOD_FILE, encoding="utf-8")


ScanResult = tuple[subprocess.CompletedProcess[str], dict[str, Any]]


@pytest.fixture(scope="module")
def scan_result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    base = tmp_path_factory.mktemp("scan_errors")
    project = base / "project"
    project.mkdir()
    build_project(project)
    output = base / "result.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "scan",
            str(project),
            "--format",
            "json",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert output.exists(), f"no JSON written (exit {completed.returncode}):\n{completed.stderr}"
    return completed, json.loads(output.read_text(encoding="utf-8"))


def test_the_fixture_project_really_is_broken(tmp_path: Path) -> None:
    build_project(tmp_path)
    with pytest.raises(SyntaxError):
        compile(PY2_SCRIPT, "py2_sync.py", "exec")
    with pytest.raises(SyntaxError):
        compile(HALF_EDITED, "half_edited.py", "exec")
    with pytest.raises(UnicodeDecodeError):
        LATIN1_EXPORT.decode("utf-8")
    with pytest.raises(OSError):
        (tmp_path / "dangling.py").read_bytes()
    with pytest.raises(OSError):
        (tmp_path / "loop" / "a.py").read_bytes()
    compile(GOOD_FILE, "good.py", "exec")


def test_each_unreadable_file_is_one_error_with_a_one_line_reason(scan_result: ScanResult) -> None:
    _, document = scan_result
    errors = {error["path"]: error["reason"] for error in document["errors"]}
    missing = [path for path in BAD_FILES if path not in errors]
    assert not missing, f"not reported as errors: {missing}; errors: {document['errors']}"
    for path in BAD_FILES:
        reason = errors[path]
        assert isinstance(reason, str) and reason.strip(), (path, reason)
        assert "\n" not in reason.strip(), (path, reason)
        assert "Traceback" not in reason, (path, reason)
    assert "good.py" not in errors


def test_the_readable_file_is_still_scanned(scan_result: ScanResult) -> None:
    _, document = scan_result
    v1_findings = [
        finding
        for finding in document["findings"]
        if finding["rule"] == "DK001" and finding["location"]["path"] == "good.py"
    ]
    assert [f["location"]["line"] for f in v1_findings] == [GOOD_FILE_V1_LINE], document["findings"]


def test_exit_code_reports_the_finding_and_no_traceback_leaks(scan_result: ScanResult) -> None:
    completed, _ = scan_result
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
