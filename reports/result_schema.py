"""Checks what a result file says, field by field, before any renderer trusts it.

`report` reads JSON that other runs wrote, hand edits and CI artifacts of any age: a field
of the wrong type (`flow.timestamp: 0`, a string `column`, `endpoints_seen: 1`) must reject
that file with the field named, not crash a renderer later. Fields may be added (SPEC.md):
unknown ones are ignored.
"""

from __future__ import annotations

from typing import Any

from auditor.errors import ResultFileError
from auditor.findings import Finding, FlowRef, Location, Severity, SourceContext
from auditor.fix.model import Fix

MAX_EXTRA_DEPTH = 32
"""Summary fields we do not know are carried into the merged JSON as they are; deeper than
this they are no dokeos-audit data (and json.dumps would recurse on them)."""

_ORIGINS = ("code", "traffic")


def _fail(where: str, expected: str) -> ResultFileError:
    return ResultFileError(f"{where} is not {expected}")


def _text(raw: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = raw.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", "a string")
    return value


def _number(raw: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = raw.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"{where}.{key}", "an integer")
    return value


def checked_finding(raw: Any, where: str) -> Finding:
    """A finding from its JSON form; ResultFileError naming the first wrong field."""
    if not isinstance(raw, dict):
        raise _fail(where, "an object")
    severity = _text(raw, "severity", where)
    if severity not in {s.value for s in Severity}:
        raise _fail(f"{where}.severity", "error, warning or note")
    origin = _text(raw, "origin", where)
    if origin not in _ORIGINS:
        raise _fail(f"{where}.origin", "code or traffic")
    fingerprint = raw.get("fingerprint", "")
    if not isinstance(fingerprint, str):
        raise _fail(f"{where}.fingerprint", "a string")
    location = _location(raw.get("location"), f"{where}.location")
    flow = _flow(raw.get("flow"), f"{where}.flow")
    if location is None and flow is None:
        raise ResultFileError(f"{where} has neither a location nor a flow")
    return Finding(
        rule=_text(raw, "rule", where),
        severity=Severity(severity),
        message=_text(raw, "message", where),
        origin=origin,
        endpoint=_text(raw, "endpoint", where, optional=True),
        fingerprint=fingerprint,
        location=location,
        flow=flow,
        context=_context(raw.get("context"), f"{where}.context"),
        run=_text(raw, "run", where, optional=True),
        fix=_fix(raw.get("fix"), f"{where}.fix"),
        no_fix=_text(raw, "no_fix", where, optional=True) or "",
    )


def _fix(raw: Any, where: str) -> Fix | None:
    if raw is None:
        return None
    try:
        return Fix.from_json(raw)
    except ValueError as exc:
        raise ResultFileError(f"{where} is not a fix: {exc}") from None


def _location(raw: Any, where: str) -> Location | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(where, "an object")
    line = _number(raw, "line", where)
    column = _number(raw, "column", where)
    end_line = _number(raw, "end_line", where, optional=True)
    end_column = _number(raw, "end_column", where, optional=True)
    return Location(
        path=_text(raw, "path", where),
        line=line,
        column=column,
        end_line=line if end_line is None else end_line,
        end_column=column if end_column is None else end_column,
        file=_text(raw, "file", where, optional=True),
    )


def _flow(raw: Any, where: str) -> FlowRef | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(where, "an object")
    return FlowRef(
        file=_text(raw, "file", where),
        index=_number(raw, "index", where),
        method=_text(raw, "method", where),
        url=_text(raw, "url", where),
        timestamp=_text(raw, "timestamp", where, optional=True) or "",
        status=_number(raw, "status", where, optional=True),
    )


def _context(raw: Any, where: str) -> SourceContext | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(where, "an object")
    lines = raw.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise _fail(f"{where}.lines", "a list of strings")
    return SourceContext(_number(raw, "start_line", where), tuple(lines))


def checked_extra(summary: dict[str, Any], where: str) -> dict[str, Any]:
    """Summary fields beyond the counts: those the reports read are checked, all are bounded."""
    endpoints = summary.get("endpoints_seen")
    if endpoints is not None and (
        not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints)
    ):
        raise _fail(f"{where}.endpoints_seen", "a list of strings")
    for key, value in summary.items():
        if _depth(value) > MAX_EXTRA_DEPTH:
            raise ResultFileError(f"{where}.{key} is nested more than {MAX_EXTRA_DEPTH} deep")
    return summary


def _depth(value: Any) -> int:
    """How deep containers nest in a JSON value, without recursing (it may be very deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_EXTRA_DEPTH:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth) for child in children)
    return deepest
