"""Retry and caching decorators (tenacity, backoff, retrying, cachetools): the function
they wrap is called as it is."""

from __future__ import annotations

from auditor.code.models.spec import CallContext, LibraryModel, Special
from auditor.code.values import IDENTITY, Func, Partial, Value


def _decorator(call: CallContext) -> Value | None:
    if call.args and isinstance(call.args[0], Func | Partial):
        return call.args[0]
    return IDENTITY


MODEL = LibraryModel(
    name="retries",
    specials=(
        Special(
            (
                "tenacity.retry",
                "backoff.on_exception",
                "backoff.on_predicate",
                "retrying.retry",
                "retry.retry",
                "stamina.retry",
                "cachetools.cached",
                "cachetools.func.ttl_cache",
                "ratelimit.limits",
                "ratelimit.sleep_and_retry",
                "wrapt.decorator",
            ),
            _decorator,
        ),
    ),
)
