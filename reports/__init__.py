"""Renderers: every output format is a function of the same runs and findings."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence

from auditor.findings import RunResult

Renderer = Callable[[Sequence[RunResult]], str]

_MODULES = {
    "text": "text_report",
    "json": "json_report",
    "sarif": "sarif_report",
    "junit": "junit_report",
    "markdown": "markdown_report",
    "github": "github_report",
    "html": "html_report",
    "codequality": "codequality_report",
}


class _Renderers(Mapping[str, Renderer]):
    """Format name → render function, each module imported when its format is used
    (the HTML one pulls in Jinja2; a text scan should not pay for it)."""

    def __getitem__(self, name: str) -> Renderer:
        module = importlib.import_module(f"auditor.reports.{_MODULES[name]}")
        render: Renderer = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


RENDERERS: Mapping[str, Renderer] = _Renderers()

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "html", "codequality")
TEXT_STYLES = ("full", "concise")
"""The two looks of the text format, as ruff names them: `full` (the default) shows the
source line under each finding, `concise` one line a finding."""

SUFFIX_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".sarif": "sarif",
    ".xml": "junit",
    ".txt": "text",
}
"""The format an --output FILE's suffix implies when --format is absent."""


def renderer_for(name: str) -> Renderer:
    if name in TEXT_STYLES:
        from auditor.reports import text_report

        return lambda results: text_report.render(results, style=name)
    try:
        return RENDERERS[name]
    except KeyError:
        from auditor.errors import ConfigError

        raise ConfigError(f"output format {name!r} is not available") from None
