"""kopf (Kubernetes operators): what a handler is given of its resource. The resource's
``status`` (and the body holding it) is what an earlier run of a handler patched into
the cluster: data kept for later, like a database row."""

from __future__ import annotations

from auditor.code.models.spec import LibraryModel, Source

MODEL = LibraryModel(
    name="kopf",
    typed_sources=(Source(("kopf.Status", "kopf.Body"), "the resource's status", stored=True),),
)
