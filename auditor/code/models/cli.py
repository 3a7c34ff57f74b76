"""Command-line frameworks: an option's default is what runs when nobody gives it."""

from __future__ import annotations

from auditor.code.models.spec import CallContext, ContextObject, LibraryModel, Source, Special
from auditor.code.values import External, Num, Unknown, Value


def _option(call: CallContext) -> Value | None:
    """``typer.Option(7, "--days")``: 7 unless the command line says otherwise."""
    default = call.args[0] if call.args else call.kwargs.get("default")
    if default is None or (isinstance(default, External) and default.name.endswith("Ellipsis")):
        return Unknown(source="the command line")
    if isinstance(default, Num):
        return Num(default.n, default=True)
    return default


MODEL = LibraryModel(
    name="cli",
    specials=(Special(("typer.Option", "typer.Argument", "typer.params.Option"), _option),),
    method_sources=(Source(("parse_args", "parse_known_args"), "the command line"),),
    # click: a group's callback sets `ctx.obj`, its commands get it with @pass_obj
    context_objects=(ContextObject(("pass_obj",), "obj"),),
    # ... or read `ctx.obj` from the context they are given (`ctx: typer.Context`)
    namespaces=("typer.Context", "typer.models.Context", "click.Context", "click.core.Context"),
)
