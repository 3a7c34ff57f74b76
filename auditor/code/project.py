"""The scanned project: its Python files, their module names, and which can involve Dokeos."""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import UnreadableSource

_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[\w, \t]+)"
    rb"|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)
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


def module_name(rel_path: str) -> str:
    parts = rel_path[:-3].split("/") if rel_path.endswith(".py") else rel_path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def decode_source(raw: bytes) -> str:
    """Decode Python source as the interpreter would (PEP 263 cookie, BOM), or say why not."""
    if b"\x00" in raw:
        raise UnreadableSource("binary file (NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise UnreadableSource(f"unknown source encoding: {exc}") from None
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableSource(f"cannot decode as {encoding}: {exc.reason}") from None


def _walk(root: Path) -> Iterator[Path]:
    """Python files under root, not following symlinked folders (no loops), sorted."""
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(directory) / name


@dataclass
class Project:
    """Every Python file of the scan, indexed by relative path and by module name."""

    files: dict[str, SourceFile] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    by_module: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def discover(cls, paths: Iterable[Path], exclude: Iterable[str] = ()) -> Project:
        import fnmatch

        project = cls()
        patterns = list(exclude)
        cwd = Path.cwd()
        for given in paths:
            if given.is_dir():
                root = given
                candidates = list(_walk(given))
            elif given.exists() or given.is_symlink():
                root = given.parent
                candidates = [given]
            else:
                project.errors.append((str(given), "no such file or folder"))
                continue
            for path in candidates:
                if given.is_dir():
                    rel = path.relative_to(root).as_posix()
                else:
                    try:
                        rel = path.resolve().relative_to(cwd.resolve()).as_posix()
                    except (ValueError, OSError, RuntimeError):
                        rel = path.name
                if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns):
                    continue
                mod_rel = path.relative_to(root).as_posix()
                project.add(SourceFile(rel, path, module_name(mod_rel)))
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
            source.raw = source.abs_path.read_bytes()
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
        for match in _IMPORT.finditer(source.raw):
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

    def relevant_files(self, markers: re.Pattern[bytes]) -> list[str]:
        """Files that can involve Dokeos: those with a marker, and all that import them."""
        relevant = {
            rel
            for rel, src in self.files.items()
            if src.text is not None and markers.search(src.raw)
        }
        importers: dict[str, set[str]] = {}
        for rel, src in self.files.items():
            for name in src.imports:
                target = self.resolve_import(name, rel)
                if target is not None and target != rel:
                    importers.setdefault(target, set()).add(rel)
        # what a Dokeos module imports directly (handlers an app factory registers, say)
        for rel in list(relevant):
            for name in self.files[rel].imports:
                target = self.resolve_import(name, rel)
                if target is not None and self.files[target].text is not None:
                    relevant.add(target)
        queue = list(relevant)
        while queue:
            current = queue.pop()
            for importer in importers.get(current, ()):
                if importer not in relevant and self.files[importer].text is not None:
                    relevant.add(importer)
                    queue.append(importer)
        return sorted(relevant)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
