"""Renderers: every output format is a function of the same runs and findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.findings import RunResult
from auditor.reports import (
    codequality_report,
    github_report,
    html_report,
    json_report,
    junit_report,
    markdown_report,
    sarif_report,
    text_report,
)

Renderer = Callable[[Sequence[RunResult]], str]

RENDERERS: dict[str, Renderer] = {
    "text": text_report.render,
    "json": json_report.render,
    "sarif": sarif_report.render,
    "junit": junit_report.render,
    "markdown": markdown_report.render,
    "github": github_report.render,
    "html": html_report.render,
    "codequality": codequality_report.render,
}

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "html", "codequality")

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
"""The format `report --output FILE` picks from the file's suffix when --format is absent."""


def renderer_for(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        from auditor.errors import ConfigError

        raise ConfigError(f"output format {name!r} is not available") from None
