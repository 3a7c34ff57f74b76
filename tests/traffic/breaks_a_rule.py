"""A mitmdump script for the tests: makes DK001's traffic check raise, as a bug in a rule would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.rules.dk001_v1_accept_header import V1AcceptHeader


def _explode(self: Any, exchange: Any, history: Any, catalog: Any) -> Iterator[Any]:
    raise RuntimeError("a bug inside a rule")


V1AcceptHeader.check_exchange = _explode  # type: ignore[method-assign]
