"""What the code analyzer knows about each HTTP call: the model every code rule reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from auditor.findings import Location

if TYPE_CHECKING:
    from auditor.code.values import HttpRequest, NodeRef

Locator = Callable[[], Location]
"""Computes a location when a rule reports it: positions cost time, most calls need none."""


@dataclass(frozen=True)
class HeaderSource:
    """A header value sent with a call, and where in the source it was written."""

    name: str
    value: str
    locate: Locator = field(repr=False, compare=False)
    origins: tuple[NodeRef, ...] = field(default=(), repr=False, compare=False)
    """The literals (and names) the value was built from, where they are written: what a
    fix rewrites."""

    @cached_property
    def location(self) -> Location:
        return self.locate()


@dataclass(frozen=True)
class AttributeRead:
    """A read of a key of the call's JSON response (``x["progressions"]``, ``x.get(...)``)."""

    key: str
    locate: Locator = field(repr=False, compare=False)

    @cached_property
    def location(self) -> Location:
        return self.locate()


@dataclass(frozen=True)
class IdList:
    """The ids given in one id filter (``training_ids``/``user_ids``) of a call."""

    param: str
    size: int | None
    """Number of ids when the code fixes it (literal list), else None."""
    bound: int | None
    """Largest size the code can send when it chunks or slices, else None."""
    source: str
    """Where an unknown-size list comes from, in words ("a function argument")."""


@dataclass(frozen=True)
class PageFacts:
    has_page_param: bool = False
    """Sends a page number that moves (a variable, or a call made inside a loop)."""
    follows_next_link: bool = False
    used_as_complete: bool = False
    unique_lookup: bool = False
    short_page_stop: int | None = None
    """A loop stops when a page holds fewer items than this (None: no such test)."""
    page_size_sent: int | None = None


@dataclass(frozen=True)
class JobFacts:
    treated_final: bool = False
    """The result is discarded, only its status is checked, or the resource re-read at once."""
    followed: bool = False
    """The job id reaches GET /jobs/:job_id (or is stored or handed on for later)."""
    how: str = ""
    """How the result is treated, in words, for the message."""


@dataclass
class HttpCall:
    """One HTTP call as the analysis resolved it, in one calling context."""

    locate: Locator = field(repr=False)
    """Where rules about the call point: the call that names the endpoint."""
    locate_site: Locator = field(repr=False)
    """The HTTP library call itself (inside a wrapper, it can differ from ``location``)."""
    method: str | None
    url: str
    endpoint: str | None
    is_dokeos: bool
    async_change: str | None = None
    accept_headers: tuple[HeaderSource, ...] = ()
    response_attributes: frozenset[str] = frozenset()
    response_attributes_unknown: bool = False
    attribute_reads: list[AttributeRead] = field(default_factory=list)
    id_lists: tuple[IdList, ...] = ()
    page: PageFacts = PageFacts()
    job: JobFacts = JobFacts()
    request: HttpRequest | None = field(default=None, repr=False, compare=False)
    """The evaluated request behind these facts (where its URL, params and headers were
    written), for the fixers; rules read only the facts above."""

    @cached_property
    def location(self) -> Location:
        return self.locate()

    @cached_property
    def site(self) -> Location:
        return self.locate_site()


@dataclass(frozen=True)
class JobPoll:
    """A GET /jobs/:job_id whose id was kept for later (database, file, queue)."""

    locate: Locator = field(repr=False, compare=False)
    endpoint: str
    bound_days: float | None
    """The age limit the code puts on the ids it polls (None: none found)."""
    source: str

    @cached_property
    def location(self) -> Location:
        return self.locate()


@dataclass
class CodeModel:
    """What the analyzer found in one project: calls in every context, and job polls."""

    calls: list[HttpCall] = field(default_factory=list)
    polls: list[JobPoll] = field(default_factory=list)
