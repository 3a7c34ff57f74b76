"""What the commands share: output, config and baseline options, atomic writes, exit codes."""

from __future__ import annotations

import errno
import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.baseline import BaselineEntry, baseline_text, load_baseline, match_baseline
from auditor.cli.output_target import (
    remove_stale_temporaries,
    resolved_target,
    temporary_prefix,
)
from auditor.config import (
    FAIL_LEVELS,
    RuleLayer,
    Settings,
    find_config,
    load_config,
    parse_rule_ids,
)
from auditor.errors import AuditError, ConfigError
from auditor.excludes import PatternList
from auditor.findings import ErrorEntry, RunResult, now_iso
from auditor.reports import FORMATS, SUFFIX_FORMATS, TEXT_STYLES, renderer_for
from auditor.rules import RULES_BY_ID

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped with Ctrl-C."""


_RULE_OPTIONS = "dokeos_audit.rule_options"
"""Where --extend-select and --extend-ignore wait in click's context for the settings:
every command with --select has them, without each signature growing two parameters."""


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name is not None:
        ctx.meta.setdefault(_RULE_OPTIONS, {})[param.name] = value


def output_options(command: F) -> F:
    """--format, --output, the rule selection, --fail-on and --host, as on every command."""
    options = [
        click.option(
            "--format",
            "--output-format",
            "output_format",
            type=click.Choice((*FORMATS, *TEXT_STYLES)),
            default=None,
            help=(
                "Output format (default: from the --output suffix, else text; text is "
                "'full', with the source line; 'concise' is one line a finding)."
            ),
        ),
        click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Write the report to FILE instead of standard output.",
        ),
        click.option(
            "--select",
            default=None,
            metavar="IDS",
            help="Run only these rules, comma-separated (DK001,DK002, or ALL); replaces "
            "the configured selection.",
        ),
        click.option(
            "--extend-select",
            default=None,
            metavar="IDS",
            expose_value=False,
            callback=_remember,
            help="Also run these rules, on top of the configured selection.",
        ),
        click.option(
            "--ignore",
            default=None,
            metavar="IDS",
            help="Skip these rules (added to the configured ignore).",
        ),
        click.option(
            "--extend-ignore",
            default=None,
            metavar="IDS",
            expose_value=False,
            callback=_remember,
            help="The same as --ignore (ruff's older name).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_LEVELS),
            default=None,
            help="Exit 1 when a finding is at or above this level (default: warning).",
        ),
        click.option(
            "--host",
            "hosts",
            multiple=True,
            metavar="HOST",
            help="Also treat this host (or *.pattern) as Dokeos; repeatable.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_from_options(
    base: Settings | None = None,
    *,
    select: str | None = None,
    ignore: str | None = None,
    extend_select: str | Sequence[str] | None = None,
    fail_on: str | None = None,
    hosts: Sequence[str] = (),
) -> Settings:
    """The settings with the command line on top: --select starts the rule selection anew
    (as in ruff), --extend-select adds to it, --ignore and --extend-ignore take away (a rule
    named in both is ignored); --fail-on replaces, --host adds."""
    from dataclasses import replace

    settings = base or Settings()
    context = click.get_current_context(silent=True)
    remembered = context.meta.get(_RULE_OPTIONS, {}) if context is not None else {}
    extend = [extend_select] if isinstance(extend_select, str) else list(extend_select or ())
    if remembered.get("extend_select"):
        extend.append(remembered["extend_select"])
    ignores = [text for text in (ignore, remembered.get("extend_ignore")) if text]
    changes: dict[str, Any] = {}
    if select is not None or extend or ignores:
        changes["command_line"] = RuleLayer(
            "the command line",
            select=parse_rule_ids(select, RULES_BY_ID) if select is not None else None,
            extend_select=frozenset().union(
                *(parse_rule_ids(text, RULES_BY_ID) or frozenset() for text in extend)
            ),
            ignore=frozenset().union(
                *(parse_rule_ids(text, RULES_BY_ID) or frozenset() for text in ignores)
            ),
        )
    if fail_on is not None:
        changes["fail_on"] = fail_on
    if hosts:
        changes["hosts"] = tuple(settings.hosts) + tuple(hosts)
    return replace(settings, **changes) if changes else settings


def selection_warnings(settings: Settings) -> list[str]:
    """What a user should hear about the rule selection: a rule both selected and ignored
    in one place (ignore wins), a selected rule that per-file-ignores still skip."""
    notes = []
    for layer in settings.rule_layers:
        for rule_id in layer.conflicts():
            notes.append(
                f"{rule_id} is both selected and ignored in {layer.origin}: it does not run"
            )
    chosen = settings.command_line
    if chosen is not None:
        named = (chosen.select or frozenset()) | chosen.extend_select
        for negated, patterns, rules in settings.per_file_ignores.entries:
            for rule_id in sorted(named & rules):
                pattern = ("!" if negated else "") + patterns.patterns[0]
                notes.append(
                    f"{rule_id} is selected, but per-file-ignores still skip it in files "
                    f'matching "{pattern}"'
                )
    return notes


def config_option(command: F) -> F:
    """--config FILE: settings from that file instead of the nearest pyproject.toml."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help=(
            "Read settings from FILE: a pyproject.toml ([tool.dokeos-audit]) or a TOML file "
            "with the same keys. Default: the nearest pyproject.toml with that table above "
            "the first PATH (scan) or the working directory (traffic). Command-line options "
            "override it."
        ),
    )(command)


def baseline_options(command: F) -> F:
    """--baseline FILE and --write-baseline FILE."""
    options = [
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Report (and fail on) only the findings this baseline does not hold.",
        ),
        click.option(
            "--write-baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Record the current findings as the baseline in FILE, then exit 0.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings_for(
    start: Path | None,
    config_file: Path | None,
    *,
    select: str | None = None,
    ignore: str | None = None,
    extend_select: str | Sequence[str] | None = None,
    fail_on: str | None = None,
    hosts: Sequence[str] = (),
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool | None = None,
    respect_gitignore: bool | None = None,
    project_root: Path | None = None,
) -> Settings:
    """The configuration file's settings (``--config``, else the nearest pyproject.toml
    above ``start``), with the command line on top (see settings_from_options). --exclude
    replaces the configured exclude, --extend-exclude adds; both are relative to the
    project root (the configuration's own patterns to the configuration's folder)."""
    from dataclasses import replace

    path = config_file if config_file is not None else find_config(start or Path.cwd())
    base = load_config(path, RULES_BY_ID) if path is not None else Settings()
    settings = settings_from_options(
        base,
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        fail_on=fail_on,
        hosts=hosts,
    )
    changes: dict[str, Any] = {}
    here = project_root or Path.cwd()
    if exclude is not None:
        changes["exclude"] = (PatternList.of(here, exclude, "--exclude"),)
    if extend_exclude:
        changes["extend_exclude"] = (
            *settings.extend_exclude,
            PatternList.of(here, extend_exclude, "--extend-exclude"),
        )
    if force_exclude is not None:
        changes["force_exclude"] = force_exclude
    if respect_gitignore is not None:
        changes["respect_gitignore"] = respect_gitignore
    return replace(settings, **changes) if changes else settings


def read_baseline(path: Path | None) -> list[BaselineEntry] | None:
    """The baseline, read before the scan: a wrong path should not cost a whole scan."""
    return load_baseline(path) if path is not None else None


def apply_baseline(
    result: RunResult,
    baseline: list[BaselineEntry] | None,
    write_to: Path | None,
) -> None:
    """Record the findings (--write-baseline), then keep only those the baseline lacks."""
    if write_to is not None:
        try:
            write_atomically(write_to, baseline_text(result.findings))
        except OSError as exc:
            raise AuditError(f"cannot write {write_to}: {exc.strerror or exc}") from None
        count = len(result.findings)
        click.echo(
            f"dokeos-audit: recorded {count} finding{'s' if count != 1 else ''} "
            f"in the baseline {write_to}",
            err=True,
        )
    if baseline is not None:
        match = match_baseline(result.sorted_findings(), baseline)
        result.findings = match.new
        result.extra["baseline"] = match.summary()


def write_atomically(path: Path, text: str) -> None:
    """Write the whole report or nothing: a temporary file beside it, then a rename.

    A target that is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO) is written
    in place: renaming over it would replace the device with a file."""
    existing = Path(os.path.realpath(path))
    if existing.exists() and not existing.is_file():
        with open(existing, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
        return
    path = resolved_target(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); give it the mode open() would have given,
        # or keep the mode of the file it replaces, so a shared CI artifact stays readable.
        os.fchmod(fd, _mode_for(path))
        # a file name that is not UTF-8 is written as its escape (``bad\udcff.py``)
        with os.fdopen(
            fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output(output: Path | None) -> None:
    """Refuse, before any work, an --output the user cannot write, naming the real cause.

    An existing file is opened for writing without being changed (so a read-only file is
    refused rather than silently replaced by the rename); a new one must be creatable in
    its folder (a file is made there and removed)."""
    if output is None:
        return
    target = Path(os.path.realpath(output))
    if target.is_dir():
        raise ConfigError(f"cannot write {output}: it is a folder")
    if target.exists():
        flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            os.close(os.open(target, flags))
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {_write_failure(exc)}") from None
        if not target.is_file():
            return
    folder = target.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"cannot write {output}: {existing} is not a folder")
    if existing != folder:
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot write {output}: cannot create folders in {existing}")
        return
    try:
        fd, probe = tempfile.mkstemp(prefix=".dokeos-audit-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {output}: cannot create files in {folder} ({_write_failure(exc)})"
        ) from None


def _write_failure(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the file is read-only for you)"
    if exc.errno == errno.EROFS:
        return "it is on a read-only file system"
    if exc.errno in (errno.EINVAL, errno.ENOENT, errno.EOPNOTSUPP, errno.ENOTSUP):
        return "the system does not let anyone write it (a kernel or special file)"
    if exc.errno == errno.ENXIO:
        return "a pipe (FIFO) that nothing reads"
    if exc.errno == errno.ETXTBSY:
        return "a program that is running"
    return exc.strerror or str(exc)


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    # Linux shows the umask without changing it; elsewhere it can only be read by setting
    # it, which another thread could observe, so that is the fallback.
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def project_settings() -> Settings | None:
    """`[tool.dokeos-audit]` of the nearest pyproject.toml above the working directory.

    Captures and result files live outside the project, so the configuration (its Dokeos
    hosts above all) is looked up from where the command runs."""
    path = find_config(Path.cwd())
    return load_config(path, RULES_BY_ID) if path is not None else None


def stamp_run(result: RunResult, settings: Settings) -> None:
    """When the run was made and which rules it checked (summary ``generated_at`` and
    ``rules``), so no report calls a change whose rules were left out "ready"."""
    result.extra["rules"] = settings.rule_coverage(RULES_BY_ID)
    result.extra["generated_at"] = now_iso()


@dataclass(frozen=True)
class TextOptions:
    """How the text report looks: ruff's ``full`` (source line and carets) or ``concise``
    (one line a finding), colours, a count per rule instead of findings, no summary."""

    style: str = "full"
    color: bool = False
    statistics: bool = False
    quiet: bool = False


_SUFFIX_LABELS = {
    "json": "JSON",
    "sarif": "SARIF",
    "junit": "JUnit XML",
    "html": "HTML",
    "markdown": "Markdown",
    "text": "text",
}
_SAME_CONTENT = {
    "json": {"json", "sarif", "codequality"},
    "text": {"text", *TEXT_STYLES, "github"},
}


def format_for(output_format: str | None, output: Path | None, default: str = "text") -> str:
    """The explicit format, else the one the --output suffix names (``.json .sarif .xml
    .html .md .txt``), else ``default``; a format whose content the suffix contradicts
    (text into ``x.sarif``) is refused."""
    implied = None
    if output is not None:
        name = output.name.lower()
        implied = (
            "sarif" if name.endswith(".sarif.json") else SUFFIX_FORMATS.get(output.suffix.lower())
        )
    if output_format is None:
        return implied or default
    if implied is not None and output_format not in _SAME_CONTENT.get(implied, {implied}):
        raise ConfigError(
            f"--output {output} names a {_SUFFIX_LABELS[implied]} file but --format is "
            f"{output_format}: drop --format (the suffix decides) or name the file after "
            "the format"
        )
    return output_format


def emit(
    results: Sequence[RunResult],
    output_format: str | None,
    output: Path | None,
    text: TextOptions | None = None,
) -> None:
    chosen = format_for(output_format, output)
    if chosen in ("text", *TEXT_STYLES):
        from auditor.reports import text_report

        options = text or TextOptions()
        rendered = text_report.render(
            results,
            style=chosen if chosen in TEXT_STYLES else options.style,
            color=options.color,
            statistics=options.statistics,
            quiet=options.quiet,
        )
    else:
        rendered = renderer_for(chosen)(results)
    write_output(rendered, output)


def write_output(text: str, output: Path | None) -> None:
    """The rendered report on standard output, or whole into FILE (never half-written)."""
    if output is None:
        # colour is decided before rendering (--color, NO_COLOR...): click must not strip it
        click.echo(text, nl=False, color=True)
    else:
        try:
            write_atomically(output, text)
        except OSError as exc:
            raise AuditError(f"cannot write {output}: {_write_failure(exc)}") from None


def report_errors(results: Sequence[RunResult]) -> None:
    """Each input that could not be read, once, one line on stderr (whatever the format:
    standard output is only for the report)."""
    for result in results:
        for error in result.errors:
            click.echo(f"dokeos-audit: {error.level}: {error_line(error)}", err=True)


def error_line(error: ErrorEntry) -> str:
    from auditor.reports.text_report import one_line

    where = error.file or error.path
    if error.line is not None:
        where = f"{where}:{error.line}:{error.column or 1}"
    if error.index is not None:
        where = f"{where} (flow {error.index})"
    return one_line(f"{where}: {error.reason}")


def use_color(choice: str, stream: Any) -> bool:
    """--color auto|always|never; auto honours NO_COLOR and FORCE_COLOR, then whether the
    stream is a terminal (and not a dumb one)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, ValueError):
        terminal = False
    return terminal and os.environ.get("TERM") != "dumb"


def text_options(command: F) -> F:
    """The text report's options, as ruff has them."""
    options = [
        click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour the text report (auto: on a terminal, unless NO_COLOR is set; "
            "FORCE_COLOR forces it).",
        ),
        click.option(
            "--statistics",
            is_flag=True,
            help="Print the number of findings of each rule instead of the findings.",
        ),
        click.option(
            "--quiet",
            "-q",
            is_flag=True,
            help="Print the findings and errors only: no summary, progress or notes.",
        ),
        click.option(
            "--exit-zero",
            is_flag=True,
            help="Exit 0 even when findings are at or above --fail-on (2 still means "
            "that nothing could be read, or a usage error).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def exit_code(results: Sequence[RunResult], settings: Settings, *, readable: bool) -> int:
    if not readable:
        return EXIT_USAGE
    findings = [f for r in results for f in r.findings]
    return EXIT_FINDINGS if settings.fails(findings) else EXIT_OK


def fail(message: str) -> None:
    click.echo(f"dokeos-audit: error: {message}", err=True)


def user_errors(command: F) -> F:
    """Turn the errors users can cause into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AuditError as exc:
            fail(str(exc))
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            # click would say "Aborted!" and exit 1, the code for findings: a shell's 130
            # tells a CI step or a script that the run was interrupted, not that it failed
            click.echo("\ndokeos-audit: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except ModuleNotFoundError as exc:
            # a command that imports what the `traffic` extra installs only when it runs
            from auditor.cli import EXTRA_PACKAGES

            missing = (exc.name or "").split(".")[0]
            if missing not in EXTRA_PACKAGES:
                raise
            context = click.get_current_context(silent=True)
            name = context.info_name if context is not None else "this command"
            fail(
                f"`dokeos-audit {name}` needs {missing}, part of the `traffic` extra: "
                "pip install 'dokeos-audit[traffic]' (from a clone: pip install '.[traffic]')"
            )
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]
