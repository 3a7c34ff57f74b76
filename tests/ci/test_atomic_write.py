"""Reports written with --output get the file mode a plain open() would give them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli.common import write_atomically


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_report_is_readable_by_others_under_the_usual_umask(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0o022)
    report = tmp_path / "out" / "report.sarif"
    write_atomically(report, "{}\n")
    assert report.read_text() == "{}\n"
    assert mode_of(report) == 0o644


def test_new_report_follows_a_stricter_umask(tmp_path: Path, umask: None) -> None:
    os.umask(0o077)
    report = tmp_path / "report.json"
    write_atomically(report, "{}\n")
    assert mode_of(report) == 0o600


def test_replaced_report_keeps_the_mode_of_the_file_it_replaces(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0o022)
    report = tmp_path / "report.json"
    report.write_text("old\n")
    report.chmod(0o664)
    write_atomically(report, "new\n")
    assert report.read_text() == "new\n"
    assert mode_of(report) == 0o664
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
