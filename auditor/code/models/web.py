"""Web frameworks: settings objects, request data, injected dependencies, background
tasks and per-request namespaces (Django, Flask, FastAPI, Starlette)."""

from __future__ import annotations

from auditor.code.models.spec import EnvGetter, Injector, LibraryModel, Scheduler, Source, arg
from auditor.code.values import CLOCK

MODEL = LibraryModel(
    name="web",
    settings_objects=(
        "django.conf.settings",
        "flask.current_app.config",
        "flask.current_app.extensions",
        "quart.current_app.config",
    ),
    namespaces=("flask.g", "flask.current_app", "quart.g", "flask.current_app.extensions"),
    injectors=(
        Injector(("fastapi.Depends", "fastapi.Security", "fastapi.params.Depends")),
        Injector(("dependency_injector.wiring.Provide",), arg(0, "provider")),
    ),
    mapping_sources=(
        Source(
            (
                "flask.request.args",
                "flask.request.form",
                "flask.request.values",
                "flask.request.json",
                "flask.request.headers",
            ),
            "the request",
        ),
    ),
    sources=(
        Source(("django.utils.timezone.now",), CLOCK),
        Source(
            (
                "flask.request.get_json",
                "flask.request.args.get",
                "flask.request.args.getlist",
                "flask.request.form.getlist",
                "flask.request.values.getlist",
            ),
            "the request",
        ),
    ),
    method_sources=(Source(("getlist", "get_json", "query_params", "lists"), "the request"),),
    env_getters=(
        EnvGetter(
            ("flask.current_app.config.get", "django.conf.settings.get"),
            key=arg(0, "key"),
            default=arg(1, "default"),
        ),
    ),
    method_schedulers=(Scheduler(("add_task",)),),
)
