"""``--changed-since REF``: the Python files changed against a git ref, and the untracked ones."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from auditor.errors import ConfigError


def changed_python_files(ref: str, where: Path) -> set[str]:
    """Real paths of the ``.py`` files that differ from ``ref`` in the work tree (staged or
    not) or that git does not track yet (ignored files excluded), in the repository that
    holds ``where``. Deleted files are left out: there is nothing to scan."""
    if not ref or ref.startswith("-"):
        raise ConfigError(f"--changed-since: {ref!r} is not a git revision")
    folder = where if where.is_dir() else where.parent
    top = _git(["rev-parse", "--show-toplevel"], folder, what=f"{folder} is not in a git work tree")
    toplevel = Path(top.strip())
    changed = _git(
        ["diff", "--name-only", "-z", "--diff-filter=ACMRT", ref, "--"],
        toplevel,
        what=f"cannot diff against {ref!r}",
    )
    untracked = _git(
        ["ls-files", "--others", "--exclude-standard", "-z"],
        toplevel,
        what="cannot list untracked files",
    )
    names = [n for n in (changed + "\0" + untracked).split("\0") if n.endswith(".py")]
    return {os.path.realpath(toplevel / name) for name in names}


def _git(arguments: list[str], cwd: Path, *, what: str) -> str:
    # C locale: git's own message is quoted to the user, and must read the same everywhere
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, and git is not on PATH") from None
    except OSError as exc:
        raise ConfigError(f"--changed-since: cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        reason = next((line for line in done.stderr.splitlines() if line.strip()), "")
        raise ConfigError(f"--changed-since: {what}" + (f" ({reason.strip()})" if reason else ""))
    return done.stdout
