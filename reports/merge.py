"""Reads dokeos-audit JSON results back into runs, so several runs merge into one report."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from auditor import TOOL_NAME
from auditor.errors import ResultFileError
from auditor.findings import ErrorEntry, Finding, RunResult
from auditor.reports.result_schema import checked_extra, checked_finding

INPUTS_RUN_NAME = "report inputs"
"""Name of the pseudo-run holding the input files `report` could not read."""

_SUMMARY_FIELDS = ("files_scanned", "flows_read", "by_rule", "by_severity", "verdicts")
"""Summary keys that are not run facts to carry along (counts and verdicts are re-derived)."""
RunKind = Literal["code", "traffic", "merged"]
_KINDS = ("code", "traffic", "merged")


@dataclass(frozen=True)
class LoadedResults:
    runs: list[RunResult]
    unreadable: list[ErrorEntry]
    sources: list[str] = field(default_factory=list)
    """The result file each run was read from, as given (for `report --integration`)."""

    def for_rendering(self, runs: Sequence[RunResult] | None = None) -> list[RunResult]:
        """The runs (these, or all), plus a pseudo-run carrying the unreadable inputs as errors."""
        chosen = list(self.runs if runs is None else runs)
        if self.unreadable:
            chosen.append(RunResult(INPUTS_RUN_NAME, "merged", errors=list(self.unreadable)))
        return chosen


def load_results(paths: Sequence[Path]) -> LoadedResults:
    """Every run of every readable file; a file that is not a result becomes an error entry."""
    loaded: list[tuple[RunResult, str]] = []
    unreadable: list[ErrorEntry] = []
    sources: list[str] = []
    for path in expand_inputs(paths):
        try:
            runs = load_result_file(path)
        except ResultFileError as exc:
            unreadable.append(ErrorEntry(str(path), str(exc)))
            continue
        except (RecursionError, TypeError, ValueError, AttributeError, KeyError) as exc:
            # a shape no check above foresaw: it costs that file, not the report
            reason = f"not a dokeos-audit JSON result ({type(exc).__name__})"
            unreadable.append(ErrorEntry(str(path), reason))
            continue
        loaded.extend((run, _file_label(path)) for run in runs)
        sources.extend(str(path) for _ in runs)
    return LoadedResults(name_runs_uniquely(loaded), unreadable, sources)


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """A folder stands for the JSON files directly inside it, in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            out.append(path)
    return out


def load_result_file(path: Path) -> list[RunResult]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ResultFileError("not a dokeos-audit JSON result (not UTF-8 text)") from None
    except OSError as exc:
        raise ResultFileError(f"cannot read it: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFileError(
            f"not a dokeos-audit JSON result (invalid JSON at line {exc.lineno}, "
            f"column {exc.colno})"
        ) from None
    except RecursionError:
        raise ResultFileError("not a dokeos-audit JSON result (nested too deeply)") from None
    except ValueError as exc:  # an integer past CPython's digit limit
        raise ResultFileError(f"not a dokeos-audit JSON result ({exc})") from None
    return runs_from_document(document, fallback_name=_file_label(path))


def runs_from_document(document: Any, fallback_name: str) -> list[RunResult]:
    """The runs of a single-run document (``run``) or of a merged one (``runs``)."""
    if not isinstance(document, dict):
        raise ResultFileError("not a dokeos-audit JSON result (not a JSON object)")
    tool = document.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME:
        raise ResultFileError(f"not a dokeos-audit JSON result (no tool.name {TOOL_NAME!r})")
    raw_findings = document.get("findings")
    if not isinstance(raw_findings, list):
        raise ResultFileError("not a dokeos-audit JSON result (no findings list)")
    findings = [(raw, _finding(raw, i)) for i, raw in enumerate(raw_findings)]
    errors = [(raw, _error(raw, i)) for i, raw in enumerate(_list(document.get("errors")))]

    runs_meta = document.get("runs")
    if isinstance(runs_meta, list) and runs_meta:
        return _merged_runs(runs_meta, findings, errors, fallback_name)

    meta = _object(document.get("run"))
    summary = _object(document.get("summary"))
    result = _run(
        _name(meta.get("name")) or fallback_name,
        meta.get("kind"),
        summary,
        [f for _, f in findings],
    )
    result.errors = [e for _, e in errors]
    result.calls = _calls(document.get("calls"))
    _places(result, meta)
    return [result]


def _places(run: RunResult, meta: dict[str, Any]) -> None:
    """Where the scan ran (``run.root``, ``run.repository_root``, ``run.docs_url``): merged
    SARIF stays relative to the repository, links go to the user's rule pages."""
    for key in ("root", "repository_root", "docs_url"):
        if isinstance(meta.get(key), str):
            setattr(run, key, meta[key])


def _merged_runs(
    runs_meta: list[Any],
    findings: list[tuple[Any, Finding]],
    errors: list[tuple[Any, ErrorEntry]],
    fallback_name: str,
) -> list[RunResult]:
    runs: dict[str, RunResult] = {}
    for i, meta in enumerate(runs_meta):
        if not isinstance(meta, dict):
            raise ResultFileError(f"runs[{i}] is not an object")
        name = _name(meta.get("name")) or f"{fallback_name} #{i + 1}"
        runs[name] = _run(name, meta.get("kind"), _object(meta.get("summary")), [])
        runs[name].calls = _calls(meta.get("calls"))
        _places(runs[name], meta)
    for raw, finding in findings:
        owner = _name(raw.get("run"))
        run = runs.get(owner) or runs.setdefault(fallback_name, _run(fallback_name, None, {}, []))
        run.findings.append(finding)
    for raw, error in errors:
        run = runs.get(_name(raw.get("run"))) or next(iter(runs.values()))
        run.errors.append(error)
    for run in runs.values():
        if run.kind not in ("code", "traffic"):
            run.kind = _guess_kind(run.findings, run.flows_read)
    return list(runs.values())


def _run(name: str, kind: Any, summary: dict[str, Any], findings: list[Finding]) -> RunResult:
    flows_read = _int(summary.get("flows_read"))
    chosen: RunKind = kind if kind in _KINDS else _guess_kind(findings, flows_read)
    return RunResult(
        name=name,
        kind=chosen,
        findings=findings,
        files_scanned=_int(summary.get("files_scanned")),
        flows_read=flows_read,
        extra=checked_extra(
            {k: v for k, v in summary.items() if k not in _SUMMARY_FIELDS}, f"{name}: summary"
        ),
    )


def _guess_kind(findings: list[Finding], flows_read: int) -> RunKind:
    if flows_read or any(f.origin in ("traffic", "sandbox") for f in findings):
        return "traffic"
    return "code"


def _finding(raw: Any, index: int) -> Finding:
    return checked_finding(raw, f"findings[{index}]")


def _error(raw: Any, index: int) -> ErrorEntry:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise ResultFileError(f"errors[{index}] is not an error entry")
    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        raise ResultFileError(f"errors[{index}].reason is not a string")
    return ErrorEntry(
        raw["path"],
        reason,
        _count(raw.get("index")),
        "warning" if raw.get("level") == "warning" else "error",
        line=_count(raw.get("line")),
        column=_count(raw.get("column")),
        file=raw["file"] if isinstance(raw.get("file"), str) else None,
    )


def _count(value: Any) -> int | None:
    """An index, line or column as written; None when it is missing or not a number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(value: Any) -> str:
    """A run's name as written, or "" when it is missing or not text."""
    return value if isinstance(value, str) else ""


def _calls(value: Any) -> list[dict[str, Any]]:
    """The Dokeos calls a code scan understood (each an object), for code-traffic joins."""
    return [call for call in _list(value) if isinstance(call, dict)]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _file_label(path: Path) -> str:
    return path.stem if path.suffix.lower() == ".json" else path.name


def name_runs_uniquely(loaded: list[tuple[RunResult, str]]) -> list[RunResult]:
    """Give each run a distinct, meaningful name, given the label of the file it came from.

    A bare ``.`` (a scan of the current folder, as CI runs it) says nothing in a portfolio,
    and two runs of one name would be merged by the filters and the SARIF categories.
    """
    for run, label in loaded:
        if run.name.strip() in ("", ".", "./"):
            run.name = label
    counts = Counter(run.name for run, _ in loaded)
    for run, label in loaded:
        if counts[run.name] > 1 and label != run.name:
            run.name = f"{run.name} ({label})"
    seen: Counter[str] = Counter()
    for run, _ in loaded:
        seen[run.name] += 1
        if seen[run.name] > 1:
            run.name = f"{run.name} #{seen[run.name]}"
    return [run for run, _ in loaded]
