"""[tool.dokeos-audit] in pyproject.toml: found upwards from the scanned path, overridden by
the command line, and refused in one line when it holds something we do not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci.helpers import (
    SYNC_FINDINGS,
    dokeos_audit,
    har,
    scan_json,
    sync_project,
    write_project,
)


def pyproject(root: Path, table: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text('[project]\nname = "hr-sync"\n\n[tool.dokeos-audit]\n' + table)
    return path


def test_without_configuration_every_rule_runs(tmp_path: Path) -> None:
    outcome = scan_json(sync_project(tmp_path))
    assert outcome.places == SYNC_FINDINGS
    assert outcome.code == 1


def test_select_and_ignore_from_pyproject(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK001", "DK002", "DK004"]\nignore = ["DK002"]\n')
    outcome = scan_json(sync_project(tmp_path))
    assert [rule for rule, _, _ in outcome.places] == ["DK001", "DK004"]


def test_configuration_is_found_by_walking_up_from_the_scanned_path(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK005"]\n')
    sync_project(tmp_path / "services" / "hr")
    outcome = scan_json(tmp_path / "services" / "hr" / "sync")
    # the pyproject.toml makes tmp_path the project root: paths are relative to it
    assert outcome.places == [("DK005", "services/hr/sync/dokeos.py", 25)]


def test_a_pyproject_without_our_table_does_not_stop_the_search(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK005"]\n')
    project = sync_project(tmp_path / "hr")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "hr"\n[tool.ruff]\nline-length = 99\n'
    )
    assert [rule for rule, _, _ in scan_json(project).places] == ["DK005"]


def test_explicit_config_file_replaces_the_nearest_pyproject(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK005"]\n')
    other = tmp_path / "ci" / "audit.toml"
    other.parent.mkdir()
    other.write_text('select = ["DK001"]\n')
    outcome = scan_json(sync_project(tmp_path), "--config", other)
    assert [rule for rule, _, _ in outcome.places] == ["DK001"]


def test_command_line_select_and_fail_on_override_the_file(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK005"]\nfail-on = "never"\n')
    project = sync_project(tmp_path)
    assert scan_json(project).code == 0
    outcome = scan_json(project, "--select", "DK002", "--fail-on", "error")
    assert [rule for rule, _, _ in outcome.places] == ["DK002"]
    assert outcome.code == 1


def test_fail_on_error_from_the_file_lets_warnings_pass(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["DK004", "DK005"]\nfail-on = "error"\n')
    outcome = scan_json(sync_project(tmp_path))
    assert {f["severity"] for f in outcome.document["findings"]} == {"warning"}
    assert outcome.code == 0


def test_severity_override_makes_a_warning_rule_fail_an_error_gate(tmp_path: Path) -> None:
    pyproject(
        tmp_path,
        'select = ["DK004"]\nfail-on = "error"\n\n[tool.dokeos-audit.severity]\nDK004 = "error"\n',
    )
    outcome = scan_json(sync_project(tmp_path))
    assert [f["severity"] for f in outcome.document["findings"]] == ["error"]
    assert outcome.code == 1


def test_exclude_globs_are_relative_to_the_configuration(tmp_path: Path) -> None:
    pyproject(tmp_path, 'exclude = ["services/legacy/*", "generated"]\n')
    sync_project(tmp_path / "services" / "legacy")
    sync_project(tmp_path / "services" / "current")
    sync_project(tmp_path / "services" / "current" / "generated")
    outcome = scan_json(tmp_path / "services")
    assert {path for _, path, _ in outcome.places} == {"services/current/sync/dokeos.py"}


def test_excluded_files_are_not_counted_as_scanned(tmp_path: Path) -> None:
    sync_project(tmp_path, **{"migrations/0001_initial.py": "VERSION = 1\n"})
    outcome = scan_json(tmp_path, "--exclude", "migrations")
    assert outcome.document["summary"]["files_scanned"] == 2


def test_hosts_from_the_file_make_a_custom_domain_dokeos(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "lms.py": """\
                import requests

                LMS = "https://learning.acme-corp.example/api"


                def users():
                    return requests.get(LMS + "/users", timeout=10).json()
                """
        },
    )
    assert scan_json(tmp_path).places == []
    pyproject(tmp_path, 'hosts = ["learning.acme-corp.example"]\n')
    assert scan_json(tmp_path).places == [("DK004", "lms.py", 7)]


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ('slect = ["DK001"]\n', "unknown key 'slect'"),
        ('select = ["DK009"]\n', "unknown rule id(s): DK009"),
        ('ignore = "DK001,DK010"\n', "unknown rule id(s): DK010"),
        ("[tool.dokeos-audit.severity]\nDK042 = 'error'\n", "unknown rule id 'DK042'"),
        ("[tool.dokeos-audit.severity]\nDK004 = 'fatal'\n", "'fatal' is not one of"),
        ('fail-on = "sometimes"\n', "'sometimes' is not one of"),
        ("exclude = 3\n", "expected a list of strings"),
    ],
)
def test_configuration_mistakes_are_one_line_and_exit_2(
    tmp_path: Path, table: str, complaint: str
) -> None:
    pyproject(tmp_path, table)
    outcome = scan_json(sync_project(tmp_path))
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert len(outcome.stderr.splitlines()) == 1
    assert complaint in outcome.stderr
    assert "pyproject.toml" in outcome.stderr


def test_broken_toml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dokeos-audit]\nselect = [\n")
    outcome = scan_json(sync_project(tmp_path))
    assert outcome.code == 2
    assert "invalid TOML" in outcome.stderr


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    outcome = scan_json(sync_project(tmp_path), "--config", tmp_path / "nope.toml")
    assert outcome.code == 2
    assert "no such configuration file" in outcome.stderr


def test_traffic_reads_an_explicit_config_file(tmp_path: Path) -> None:
    capture = tmp_path / "nightly.har"
    capture.write_text(har("https://acme.dokeos.com/api/users/1"))
    assert dokeos_audit("traffic", capture).code == 1
    config = tmp_path / "audit.toml"
    config.write_text('ignore = ["DK001"]\n')
    assert dokeos_audit("traffic", capture, "--config", config).code == 0
    config.write_text('ignore = ["DK999"]\n')
    refused = dokeos_audit("traffic", capture, "--config", config)
    assert refused.code == 2 and "DK999" in refused.stderr
