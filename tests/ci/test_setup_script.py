""".ci/setup installs only when there is something new: not on every run (that cost 5 s and
a setuptools banner), but when pyproject.toml changed or new extras are asked for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# a .venv whose python records pip installs and runs everything else for real
FAKE_PYTHON = f"""#!/usr/bin/env bash
if [[ "$1" == "-m" && "$2" == "pip" ]]; then
  echo "pip ${{*:3}}" >> "$(dirname "$0")/../pip.log"
  exit 0
fi
PYTHONPATH={REPO} exec {sys.executable} "$@"
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "setup", tmp_path / ".ci" / "setup")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return tmp_path


def setup(root: Path, *extras: str) -> list[str]:
    subprocess.run(
        ["bash", str(root / ".ci" / "setup"), *extras],
        check=True,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "FORCE_INSTALL"},
    )
    log = root / ".venv" / "pip.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_second_run_installs_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert len(setup(root, "test")) == 1
    assert len(setup(root, "test")) == 1


def test_a_changed_pyproject_or_new_extras_install_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    setup(root, "test")
    assert setup(root, "traffic")[-1].endswith("-e .[traffic]")
    assert len(setup(root, "test")) == 2  # both are installed for this pyproject.toml
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "2"\n')
    assert len(setup(root, "test")) == 3
