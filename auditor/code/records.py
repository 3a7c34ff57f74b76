"""What the evaluation records about one HTTP call while it follows the code."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.code.values import DictV, NodeRef, Str, Value


@dataclass(eq=False)
class CallRecord:
    """One HTTP call in one calling context, and everything the code did with its response."""

    site: NodeRef
    chain: tuple[NodeRef, ...]
    """Calls from the entry function down to the site (the site last)."""
    entry: int | None
    """id() of the function whose evaluation started this context (None: module level)."""
    method: str | None
    url: Str
    headers: DictV
    params: DictV
    body: Value | None
    in_loop: bool = False
    """Made inside a loop (of its function or of a caller)."""
    is_dokeos: bool = False
    stack: str = ""
    typed_client: bool = False
    """Made through a client known only by its annotation, with no host or Accept of its own."""
    endpoint: str | None = None
    async_change: str | None = None
    segments: tuple[str | None, ...] = ()

    reads: list[tuple[str, NodeRef]] = field(default_factory=list)
    complete_use: bool = False
    first_only: bool = False
    next_link: bool = False
    short_page_stop: int | None = None

    status_checked: bool = False
    body_used: bool = False
    discarded: bool = False
    escaped: bool = False
    job_followed: bool = False
    job_kept: bool = False

    # for job polls
    job_source: str | None = None
    job_read_in: int | None = None
    duration_lists: tuple[list[float], ...] = ()
    """Age limits seen in the poll's function and its callers, in days."""
