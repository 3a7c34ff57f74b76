"""Home Assistant integrations: callbacks run later by the event helpers, and the JSON
stores an integration keeps between restarts."""

from __future__ import annotations

from auditor.code.models.spec import Delay, LibraryModel, Scheduler, Source, arg

_SECONDS = 1 / 86400
_EVENT = "homeassistant.helpers.event"

MODEL = LibraryModel(
    name="homeassistant",
    schedulers=(
        # async_call_later(hass, delay, action): delay in seconds or a timedelta
        Scheduler(
            (f"{_EVENT}.async_call_later", f"{_EVENT}.call_later"),
            task=arg(2, "action"),
            delays=(Delay(arg(1, "delay"), _SECONDS),),
        ),
    ),
    method_sources=(
        # homeassistant.helpers.storage.Store(...).async_load(): what an earlier run saved
        Source(("async_load",), "a stored file", stored=True, receivers=("store",)),
    ),
)
