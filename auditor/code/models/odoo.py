"""Odoo: models found by name in the registry, system parameters with defaults, and
queue_job's delayed calls."""

from __future__ import annotations

from auditor.code.models.spec import (
    Deferrer,
    Delay,
    EnvGetter,
    LibraryModel,
    NamedClasses,
    arg,
    kw,
)

MODEL = LibraryModel(
    name="odoo",
    named_classes=(NamedClasses(("_name", "_inherit")),),
    method_env_getters=(EnvGetter(("get_param",), key=arg(0, "key"), default=arg(1, "default")),),
    deferrers=(Deferrer(("with_delay", "delayable"), delays=(Delay(kw("eta"), 1 / 86400),)),),
    field_makers=(),
)
