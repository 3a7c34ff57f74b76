"""Run settings: what to check, what counts as Dokeos, and when to fail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.errors import ConfigError
from auditor.findings import Finding, Severity

FAIL_LEVELS = ("error", "warning", "never")


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None
    """Rule ids to run (None: all)."""
    ignore: frozenset[str] = frozenset()
    hosts: tuple[str, ...] = ()
    """Extra Dokeos hosts or host patterns (``*.lms.example.org``)."""
    exclude: tuple[str, ...] = ()
    fail_on: str = "warning"
    severity: dict[str, Severity] = field(default_factory=dict)

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id in self.ignore:
            return False
        return self.select is None or rule_id in self.select

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)

    def fails(self, findings: Iterable[Finding]) -> bool:
        if self.fail_on == "never":
            return False
        threshold = Severity(self.fail_on).rank
        return any(f.severity.rank >= threshold for f in findings)


def parse_rule_ids(text: str | Iterable[str] | None, known: Iterable[str]) -> frozenset[str] | None:
    """Parse ``DK001,DK002`` (or a list of ids); unknown ids are a ConfigError."""
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    ids = frozenset(i.strip().upper() for i in items if i.strip())
    unknown = sorted(ids - set(known))
    if unknown:
        raise ConfigError(f"unknown rule id(s): {', '.join(unknown)} (see `dokeos-audit rules`)")
    return ids
