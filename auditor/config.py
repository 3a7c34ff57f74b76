"""Run settings (what to check, what is Dokeos, when to fail), also read from pyproject.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.findings import Finding, Severity

FAIL_LEVELS = ("error", "warning", "never")
SECTION = "tool.dokeos-audit"
CONFIG_KEYS = (
    "select",
    "ignore",
    "exclude",
    "hosts",
    "fail-on",
    "severity",
    "http-calls",
    "max-file-size",
    "integrations",
    "owners",
)
"""The keys of ``[tool.dokeos-audit]``; anything else is a typo we refuse to guess about."""


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
    http_calls: tuple[dict[str, Any], ...] = ()
    max_file_size: int = 1_000_000
    """Bytes of source analyzed per file; larger files are an error entry that says so."""
    """The project's own HTTP wrappers the analyzer should take for HTTP calls
    (``{call = "acme.lms.Client.call", method = 0, url = 1}``)."""
    integrations: tuple[dict[str, Any], ...] = ()
    """For `report`: ``[[tool.dokeos-audit.integrations]]`` tables (name, runs, owner)."""
    owners: dict[str, str] = field(default_factory=dict)
    """For `report`: run or integration name → the team that owns it."""
    select_from: str = ""
    """Where ``select`` was set: "configuration" or "command line" ("" when it was not)."""
    ignore_from: str = ""
    """Where ``ignore`` was set, likewise."""
    config_path: Path | None = None
    """The file these settings were read from; ``exclude`` globs also match relative to its
    folder, so a pyproject at the repository root works whatever sub-folder is scanned."""

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id in self.ignore:
            return False
        return self.select is None or rule_id in self.select

    def rule_coverage(self, rule_ids: Iterable[str]) -> dict[str, Any]:
        """Which rules this run checks, and why the others were left out: a report must not
        call a change ready when its rules never ran (the JSON summary's ``rules``)."""
        checked: list[str] = []
        not_selected: dict[str, str] = {}
        ignored: dict[str, str] = {}
        for rule_id in rule_ids:
            if rule_id in self.ignore:
                ignored[rule_id] = self.ignore_from or "configuration"
            elif self.select is not None and rule_id not in self.select:
                not_selected[rule_id] = self.select_from or "configuration"
            else:
                checked.append(rule_id)
        return {"checked": checked, "not_selected": not_selected, "ignored": ignored}

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)

    def fails(self, findings: Iterable[Finding]) -> bool:
        if self.fail_on == "never":
            return False
        threshold = Severity(self.fail_on).rank
        return any(f.severity.rank >= threshold for f in findings)

    @property
    def config_root(self) -> Path | None:
        return self.config_path.parent if self.config_path is not None else None


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


# -- the configuration file ---------------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.dokeos-audit]`` table, from start upwards.

    Like ruff, a pyproject.toml without our table does not stop the search: a sub-package's
    own pyproject should not hide the repository's settings.
    """
    try:
        here = start.resolve()
    except (OSError, RuntimeError):
        return None
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if _mentions_us(candidate) and _our_table(_read_toml(candidate), candidate) is not None:
            return candidate
    return None


def _mentions_us(path: Path) -> bool:
    # A cheap look before parsing: an unrelated (even broken) pyproject.toml on the way up
    # is none of our business.
    try:
        return b"dokeos-audit" in path.read_bytes()
    except OSError:
        return False


def load_config(path: Path, known_rules: Iterable[str]) -> Settings:
    """Settings from a pyproject.toml (``[tool.dokeos-audit]``) or a standalone TOML file.

    A standalone file (any name but pyproject.toml) holds the keys at its top level, or in
    a ``[tool.dokeos-audit]`` table. Every problem is one ConfigError naming file and key.
    """
    document = _read_toml(path)
    table = _our_table(document, path)
    where = f"{path}: [{SECTION}]"
    if table is None:
        table = {} if path.name == "pyproject.toml" else document
        where = str(path)
    return settings_from_table(table, known_rules, where=where, path=path)


def settings_from_table(
    table: Mapping[str, Any],
    known_rules: Iterable[str],
    *,
    where: str,
    path: Path | None = None,
) -> Settings:
    known = frozenset(known_rules)
    unknown_keys = sorted(set(table) - set(CONFIG_KEYS))
    if unknown_keys:
        raise ConfigError(
            f"{where}: unknown key {', '.join(map(repr, unknown_keys))} "
            f"(known keys: {', '.join(CONFIG_KEYS)})"
        )
    changes: dict[str, Any] = {"config_path": path}
    for key in ("select", "ignore"):
        if key in table:
            ids = _strings(table[key], f"{where} {key}")
            try:
                changes[key] = parse_rule_ids(ids, known) or frozenset()
                changes[f"{key}_from"] = "configuration"
            except ConfigError as exc:
                raise ConfigError(f"{where} {key}: {exc}") from None
    for key in ("exclude", "hosts"):
        if key in table:
            changes[key] = tuple(_strings(table[key], f"{where} {key}"))
    if "fail-on" in table:
        level = table["fail-on"]
        if level not in FAIL_LEVELS:
            raise ConfigError(f"{where} fail-on: {level!r} is not one of {', '.join(FAIL_LEVELS)}")
        changes["fail_on"] = level
    if "severity" in table:
        changes["severity"] = _severities(table["severity"], known, f"{where} severity")
    if "http-calls" in table:
        changes["http_calls"] = _http_calls(table["http-calls"], f"{where} http-calls")
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"{where} max-file-size: expected a number of bytes, got {size!r}")
        changes["max_file_size"] = size
    if "integrations" in table:
        changes["integrations"] = _integrations(table["integrations"], f"{where} integrations")
    if "owners" in table:
        owners = table["owners"]
        if not isinstance(owners, dict) or not all(isinstance(v, str) for v in owners.values()):
            raise ConfigError(
                f'{where} owners: expected a table such as {{ "hr-sync" = "HR team" }}'
            )
        changes["owners"] = {str(k): v for k, v in owners.items()}
    return Settings(**changes)


_INTEGRATION_KEYS = frozenset({"name", "runs", "owner"})


def _integrations(value: Any, where: str) -> tuple[dict[str, Any], ...]:
    """``integrations = [{ name = "hr-sync", runs = ["code-hr*", "x.har"], owner = "HR" }]``."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of tables with a name and runs")
    found: list[dict[str, Any]] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{where}[{index}]: expected a table with a `name`")
        unknown = sorted(set(entry) - _INTEGRATION_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}[{index}]: unknown key {', '.join(map(repr, unknown))} "
                f"(known keys: {', '.join(sorted(_INTEGRATION_KEYS))})"
            )
        runs = _strings(entry.get("runs", []), f"{where}[{index}] runs")
        owner = entry.get("owner", "")
        if not isinstance(owner, str):
            raise ConfigError(f"{where}[{index}] owner: expected a string")
        found.append({"name": entry["name"], "runs": runs, "owner": owner})
    return tuple(found)


_HTTP_CALL_KEYS = frozenset({"call", "method", "url", "headers", "params", "body"})


def _http_calls(value: Any, where: str) -> tuple[dict[str, Any], ...]:
    """``http-calls = [{ call = "acme.lms.Client.call", method = 0, url = "path" }]``."""
    example = '[{ call = "acme.lms.Client.call", method = 0, url = 1 }]'
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of tables such as {example}")
    found: list[dict[str, Any]] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("call"), str):
            raise ConfigError(f"{where}[{index}]: expected a table with a `call` name")
        unknown = sorted(set(entry) - _HTTP_CALL_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}[{index}]: unknown key {', '.join(map(repr, unknown))} "
                f"(known keys: {', '.join(sorted(_HTTP_CALL_KEYS))})"
            )
        for key in ("method", "url", "headers", "params", "body"):
            if key in entry and not isinstance(entry[key], int | str):
                raise ConfigError(
                    f"{where}[{index}] {key}: expected a position (0, 1...) or a parameter name"
                )
        found.append(dict(entry))
    return tuple(found)


def _severities(value: Any, known: frozenset[str], where: str) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: expected a table such as {{ DK004 = "error" }}')
    levels = [s.value for s in Severity]
    out: dict[str, Severity] = {}
    for rule_id, level in value.items():
        if rule_id.upper() not in known:
            raise ConfigError(f"{where}: unknown rule id {rule_id!r} (see `dokeos-audit rules`)")
        if level not in levels:
            raise ConfigError(f"{where}: {rule_id} = {level!r} is not one of {', '.join(levels)}")
        out[rule_id.upper()] = Severity(level)
    return out


def _strings(value: Any, where: str) -> list[str]:
    # a comma-separated string is accepted too: it is what the command line takes
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ConfigError(f"{where}: expected a list of strings")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _our_table(document: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    table = tool.get("dokeos-audit")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{SECTION}] must be a table")
    return table
