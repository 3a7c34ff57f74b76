"""How each list response is used: whole, first item only, pages walked (DK004)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from auditor.catalog import Catalog
from auditor.code.events import Escape, Observer
from auditor.code.frames import Frame
from auditor.code.values import (
    Data,
    HttpRequest,
    LenOf,
    Num,
    OneOf,
    Response,
    Value,
    walk_values,
)


@dataclass
class PageUse:
    complete: bool = False
    """Used as the whole collection: iterated, measured, converted, returned whole."""
    first_only: bool = False
    """One item taken by position (``[0]``) or a first match."""
    next_link: bool = False
    """A next-page link or pagination metadata is read."""
    short_page_stop: int | None = None
    """A loop stops when a page holds fewer items than this."""


_FLIPPED: dict[type[cst.CSTNode], type[cst.CSTNode]] = {
    cst.GreaterThan: cst.LessThan,
    cst.GreaterThanEqual: cst.LessThanEqual,
}


class PageWalking(Observer):
    def __init__(self, catalog: Catalog) -> None:
        self.next_keys = {k.lower() for k in catalog.next_link_keys}
        self.uses: dict[HttpRequest, PageUse] = {}

    def use(self, request: HttpRequest) -> PageUse:
        found = self.uses.get(request)
        if found is None:
            found = self.uses[request] = PageUse()
        return found

    def is_next_link(self, data: Data) -> bool:
        """Pagination the response carries: a next link, a page count, a has-more flag."""
        keys = [p.lower() for p in data.path if p != "[]"]
        return bool(keys) and (
            keys[-1] in self.next_keys or any(k in ("links", "meta", "pagination") for k in keys)
        )

    def tested(self, data: Data) -> None:
        # the loop goes on or stops on what the response says of its pages; reading that
        # and dropping it (a helper's `has_next` nobody looks at) walks nothing
        if self.is_next_link(data):
            self.use(data.request).next_link = True

    def request(self, request: HttpRequest, frame: Frame) -> None:
        # the next request sent to the link (or the page number) a response gave
        for value in (*request.url.slots, *request.params.entries.values()):
            for part in walk_values(value):
                if isinstance(part, Data) and part.request is not request:
                    if self.is_next_link(part):
                        self.use(part.request).next_link = True

    def indexed(self, data: Data, index: int) -> None:
        self.use(data.request).first_only = True

    def iterated(self, data: Data, first_only: bool) -> None:
        if first_only:
            self.use(data.request).first_only = True
        else:
            self.use(data.request).complete = True

    def measured(self, data: Data) -> None:
        self.use(data.request).complete = True

    def compared(
        self,
        left: Value,
        operator: cst.BaseCompOp,
        right: Value,
        left_node: cst.BaseExpression,
        right_node: cst.BaseExpression,
        frame: Frame,
    ) -> None:
        # a page loop's stop test: len(page) < N
        for side, other, flipped in ((left, right, False), (right, left, True)):
            length = next(
                (
                    v
                    for v in (side.options if isinstance(side, OneOf) else (side,))
                    if isinstance(v, LenOf)
                ),
                None,
            )
            if length is None or not isinstance(other, Num):
                continue
            n = other.as_int
            if n is None or n <= 0:
                continue
            op: type[cst.CSTNode] = type(operator)
            if flipped:
                op = _FLIPPED.get(op, op)
            if op in (cst.LessThan, cst.Equal, cst.NotEqual):
                stop = n
            elif op is cst.LessThanEqual:
                stop = n + 1
            else:
                continue
            use = self.use(length.request)
            use.short_page_stop = max(use.short_page_stop or 0, stop)

    def escaped(self, value: Response | Data, how: Escape) -> None:
        # the list leaves whole; its page count or next link (`meta.total`) is no list
        if isinstance(value, Data) and "[]" not in value.path and not self.is_next_link(value):
            self.use(value.request).complete = True
