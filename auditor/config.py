"""Run settings (what to check, what is Dokeos, when to fail), also read from pyproject.toml."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.excludes import DEFAULT_EXCLUDE, PatternList, PerFileIgnores
from auditor.findings import Finding, Severity

FAIL_LEVELS = ("error", "warning", "never")
SECTION = "tool.dokeos-audit"
CONFIG_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "exclude",
    "extend-exclude",
    "force-exclude",
    "respect-gitignore",
    "per-file-ignores",
    "hosts",
    "fail-on",
    "severity",
    "http-calls",
    "max-file-size",
    "integrations",
    "owners",
    "docs-url",
)
"""The keys of ``[tool.dokeos-audit]``; anything else is a typo we refuse to guess about."""

OPT_IN_RULES = frozenset({"DK100"})
"""Rules that run only when asked for (``--report-unused-suppressions``, or named in a
select): like ruff's RUF100, reporting unused suppressions is a choice."""
ALL_SELECTOR = "ALL"


@dataclass(frozen=True)
class RuleLayer:
    """One source of rule selection (the configuration file, the command line): ruff's
    order, each layer on top of the one before. A layer with ``select`` starts from it;
    one without keeps what came before; then ``extend_select`` adds and ``ignore``
    removes. A rule named exactly beats ``ALL``; named in both, ignore wins."""

    origin: str
    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()

    def apply(self, enabled: set[str], known: Iterable[str]) -> set[str]:
        known = list(known)
        out = set() if self.select is not None else set(enabled)
        selected = (self.select or frozenset()) | self.extend_select
        for rule_id in known:
            if rule_id in self.ignore:
                out.discard(rule_id)
            elif rule_id in selected:
                out.add(rule_id)
            elif ALL_SELECTOR in self.ignore:
                out.discard(rule_id)
            elif ALL_SELECTOR in selected:
                out.add(rule_id)
        return out

    def conflicts(self) -> list[str]:
        """Rules this layer both selects and ignores by name (ignore wins)."""
        selected = (self.select or frozenset()) | self.extend_select
        return sorted((selected & self.ignore) - {ALL_SELECTOR})


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None
    """Rule ids to run (None: every rule but the opt-in ones), from the configuration."""
    ignore: frozenset[str] = frozenset()
    extend_select: frozenset[str] = frozenset()
    command_line: RuleLayer | None = None
    """--select, --extend-select, --ignore: on top of the configuration's selection."""
    hosts: tuple[str, ...] = ()
    """Extra Dokeos hosts or host patterns (``*.lms.example.org``)."""
    exclude: tuple[PatternList, ...] | None = None
    """What replaces the default excludes (None: DEFAULT_EXCLUDE)."""
    extend_exclude: tuple[PatternList, ...] = ()
    force_exclude: bool = False
    """Exclude even the paths given on the command line (a pre-commit hook wants this)."""
    respect_gitignore: bool = True
    per_file_ignores: PerFileIgnores = field(default_factory=PerFileIgnores)
    docs_url: str | None = None
    """Where the user keeps the rule pages (SARIF helpUri and report links); none invented."""
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
    config_path: Path | None = None
    """The file these settings were read from; ``exclude`` globs also match relative to its
    folder, so a pyproject at the repository root works whatever sub-folder is scanned."""

    @functools.cached_property
    def enabled_rules(self) -> frozenset[str]:
        from auditor.rules import RULES_BY_ID

        enabled = {r for r in RULES_BY_ID if r not in OPT_IN_RULES}
        for layer in self.rule_layers:
            enabled = layer.apply(enabled, RULES_BY_ID)
        return frozenset(enabled)

    @property
    def rule_layers(self) -> list[RuleLayer]:
        where = str(self.config_path) if self.config_path is not None else "the configuration"
        layers = [RuleLayer(where, self.select, self.extend_select, self.ignore)]
        if self.command_line is not None:
            layers.append(self.command_line)
        return layers

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id not in self.enabled_rules:
            from auditor.rules import RULES_BY_ID

            # a rule only a newer version knows (a merged JSON result): select/ignore by id
            return (
                rule_id not in RULES_BY_ID
                and rule_id not in self.ignore
                and (self.select is None or rule_id in self.select)
            )
        return True

    def exclude_lists(self, project_root: Path) -> list[PatternList]:
        base = self.exclude
        if base is None:
            base = (PatternList.of(project_root, DEFAULT_EXCLUDE, "default exclude"),)
        return [*base, *self.extend_exclude]

    def rule_coverage(self, rule_ids: Iterable[str]) -> dict[str, Any]:
        """Which rules this run checks, and why the others were left out: a report must not
        call a change ready when its rules never ran (the JSON summary's ``rules``). The
        reason is the last layer that dropped the rule: "configuration" or "command line"."""
        checked: list[str] = []
        not_selected: dict[str, str] = {}
        ignored: dict[str, str] = {}
        for rule_id in rule_ids:
            if self.rule_enabled(rule_id):
                checked.append(rule_id)
                continue
            reason = ("not_selected", "configuration")
            for layer in self.rule_layers:
                origin = "command line" if layer is self.command_line else "configuration"
                if rule_id in layer.ignore or ALL_SELECTOR in layer.ignore:
                    reason = ("ignored", origin)
                elif layer.select is not None and rule_id not in (
                    layer.select | layer.extend_select
                ):
                    reason = ("not_selected", origin)
            (ignored if reason[0] == "ignored" else not_selected)[rule_id] = reason[1]
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
    unknown = sorted(ids - set(known) - {ALL_SELECTOR})
    if unknown:
        raise ConfigError(f"unknown rule id(s): {', '.join(unknown)} (see `dokeos-audit rules`)")
    return ids


# -- the configuration file ---------------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.dokeos-audit]`` table, from start upwards.

    Like ruff, a pyproject.toml without our table does not stop the search: a sub-package's
    own pyproject should not hide the repository's settings.
    """
    for candidate in pyprojects_above(start):
        if _mentions_us(candidate) and _our_table(_read_toml(candidate), candidate) is not None:
            return candidate
    return None


def pyprojects_above(start: Path) -> Iterator[Path]:
    """The pyproject.toml paths from ``start``'s folder upwards, nearest first (whether
    each exists is the caller's question)."""
    try:
        here = start.resolve()
    except (OSError, RuntimeError):
        return
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        yield folder / "pyproject.toml"


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
    for key in ("select", "extend-select", "ignore"):
        if key in table:
            ids = _strings(table[key], f"{where} {key}")
            try:
                changes[key.replace("-", "_")] = parse_rule_ids(ids, known) or frozenset()
            except ConfigError as exc:
                raise ConfigError(f"{where} {key}: {exc}") from None
    if "hosts" in table:
        changes["hosts"] = tuple(_strings(table["hosts"], f"{where} hosts"))
    base = path.parent if path is not None else Path.cwd()
    label = path.name if path is not None else "configuration"
    for key in ("exclude", "extend-exclude"):
        if key in table:
            patterns = _strings(table[key], f"{where} {key}")
            changes[key.replace("-", "_")] = (PatternList.of(base, patterns, f"{label} {key}"),)
    for key in ("force-exclude", "respect-gitignore"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where} {key}: expected true or false, got {table[key]!r}")
            changes[key.replace("-", "_")] = table[key]
    if "per-file-ignores" in table:
        changes["per_file_ignores"] = _per_file_ignores(
            table["per-file-ignores"], known, base, f"{where} per-file-ignores"
        )
    if "docs-url" in table:
        url = table["docs-url"]
        if not isinstance(url, str) or not url.strip():
            raise ConfigError(f"{where} docs-url: expected the URL of your copy of docs/rules")
        changes["docs_url"] = url.strip()
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


def _per_file_ignores(value: Any, known: frozenset[str], base: Path, where: str) -> PerFileIgnores:
    example = '{ "legacy/*.py" = ["DK001"] }'
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table such as {example}")
    table: dict[str, frozenset[str]] = {}
    for pattern, ids in value.items():
        try:
            table[pattern] = parse_rule_ids(_strings(ids, f"{where} {pattern!r}"), known) or (
                frozenset()
            )
        except ConfigError as exc:
            raise ConfigError(f"{where} {pattern!r}: {exc}") from None
    return PerFileIgnores.of(base, table)


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
