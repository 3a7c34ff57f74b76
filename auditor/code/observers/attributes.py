"""Which keys of each response the code reads (DK002)."""

from __future__ import annotations

from auditor.code.events import Observer
from auditor.code.values import Data, NodeRef


class AttributeReads(Observer):
    def __init__(self) -> None:
        self.reads: dict[int, list[tuple[str, NodeRef]]] = {}

    def key_read(self, data: Data, key: str, ref: NodeRef) -> None:
        self.reads.setdefault(id(data.request), []).append((key, ref))

    def of(self, request: object) -> list[tuple[str, NodeRef]]:
        return self.reads.get(id(request), [])
