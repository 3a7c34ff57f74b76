"""Reads mitmproxy flow dumps with mitmproxy's FlowReader, surviving bad records and truncation."""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from mitmproxy import exceptions, http
from mitmproxy.io import FlowReader, tnetstring

from auditor.traffic.exchange import Exchange

_LENGTH_PREFIX = re.compile(rb"(\d{1,12}):")


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
    started = request.timestamp_start
    return Exchange(
        file=file,
        index=index,
        method=request.method.upper(),
        url=request.url,
        host=(request.host or "").lower(),
        request_headers=tuple(request.headers.items(multi=True)),
        request_raw_body=request.raw_content or b"",
        status=response.status_code if response is not None else None,
        response_headers=tuple(response.headers.items(multi=True)) if response else (),
        response_raw_body=response.raw_content if response is not None else None,
        timestamp=datetime.fromtimestamp(started, UTC) if started else None,
    )


def read_flow_dump(handle: BinaryIO, file: str) -> Iterator[Exchange | FlowProblem | SkippedFlow]:
    """Every flow of a dump, in file order, as exchanges, skipped flows or problems.

    FlowReader stops at the first record it cannot migrate or parse. Records are
    length-prefixed, so on a seekable file a bad record is stepped over and reading resumes
    with a new FlowReader at the next one; garbage is skipped up to the next record that
    parses; a cut-off last record ends the dump with a problem.
    """
    seekable = _seekable(handle)
    index = 0
    while True:
        start = handle.tell() if seekable else 0
        try:
            for flow in FlowReader(handle).stream():
                if isinstance(flow, http.HTTPFlow):
                    yield exchange_from_flow(flow, file, index)
                else:
                    yield SkippedFlow(index, getattr(flow, "type", type(flow).__name__))
                index += 1
                if seekable:
                    start = handle.tell()
            return
        except exceptions.FlowReadException as exc:
            reason = _reason(exc)
        except (UnicodeDecodeError, KeyError, AttributeError, TypeError, ValueError) as exc:
            # a record that migrates but does not build a flow (fields of the wrong type)
            reason = f"flow state cannot be loaded ({type(exc).__name__})"
        if not seekable:
            yield FlowProblem(index, f"{reason}; the rest of the stream is not read")
            return
        size = os.fstat(handle.fileno()).st_size if _has_fileno(handle) else _size(handle)
        end = _record_end(handle, start, size)
        if end is not None:
            yield FlowProblem(index, reason)
            index += 1
            handle.seek(end)
            continue
        if _prefix_overruns(handle, start, size):
            yield FlowProblem(
                index, f"the dump is cut off inside flow {index} ({size - start} bytes left)"
            )
            return
        resume = _resync(handle, start + 1, size)
        if resume is None:
            yield FlowProblem(index, f"unreadable data from byte {start} to the end of the dump")
            return
        yield FlowProblem(index, f"unreadable data from byte {start} to {resume} skipped")
        index += 1
        handle.seek(resume)


def _reason(exc: exceptions.FlowReadException) -> str:
    cause = exc.__cause__
    text = str(exc) or "unreadable flow"
    if cause is not None and text == "Invalid data format.":
        # tnetstring messages quote the raw bytes they choke on: say what, not which bytes
        text = f"invalid flow record ({type(cause).__name__})"
    return text.rstrip(".")


def _seekable(handle: BinaryIO) -> bool:
    try:
        return handle.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _has_fileno(handle: BinaryIO) -> bool:
    try:
        handle.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _size(handle: BinaryIO) -> int:
    here = handle.tell()
    size = handle.seek(0, os.SEEK_END)
    handle.seek(here)
    return size


def _read_prefix(handle: BinaryIO, start: int) -> tuple[int, int] | None:
    """(length, offset of the data) of the record at ``start``, if it has a valid prefix."""
    handle.seek(start)
    head = handle.read(14)
    match = _LENGTH_PREFIX.match(head)
    if not match:
        return None
    return int(match.group(1)), start + match.end()


def _record_end(handle: BinaryIO, start: int, size: int) -> int | None:
    """Where the record at ``start`` ends, when it is whole and framed as a dict."""
    prefix = _read_prefix(handle, start)
    if prefix is None:
        return None
    length, data_at = prefix
    end = data_at + length + 1
    if end > size:
        return None
    handle.seek(end - 1)
    return end if handle.read(1) == b"}" else None


def _prefix_overruns(handle: BinaryIO, start: int, size: int) -> bool:
    """A valid length prefix whose record runs past the end: the file was cut off."""
    prefix = _read_prefix(handle, start)
    if prefix is None:
        # a prefix cut off inside its digits is a cut-off record too
        handle.seek(start)
        tail = handle.read(14)
        return size - start < 14 and tail.isdigit()
    length, data_at = prefix
    return data_at + length + 1 > size


def _resync(handle: BinaryIO, offset: int, size: int) -> int | None:
    """The next offset where a whole flow record starts, scanning past garbage."""
    if offset >= size or not _has_fileno(handle):
        return None
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        for match in _LENGTH_PREFIX.finditer(view, offset):
            begin = match.start()
            if begin > 0 and view[begin - 1 : begin].isdigit():
                continue
            end = match.end() + int(match.group(1))
            if end >= size or view[end : end + 1] != b"}":
                continue
            try:
                state = tnetstring.loads(view[begin : end + 1])
            except (ValueError, TypeError, IndexError):
                continue
            # a flow's top-level state, not one of the dicts nested inside it
            if isinstance(state, dict) and {b"type", b"version"} <= set(state) | {
                k.encode() for k in state if isinstance(k, str)
            }:
                return begin
    return None
