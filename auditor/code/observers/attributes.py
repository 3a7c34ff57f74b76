"""Which keys of each response the code reads (DK002)."""

from __future__ import annotations

from auditor.code.events import Observer
from auditor.code.values import Data, HttpRequest, NodeRef


class AttributeReads(Observer):
    def __init__(self) -> None:
        self.reads: dict[HttpRequest, list[tuple[str, NodeRef]]] = {}

    def key_read(self, data: Data, key: str, ref: NodeRef) -> None:
        self.reads.setdefault(data.request, []).append((key, ref))

    def of(self, request: HttpRequest) -> list[tuple[str, NodeRef]]:
        return self.reads.get(request, [])
