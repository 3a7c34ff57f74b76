"""Values read from a capture made safe to hold: times in range, text that encodes, statuses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# datetime covers years 1 to 9999; a day of margin keeps any UTC offset in range as well
_MIN_EPOCH_SECONDS = (datetime(1, 1, 2, tzinfo=UTC) - _EPOCH).total_seconds()
_MAX_EPOCH_SECONDS = (datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH).total_seconds()
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STATUS = re.compile(r"[0-9]{1,3}")


def utc_from_epoch(seconds: Any) -> datetime | None:
    """Seconds since the epoch as an aware UTC datetime; None when absent, zero or absurd.

    Dumps can hold any number (1e20, inf, 2**63): ``datetime.fromtimestamp`` would raise
    OverflowError, or OSError (EOVERFLOW) from the platform's time_t, for those.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds:
        return None
    # compared before any conversion: an int of any size compares exactly, NaN never passes
    if not _MIN_EPOCH_SECONDS <= seconds <= _MAX_EPOCH_SECONDS:
        return None
    return _EPOCH + timedelta(seconds=float(seconds))


def utc_from_iso(raw: Any) -> datetime | None:
    """An ISO 8601 time (HAR `startedDateTime`) in UTC; a time without offset is taken as UTC."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        # 9999-12-31T23:59:59-05:00 is valid ISO but past the last UTC moment datetime holds
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def status_code(raw: Any) -> int | None:
    """An HTTP status (100..999) from a number or a string of ASCII digits; None otherwise.

    `str.isdigit` accepts "²" and other digits `int` refuses; 0 (failed requests in browser
    exports) is no status either.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        raw = int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip()
        raw = int(text) if _STATUS.fullmatch(text) else None
    if isinstance(raw, int) and 100 <= raw <= 999:
        return raw
    return None


def encodable(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (a JSON `\\ud800` escape, or the
    surrogateescape of a non-UTF-8 byte) become U+FFFD, since every output would fail on them."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def encodable_url(url: str) -> str:
    """A URL that encodes as UTF-8: a lone surrogate is percent-encoded from the bytes it
    stands for (a surrogateescape'd byte is that byte, a JSON escape its UTF-8 form)."""
    if url.isascii():
        return url
    return _SURROGATE.sub(_percent_surrogate, url)


def _percent_surrogate(match: re.Match[str]) -> str:
    char = match.group(0)
    if "\udc80" <= char <= "\udcff":
        data = char.encode("utf-8", "surrogateescape")
    else:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in data)
