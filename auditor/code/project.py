"""The scanned project: its Python files, their module names, and which can involve Dokeos."""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from auditor.code.parsing import DEFAULT_MAX_FILE_SIZE
from auditor.errors import UnreadableSource

_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[\w, \t]+)"
    rb"|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)
# The same statement matched at a known line start: finding the word `import` first is
# several times faster than letting the regex try every line of every file.
_IMPORT_AT = re.compile(_IMPORT.pattern[1:])
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "build",
        "dist",
        ".eggs",
    }
)


@dataclass
class SourceFile:
    rel_path: str
    """Relative to its scan root, with / separators: what findings show."""
    abs_path: Path
    module: str
    """Dotted module name relative to the scan root (``pkg.sub.mod``; ``pkg`` for __init__)."""
    raw: bytes = b""
    text: str | None = None
    error: str | None = None
    imports: tuple[str, ...] = ()
    """Module names this file imports (relative imports already resolved)."""


_TEST_DIRS = frozenset({"tests", "test", "testing", "unittests", "integration_tests"})


def is_test_path(rel_path: str) -> bool:
    """A test module: under a tests folder, or named like one (test_x.py, x_test.py,
    conftest.py)."""
    parts = rel_path.split("/")
    name = parts[-1]
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in _TEST_DIRS for part in parts[:-1])


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or UnreadableSource.

    Opened without blocking, so a FIFO named ``x.py`` does not wait for a writer forever;
    a device (``/dev/zero`` behind a symlink) or a file over the limit is never read whole.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a FIFO"
                if stat.S_ISFIFO(info.st_mode)
                else "a device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "a socket"
                if stat.S_ISSOCK(info.st_mode)
                else "not a file"
            )
            raise UnreadableSource(f"not a regular file ({kind}): not read")
        if info.st_size > limit:
            raise UnreadableSource(
                f"too large to analyze ({info.st_size:,} bytes; the limit is {limit:,}, "
                "`max-file-size` in [tool.dokeos-audit])"
            )
        chunks = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnreadableSource(f"too large to analyze (more than {limit:,} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def module_name(rel_path: str) -> str:
    parts = rel_path[:-3].split("/") if rel_path.endswith(".py") else rel_path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def decode_source(raw: bytes) -> str:
    """Decode Python source as the interpreter would (PEP 263 cookie, BOM), or say why not."""
    if b"\x00" in raw:
        raise UnreadableSource("binary file (NUL bytes), not Python source")
    second_newline = raw.find(b"\n", raw.find(b"\n") + 1)
    first_lines = raw if second_newline == -1 else raw[:second_newline]
    if not raw.startswith(b"\xef\xbb\xbf") and b"coding" not in first_lines:
        # no BOM and no PEP 263 cookie: UTF-8, without tokenize's slower detection
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableSource(f"cannot decode as utf-8: {exc.reason}") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise UnreadableSource(f"unknown source encoding: {exc}") from None
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise UnreadableSource(f"cannot decode as {encoding}: {reason}") from None


class Excluder:
    """The ``exclude`` globs: matched against the path relative to the scanned folder, against
    each folder and file name on the way (``migrations``), and against the path relative to
    the configuration file's folder (``services/legacy/*`` from the repository root)."""

    def __init__(self, patterns: Iterable[str], config_root: Path | None = None) -> None:
        globs = [p.strip().rstrip("/") for p in patterns if p.strip().rstrip("/")]
        self._regex = (
            re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs)) if globs else None
        )
        self._config_root = os.path.realpath(config_root) if config_root is not None else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def prefix_for(self, root: Path) -> str | None:
        """Where ``root`` sits inside the configuration's folder (``""`` at its top), if it does."""
        if self._config_root is None:
            return None
        real = os.path.realpath(root)
        if real == self._config_root:
            return ""
        if real.startswith(self._config_root.rstrip(os.sep) + os.sep):
            return Path(os.path.relpath(real, self._config_root)).as_posix()
        return None

    def matches(self, rel: str, name: str, prefix: str | None) -> bool:
        """Whether this one path (not its parents: the walk checked those) is excluded."""
        regex = self._regex
        if regex is None:
            return False
        if regex.match(rel) or regex.match(name):
            return True
        return prefix is not None and bool(regex.match(f"{prefix}/{rel}" if prefix else rel))

    def matches_any_part(self, rel: str, prefix: str | None) -> bool:
        """Whether the path or any folder above it is excluded (for paths given one by one)."""
        parts = rel.split("/")
        return any(
            self.matches("/".join(parts[: i + 1]), parts[i], prefix) for i in range(len(parts))
        )


def _walk(root: Path, excluder: Excluder | None = None) -> Iterator[tuple[str, Path]]:
    """(path relative to root, path) of the Python files under root, sorted, not following
    symlinked folders (no loops); excluded folders are not even entered."""
    top = os.fspath(root)
    prefix = excluder.prefix_for(root) if excluder else None
    # scandir's entry types come with the listing: no stat per folder, unlike os.walk
    stack = [(top, "")]
    while stack:
        directory, base = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            rel = f"{base}/{name}" if base else name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if (
                    name in SKIP_DIRS
                    or name.endswith(".egg-info")
                    or entry.is_symlink()
                    or (excluder and excluder.matches(rel, name, prefix))
                ):
                    continue
                subfolders.append((entry.path, rel))
            elif name.endswith(".py") and not (excluder and excluder.matches(rel, name, prefix)):
                yield rel, Path(entry.path)
        stack.extend(reversed(subfolders))


@dataclass
class Project:
    """Every Python file of the scan, indexed by relative path and by module name."""

    files: dict[str, SourceFile] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    by_module: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """Bytes read and analyzed per file at most (``max-file-size``)."""
    _targets: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def discover(
        cls,
        paths: Iterable[Path],
        exclude: Iterable[str] = (),
        config_root: Path | None = None,
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> Project:
        project = cls(max_file_size=max_file_size)
        excluder = Excluder(exclude, config_root)
        cwd = Path.cwd()
        for given in paths:
            if given.is_dir():
                for rel, path in _walk(given, excluder):
                    project.add(SourceFile(rel, path, module_name(rel)))
            elif given.exists() or given.is_symlink():
                try:
                    rel = given.resolve().relative_to(cwd.resolve()).as_posix()
                except (ValueError, OSError, RuntimeError):
                    rel = given.name
                if excluder and _given_file_excluded(excluder, given, rel):
                    continue
                project.add(SourceFile(rel, given, module_name(given.name)))
            else:
                project.errors.append((str(given), "no such file or folder"))
        return project

    def add(self, source: SourceFile) -> None:
        if source.rel_path in self.files:
            return
        self.files[source.rel_path] = source
        parts = source.module.split(".")
        # index every dotted suffix so `import app.settings` finds src/app/settings.py
        for i in range(len(parts)):
            self.by_module.setdefault(".".join(parts[i:]), []).append(source.rel_path)

    def read_all(self) -> None:
        for source in self.files.values():
            self._read(source)

    def _read(self, source: SourceFile) -> None:
        try:
            source.raw = read_regular_file(source.abs_path, self.max_file_size)
        except UnreadableSource as exc:
            source.error = str(exc)
            return
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == 40:  # ELOOP
                reason = "symbolic link loop"
            source.error = f"cannot read: {reason}"
            return
        try:
            source.text = decode_source(source.raw)
        except UnreadableSource as exc:
            source.error = str(exc)
            return
        source.imports = tuple(self._imports_of(source))

    def _imports_of(self, source: SourceFile) -> Iterator[str]:
        package = source.module.split(".")
        if source.abs_path.name != "__init__.py":
            package = package[:-1]
        for match in _import_statements(source.raw):
            if match.group(1) is not None:
                target = match.group(1).decode("ascii", "replace")
                dots = len(target) - len(target.lstrip("."))
                name = target[dots:]
                if dots:
                    base = package[: len(package) - (dots - 1)] if dots - 1 <= len(package) else []
                    target = ".".join([*base, name] if name else base)
                yield target
                # `from pkg import mod` imports the module pkg.mod
                names = match.group(2).decode("ascii", "replace").strip("()")
                for item in names.split(","):
                    imported = item.strip().split(" ")[0]
                    if imported and imported != "*":
                        yield f"{target}.{imported}" if target else imported
            else:
                for item in match.group(3).decode("ascii", "replace").split(","):
                    name = item.strip().split(" ")[0]
                    if name:
                        yield name

    def resolve_module(self, name: str, importer: str | None = None) -> str | None:
        """The relative path of the project file a module name refers to, if any."""
        candidates = self.by_module.get(name)
        if not candidates:
            return None
        if len(candidates) == 1 or importer is None:
            return candidates[0]
        # prefer the file closest to the importer
        importer_dir = importer.rsplit("/", 1)[0] if "/" in importer else ""
        return max(candidates, key=lambda c: _common_prefix(c, importer_dir))

    def resolve_import(self, name: str, importer: str | None = None) -> str | None:
        """Like resolve_module, also trying `pkg.mod` for `from pkg import mod`-style names."""
        found = self.resolve_module(name, importer)
        while found is None and "." in name:
            name = name.rsplit(".", 1)[0]
            found = self.resolve_module(name, importer)
        return found

    def relevant_from(self, marked: Iterable[str]) -> list[str]:
        """The marked files, what they import directly, and every file that imports one of
        these, directly or not."""
        relevant = set(marked)
        if not relevant:
            return []
        # what a Dokeos module imports directly (handlers an app factory registers, say)
        for rel in list(relevant):
            relevant.update(t for t in self.import_targets(rel) if self.files[t].text is not None)
        importers: dict[str, set[str]] = {}
        for rel in self.files:
            for target in self.import_targets(rel):
                importers.setdefault(target, set()).add(rel)
        queue = list(relevant)
        while queue:
            current = queue.pop()
            for importer in importers.get(current, ()):
                if importer not in relevant and self.files[importer].text is not None:
                    relevant.add(importer)
                    queue.append(importer)
        return sorted(relevant)

    def import_targets(self, rel: str) -> tuple[str, ...]:
        """The project files ``rel`` imports (as far as the cheap text pass can tell)."""
        targets = self._targets.get(rel)
        if targets is None:
            found = {self.resolve_import(name, rel) for name in self.files[rel].imports}
            found.discard(None)
            found.discard(rel)
            targets = tuple(sorted(t for t in found if t is not None))
            self._targets[rel] = targets
        return targets

    def imported_closure(self, rels: Iterable[str]) -> set[str]:
        """``rels`` and every project file they import, directly or not."""
        seen = set(rels)
        queue = list(seen)
        while queue:
            for target in self.import_targets(queue.pop()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen

    def components(self, entries: Iterable[str], within: Iterable[str]) -> list[list[str]]:
        """``entries`` split into groups that share no import among the ``within`` files.

        Two files land in one group when an import chain made only of ``within`` files links
        them (in either direction); such groups can be analyzed apart from each other.
        """
        members = set(within)
        parent = {rel: rel for rel in members}

        def root(rel: str) -> str:
            while parent[rel] != rel:
                parent[rel] = parent[parent[rel]]
                rel = parent[rel]
            return rel

        for rel in sorted(members):
            for target in self.import_targets(rel):
                if target in members:
                    a, b = root(rel), root(target)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        groups: dict[str, list[str]] = {}
        for rel in sorted(set(entries)):
            groups.setdefault(root(rel) if rel in members else rel, []).append(rel)
        return sorted(groups.values())


def _given_file_excluded(excluder: Excluder, given: Path, rel: str) -> bool:
    if excluder.matches_any_part(rel, None):
        return True
    prefix = excluder.prefix_for(given.parent)
    if prefix is None:
        return False
    return excluder.matches_any_part(f"{prefix}/{given.name}" if prefix else given.name, None)


def _import_statements(raw: bytes) -> Iterator[re.Match[bytes]]:
    """The import statements of a file, as ``_IMPORT.finditer`` would find them."""
    line_starts: set[int] = set()
    at = raw.find(b"import")
    while at != -1:
        start = raw.rfind(b"\n", 0, at) + 1
        if start not in line_starts:
            line_starts.add(start)
            match = _IMPORT_AT.match(raw, start)
            if match is not None:
                yield match
        at = raw.find(b"import", at + 6)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
