"""Turns what rules report into Findings: severity, fingerprint, source context, de-duplication."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from auditor.config import Settings
from auditor.findings import Finding, Origin, SourceContext, fingerprint
from auditor.rules import RULES_BY_ID
from auditor.rules.base import RawFinding

CONTEXT_LINES = 3


def enabled_rules(settings: Settings) -> list[str]:
    return [rule_id for rule_id in RULES_BY_ID if settings.rule_enabled(rule_id)]


def complete_code_findings(
    raw_findings: Iterable[RawFinding],
    sources: Mapping[str, str],
    settings: Settings,
) -> list[Finding]:
    """Complete code findings; one finding per rule and place, however many contexts led there.

    The fingerprint hashes the rule, the file, the endpoint and the text of the flagged line
    (not its number), plus how many identical lines came before, so moving code keeps it.
    """
    unique: dict[tuple[str, str, int, int, str], RawFinding] = {}
    for raw in raw_findings:
        if raw.location is None or not settings.rule_enabled(raw.rule):
            continue
        loc = raw.location
        unique.setdefault((raw.rule, loc.path, loc.line, loc.column, raw.key), raw)
    ordered = sorted(
        unique.values(),
        key=lambda r: (r.location.path, r.location.line, r.location.column, r.rule),
    )
    seen: Counter[tuple[str, ...]] = Counter()
    out: list[Finding] = []
    split_cache: dict[str, list[str]] = {}
    for raw in ordered:
        loc = raw.location
        assert loc is not None
        lines = split_cache.get(loc.path)
        if lines is None:
            lines = sources.get(loc.path, "").splitlines()
            split_cache[loc.path] = lines
        line_text = lines[loc.line - 1].strip() if 0 < loc.line <= len(lines) else ""
        identity = (raw.rule, loc.path, raw.endpoint or "", raw.key, " ".join(line_text.split()))
        occurrence = seen[identity]
        seen[identity] += 1
        start = max(1, loc.line - CONTEXT_LINES)
        context = (
            SourceContext(start, tuple(lines[start - 1 : loc.end_line + CONTEXT_LINES]))
            if lines
            else None
        )
        rule = RULES_BY_ID[raw.rule]
        out.append(
            Finding(
                rule=raw.rule,
                severity=settings.severity_of(raw.rule, rule.severity),
                message=raw.message,
                origin="code",
                endpoint=raw.endpoint,
                fingerprint=fingerprint(*identity, occurrence),
                location=loc,
                context=context,
            )
        )
    return out


def complete_traffic_finding(
    raw: RawFinding, settings: Settings, origin: Origin = "traffic"
) -> Finding | None:
    """Complete one traffic finding (they are reported one per flow and rule)."""
    if raw.flow is None or not settings.rule_enabled(raw.rule):
        return None
    rule = RULES_BY_ID[raw.rule]
    flow = raw.flow
    url_path = flow.url.split("?", 1)[0]
    return Finding(
        rule=raw.rule,
        severity=settings.severity_of(raw.rule, rule.severity),
        message=raw.message,
        origin=origin,
        endpoint=raw.endpoint,
        fingerprint=fingerprint(raw.rule, flow.file, flow.index, flow.method, url_path, raw.key),
        flow=flow,
        occurrences=raw.occurrences,
    )
