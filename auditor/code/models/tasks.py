"""Task queues and schedulers (Celery, RQ, Dramatiq, Huey, APScheduler, arq): what runs
now, what runs later and how much later, and where job ids are queued."""

from __future__ import annotations

from auditor.code.models.spec import (
    CallContext,
    Delay,
    LibraryModel,
    Scheduler,
    Special,
    Store,
    TaskMethod,
    arg,
    kw,
)
from auditor.code.values import UNKNOWN, Duration, Partial, Value

_SECONDS = 1 / 86400


def _date_trigger(call: CallContext) -> Value | None:
    """``DateTrigger(run_date=...)``: when it fires, which is all a delay needs."""
    when = call.kwargs.get("run_date", call.args[0] if call.args else None)
    return when if isinstance(when, Duration) else None


def _chain(call: CallContext) -> Value | None:
    """``chain(a.s(x), b.s())``: each task gets the previous one's result first."""
    result: Value | None = None
    signatures = list(call.args)
    if len(signatures) == 1 and hasattr(signatures[0], "items"):
        items = getattr(signatures[0], "items", None)
        if isinstance(items, list):
            signatures = items
    for signature in signatures:
        if not isinstance(signature, Partial):
            continue
        args = list(signature.args)
        if result is not None and not signature.frozen:
            args = [result, *args]
        result = call.interpreter.call_value(
            signature.func, args, dict(signature.kwargs), call.node, call.frame
        )
    return result if result is not None else UNKNOWN


def _group(call: CallContext) -> Value | None:
    """``group(a.s(1), a.s(2))``: every task runs with its own arguments."""
    signatures = list(call.args)
    if len(signatures) == 1:
        items = getattr(signatures[0], "items", None)
        if isinstance(items, list):
            signatures = items
    for signature in signatures:
        if isinstance(signature, Partial):
            call.interpreter.call_value(
                signature.func, list(signature.args), dict(signature.kwargs), call.node, call.frame
            )
    return UNKNOWN


_LATER = (
    Delay(kw("countdown"), _SECONDS),
    Delay(kw("eta"), 1.0),
)

MODEL = LibraryModel(
    name="tasks",
    task_methods=(
        TaskMethod(
            (
                "delay",
                "apply",
                "send",
                "defer",
                "kiq",
                "call_local",
                "submit",
                "fn",
                "enqueue",
                "spawn",
                "call",
            )
        ),
        TaskMethod(
            ("apply_async",),
            run="later",
            args=arg(0, "args"),
            kwargs=arg(1, "kwargs"),
            delays=_LATER,
        ),
        TaskMethod(
            ("send_with_options",),
            run="later",
            args=kw("args"),
            kwargs=kw("kwargs"),
            delays=(Delay(kw("delay"), _SECONDS / 1000), Delay(kw("eta"), 1.0)),
        ),
        TaskMethod(
            ("schedule",),
            run="later",
            args=kw("args"),
            kwargs=kw("kwargs"),
            delays=(Delay(kw("delay"), _SECONDS), Delay(kw("eta"), 1.0)),
        ),
        TaskMethod(("s", "signature", "message", "message_with_options"), run="partial"),
        TaskMethod(("si",), run="frozen"),
    ),
    bound_tasks=("task", "shared_task"),
    specials=(
        Special(("celery.chain", "celery.canvas.chain"), _chain),
        Special(("celery.group", "celery.chord", "celery.canvas.group"), _group),
        Special(("dramatiq.pipeline",), _chain),
        Special(
            ("apscheduler.triggers.date.DateTrigger", "apscheduler.triggers.date.date"),
            _date_trigger,
        ),
    ),
    schedulers=(
        Scheduler(
            ("django_q.tasks.schedule",), task=arg(0, "func"), delays=(Delay(kw("next_run"), 1.0),)
        ),
        Scheduler(
            ("django_q.tasks.async_task", "django.db.transaction.on_commit"), task=arg(0, "func")
        ),
    ),
    method_schedulers=(
        Scheduler(
            ("add_job", "scheduled_job"),
            task=arg(0, "func"),
            args=kw("args"),
            kwargs=kw("kwargs"),
            periodic=arg(1, "trigger"),
            periodic_triggers=frozenset({"interval", "cron"}),
            delays=(
                Delay(kw("seconds"), _SECONDS),
                Delay(kw("minutes"), 1 / 1440),
                Delay(kw("hours"), 1 / 24),
                Delay(kw("days"), 1.0),
                Delay(kw("weeks"), 7.0),
                Delay(kw("run_date"), 1.0),
                # a trigger object: `DateTrigger(run_date=now + delay)` stands for its delay
                Delay(arg(1, "trigger"), 1.0),
            ),
        ),
        Scheduler(("enqueue", "enqueue_call"), args=kw("args"), kwargs=kw("kwargs")),
        Scheduler(
            ("enqueue_in", "schedule_in"),
            delay_before_task=_SECONDS,
            args=kw("args"),
            kwargs=kw("kwargs"),
        ),
        Scheduler(("enqueue_at", "schedule_at", "run_at"), args=kw("args"), kwargs=kw("kwargs")),
    ),
    method_stores=(
        Store(
            (
                "send_message",
                "send_messages",
                "send_message_batch",
                "put",
                "put_nowait",
                "publish",
                "basic_publish",
                "lpush",
                "rpush",
                "sadd",
                "zadd",
                "hset",
                "hmset",
                "setex",
                "xadd",
                "produce",
                "put_item",
                "batch_write_item",
                "update_item",
                "insert_one",
                "insert_many",
                "bulk_create",
                "enqueue_job",
                "put_events",
                "put_record",
                "writerow",
                "writerows",
            ),
            kind="queue",
        ),
    ),
)
