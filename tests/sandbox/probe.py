"""Watches a requests-based integration run against the sandbox: where each request was
sent from, and where the code reads an opt-in attribute V2 did not send.

The sandbox sees requests, not the code. To say "the integration broke at line N" a test
needs the lines of the integration on the stack of each request (so a sandbox finding on
flow i points at code) and the reads of attributes the answer lacked (DK002 breaks in the
client, at the read, where the server cannot see it).
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from auditor.catalog import load_catalog

Place = tuple[str, int]
"""(path relative to the integration's root, 1-based line)."""

OPT_IN = frozenset(name for group in load_catalog().opt_in for name in group.attributes)


@dataclass
class IntegrationProbe:
    root: Path
    requests_sent: list[list[Place]] = field(default_factory=list)
    """For each request, in the order the sandbox numbers its flows: the integration's lines
    on the stack, innermost first."""
    missing_reads: list[tuple[str, Place]] = field(default_factory=list)
    """(attribute, place) of each read of an opt-in attribute the answer did not carry."""
    unwrap_lists: bool = False
    """Hand V2 list answers to the code as their `data` items (what reading V2 list answers
    as the V2 documentation says amounts to, for code written for V1's bare arrays)."""

    def place(self, filename: str, line: int) -> Place | None:
        path = Path(filename).resolve()
        if self.root not in path.parents:
            return None
        return path.relative_to(self.root).as_posix(), line

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        send = requests.Session.request
        decode = requests.Response.json
        probe = self

        def request(session: requests.Session, method: str, url: str, *a: Any, **kw: Any) -> Any:
            stack = traceback.extract_stack()[:-1]
            places = [probe.place(f.filename, f.lineno or 0) for f in reversed(stack)]
            probe.requests_sent.append([p for p in places if p is not None])
            return send(session, method, url, *a, **kw)

        def json(response: requests.Response, **kw: Any) -> Any:
            body = decode(response, **kw)
            if probe.unwrap_lists and isinstance(body, dict) and isinstance(body.get("data"), list):
                if "meta" in body and "links" in body:
                    body = body["data"]
            return probe.watch(body)

        monkeypatch.setattr(requests.Session, "request", request)
        monkeypatch.setattr(requests.Response, "json", json)

    def watch(self, value: Any) -> Any:
        if isinstance(value, dict):
            return _Record(self, {k: self.watch(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self.watch(v) for v in value]
        return value

    def missed(self, name: str) -> None:
        caller = sys._getframe(2)
        place = self.place(caller.f_code.co_filename, caller.f_lineno)
        if place is not None:
            self.missing_reads.append((name, place))

    def sites(self, flow_index: int) -> list[Place]:
        return self.requests_sent[flow_index]


class _Record(dict[str, Any]):
    """A JSON object that notes reads of opt-in attributes it does not hold.

    The read is answered with an empty list instead of a KeyError, so one run reaches every
    place the code would break at once the one before is fixed.
    """

    def __init__(self, probe: IntegrationProbe, items: dict[str, Any]) -> None:
        super().__init__(items)
        self._probe = probe

    def __getitem__(self, key: str) -> Any:
        if key in OPT_IN and not dict.__contains__(self, key):
            self._probe.missed(key)
            return []
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in OPT_IN and not dict.__contains__(self, key):
            self._probe.missed(key)
        return dict.get(self, key, default)
