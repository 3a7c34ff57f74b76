"""What the evaluator tells observers while it follows the code.

The evaluator knows Python; what the rules need (is this list used whole, is this job
followed, how old may this id be) is built by observers from these events, each in its
own module under ``auditor/code/observers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import libcst as cst

from auditor.code.frames import Frame
from auditor.code.values import (
    Data,
    HttpRequest,
    Joined,
    NodeRef,
    Response,
    Value,
    walk_values,
)

Escape = Literal["returned", "handed", "stored", "output"]
"""How a value leaves what the analysis follows: returned from an entry point, handed to
code it cannot see, kept on an object, in a container or in storage, or given back as the
program's final result (an Ansible module's ``exit_json``), where nobody acts on it."""


class Observer:
    """Base of observers: every event does nothing unless overridden."""

    def request(self, request: HttpRequest, frame: Frame) -> None:
        """An HTTP request is sent."""

    def key_read(self, data: Data, key: str, ref: NodeRef) -> None:
        """A key of response data is read (``x["tag_ids"]``, ``x.get("skills")``)."""

    def indexed(self, data: Data, index: int) -> None:
        """One item of response data is taken by position (``items[0]``)."""

    def iterated(self, data: Data, first_only: bool) -> None:
        """Response data is iterated, converted or measured as a whole collection, or only
        until a first match (``next(u for u in users if ...)``)."""

    def measured(self, data: Data) -> None:
        """``len()`` of response data."""

    def compared(
        self,
        left: Value,
        operator: cst.BaseCompOp,
        right: Value,
        left_node: cst.BaseExpression,
        right_node: cst.BaseExpression,
        frame: Frame,
    ) -> None:
        """Two values are compared (``len(page) < 20``, ``age > timedelta(days=7)``)."""

    def tested(self, data: Data) -> None:
        """Response data decides a branch or a loop (``if body["next"]:``, ``while more:``)."""

    def span(self, days: float, frame: Frame) -> None:
        """A span of time takes part in arithmetic or a query (``now - timedelta(7)``)."""

    def text(self, text: str, frame: Frame) -> None:
        """A string literal is evaluated (SQL intervals live in strings)."""

    def escaped(self, value: Response | Data, how: Escape) -> None:
        """Response data (or a response) leaves what the analysis follows."""

    def discarded(self, value: Value) -> None:
        """An expression statement's value is dropped."""

    def status_read(self, request: HttpRequest) -> None:
        """The response's status is looked at (``raise_for_status()``, ``.ok``)."""

    def body_read(self, request: HttpRequest) -> None:
        """The response's body is read."""


class EventBus(Observer):
    """Forwards each event to every observer."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers = tuple(observers)

    def request(self, request: HttpRequest, frame: Frame) -> None:
        for observer in self.observers:
            observer.request(request, frame)

    def key_read(self, data: Data, key: str, ref: NodeRef) -> None:
        if ref.module.generated:
            # a generated model reads every field of every response; the project's reads
            # of the model's attributes are the reads that say what it uses
            return
        for observer in self.observers:
            observer.key_read(data, key, ref)

    def indexed(self, data: Data, index: int) -> None:
        for observer in self.observers:
            observer.indexed(data, index)

    def iterated(self, data: Data, first_only: bool) -> None:
        for observer in self.observers:
            observer.iterated(data, first_only)

    def measured(self, data: Data) -> None:
        for observer in self.observers:
            observer.measured(data)

    def tested(self, data: Data) -> None:
        for observer in self.observers:
            observer.tested(data)

    def compared(
        self,
        left: Value,
        operator: cst.BaseCompOp,
        right: Value,
        left_node: cst.BaseExpression,
        right_node: cst.BaseExpression,
        frame: Frame,
    ) -> None:
        for observer in self.observers:
            observer.compared(left, operator, right, left_node, right_node, frame)

    def span(self, days: float, frame: Frame) -> None:
        for observer in self.observers:
            observer.span(days, frame)

    def text(self, text: str, frame: Frame) -> None:
        for observer in self.observers:
            observer.text(text, frame)

    def escaped(self, value: Response | Data, how: Escape) -> None:
        for observer in self.observers:
            observer.escaped(value, how)

    def escape(self, value: Value, how: Escape) -> None:
        """Every response and response data inside ``value`` escapes.

        Handed to code we cannot see, data written into a text (an exception's message,
        a log line built with an f-string) is read by people, not kept: only data handed
        as itself escapes. Returned or stored, a text keeps what it holds.
        """
        for item in walk_values(value, into_text=how != "handed"):
            if isinstance(item, Response | Data):
                self.escaped(item, how)
            elif isinstance(item, Joined):
                self.escape(item.seq, how)

    def discarded(self, value: Value) -> None:
        for observer in self.observers:
            observer.discarded(value)

    def status_read(self, request: HttpRequest) -> None:
        for observer in self.observers:
            observer.status_read(request)

    def body_read(self, request: HttpRequest) -> None:
        for observer in self.observers:
            observer.body_read(request)
