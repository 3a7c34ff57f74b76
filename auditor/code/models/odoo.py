"""Odoo: models found by name in the registry, system parameters with defaults, and
queue_job's delayed calls."""

from __future__ import annotations

from auditor.code.models.spec import (
    Chunker,
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
    fluent_methods=(
        "sudo",
        "with_context",
        "with_user",
        "with_company",
        "with_env",
        "exists",
        "ensure_one",
        "filtered",
        "sorted",
        "filtered_domain",
        "with_prefetch",
    ),
    record_queries=("search", "browse", "create", "copy", "mapped_records"),
    chunkers=(
        Chunker(
            ("odoo.tools.split_every", "odoo.tools.misc.split_every"),
            seq=arg(1, "iterable"),
            size=arg(0, "n"),
        ),
    ),
)
