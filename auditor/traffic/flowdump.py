"""Reads mitmproxy flow dumps record by record with mitmproxy's FlowReader, surviving bad
records, absurd length prefixes and truncation."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mitmproxy import exceptions, http
from mitmproxy.io import FlowReader, tnetstring

from auditor.traffic.exchange import Exchange
from auditor.traffic.fields import encodable, encodable_url, status_code, utc_from_epoch

_LENGTH_PREFIX = re.compile(rb"(\d{1,12}):")
_PREFIX_BYTES = 13
"""The longest length prefix tnetstring accepts (12 digits) and its colon."""
_READ_CHUNK = 1 << 20
_SCAN_WINDOW = 1 << 20


@dataclass(frozen=True)
class FlowProblem:
    """A record of the dump that could not be read; reading went on after it when it could."""

    index: int
    reason: str


@dataclass(frozen=True)
class SkippedFlow:
    """A flow that is not HTTP (tcp, udp, dns): counted, not analyzed."""

    index: int
    kind: str


def exchange_from_flow(flow: http.HTTPFlow, file: str, index: int) -> Exchange:
    """The facts of one mitmproxy HTTP flow, detached from mitmproxy's objects."""
    request = flow.request
    response = flow.response
    return Exchange(
        file=file,
        index=index,
        method=encodable(request.method.upper()),
        # a path byte that is not UTF-8 reaches the URL as a surrogate escape
        url=encodable_url(request.url),
        host=encodable((request.host or "").lower()),
        request_headers=_headers(request.headers.items(multi=True)),
        request_raw_body=request.raw_content or b"",
        status=status_code(response.status_code) if response is not None else None,
        response_headers=_headers(response.headers.items(multi=True)) if response else (),
        response_raw_body=response.raw_content if response is not None else None,
        timestamp=utc_from_epoch(request.timestamp_start),
    )


def _headers(items: object) -> tuple[tuple[str, str], ...]:
    return tuple((encodable(k), encodable(v)) for k, v in items)  # type: ignore[attr-defined]


def read_flow_dump(handle: BinaryIO, file: str) -> Iterator[Exchange | FlowProblem | SkippedFlow]:
    """Every flow of a dump, in file order, as exchanges, skipped flows or problems.

    Records are length-prefixed tnetstrings. Each is framed here, checked against the size
    of the file before anything is read, and only then handed to mitmproxy's FlowReader
    (which migrates old formats): a prefix that promises more than the file holds is never
    allocated, a bad record costs only itself, garbage is skipped up to the next record that
    parses, and a cut-off last record ends the dump with a problem. A stream that cannot
    seek (a pipe) is read the same way until its first bad record.
    """
    source = _Source(handle)
    index = 0
    while True:
        start = source.offset
        head = source.peek(_PREFIX_BYTES)
        if not head:
            return
        match = _LENGTH_PREFIX.match(head)
        record = _framed_record(source, match, start)
        if record is not None:
            yield from _flows_of(record, file, index)
            index += 1
            continue
        # what is here is not a whole record: the end of a cut-off file, or garbage
        if not source.seekable:
            reason = "the stream is cut off" if match else "invalid flow record"
            yield FlowProblem(
                index, f"{reason} at byte {start}; the rest of the stream is not read"
            )
            return
        resume = _resync(source, start + 1)
        if resume is None:
            left = (source.size or 0) - start
            overruns = match is not None and match.end() + int(match.group(1)) + 1 > left
            if overruns or (head.isdigit() and left < _PREFIX_BYTES):
                yield FlowProblem(
                    index, f"the dump is cut off inside flow {index} ({left} bytes left)"
                )
            else:
                yield FlowProblem(
                    index, f"unreadable data from byte {start} to the end of the dump"
                )
            return
        if match:
            announced = int(match.group(1))
            reason = f"flow record at byte {start} is not whole ({announced} bytes announced)"
        else:
            reason = "unreadable data"
        yield FlowProblem(index, f"{reason}; skipped to the next record at byte {resume}")
        index += 1
        source.seek(resume)


def _framed_record(source: _Source, match: re.Match[bytes] | None, start: int) -> bytes | None:
    """The whole record at ``start`` when its prefix fits the file and it ends as a dict."""
    if match is None:
        return None
    total = match.end() + int(match.group(1)) + 1
    if source.size is not None and start + total > source.size:
        return None  # never read (or allocate) what the file cannot hold
    record = source.take(total)
    if len(record) == total and record.endswith(b"}"):
        return record
    source.seek(start)
    return None


def _flows_of(
    record: bytes, file: str, index: int
) -> Iterator[Exchange | FlowProblem | SkippedFlow]:
    """The flow of one framed record, through mitmproxy's FlowReader (and its migrations)."""
    try:
        flows = list(FlowReader(io.BytesIO(record)).stream())
        if len(flows) != 1:
            raise ValueError("a record holds one flow")
        flow = flows[0]
        if not isinstance(flow, http.HTTPFlow):
            yield SkippedFlow(index, str(getattr(flow, "type", type(flow).__name__)))
            return
        yield exchange_from_flow(flow, file, index)
    except exceptions.FlowReadException as exc:
        yield FlowProblem(index, _reason(exc))
    except RecursionError:
        yield FlowProblem(index, "flow record nested too deeply to read")
    except MemoryError:
        yield FlowProblem(index, "flow record too large to read")
    except Exception as exc:
        # a record that parses but does not build a flow (fields of the wrong type, values
        # out of range): whatever mitmproxy raises, it costs this flow only
        yield FlowProblem(index, f"flow state cannot be loaded ({type(exc).__name__})")


def _reason(exc: exceptions.FlowReadException) -> str:
    cause = exc.__cause__
    text = str(exc) or "unreadable flow"
    if cause is not None and text == "Invalid data format.":
        # tnetstring messages quote the raw bytes they choke on: say what, not which bytes
        text = f"invalid flow record ({type(cause).__name__})"
    return text.rstrip(".")


class _Source:
    """The dump as an offset, a size (when it can seek) and reads that never over-allocate."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.seekable = _seekable(handle)
        self.offset = handle.tell() if self.seekable else 0
        self.size: int | None = _size(handle) if self.seekable else None
        self._pending = b""
        """Bytes read ahead from a stream that cannot seek back."""

    def peek(self, n: int) -> bytes:
        if self.seekable:
            self.handle.seek(self.offset)
            return self.handle.read(n)
        if len(self._pending) < n:
            self._pending += self.handle.read(n - len(self._pending))
        return self._pending[:n]

    def take(self, n: int) -> bytes:
        """Up to n bytes from the offset, read in chunks so a false length costs no memory."""
        if self.seekable:
            self.handle.seek(self.offset)
            data = self.handle.read(n)
        else:
            parts = [self._pending[:n]]
            got = len(parts[0])
            self._pending = self._pending[n:]
            while got < n:
                chunk = self.handle.read(min(_READ_CHUNK, n - got))
                if not chunk:
                    break
                parts.append(chunk)
                got += len(chunk)
            data = b"".join(parts)
        self.offset += len(data)
        return data

    def seek(self, offset: int) -> None:
        self.offset = offset

    def read_at(self, offset: int, n: int) -> bytes:
        self.handle.seek(offset)
        return self.handle.read(n)


def _seekable(handle: BinaryIO) -> bool:
    try:
        return handle.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _size(handle: BinaryIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        here = handle.tell()
        size = handle.seek(0, os.SEEK_END)
        handle.seek(here)
        return size


def _resync(source: _Source, offset: int) -> int | None:
    """The next offset where a whole flow record starts, scanning past garbage window by window."""
    size = source.size
    assert size is not None
    while offset < size:
        # overlap windows by a prefix's length so no prefix is split between two of them
        window = source.read_at(offset, _SCAN_WINDOW + _PREFIX_BYTES)
        for match in _LENGTH_PREFIX.finditer(window):
            if match.start() >= _SCAN_WINDOW and offset + len(window) < size:
                break
            begin = offset + match.start()
            if match.start() > 0 and window[match.start() - 1 : match.start()].isdigit():
                continue
            if begin > 0 and match.start() == 0 and source.read_at(begin - 1, 1).isdigit():
                continue
            end = begin + len(match.group(0)) + int(match.group(1))
            if end >= size or source.read_at(end, 1) != b"}":
                continue
            if _is_flow_record(source.read_at(begin, end + 1 - begin)):
                return begin
        offset += _SCAN_WINDOW
    return None


def _is_flow_record(data: bytes) -> bool:
    """A flow's top-level state, not one of the dicts nested inside it."""
    try:
        state = tnetstring.loads(data)
    except (ValueError, TypeError, IndexError, RecursionError):
        return False
    if not isinstance(state, dict):
        return False
    keys = {k.decode() if isinstance(k, bytes) else k for k in state}
    return {"type", "version"} <= keys
