"""The result cache: a group of files whose contents did not change is not analyzed again."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.code.project import Project
from auditor.parallel import GroupResult

CACHE_DIR_NAME = ".dokeos-audit-cache"
LAYOUT = "v1"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by dokeos-audit.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@functools.cache
def code_fingerprint() -> str:
    """The version and the analyzer's own code and catalog: a new build invalidates entries
    even when the version number did not move (a development install)."""
    import auditor
    import auditor.rules

    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    for package in (auditor, auditor.rules):
        folder = Path(package.__file__ or "").parent
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".toml"} and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode())
                with contextlib.suppress(OSError):
                    digest.update(path.read_bytes())
    return digest.hexdigest()


class FileDigests:
    """What a result depends on for each file: its bytes and where its imports lead (a new
    module can change what an unchanged file's import means)."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._known: dict[str, str] = {}

    def __call__(self, rel: str) -> str:
        digest = self._known.get(rel)
        if digest is None:
            digest = self._compute(rel)
            self._known[rel] = digest
        return digest

    def _compute(self, rel: str) -> str:
        source = self._project.files.get(rel)
        if source is None:
            return "absent"
        h = hashlib.blake2b(source.raw, digest_size=16)
        if source.text is None:
            h.update(f"\0unreadable\0{source.error}".encode())
        else:
            h.update("\0".join(("", *self._project.import_targets(rel))).encode())
        return h.hexdigest()


class ResultCache:
    """Entries under ``<folder>/v1/ab/abcdef….json``: a group's GroupResult and the digest
    of every file it read. An entry whose files changed is simply a miss."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self._salt = salt
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_scan(cls, folder: Path, settings_salt: Iterable[str]) -> ResultCache:
        salt = "\0".join((LAYOUT, code_fingerprint(), *settings_salt))
        return cls(folder, salt)

    def key(self, entries: Iterable[str], digest: Callable[[str], str]) -> str:
        h = hashlib.blake2b(self._salt.encode(), digest_size=20)
        for rel in sorted(entries):
            h.update(f"\0{rel}\0{digest(rel)}".encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / LAYOUT / key[:2] / f"{key}.json"

    def get(self, key: str, digest: Callable[[str], str]) -> GroupResult | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            depends = entry["depends"]
            if any(digest(rel) != value for rel, value in depends.items()):
                self.misses += 1
                return None
            result = GroupResult.from_json(entry["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # absent, half-written by a killed run, or from another layout: analyze again
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: GroupResult, digest: Callable[[str], str]) -> None:
        entry: dict[str, Any] = {
            "depends": {rel: digest(rel) for rel in result.loaded},
            "result": result.to_json(),
        }
        path = self._path(key)
        # a whole entry or none: written beside, then renamed over
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            # a read-only checkout still scans; it only cannot remember
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _prepare(self) -> None:
        prepare_cache_folder(self.folder)


def prepare_cache_folder(folder: Path) -> None:
    """The cache folder, tagged and ignored: kept out of commits and backups, as pytest and
    ruff do with theirs."""
    if (folder / "CACHEDIR.TAG").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# created by dokeos-audit\n*\n")
    (folder / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG)
