"""Renderers: every output format is a function of the same runs and findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.reports import json_report, text_report

from auditor.findings import RunResult

Renderer = Callable[[Sequence[RunResult]], str]

RENDERERS: dict[str, Renderer] = {
    "text": text_report.render,
    "json": json_report.render,
}

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "html")


def renderer_for(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        from auditor.errors import ConfigError

        raise ConfigError(f"output format {name!r} is not available") from None
