"""The sandbox's clock: real time plus an offset a test can move ahead (or freeze)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from auditor.errors import AuditError

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.IGNORECASE)


class ClockError(AuditError):
    """A duration or a time the sandbox clock cannot read."""


def parse_duration(text: str | float | int) -> float:
    """Seconds from `3600`, `90s`, `7d`, `1w2d`, `8d 2h` (what tests write to jump ahead)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    value = str(text).strip()
    try:
        return float(value)
    except ValueError:
        pass
    parts = _PART.findall(value)
    if not parts or _PART.sub("", value).strip():
        raise ClockError(f"cannot read the duration {value!r} (write 90s, 2h, 7d or 1w2d)")
    return sum(float(number) * _UNITS[unit.lower()] for number, unit in parts)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time; one without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"cannot read the time {text!r} (write 2026-11-26T10:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class SandboxClock:
    """`now()` is the wall clock shifted by `offset` seconds, or a fixed moment when frozen.

    Jobs finish and expire by this clock, and every exchange the sandbox records carries its
    time, so a jump of eight days makes a later poll of an old job a DK006 finding.
    """

    offset: float = 0.0
    frozen_at: float | None = None
    """Epoch seconds the clock stands still at; None while it runs."""

    def timestamp(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError("the sandbox clock only moves forward")
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def set(self, moment: datetime) -> None:
        target = moment.timestamp()
        if target < self.timestamp():
            raise ClockError("the sandbox clock only moves forward")
        if self.frozen_at is not None:
            self.frozen_at = target
        else:
            self.offset = target - time.time()

    def freeze(self, frozen: bool) -> None:
        if frozen and self.frozen_at is None:
            self.frozen_at = self.timestamp()
        elif not frozen and self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def describe(self) -> dict[str, object]:
        return {
            "now": self.now().isoformat().replace("+00:00", "Z"),
            "offset_seconds": round(self.timestamp() - time.time(), 3),
            "frozen": self.frozen_at is not None,
        }


def later(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
