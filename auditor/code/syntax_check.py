"""Python's own syntax check of the files the analysis does not need (they never mention
Dokeos): one that does not parse is listed as a warning, so "files scanned" is honest.

Python's parser is the fastest there is, yet on a large project it costs as much as the
rest of the scan: results are kept by content in the cache, and spread over processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from auditor.code.parsing import python_ast
from auditor.code.project import Project
from auditor.errors import UnreadableSource

_POOL_THRESHOLD = 200
"""Files below which starting processes costs more than it saves."""
_CACHE_FILE = "v1/syntax.json"


def syntax_reason(text: str) -> str:
    """Why Python cannot parse ``text``, or "" when it can."""
    try:
        python_ast(text)
    except UnreadableSource as exc:
        return str(exc)
    return ""


def _check_all(texts: Sequence[str]) -> list[str]:
    return [syntax_reason(t) for t in texts]


_forked: dict[str, Project] = {}
"""The project, seen by forked workers without being sent to them."""


def _check_forked(rels: Sequence[str]) -> list[str]:
    project = _forked["project"]
    return [syntax_reason(project.files[rel].text or "") for rel in rels]


def unparseable(
    project: Project, rels: Sequence[str], *, jobs: int, cache_dir: Path | None
) -> dict[str, str]:
    """The files among ``rels`` that Python cannot parse, with why."""
    known = _load(cache_dir)
    digests = {rel: _digest(project.files[rel].raw) for rel in rels}
    missing = [rel for rel in rels if digests[rel] not in known]
    if len(missing) >= _POOL_THRESHOLD and jobs > 1:
        reasons = _in_processes(project, missing, jobs)
    else:
        reasons = _check_all([project.files[rel].text or "" for rel in missing])
    for rel, reason in zip(missing, reasons, strict=True):
        known[digests[rel]] = reason
    if missing:
        _save(cache_dir, known)
    return {rel: known[digests[rel]] for rel in rels if known[digests[rel]]}


def _in_processes(project: Project, rels: list[str], jobs: int) -> list[str]:
    chunk = -(-len(rels) // (jobs * 4))
    batches = [rels[i : i + chunk] for i in range(0, len(rels), chunk)]
    if multiprocessing.get_start_method() == "fork":
        # forked workers already hold the project: only names cross the pipe
        _forked["project"] = project
        try:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                return [r for batch in pool.map(_check_forked, batches) for r in batch]
        finally:
            _forked.clear()
    texts = [[project.files[rel].text or "" for rel in batch] for batch in batches]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [r for batch in pool.map(_check_all, texts) for r in batch]


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _load(cache_dir: Path | None) -> dict[str, str]:
    if cache_dir is None:
        return {}
    try:
        data = json.loads((cache_dir / _CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _save(cache_dir: Path | None, known: dict[str, str]) -> None:
    if cache_dir is None:
        return
    from auditor.cache import prepare_cache_folder

    path = cache_dir / _CACHE_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        prepare_cache_folder(cache_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(known), encoding="utf-8")
        os.replace(tmp, path)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
