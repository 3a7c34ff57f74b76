"""Durable workflow engines (Temporal): a workflow runs its activities with the arguments
it gives and gets their results back; a durable timer delays all that follows."""

from __future__ import annotations

from dataclasses import replace

from auditor.code.models.spec import CallContext, LibraryModel, Special
from auditor.code.values import Duration, Func, ListV, Partial, Value


def _run_activity(call: CallContext) -> Value | None:
    """``workflow.execute_activity(fn, arg, args=[...], start_to_close_timeout=...)``: the
    activity runs now with those arguments; an activity method gets an object of its
    class (the worker registers one)."""
    if not call.args:
        return None
    activity = call.args[0]
    given = call.kwargs.get("args")
    arguments = list(call.args[1:])
    if isinstance(given, ListV) and given.items is not None:
        arguments = list(given.items)
    if isinstance(activity, Func) and activity.cls is not None and activity.bound_self is None:
        if activity.kind not in ("staticmethod", "classmethod"):
            activity = replace(activity, bound_self=call.interpreter.default_instance(activity.cls))
    if isinstance(activity, Func | Partial):
        return call.interpreter.call_value(activity, arguments, {}, call.node, call.frame)
    return None


def _durable_sleep(call: CallContext) -> Value | None:
    """``await workflow.sleep(timedelta(days=8))``: what follows runs that much later."""
    duration = call.args[0] if call.args else call.kwargs.get("duration")
    if isinstance(duration, Duration) and duration.days > 0:
        call.frame.delay_days += duration.days
        if call.frame.delayed_func is None:
            call.frame.delayed_func = call.frame.func_id  # late polls are this function's
    return None


MODEL = LibraryModel(
    name="durable",
    specials=(
        Special(
            (
                "temporalio.workflow.execute_activity",
                "temporalio.workflow.execute_activity_method",
                "temporalio.workflow.start_activity",
                "temporalio.workflow.start_activity_method",
                "temporalio.workflow.execute_local_activity",
                "temporalio.workflow.execute_local_activity_method",
            ),
            _run_activity,
        ),
        Special(("temporalio.workflow.sleep",), _durable_sleep),
    ),
)
