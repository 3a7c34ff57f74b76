"""Whether each asynchronous call's job is followed, and how late job ids are polled
(DK005, DK006); the age limits code puts on the data it reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from auditor.catalog import Catalog
from auditor.code.events import Escape, Observer
from auditor.code.frames import Frame
from auditor.code.subnodes import subnodes
from auditor.code.values import (
    Data,
    Duration,
    HttpRequest,
    Num,
    Response,
    Unknown,
    Value,
    walk_values,
)
from auditor.urls import HOLE


@dataclass
class JobUse:
    status_checked: bool = False
    body_used: bool = False
    discarded: bool = False
    escaped: bool = False
    followed: bool = False
    """The job id reaches GET /jobs/:job_id."""
    kept: bool = False
    """The job id is stored, queued or handed on for later."""


@dataclass
class Poll:
    """A GET /jobs/:job_id fed with a job id kept for later, or run later."""

    source: str
    read_in: int | None
    """id() of the function that read the id back (where the late poll starts)."""
    spans: tuple[list[float], ...]
    """Age limits seen in the poll's function and its callers, in days."""


class JobFollowing(Observer):
    def __init__(self, catalog: Catalog) -> None:
        self.poll_endpoint = catalog.job_poll.text
        self.uses: dict[HttpRequest, JobUse] = {}
        self.polls: dict[HttpRequest, Poll] = {}

    def use(self, request: HttpRequest) -> JobUse:
        found = self.uses.get(request)
        if found is None:
            found = self.uses[request] = JobUse()
        return found

    def request(self, request: HttpRequest, frame: Frame) -> None:
        if request.endpoint != self.poll_endpoint:
            return
        fresh = False
        kept: Unknown | None = None
        for slot in request.url.slots:
            for value in walk_values(slot):
                if isinstance(value, Data) and value.request.async_change is not None:
                    self.use(value.request).followed = True
                    fresh = True
                elif isinstance(value, Unknown) and value.stored:
                    kept = value
        if request.delay_days > 0 and (fresh or kept is not None):
            # a re-check scheduled for later: the job may be gone by then
            days = request.delay_days
            self.polls[request] = Poll(
                f"a check that runs up to {days:g} days after the job started",
                request.delayed_func,
                ([days],),
            )
            return
        if kept is None and not fresh and _written_id(request.url.text):
            # an id pasted into the code (from an earlier run's output) was issued before
            # the code was even written: nothing bounds its age
            self.polls[request] = Poll("the code (pasted from an earlier run)", None, ())
            return
        if kept is not None:
            # the age limit may sit in this function, where the ids were read back (a
            # query's look-back), or in a caller that read them and handed them down; a
            # caller above a function that reads the ids itself filters nothing of them
            read_above = kept.made_in is None or any(
                ref.function == kept.made_in for ref in frame.chain
            )
            callers = frame.caller_spans if read_above else ()
            kept_spans = kept.spans
            above = _above(frame, kept.made_in)
            if above:
                # callers above the function the ids reached (read back, or returned to)
                # did not filter them: a span they checked was about other data
                callers = tuple(s for s in callers if id(s) not in above)
                kept_spans = tuple(s for s in kept_spans if id(s) not in above)
            # only the limits checked before the poll runs bound what it polls (a later
            # filter of the same stored ids in a notebook's next cell bounds other polls)
            self.polls[request] = Poll(
                kept.source or "storage",
                kept.taken_in if _in_chain(frame, kept.taken_in) else kept.made_in,
                tuple(list(spans) for spans in (frame.spans, *callers, *kept_spans)),
            )

    def escaped(self, value: Response | Data, how: Escape) -> None:
        if how == "output":
            return  # reported as the outcome: no code left to follow the job
        if isinstance(value, Response):
            self.use(value.request).escaped = True
        elif carries_job(value.path):
            use = self.use(value.request)
            use.escaped = True
            if value.request.async_change is not None:
                use.kept = True

    def discarded(self, value: Value) -> None:
        if isinstance(value, Response):
            self.use(value.request).discarded = True
        elif isinstance(value, Data) and not value.path:
            # a wrapper returned the decoded response and the caller drops it
            self.use(value.request).discarded = True

    def status_read(self, request: HttpRequest) -> None:
        self.use(request).status_checked = True

    def body_read(self, request: HttpRequest) -> None:
        self.use(request).body_used = True


def _written_id(url: str) -> bool:
    """The job id of a poll's URL is spelled out in the code (``/jobs/7d1f3c2a-…``)."""
    path = url.split("?", 1)[0].rstrip("/")
    head, _, last = path.rpartition("/")
    return head.endswith("/jobs") and bool(last) and HOLE not in last


def _in_chain(frame: Frame, function: int | None) -> bool:
    """The function is the poll's own or one of its callers'."""
    return function is not None and (
        frame.func_id == function or any(ref.function == function for ref in frame.chain)
    )


def _above(frame: Frame, function: int | None) -> set[int]:
    """id() of the span lists of the frames above ``function`` in the poll's call chain
    (the frame's own chain: its site last, each caller's call before it)."""
    if function is None:
        return set()
    if function == frame.func_id:
        return {id(s) for s in frame.caller_spans}
    chain = frame.chain  # the calls of the callers, outermost first
    for position, ref in enumerate(reversed(chain)):
        # position 0 is the parent's call: its function is caller_spans[0]'s frame
        if ref.function == function:
            return {id(s) for s in frame.caller_spans[position + 1 :]}
    return set()


def carries_job(path: tuple[str, ...]) -> bool:
    """Whether data at this path of an async response can hold its job id."""
    keys = [p for p in path if p not in ("[]", "*", "values()", "items()")]
    if any("job" in k.lower() for k in keys):
        return True
    # the whole body, or the envelope holding it; a field inside it (`["data"]["id"]`)
    # is some other value
    return not keys or (keys[0] in ("data", "result") and len(keys) == 1)


_INTERVAL = re.compile(
    r"(?:interval\s*'?\s*|-\s*|[+-]\s*'?)(\d+(?:\.\d+)?)\s*(day|week|hour|minute)s?",
    re.IGNORECASE,
)
_UNIT_DAYS = {"day": 1.0, "week": 7.0, "hour": 1 / 24, "minute": 1 / 1440}
_AGE_WORDS = (
    "age",
    "created",
    "issued",
    "elapsed",
    "time",
    "ts",
    "timestamp",
    "seconds",
    "started",
    "since",
    "old",
    "queued",
    "submitted",
    "expir",
    "ttl",
    "stale",
    "cutoff",
    "limit",
)


class AgeLimits(Observer):
    """Spans of time the code compares ages with, kept on the frame that saw them."""

    def span(self, days: float, frame: Frame) -> None:
        frame.spans.append(abs(days))

    def text(self, text: str, frame: Frame) -> None:
        if len(text) > 2000:
            return
        for match in _INTERVAL.finditer(text):
            try:
                frame.spans.append(float(match.group(1)) * _UNIT_DAYS[match.group(2).lower()])
            except (KeyError, ValueError):
                continue

    def compared(
        self,
        left: Value,
        operator: cst.BaseCompOp,
        right: Value,
        left_node: cst.BaseExpression,
        right_node: cst.BaseExpression,
        frame: Frame,
    ) -> None:
        # an age limit: a timedelta, `age.days > 7`, or a number of seconds
        for value, other_node in ((left, right_node), (right, left_node)):
            if isinstance(value, Duration):
                frame.spans.append(abs(value.days))
            elif isinstance(value, Num):
                if isinstance(other_node, cst.Attribute) and other_node.attr.value == "days":
                    frame.spans.append(value.n)
                elif _mentions(other_node, _AGE_WORDS) and value.n >= 3600:
                    frame.spans.append(value.n / 86400)


def _mentions(node: cst.BaseExpression, words: tuple[str, ...]) -> bool:
    names: list[str] = []
    stack: list[cst.CSTNode] = [node]
    while stack and len(names) < 64:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.append(current.value.lower())
        elif isinstance(current, cst.Attribute):
            names.append(current.attr.value.lower())
        elif isinstance(current, cst.SimpleString) and len(current.value) < 40:
            names.append(current.value.strip("'\"").lower())  # rec["issued"]
        stack.extend(subnodes(current))
    return any(w in name for name in names for w in words)
