"""Annotated fixture corpus: read the expected findings, score a scanner's JSON against them.

Fixture lines carry trailing comments naming the rules a perfect scanner reports there:

    response = session.get("/users")  # expect: DK004
    "Accept": ACCEPT_V1,  # expect: DK001
    V1 = "application/vnd.dokeos+json;version=1"  # allow: DK001
    response = client.get(url)  # ok: DK003, DK004

``expect`` marks a finding that must be reported on exactly that line;
``allow`` a place where SPEC.md also tolerates the finding (a constant in
another module, a thin wrapper's single call site): neither a true nor a
false positive; ``ok`` a near miss, correct code that a naive scanner would
flag (a finding there is a false positive like any other, the marker only
lets the report say which near miss it was). Several markers may share a
comment: ``# expect: DK002; allow: DK004``.

This module does not import ``auditor``: it is the scanner's independent yardstick.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

RULE_IDS = ("DK001", "DK002", "DK003", "DK004", "DK005", "DK006")

_MARKER = re.compile(r"\b(expect|allow|ok)\s*:\s*(DK\d{3}(?:\s*,\s*DK\d{3})*)")
_RULE = re.compile(r"DK\d{3}")

#: Folders never scanned for annotations (virtualenvs, caches).
_SKIPPED_DIRS = frozenset({".venv", "venv", "__pycache__", ".git", ".mypy_cache", ".ruff_cache"})


@dataclass(frozen=True, order=True)
class Mark:
    """One rule on one line of one file, the path relative to the scanned root."""

    path: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}"


@dataclass
class Annotations:
    expected: set[Mark] = field(default_factory=set)
    allowed: set[Mark] = field(default_factory=set)
    near_misses: set[Mark] = field(default_factory=set)

    def prefixed(self, prefix: str) -> Annotations:
        """The same marks with ``prefix/`` in front of every path (to merge several roots)."""

        def move(marks: set[Mark]) -> set[Mark]:
            return {Mark(f"{prefix}/{m.path}", m.line, m.rule) for m in marks}

        return Annotations(move(self.expected), move(self.allowed), move(self.near_misses))

    def update(self, other: Annotations) -> None:
        self.expected |= other.expected
        self.allowed |= other.allowed
        self.near_misses |= other.near_misses


def _comments(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment; falls back to a line scan if tokenizing fails."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        for number, text in enumerate(source.splitlines(), start=1):
            if "#" in text:
                yield number, text[text.index("#") :]


def annotations_of_file(path: Path, relative: str) -> Annotations:
    found = Annotations()
    source = path.read_text(encoding="utf-8", errors="replace")
    for line, comment in _comments(source):
        for kind, rules in _MARKER.findall(comment):
            for rule in _RULE.findall(rules):
                mark = Mark(relative, line, rule)
                if kind == "expect":
                    found.expected.add(mark)
                elif kind == "allow":
                    found.allowed.add(mark)
                else:
                    found.near_misses.add(mark)
    return found


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        relative_parts = path.relative_to(root).parts
        if any(part in _SKIPPED_DIRS for part in relative_parts[:-1]):
            continue
        if path.is_file():
            yield path


def collect_annotations(root: Path) -> Annotations:
    """Every annotation under ``root``, paths relative to it with ``/`` separators."""
    root = Path(root)
    annotations = Annotations()
    for path in python_files(root):
        annotations.update(annotations_of_file(path, path.relative_to(root).as_posix()))
    return annotations


def findings_from_json(document: Mapping, *, origin: str | None = "code") -> set[Mark]:
    """The (path, line, rule) of each finding of a ``--format json`` result.

    Findings without a code location (traffic findings) are ignored.
    """
    marks = set()
    for finding in document.get("findings", []):
        if origin is not None and finding.get("origin", origin) != origin:
            continue
        location = finding.get("location") or {}
        if "path" not in location or "line" not in location:
            continue
        path = str(location["path"]).replace("\\", "/").removeprefix("./")
        marks.add(Mark(path, int(location["line"]), str(finding["rule"])))
    return marks


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        reported = self.tp + self.fp
        return self.tp / reported if reported else 1.0

    @property
    def recall(self) -> float:
        expected = self.tp + self.fn
        return self.tp / expected if expected else 1.0


@dataclass
class Score:
    by_rule: dict[str, RuleScore]
    true_positives: set[Mark]
    misses: set[Mark]
    false_alarms: set[Mark]
    tolerated: set[Mark]
    near_misses_hit: set[Mark]
    near_miss_count: int

    @property
    def total(self) -> RuleScore:
        return RuleScore(
            tp=sum(s.tp for s in self.by_rule.values()),
            fp=sum(s.fp for s in self.by_rule.values()),
            fn=sum(s.fn for s in self.by_rule.values()),
        )

    @property
    def precision(self) -> float:
        return self.total.precision

    @property
    def recall(self) -> float:
        return self.total.recall


def compare(annotations: Annotations, found: Iterable[Mark]) -> Score:
    """Score reported findings against the annotations (one finding per path, line and rule)."""
    reported = set(found)
    true_positives = reported & annotations.expected
    misses = annotations.expected - reported
    tolerated = (reported - annotations.expected) & annotations.allowed
    false_alarms = reported - annotations.expected - annotations.allowed
    rules = sorted(set(RULE_IDS) | {m.rule for m in reported | annotations.expected})
    by_rule = {rule: RuleScore() for rule in rules}
    for mark in true_positives:
        by_rule[mark.rule].tp += 1
    for mark in false_alarms:
        by_rule[mark.rule].fp += 1
    for mark in misses:
        by_rule[mark.rule].fn += 1
    return Score(
        by_rule=by_rule,
        true_positives=true_positives,
        misses=misses,
        false_alarms=false_alarms,
        tolerated=tolerated,
        near_misses_hit=false_alarms & annotations.near_misses,
        near_miss_count=len(annotations.near_misses),
    )


def format_table(score: Score) -> str:
    lines = [f"{'rule':<7}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}"]
    for rule, s in sorted(score.by_rule.items()):
        lines.append(f"{rule:<7}{s.tp:>5}{s.fp:>5}{s.fn:>5}{s.precision:>11.2f}{s.recall:>8.2f}")
    t = score.total
    lines.append(f"{'all':<7}{t.tp:>5}{t.fp:>5}{t.fn:>5}{t.precision:>11.2f}{t.recall:>8.2f}")
    return "\n".join(lines)


def format_report(score: Score) -> str:
    """The table, then every miss and false alarm, one per line."""
    parts = [format_table(score)]
    if score.misses:
        parts.append(f"misses ({len(score.misses)}):")
        parts.extend(f"  {m}" for m in sorted(score.misses))
    if score.false_alarms:
        parts.append(f"false alarms ({len(score.false_alarms)}):")
        for mark in sorted(score.false_alarms):
            note = "  (near miss)" if mark in score.near_misses_hit else ""
            parts.append(f"  {mark}{note}")
    parts.append(
        f"near misses: {score.near_miss_count} marked, {len(score.near_misses_hit)} flagged; "
        f"tolerated findings at allowed places: {len(score.tolerated)}"
    )
    return "\n".join(parts)


# -- running the scanner --------------------------------------------------------------


@dataclass
class ScanRun:
    root: Path
    returncode: int
    stdout: str
    stderr: str
    document: dict | None

    @property
    def findings(self) -> set[Mark]:
        return findings_from_json(self.document or {})


def scan_command(root: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "auditor",
        "scan",
        str(root),
        # each repository of the corpus is its own project, wherever the corpus is kept
        "--project-root",
        str(root),
        "--format",
        "json",
        "--output",
        str(output),
    ]


def run_scan(root: Path, *, cwd: Path | None = None, timeout: float = 600) -> ScanRun:
    """``dokeos-audit scan ROOT --format json`` in a subprocess; the JSON is None if unreadable."""
    with tempfile.TemporaryDirectory(prefix="dokeos-audit-corpus-") as tmp:
        output = Path(tmp) / "result.json"
        completed = subprocess.run(
            scan_command(root, output),
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
        document = None
        if output.exists():
            try:
                document = json.loads(output.read_text(encoding="utf-8"))
            except ValueError:
                document = None
    return ScanRun(root, completed.returncode, completed.stdout, completed.stderr, document)


def project_roots(corpus: Path) -> list[Path]:
    """The repositories of a corpus folder: its immediate sub-folders holding Python files."""
    return [
        child
        for child in sorted(Path(corpus).iterdir())
        if child.is_dir() and child.name not in _SKIPPED_DIRS and any(python_files(child))
    ]


def scan_projects(
    roots: Sequence[Path], *, cwd: Path | None = None, workers: int = 4
) -> dict[Path, ScanRun]:
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        runs = list(pool.map(lambda root: run_scan(root, cwd=cwd), roots))
    return dict(zip(roots, runs, strict=True))


def score_projects(runs: Mapping[Path, ScanRun]) -> Score:
    """One score over several projects, paths prefixed with each project's folder name."""
    annotations = Annotations()
    found: set[Mark] = set()
    for root, run in runs.items():
        annotations.update(collect_annotations(root).prefixed(root.name))
        found |= {Mark(f"{root.name}/{m.path}", m.line, m.rule) for m in run.findings}
    return compare(annotations, found)
