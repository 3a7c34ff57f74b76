"""The scanned project: its Python files, their module names, and which can involve Dokeos."""

from __future__ import annotations

import io
import os
import re
import stat
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.code.parsing import DEFAULT_MAX_FILE_SIZE
from auditor.errors import ConfigError, UnreadableSource
from auditor.excludes import DEFAULT_EXCLUDE, VIRTUAL_ENVIRONMENT, FileFilter, PatternList

_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[\w, \t]+)"
    rb"|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)
# The same statement matched at a known line start: finding the word `import` first is
# several times faster than letting the regex try every line of every file.
_IMPORT_AT = re.compile(_IMPORT.pattern[1:])
PROJECT_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
"""What makes a folder a project's root, as ruff and mypy find it."""


@dataclass
class SourceFile:
    rel_path: str
    """Relative to the project root, with / separators: what findings show."""
    abs_path: Path
    module: str
    """Dotted module name relative to the project's source root (``pkg.sub.mod``; ``pkg``
    for __init__; ``src/pkg/mod.py`` is ``pkg.mod``)."""
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


@dataclass
class Project:
    """Every Python file of the project, indexed by relative path and by module name; the
    files under the paths the user gave are the ones a scan reports (``in_scope``)."""

    files: dict[str, SourceFile] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    by_module: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """Bytes read and analyzed per file at most (``max-file-size``)."""
    python_target: tuple[int, int] | None = None
    """The oldest Python the project supports (its ``requires-python``), when it says:
    fixes write only what that version runs."""
    root: Path = field(default_factory=Path.cwd)
    """The project root (absolute): what relative paths are relative to."""
    in_scope: set[str] = field(default_factory=set)
    """The files under the given paths: analyzed and reported (the others are there for
    what they import and for who imports what)."""
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """(path relative to the root, why) of what was excluded under the given paths."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each file in scope is there (the path given that holds it)."""
    _targets: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def discover(
        cls,
        paths: Sequence[Path],
        exclude: Iterable[str] = (),
        config_root: Path | None = None,
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        root: Path | None = None,
        file_filter: FileFilter | None = None,
        force_exclude: bool = False,
    ) -> Project:
        """The project around ``paths``: every file under ``root`` (by default the single
        folder given, or the folder holding every path), the given paths in scope.

        ``file_filter`` decides what is left out (default: the default excludes, the
        ``exclude`` patterns relative to ``config_root``, and .gitignore files). A path
        given explicitly is scanned even when excluded, unless ``force_exclude``.
        """
        top = Path(os.path.abspath(root if root is not None else default_root(paths)))
        if file_filter is None:
            lists = [PatternList.of(top, DEFAULT_EXCLUDE, "default exclude")]
            if exclude:
                lists.append(PatternList.of(config_root or top, exclude, "exclude"))
            file_filter = FileFilter.for_project(top, lists)
        project = cls(max_file_size=max_file_size, root=top)
        walker = _Walker(project, file_filter)
        walker.walk(top, [])
        for given in paths:
            project._add_given(given, walker, force_exclude)
        return project

    def _add_given(self, given: Path, walker: _Walker, force_exclude: bool) -> None:
        shown = str(given)
        if not (given.exists() or given.is_symlink()):
            self.errors.append((shown, "no such file or folder"))
            return
        absolute = Path(os.path.abspath(given))
        real = Path(os.path.realpath(given)) if given.is_dir() else absolute
        try:
            rel = real.relative_to(self.root).as_posix() if real != self.root else ""
        except ValueError:
            try:
                rel = absolute.relative_to(self.root).as_posix()
            except ValueError:
                raise ConfigError(
                    f"{given} is outside the project root {self.root} (see --project-root)"
                ) from None
        excluded = walker.excluded_on_the_way(rel, is_dir=given.is_dir())
        if excluded is not None and force_exclude:
            self.left_out.append((rel or ".", f"{excluded} (--force-exclude)"))
            return
        if given.is_dir():
            if excluded is not None or rel not in walker.walked:
                top = self.root / rel if rel else self.root
                walker.walk(top, _parents(rel))
            prefix = f"{rel}/" if rel else ""
            for file_rel in self.files:
                if file_rel.startswith(prefix):
                    self._mark(file_rel, f"under {shown}")
            self.left_out.extend(entry for entry in walker.left_out if entry[0].startswith(prefix))
            return
        if rel not in self.files:
            self.add(SourceFile(rel, given, module_name(source_relative(rel, self.root))))
        self._mark(rel, "given" if excluded is None else f"given (though {excluded})")

    def _mark(self, rel: str, reason: str) -> None:
        if rel not in self.in_scope:
            self.in_scope.add(rel)
            self.reasons[rel] = reason

    def add(self, source: SourceFile) -> None:
        if source.rel_path in self.files:
            return
        self.files[source.rel_path] = source
        parts = source.module.split(".")
        # index every dotted suffix so `import app.settings` finds src/app/settings.py
        for i in range(len(parts)):
            self.by_module.setdefault(".".join(parts[i:]), []).append(source.rel_path)

    def read_all(self, overlay: Mapping[str, bytes] | None = None) -> None:
        """Read every file; ``overlay`` (real path → bytes) stands for files whose text a
        run has changed without writing it yet (a preview of fixes)."""
        for source in self.files.values():
            self._read(source, overlay)

    def _read(self, source: SourceFile, overlay: Mapping[str, bytes] | None = None) -> None:
        try:
            replaced = overlay.get(os.path.realpath(source.abs_path)) if overlay else None
            source.raw = (
                replaced
                if replaced is not None
                else read_regular_file(source.abs_path, self.max_file_size)
            )
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
            installed = _INSTALLED_PREFIX.match(name)
            if installed is not None:
                candidates = self.by_module.get(name[installed.end() :])
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


def default_root(paths: Sequence[Path]) -> Path:
    """Without a project root: the single folder given, or the folder holding every path."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0]
    return common_folder(paths)


def common_folder(paths: Sequence[Path]) -> Path:
    """The deepest folder that holds every path (a file's own folder when alone)."""
    folders = [
        os.path.realpath(p) if p.is_dir() else os.path.dirname(os.path.abspath(p)) for p in paths
    ] or [os.getcwd()]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives
        return Path(folders[0])


def find_project_root(paths: Sequence[Path]) -> Path:
    """The nearest folder at or above the given paths holding a pyproject.toml, setup.cfg,
    setup.py or .git (as ruff and mypy find it); else the folder that holds the paths, or
    the one above their top package (``scan hr_sync`` of a package imported as
    ``hr_sync.client``: the folder its imports start from, as mypy takes it)."""
    start = common_folder(paths)
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_ROOT_MARKERS):
            return folder
    top = start
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    return top


def source_relative(rel: str, root: Path) -> str:
    """A path relative to the source root: ``src/pkg/mod.py`` is ``pkg/mod.py`` in a
    src layout (a ``src`` folder that is not itself a package)."""
    if rel.startswith("src/") and not (root / "src" / "__init__.py").exists():
        return rel[4:]
    return rel


def _parents(rel: str) -> list[str]:
    """The folders from the root down to ``rel``'s parent (``""`` is the root)."""
    parts = rel.split("/")[:-1] if rel else []
    return ["", *("/".join(parts[: i + 1]) for i in range(len(parts)))] if rel else []


class _Walker:
    """Walks folders sorted, not following symlinked folders (no loops); excluded folders
    are not even entered, and each exclusion is remembered with why."""

    def __init__(self, project: Project, file_filter: FileFilter) -> None:
        self.project = project
        self.filter = file_filter
        self.walked: set[str] = set()
        self.left_out: list[tuple[str, str]] = []

    def excluded_on_the_way(self, rel: str, *, is_dir: bool) -> str | None:
        """Why ``rel`` (or a folder above it, below the root) is excluded, if it is."""
        if not rel:
            return None
        parts = rel.split("/")
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            last = i == len(parts) - 1
            reason = self.filter.reason(
                self.project.root / sub,
                is_dir=is_dir or not last,
                within=[self.project.root / p if p else self.project.root for p in _parents(sub)],
            )
            if reason is not None:
                return reason
        return None

    def walk(self, top: Path, parents: list[str]) -> None:
        """Every Python file below ``top``. What excludes ``top`` itself (a folder the user
        named, a project inside an ignored folder) does not exclude what is in it: as ruff's
        walk, only the entries below are tested."""
        inside = os.path.abspath(top)
        root = self.project.root
        base = top.relative_to(root).as_posix() if top != root else ""
        gitignores = [
            found
            for found in (self.filter.gitignore(root / p if p else root) for p in parents)
            if found is not None
        ]
        # scandir's entry types come with the listing: no stat per folder, unlike os.walk;
        # a folder's .gitignore and pyvenv.cfg are seen in its listing, not looked for
        stack = [(os.fspath(top), base, gitignores)]
        while stack:
            directory, rel_dir, above = stack.pop()
            self.walked.add(rel_dir)
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue
            names = {entry.name for entry in entries}
            if "pyvenv.cfg" in names and rel_dir:
                self.left_out.append((f"{rel_dir}/", VIRTUAL_ENVIRONMENT))
                continue
            if ".gitignore" in names and self.filter.respect_gitignore:
                found = self.filter.gitignore(Path(directory))
                if found is not None:
                    above = [*above, found]
            subfolders = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.is_symlink():
                        continue
                    reason = self.filter.reason(entry.path, True, gitignores=above, inside=inside)
                    if reason is None:
                        subfolders.append((entry.path, rel, above))
                    else:
                        self.left_out.append((f"{rel}/", reason))
                elif entry.name.endswith(".py"):
                    reason = self.filter.reason(entry.path, False, gitignores=above, inside=inside)
                    if reason is not None:
                        self.left_out.append((rel, reason))
                    elif rel not in self.project.files:
                        module = module_name(source_relative(rel, root))
                        self.project.add(SourceFile(rel, Path(entry.path), module))
            stack.extend(reversed(subfolders))


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


# where a project is imported from once installed: an Ansible collection's files are
# `ansible_collections.<namespace>.<name>.plugins...`, its repository holds `plugins/`
_INSTALLED_PREFIX = re.compile(r"ansible_collections\.\w+\.\w+\.")


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
