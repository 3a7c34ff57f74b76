"""The command line as a ruff user meets it (issue 10): each test stands in a temporary
folder, as a user's shell would, and runs ``python -m auditor`` there."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.code.helpers import write_project

REPO = Path(__file__).resolve().parents[1]

CLIENT = """
import requests

BASE = "https://acme.dokeos.com/api"
HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}


def participation(participation_id):
    url = f"{BASE}/participations/{participation_id}"
    return requests.get(url, headers=HEADERS, timeout=30).json()
"""
# the read is in another module than the request: only the project as a whole tells
REPORT = """
from lmsclient.client import participation


def progress_of(participation_id):
    return participation(participation_id)["progressions"]
"""
V1_SCRIPT = """
import requests

HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}


def groups():
    response = requests.get("https://acme.dokeos.com/api/groups", headers=HEADERS)
    return [group["name"] for group in response.json()]
"""


def _python_for(user: int | None) -> str:
    """This interpreter, or for another user one they can run (the same version, with this
    environment's packages on PYTHONPATH)."""
    if user is None:
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return shutil.which(version, path="/usr/local/bin:/usr/bin:/bin") or sys.executable


# this environment's packages as a site folder (its .pth files map auditor.rules and
# auditor.reports in), then the command line as `python -m auditor` runs it
_AS_ANOTHER_USER = (
    "import runpy, site, sys; site.addsitedir(sys.argv.pop(1)); "
    "sys.argv[0] = 'dokeos-audit'; runpy.run_module('auditor', run_name='__main__')"
)


def _runs_as(user: int) -> bool:
    try:
        done = subprocess.run(
            [_python_for(user), "-c", _AS_ANOTHER_USER, sysconfig.get_paths()["purelib"], "rules"],
            user=user,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0


def cli(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    user: int | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    command = [sys.executable, "-m", "auditor"]
    if user is not None:
        command = [_python_for(user), "-c", _AS_ANOTHER_USER, sysconfig.get_paths()["purelib"]]
    return subprocess.run(
        [*command, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
        check=False,
        user=user,
    )


def lms_repo(root: Path) -> Path:
    """A src-layout package with its pyproject.toml, as `pip install -e .` projects are."""
    write_project(
        root,
        {
            "pyproject.toml": '[project]\nname = "lmsclient"\n',
            "src/lmsclient/__init__.py": "",
            "src/lmsclient/client.py": CLIENT,
            "src/lmsclient/report.py": REPORT,
        },
    )
    return root


def findings_of(document: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (f["rule"], f["location"]["path"], f["location"]["line"]) for f in document["findings"]
    )


# -- 1. paths are relative to where the user stands ---------------------------------------


def test_text_paths_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    done = cli("scan", "src", "--output-format", "concise", cwd=repo)
    first = done.stdout.splitlines()[0]
    path = first.split(":")[0]
    assert path == "src/lmsclient/report.py" and (repo / path).is_file()
    inside = cli("scan", ".", "--output-format", "concise", cwd=repo / "src")
    assert inside.stdout.startswith("lmsclient/report.py:5:12: DK002 ")
    assert (repo / "src" / "lmsclient/report.py").is_file()


def test_json_keeps_the_project_path_and_adds_the_working_directory_path(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    done = cli("scan", "lmsclient", "--format", "json", cwd=repo / "src")
    document = json.loads(done.stdout)
    location = document["findings"][0]["location"]
    assert location["path"] == "src/lmsclient/report.py"  # relative to the project root
    assert location["file"] == "lmsclient/report.py"  # relative to where the user stands
    assert document["run"]["root"] == str(repo.resolve())


def test_sarif_and_github_paths_resolve_from_the_repository_top(tmp_path: Path) -> None:
    top = tmp_path / "monorepo"
    (top / ".git").mkdir(parents=True)
    lms_repo(top / "services" / "lms")  # its own pyproject: the project root
    where = top / "services" / "lms" / "src"
    sarif = json.loads(cli("scan", ".", "--format", "sarif", cwd=where).stdout)
    run = sarif["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "services/lms/src/lmsclient/report.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == top.resolve().as_uri() + "/"
    github = cli("scan", ".", "--format", "github", cwd=where).stdout
    assert "file=services/lms/src/lmsclient/report.py,line=5" in github


def test_report_reads_back_where_the_scan_ran(tmp_path: Path) -> None:
    # a result merged by `report`, then merged again, keeps the places a scan recorded
    top = tmp_path / "monorepo"
    (top / ".git").mkdir(parents=True)
    repo = lms_repo(top / "services" / "lms")
    (repo / "src" / "lmsclient" / "broken.py").write_text("import requests\ndef (:\n")
    where = repo / "src"
    cli("scan", ".", "-o", tmp_path / "scan.json", cwd=where)
    cli("report", tmp_path / "scan.json", "-o", tmp_path / "merged.json", cwd=where)
    cli("report", tmp_path / "merged.json", "-o", tmp_path / "again.sarif", cwd=where)
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert merged["runs"][0]["root"] == str(repo.resolve())
    assert merged["findings"][0]["location"]["file"] == "lmsclient/report.py"
    error = next(e for e in merged["errors"] if "broken.py" in e["path"])
    assert (error["line"], error["column"]) == (2, 5) and error["file"] == "lmsclient/broken.py"
    sarif = json.loads((tmp_path / "again.sarif").read_text())
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "services/lms/src/lmsclient/report.py"


def test_baseline_survives_scanning_from_another_folder(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    baseline = tmp_path / "baseline.json"
    assert cli("scan", "--write-baseline", baseline, cwd=repo).returncode == 0
    again = cli("scan", "lmsclient", "--baseline", baseline, "--format", "json", cwd=repo / "src")
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["summary"]["baseline"] == {"new": 0, "known": 1, "fixed": 0}


# -- 2. a sub-folder keeps cross-module findings --------------------------------------------


@pytest.mark.parametrize("given", [".", "src", "src/lmsclient", "src/lmsclient/report.py"], ids=str)
def test_a_sub_folder_or_file_finds_what_the_whole_project_finds(
    tmp_path: Path, given: str
) -> None:
    repo = lms_repo(tmp_path / "repo")
    document = json.loads(cli("scan", given, "--format", "json", cwd=repo).stdout)
    assert findings_of(document) == [("DK002", "src/lmsclient/report.py", 5)]


def test_a_package_without_project_markers_resolves_its_own_imports(tmp_path: Path) -> None:
    # no pyproject, setup.* or .git: the package's imports (lmsclient.client) start from
    # the folder above it, so `scan lmsclient` finds what `scan .` finds
    write_project(
        tmp_path,
        {
            "lmsclient/__init__.py": "",
            "lmsclient/client.py": CLIENT,
            "lmsclient/report.py": REPORT,
        },
    )
    for given in (".", "lmsclient", "lmsclient/report.py"):
        document = json.loads(cli("scan", given, "--format", "json", cwd=tmp_path).stdout)
        assert findings_of(document) == [("DK002", "lmsclient/report.py", 5)], given


def test_a_file_given_alone_gets_what_the_whole_scan_finds_in_it(tmp_path: Path) -> None:
    # offboarding.py's deletes go through a session its callers build: only the project
    # around the file (its importers too) shows they are Dokeos calls
    repo = tmp_path / "hr_sync_requests"
    shutil.copytree(REPO / "fixtures" / "code" / "hr_sync_requests", repo)
    (repo / ".git").mkdir()
    whole = json.loads(cli("scan", "--format", "json", cwd=repo).stdout)
    alone = json.loads(cli("scan", "hr_sync/offboarding.py", "--format", "json", cwd=repo).stdout)
    expected = [f for f in findings_of(whole) if f[1] == "hr_sync/offboarding.py"]
    assert expected and findings_of(alone) == expected


def test_only_the_given_paths_are_reported(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    write_project(repo, {"scripts/legacy.py": V1_SCRIPT})
    document = json.loads(cli("scan", "src", "--format", "json", cwd=repo).stdout)
    assert {path for _, path, _ in findings_of(document)} == {"src/lmsclient/report.py"}
    assert document["summary"]["files_scanned"] == 3


def test_project_root_option_sets_the_project(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    src = repo / "src"
    done = cli("scan", "src", "--project-root", "src", "--format", "json", cwd=repo)
    assert findings_of(json.loads(done.stdout)) == [("DK002", "lmsclient/report.py", 5)]
    outside = cli("scan", ".", "--project-root", src, cwd=repo)
    assert outside.returncode == 2 and "outside the project root" in outside.stderr


# -- 3. nothing scanned is not "no problems" --------------------------------------------------


def test_an_empty_folder_says_no_python_file_was_found_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = cli("scan", "empty", cwd=tmp_path)
    assert done.returncode == 2
    assert "No Python files found under the given path(s)" in done.stderr
    assert "No problems found" not in done.stdout


def test_an_excluded_file_given_by_name_is_scanned_unless_force_exclude(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dokeos-audit]\nexclude = ["legacy/"]\n',
            "legacy/v1.py": V1_SCRIPT,
        },
    )
    named = cli("scan", "legacy/v1.py", "--output-format", "concise", cwd=tmp_path)
    assert named.returncode == 1 and "legacy/v1.py:3:" in named.stdout
    forced = cli("scan", "legacy/v1.py", "--force-exclude", cwd=tmp_path)
    assert forced.returncode == 2
    assert "No Python files found under the given path(s)" in forced.stderr
    assert cli("scan", ".", cwd=tmp_path).returncode == 2  # nothing left to scan


def test_an_ignored_folder_given_by_name_is_scanned_but_not_what_it_ignores(
    tmp_path: Path,
) -> None:
    # as ruff walks a folder named on the command line: what excludes the folder does not
    # exclude its contents, what excludes an entry inside it still does
    write_project(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            ".gitignore": "vendor/\n*_generated.py\n",
            "vendor/client/v1.py": V1_SCRIPT,
            "vendor/client/v1_generated.py": V1_SCRIPT,
            "vendor/client/__pycache__/v1.py": V1_SCRIPT,
        },
    )
    (tmp_path / ".git").mkdir()
    named = cli("scan", "vendor", "--output-format", "concise", cwd=tmp_path)
    assert named.returncode == 1, named.stderr
    files = {line.split(":")[0] for line in named.stdout.splitlines() if ": DK" in line}
    assert files == {"vendor/client/v1.py"}
    # a project of its own inside the ignored folder: its root is not an entry below it
    own = cli("scan", "vendor/client", "--project-root", "vendor/client", cwd=tmp_path)
    assert own.returncode == 1 and "v1.py" in own.stdout and "generated" not in own.stdout
    forced = cli("scan", "vendor", "--force-exclude", cwd=tmp_path)
    assert forced.returncode == 2 and "No Python files found" in forced.stderr
    assert cli("scan", ".", cwd=tmp_path).returncode == 2


# -- 4. errors go to stderr, once, in one line ------------------------------------------------


def test_a_missing_path_is_one_line_on_stderr_and_an_error_entry(tmp_path: Path) -> None:
    done = cli("scan", "missing/", "--format", "json", "-o", "x", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "dokeos-audit: error: missing: no such file or folder"
    assert lines[1] == "dokeos-audit: error: No Python files found under the given path(s)"
    assert len(lines) == 2
    document = json.loads((tmp_path / "x").read_text())
    assert document["errors"] == [{"path": "missing", "reason": "no such file or folder"}]


def test_an_unreadable_capture_is_told_once(tmp_path: Path) -> None:
    (tmp_path / "notjson.har").write_text("hello\n")
    done = cli("traffic", "notjson.har", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("notjson.har") == 1, done.stderr
    assert "none of the captures could be read" in done.stderr
    assert "No problems found" not in done.stdout
    assert "notjson.har" not in done.stdout  # stdout is the report only


def test_the_summary_counts_errors(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    (tmp_path / "blob.py").write_bytes(b"\x7fELF\x00\x01")
    done = cli("scan", cwd=tmp_path)
    assert done.returncode == 1
    # ruff's order: the summary, then what --fix would fix
    assert done.stdout.rstrip().endswith(
        "Found 2 problems (DK001: 1, DK004: 1). 1 error (inputs not read in full).\n"
        "[*] 1 fixable with --fix."
    )
    assert done.stderr.count("blob.py") == 1


# -- 5. unused suppressions are findings ------------------------------------------------------


def test_unused_suppressions_are_findings_with_an_id_and_a_place(tmp_path: Path) -> None:
    text = V1_SCRIPT.replace(
        'response = requests.get("https://acme.dokeos.com/api/groups", headers=HEADERS)',
        'response = requests.get("https://acme.dokeos.com/api/groups", headers=HEADERS)'
        "  # noqa: DK003",
    )
    write_project(tmp_path, {"sync.py": text})
    done = cli("scan", "--report-unused-suppressions", "--output-format", "concise", cwd=tmp_path)
    assert done.returncode == 1
    assert "sync.py:7:85: DK100 [*] unused suppression (DK003): # noqa: DK003" in done.stdout
    assert "DK100: 1" in done.stdout.splitlines()[-2]
    assert "No problems found" not in done.stdout


# -- 6. the format follows the output file's name ---------------------------------------------


def test_the_output_suffix_picks_the_format_on_scan_and_traffic(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    assert cli("scan", "-o", "report.sarif", cwd=tmp_path).returncode == 1
    assert json.loads((tmp_path / "report.sarif").read_text())["version"] == "2.1.0"
    assert cli("scan", "-o", "report.json", cwd=tmp_path).returncode == 1
    assert "findings" in json.loads((tmp_path / "report.json").read_text())
    capture = REPO / "fixtures" / "captures"
    har = next(iter(sorted(capture.glob("*.har"))))
    cli("traffic", har, "-o", "traffic.sarif", cwd=tmp_path)
    assert json.loads((tmp_path / "traffic.sarif").read_text())["version"] == "2.1.0"


def test_a_format_the_suffix_contradicts_is_refused_before_the_scan(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    done = cli("scan", "--format", "text", "-o", "report.sarif", cwd=tmp_path)
    assert done.returncode == 2 and "names a SARIF file" in done.stderr
    assert not (tmp_path / "report.sarif").exists()
    assert cli("scan", "--format", "codequality", "-o", "gl.json", cwd=tmp_path).returncode == 1


# -- 7. output files the user cannot write ----------------------------------------------------


def test_a_read_only_report_is_refused_with_its_cause(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    report = tmp_path / "report.json"
    report.write_text("yesterday's report\n")
    report.chmod(0o444)
    user = None
    if os.geteuid() == 0:
        # root may write any file: the user who cannot is played by nobody, with a Python
        # that nobody can run (this one may live under /root) and our packages on its path
        user = 65534
        if not _runs_as(user):
            pytest.skip("no Python that user nobody can run")
        for folder in (tmp_path, *tmp_path.parents):
            if folder == Path(tmp_path.anchor):
                break
            folder.chmod(folder.stat().st_mode | 0o755)
        tmp_path.chmod(0o777)
    done = cli("scan", "-o", report, "--no-cache", cwd=tmp_path, user=user)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"dokeos-audit: error: cannot write {report}: permission denied "
        "(the file is read-only for you)"
    )
    assert report.read_text() == "yesterday's report\n"


def test_a_kernel_file_is_refused_with_its_real_cause(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    if not Path("/proc/version").exists():
        pytest.skip("no /proc here")
    done = cli("scan", "-o", "/proc/version", cwd=tmp_path)
    assert done.returncode == 2
    assert "No such file" not in done.stderr
    assert "cannot write /proc/version:" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node takes root")
def test_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    # a null device of our own: a rename over /dev/null would break the whole machine
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    assert cli("scan", "-o", device, "--format", "json", cwd=tmp_path).returncode == 1
    assert device.is_char_device()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = cli("scan", "-o", fifo, cwd=tmp_path)
    assert done.returncode == 2 and "a pipe (FIFO) that nothing reads" in done.stderr


# -- 8. configuration precedence --------------------------------------------------------------


def test_command_line_ignore_adds_to_the_configured_ignore(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {"pyproject.toml": '[tool.dokeos-audit]\nignore = ["DK004"]\n', "v1.py": V1_SCRIPT},
    )
    assert cli("scan", "--ignore", "DK001", cwd=tmp_path).returncode == 0  # both ignored
    extended = cli("scan", "--extend-select", "DK004", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(extended.stdout)["findings"]] == ["DK001", "DK004"]
    anew = cli("scan", "--select", "DK004", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(anew.stdout)["findings"]] == ["DK004"]


def test_a_rule_both_selected_and_ignored_is_said(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dokeos-audit]\nselect = ["DK001", "DK004"]\n'
            'ignore = ["DK004"]\n',
            "v1.py": V1_SCRIPT,
        },
    )
    done = cli("scan", "--format", "json", cwd=tmp_path)
    assert "DK004 is both selected and ignored in" in done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["DK001"]


# -- 9. unparseable files ---------------------------------------------------------------------


def test_syntax_errors_have_exact_positions_and_exit_like_binary_files(tmp_path: Path) -> None:
    write_project(tmp_path / "syntax", {"broken.py": "def f(:\n    pass\n"})
    (tmp_path / "binary").mkdir()
    (tmp_path / "binary" / "blob.py").write_bytes(b"x = 1\n\x00\x01")
    syntax = cli("scan", "syntax", cwd=tmp_path)
    binary = cli("scan", "binary", cwd=tmp_path)
    assert syntax.returncode == binary.returncode == 2
    assert "syntax/broken.py:1:7: syntax error: invalid syntax" in syntax.stderr
    assert "binary/blob.py:2:1: binary file" in binary.stderr
    document = json.loads(cli("scan", "syntax", "--format", "json", cwd=tmp_path).stdout)
    assert document["errors"][0]["line"] == 1 and document["errors"][0]["column"] == 7


# -- what ruff users miss ---------------------------------------------------------------------


def test_full_output_shows_severity_source_and_carets(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    lines = cli("scan", cwd=tmp_path).stdout.splitlines()
    assert lines[0].startswith("v1.py:3:")
    assert ": error: DK001 " in lines[0]
    source = next(line for line in lines if line.startswith("3 |"))
    carets = lines[lines.index(source) + 1]
    assert source.index('"Accept"') == carets.index("^")  # the header's literal
    assert "\x1b[" not in "\n".join(lines)  # not a terminal: no colour


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {"FORCE_COLOR": "1"}, True),
        (("--color", "always"), {}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ],
)
def test_colours_follow_the_option_and_the_environment(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool
) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    assert ("\x1b[" in cli("scan", *args, cwd=tmp_path, env=env).stdout) is coloured


def test_statistics_quiet_and_exit_zero(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT, "v1_copy.py": V1_SCRIPT})
    stats = cli("scan", "--statistics", cwd=tmp_path)
    assert stats.stdout.splitlines()[:2] == [
        "2\tDK001\t[*] v1-accept-header",  # ruff's column for the fix marker
        "2\tDK004\t    pagination-ignored",
    ]
    quiet = cli("scan", "-q", "--output-format", "concise", cwd=tmp_path)
    assert len(quiet.stdout.splitlines()) == 4 and "Found" not in quiet.stdout
    assert quiet.stderr == ""
    assert cli("scan", "--exit-zero", cwd=tmp_path).returncode == 0
    (tmp_path / "empty").mkdir()
    assert cli("scan", "empty", "--exit-zero", cwd=tmp_path).returncode == 2


def test_show_files_lists_what_is_scanned_and_what_is_left_out(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dokeos-audit]\nextend-exclude = ["legacy/*.py"]\n',
            ".gitignore": "generated/\n",
            "app/sync.py": V1_SCRIPT,
            "legacy/old.py": V1_SCRIPT,
            "legacy/sub/kept.py": V1_SCRIPT,
            "generated/client.py": V1_SCRIPT,
            "app/build/steps.py": V1_SCRIPT,
            "build/lib/app/sync.py": V1_SCRIPT,
        },
    )
    done = cli("scan", "--show-files", cwd=tmp_path)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    scanned = [line.split("  ")[0] for line in lines if "left out" not in line]
    # gitignore rules: legacy/*.py is not legacy/sub/x.py, and only the top build/ is output
    assert scanned == ["app/build/steps.py", "app/sync.py", "legacy/sub/kept.py"]
    assert 'build/  (left out: default exclude "/build/")' in lines
    assert 'generated/  (left out: .gitignore "generated/")' in lines
    assert 'legacy/old.py  (left out: pyproject.toml extend-exclude "legacy/*.py")' in lines


def test_per_file_ignores(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dokeos-audit.per-file-ignores]\n"legacy/*.py" = ["DK001"]\n',
            "legacy/old.py": V1_SCRIPT,
            "app/sync.py": V1_SCRIPT,
        },
    )
    document = json.loads(cli("scan", "--format", "json", cwd=tmp_path).stdout)
    assert findings_of(document) == [
        ("DK001", "app/sync.py", 3),
        ("DK004", "app/sync.py", 7),
        ("DK004", "legacy/old.py", 7),
    ]
    selected = cli("scan", "--select", "DK001", cwd=tmp_path)
    assert "per-file-ignores still skip it" in selected.stderr


def test_the_configuration_schema_is_current_and_agrees_with_the_loader(tmp_path: Path) -> None:
    from auditor.config_schema import text

    committed = REPO / "docs" / "dokeos-audit.schema.json"
    assert committed.read_text(encoding="utf-8") == text(), "run python -m auditor.config_schema"
    validator = jsonschema.Draft202012Validator(json.loads(text()))
    good = (
        'select = ["dk001", "DK002"]\nextend-select = ["DK100"]\nexclude = ["legacy/"]\n'
        'fail-on = "error"\ndocs-url = "https://git.example.org/docs/rules"\n'
        '[per-file-ignores]\n"tests/*" = ["ALL"]\n[severity]\nDK004 = "error"\n'
    )
    bad = ['slect = ["DK001"]\n', 'select = ["DK999"]\n', 'fail-on = "sometimes"\n']
    import tomllib

    assert not list(validator.iter_errors(tomllib.loads(good)))
    (tmp_path / "v1.py").write_text(V1_SCRIPT)
    (tmp_path / "audit.toml").write_text(good)
    assert cli("scan", "--config", "audit.toml", cwd=tmp_path).returncode == 1
    for text_ in bad:
        assert list(validator.iter_errors(tomllib.loads(text_))), text_
        (tmp_path / "audit.toml").write_text(text_)
        assert cli("scan", "--config", "audit.toml", cwd=tmp_path).returncode == 2, text_


def test_rules_by_name_and_as_json(tmp_path: Path) -> None:
    by_name = cli("rules", "attribute-not-requested", cwd=tmp_path)
    assert by_name.stdout == cli("rules", "DK002", cwd=tmp_path).stdout
    assert by_name.stdout.startswith("DK002 attribute-not-requested")
    listing = json.loads(cli("rules", "--format", "json", cwd=tmp_path).stdout)
    assert [r["id"] for r in listing][:6] == ["DK001", "DK002", "DK003", "DK004", "DK005", "DK006"]
    one = json.loads(cli("rules", "pagination-ignored", "--format", "json", cwd=tmp_path).stdout)
    assert one["id"] == "DK004" and one["page"] == "docs/rules/DK004.md"


def test_rule_pages_are_generated_and_current() -> None:
    from auditor.rule_docs import pages

    folder = REPO / "docs" / "rules"
    for name, text in pages().items():
        assert (folder / name).read_text(encoding="utf-8") == text, "python -m auditor.rule_docs"
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(pages())


def test_no_output_names_an_invented_documentation_site(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    for output_format in ("text", "sarif", "github", "junit", "markdown", "html", "json"):
        out = cli("scan", "--format", output_format, cwd=tmp_path).stdout
        assert "readthedocs" not in out and "dokeos-audit.io" not in out, output_format
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dokeos-audit]\ndocs-url = "https://git.acme.example/audit/docs/rules"\n'
    )
    sarif = json.loads(cli("scan", "--format", "sarif", cwd=tmp_path).stdout)
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] == (
        "https://git.acme.example/audit/docs/rules/DK001.md"
    )


def test_no_path_scans_the_working_directory(tmp_path: Path) -> None:
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    assert cli("scan", cwd=tmp_path).stdout == cli("scan", ".", cwd=tmp_path).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_of_the_repository_applies_to_a_sub_project(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_project(
        tmp_path,
        {
            ".gitignore": "*_generated.py\n",
            "svc/pyproject.toml": '[project]\nname = "svc"\n',
            "svc/app/client_generated.py": V1_SCRIPT,
            "svc/app/sync.py": V1_SCRIPT,
        },
    )
    done = cli("scan", "--show-files", cwd=tmp_path / "svc")
    assert done.stdout.splitlines()[0].startswith("app/sync.py")
    assert 'app/client_generated.py  (left out: .gitignore "*_generated.py")' in done.stdout


# -- set-up -----------------------------------------------------------------------------------

# mitmproxy and aiohttp made unimportable, as in an installation without the extra
_WITHOUT_THE_EXTRA = (
    "import runpy, sys; sys.modules.update(mitmproxy=None, aiohttp=None); "
    "sys.argv[0] = 'dokeos-audit'; runpy.run_module('auditor', run_name='__main__')"
)


def without_the_extra(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_THE_EXTRA, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_code_users_need_no_mitmproxy(tmp_path: Path) -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith(("mitmproxy", "aiohttp")) for d in project["dependencies"])
    assert any(d.startswith("mitmproxy") for d in project["optional-dependencies"]["traffic"])
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    scan = without_the_extra("scan", "--format", "json", "-o", "result.json", cwd=tmp_path)
    assert scan.returncode == 1, scan.stderr
    assert without_the_extra("calls", cwd=tmp_path).returncode == 0
    assert without_the_extra("rules", "DK001", cwd=tmp_path).returncode == 0
    report = without_the_extra("report", "result.json", "-o", "report.html", cwd=tmp_path)
    assert report.returncode == 0, report.stderr


@pytest.mark.parametrize("command", ["traffic", "proxy", "sandbox"])
def test_a_command_that_needs_the_extra_says_how_to_get_it(tmp_path: Path, command: str) -> None:
    args = ["--port", "0"] if command == "sandbox" else ["capture.har"]
    done = without_the_extra(command, *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "pip install 'dokeos-audit[traffic]'" in done.stderr


def test_the_cache_is_shared_by_sub_paths_and_keyed_by_the_root(tmp_path: Path) -> None:
    repo = lms_repo(tmp_path / "repo")
    cache = repo / ".dokeos-audit-cache"

    def entries() -> set[str]:
        return {p.name for p in cache.rglob("*.json") if p.parent.name != "v1"}

    whole = json.loads(cli("scan", "--format", "json", cwd=repo).stdout)
    first = entries()
    assert first  # the cache lives at the project root, wherever the scan runs from
    part = json.loads(cli("scan", "lmsclient", "--format", "json", cwd=repo / "src").stdout)
    assert entries() == first  # a sub-folder is the same groups: served from the cache
    assert findings_of(part) == findings_of(whole)
    narrowed = cli(
        "scan", "--project-root", ".", "--cache-dir", cache, "--format", "json", cwd=repo / "src"
    )
    # in the same cache, another root is other relative paths, other keys: nothing stale
    assert entries() > first
    assert findings_of(json.loads(narrowed.stdout)) == [("DK002", "lmsclient/report.py", 5)]


def test_calls_and_report_follow_the_same_rules(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    calls = cli("calls", "empty", cwd=tmp_path)
    assert calls.returncode == 2 and "No Python files found" in calls.stderr
    write_project(tmp_path, {"v1.py": V1_SCRIPT})
    (tmp_path / "blob.py").write_bytes(b"\x00\x01")
    cli("scan", "-o", "result.json", cwd=tmp_path)
    text = cli("report", "result.json", "-o", "report.txt", cwd=tmp_path)
    assert text.returncode == 0
    assert text.stderr.count("blob.py") == 1 and "binary file" in text.stderr  # on stderr
    assert (tmp_path / "report.txt").read_text().startswith("v1.py:3:12: error: DK001")
    refused = cli("report", "result.json", "--format", "html", "-o", "report.md", cwd=tmp_path)
    assert refused.returncode == 2 and "names a Markdown file" in refused.stderr
