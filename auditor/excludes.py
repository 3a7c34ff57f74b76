"""Which files a scan leaves out, and why: exclude patterns and .gitignore, gitignore semantics.

Every pattern list (the defaults, `exclude`/`extend-exclude` of the configuration, the
command line's, each `.gitignore`) is read with git's own rules through `pathspec`: a
pattern with a slash before its end is anchored at the folder of its list (`legacy/*.py`
is `legacy/a.py`, not `legacy/sub/x.py`), one without matches at any depth (`migrations`),
a trailing slash matches folders only, `**` crosses folders and `!` takes a path back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

DEFAULT_EXCLUDE = (
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    "__pycache__/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".eggs/",
    "*.egg-info/",
    "node_modules/",
    "site-packages/",
    "__pypackages__/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    ".dokeos-audit-cache/",
    "/build/",
    "/dist/",
)
"""Left out unless `exclude` replaces this list: version control, virtual environments,
caches, and the packaging outputs at the project's top (a package named `build` deeper
down is code like any other). A folder holding `pyvenv.cfg` is a virtual environment
whatever its name, and is always left out."""


@dataclass(frozen=True)
class PatternList:
    """Patterns read with gitignore rules relative to ``base``; ``origin`` names where they
    come from in messages (``pyproject.toml exclude``, ``.gitignore``)."""

    base: Path
    patterns: tuple[str, ...]
    origin: str
    _compiled: list[tuple[str, pathspec.Pattern]] = field(
        default_factory=list, compare=False, repr=False
    )
    _any: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, base: Path, patterns: Iterable[str], origin: str) -> PatternList:
        lines = tuple(p for p in patterns if p.strip() and not p.lstrip().startswith("#"))
        compiled = []
        for line in lines:
            pattern = pathspec.GitIgnoreSpec.from_lines([line]).patterns[0]
            if pattern.include is not None and getattr(pattern, "regex", None) is not None:
                compiled.append((line, pattern))
        # one regex over every pattern: most paths match none, and are told so at once
        alternatives = [re.sub(r"\(\?P<\w+>", "(?:", _regex_of(p)) for _, p in compiled]
        any_match = re.compile("|".join(f"(?:{a})" for a in alternatives)) if compiled else None
        made = cls(Path(os.path.abspath(base)), lines, origin)
        made._compiled.extend(compiled)
        object.__setattr__(made, "_any", any_match)
        object.__setattr__(made, "_prefix", os.path.join(os.fspath(made.base), ""))
        return made

    def decide(
        self, path: Path | str, is_dir: bool, inside: str | None = None
    ) -> tuple[bool, str] | None:
        """(excluded, pattern) from the last pattern matching ``path`` (absolute); None when
        none does or the path is not under ``base``. ``inside`` is a folder the user named
        (absolute): a pattern matching it does not leave out what is in it, as ruff's walk
        from a named folder only tests the entries below it."""
        if self._any is None:
            return None
        # plain string work: this runs for every entry of every folder walked
        text = os.fspath(path)
        prefix: str = self.__dict__["_prefix"]
        if not text.startswith(prefix):
            return None
        rel = text[len(prefix) :]
        if not rel:
            return None
        if os.sep != "/":
            rel = rel.replace(os.sep, "/")
        if is_dir:
            rel += "/"
        if not self._any.match(rel):
            return None
        named = self._relative(inside) if inside is not None else None
        for line, pattern in reversed(self._compiled):
            if pattern.match_file(rel) is not None:
                if named and pattern.match_file(named + "/") is not None:
                    continue  # it matches because the named folder does
                return bool(pattern.include), line
        return None

    def _relative(self, path: str) -> str | None:
        prefix: str = self.__dict__["_prefix"]
        if not path.startswith(prefix):
            return None
        rel = path[len(prefix) :]
        return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _regex_of(pattern: pathspec.Pattern) -> str:
    regex = getattr(pattern, "regex", None)
    return str(regex.pattern) if regex is not None else "(?!)"


@dataclass
class FileFilter:
    """Decides, folder by folder as a walk goes down, what is left out and says why."""

    exclude: Sequence[PatternList] = ()
    respect_gitignore: bool = True
    gitignore_above: Sequence[PatternList] = ()
    """The .gitignore files (and .git/info/exclude) between the git work tree's top and
    the project root: they apply to the project too."""
    _gitignores: dict[Path, PatternList | None] = field(default_factory=dict, repr=False)

    @classmethod
    def for_project(
        cls,
        root: Path,
        exclude: Sequence[PatternList],
        *,
        respect_gitignore: bool = True,
    ) -> FileFilter:
        above: list[PatternList] = []
        if respect_gitignore:
            top = git_top(root)
            if top is not None:
                info = top / ".git" / "info" / "exclude"
                listed = _read_lines(info)
                if listed:
                    above.append(PatternList.of(top, listed, ".git/info/exclude"))
                folder = Path(os.path.abspath(root))
                chain = [folder, *folder.parents]
                for ancestor in reversed(chain[1 : chain.index(top) + 1] if top in chain else []):
                    found = _gitignore_in(ancestor, top)
                    if found is not None:
                        above.append(found)
        return cls(exclude=exclude, respect_gitignore=respect_gitignore, gitignore_above=above)

    def reason(
        self,
        path: Path | str,
        is_dir: bool,
        within: Sequence[Path] = (),
        gitignores: Sequence[PatternList] | None = None,
        inside: str | None = None,
    ) -> str | None:
        """Why ``path`` is left out, or None. ``within`` are the folders walked down to it
        (their .gitignore files apply, the deepest first); a walk that already read them
        passes ``gitignores`` instead. ``inside``: the excluded folder the user named, that
        the walk goes down anyway (see PatternList.decide)."""
        if is_dir and gitignores is None and os.path.isfile(os.path.join(path, "pyvenv.cfg")):
            return VIRTUAL_ENVIRONMENT
        for patterns in self.exclude:
            decided = patterns.decide(path, is_dir, inside)
            if decided is not None and decided[0]:
                return f'{patterns.origin} "{decided[1]}"'
        if not self.respect_gitignore:
            return None
        if gitignores is None:
            gitignores = [g for g in (self.gitignore(folder) for folder in within) if g]
        for patterns in [*reversed(gitignores), *reversed(self.gitignore_above)]:
            decided = patterns.decide(path, is_dir, inside)
            if decided is not None:
                return f'{patterns.origin} "{decided[1]}"' if decided[0] else None
        return None

    def gitignore(self, folder: Path) -> PatternList | None:
        """The .gitignore of ``folder``, read once."""
        if folder not in self._gitignores:
            self._gitignores[folder] = _gitignore_in(folder, None)
        return self._gitignores[folder]


VIRTUAL_ENVIRONMENT = "a virtual environment (it holds pyvenv.cfg)"


def _gitignore_in(folder: Path, top: Path | None) -> PatternList | None:
    lines = _read_lines(folder / ".gitignore")
    if not lines:
        return None
    where = folder / ".gitignore"
    label = os.path.relpath(where, top) if top is not None else ".gitignore"
    return PatternList.of(folder, lines, Path(label).as_posix() if top else _label(where))


def _label(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:
        return path.as_posix()


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def git_top(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder`` (a folder with ``.git``), if any."""
    here = Path(os.path.abspath(folder))
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@dataclass(frozen=True)
class PerFileIgnores:
    """`per-file-ignores`: rules left out of the files a pattern matches (relative to the
    configuration's folder; a leading ``!`` means the files it does not match)."""

    entries: tuple[tuple[bool, PatternList, frozenset[str]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def ignored(self, path: Path) -> frozenset[str]:
        out: set[str] = set()
        for negated, patterns, rules in self.entries:
            decided = patterns.decide(path, is_dir=False)
            if (decided is not None and decided[0]) != negated:
                out |= rules
        return frozenset(out)

    @classmethod
    def of(cls, base: Path, table: Mapping[str, Iterable[str]]) -> PerFileIgnores:
        entries = []
        for pattern, rules in table.items():
            negated = pattern.startswith("!")
            listed = PatternList.of(base, [pattern[1:] if negated else pattern], "per-file-ignores")
            entries.append((negated, listed, frozenset(rules)))
        return cls(tuple(entries))
