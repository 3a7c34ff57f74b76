"""Opens a capture, tells its format by content (never by name), and streams its exchanges."""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from auditor.findings import ErrorEntry
from auditor.traffic.exchange import Exchange
from auditor.traffic.flowdump import FlowProblem, SkippedFlow, read_flow_dump
from auditor.traffic.har import DocumentProblem, EntryProblem, read_har

READ_CHUNK = 1 << 20
_TNETSTRING_START = re.compile(rb"^\d{1,12}:")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class CaptureStats:
    """What reading one capture amounted to."""

    format: str = "unknown"
    exchanges: int = 0
    """HTTP flows read."""
    skipped: int = 0
    """Non-HTTP flows (tcp, udp, dns) read and left aside."""
    problems: int = 0

    @property
    def read_anything(self) -> bool:
        return self.exchanges > 0 or self.skipped > 0


def sniff(head: bytes) -> str:
    """A capture's format from its first bytes: har, mitmproxy, gzip, zlib, json-array, ..."""
    if not head:
        return "empty"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        # a zlib stream header (what mitmproxy writes for .zhar)
        return "zlib"
    if head.startswith(_UTF16_BOMS):
        text = head.decode("utf-16", errors="ignore").lstrip()
        return (
            "har" if text.startswith("{") else "json-array" if text.startswith("[") else "unknown"
        )
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"{"):
        return "har"
    if stripped.startswith(b"["):
        return "json-array"
    if _TNETSTRING_START.match(head):
        return "mitmproxy"
    return "unknown"


MAX_CAPTURE_DECODED_BYTES = 1 << 30
MAX_CAPTURE_RATIO = 100
"""A compressed capture is read until it has decoded to the larger of 1 GiB and 100 times
its own size: real captures compress 10 to 30 times, gzip bombs a thousand."""


class CaptureBomb(ValueError):
    """A compressed capture that decodes to more than its limit."""


def decoded_limit(compressed_size: int) -> int:
    return max(MAX_CAPTURE_DECODED_BYTES, MAX_CAPTURE_RATIO * compressed_size)


def _inflated_chunks(handle: BinaryIO, kind: str, limit: int) -> Iterator[bytes]:
    """The decoded bytes of a gzip (every member) or zlib capture, at most ``limit`` of them.

    Raises CaptureBomb once the limit is passed; what came before it was yielded.
    """
    wbits = 16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS
    decompressor = zlib.decompressobj(wbits)
    produced = 0
    while chunk := handle.read(READ_CHUNK):
        while chunk:
            # max_length keeps each step to one chunk of output, however dense the input
            data = decompressor.decompress(chunk, READ_CHUNK)
            chunk = decompressor.unconsumed_tail
            if decompressor.eof:
                rest = decompressor.unused_data
                if kind == "gzip" and rest.strip(b"\x00"):
                    # the next member of a multi-member gzip file (what `cat a.gz b.gz` makes)
                    decompressor = zlib.decompressobj(wbits)
                    chunk = rest
                else:
                    chunk = b""
            produced += len(data)
            if produced > limit:
                raise CaptureBomb(
                    f"decompresses to more than {limit // (1 << 20)} MiB: "
                    "read up to there (a decompression bomb?)"
                )
            if data:
                yield data
    while not decompressor.eof:
        data = decompressor.decompress(b"", READ_CHUNK)
        if not data:
            break
        produced += len(data)
        if produced > limit:
            raise CaptureBomb(f"decompresses to more than {limit // (1 << 20)} MiB")
        yield data


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(READ_CHUNK):
        yield chunk


def read_capture(path: Path, display: str, stats: CaptureStats) -> Iterator[Exchange | ErrorEntry]:
    """Every HTTP exchange of a capture in file order; what cannot be read becomes an ErrorEntry."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield ErrorEntry(display, f"cannot open: {exc.strerror or exc}")
        stats.problems += 1
        return
    with handle:
        try:
            yield from _read_open(handle, display, stats)
        except (OSError, EOFError, zlib.error, CaptureBomb) as exc:
            # a compressed wrapper that is itself corrupt, cut off, or a bomb
            stats.problems += 1
            yield ErrorEntry(display, f"cannot read: {exc}")


def _read_open(
    handle: BinaryIO, display: str, stats: CaptureStats
) -> Iterator[Exchange | ErrorEntry]:
    head = handle.read(64)
    handle.seek(0)
    kind = sniff(head)
    if kind in ("gzip", "zlib"):
        yield from _read_compressed(handle, kind, display, stats)
        return
    yield from _read_plain(kind, handle, _file_chunks(handle), display, stats)


def _read_compressed(
    handle: BinaryIO, kind: str, display: str, stats: CaptureStats
) -> Iterator[Exchange | ErrorEntry]:
    """A gzip or zlib capture, decoded as it is read and never past its limit."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except (OSError, ValueError):
        size = 0
    chunks = _inflated_chunks(handle, kind, decoded_limit(size))
    first = next(chunks, b"")
    inner = sniff(first[:64])
    stats.format = f"{inner}+{kind}"
    if inner == "mitmproxy":
        # flow dumps are read from a seekable file (to step over bad records), so the
        # decoded stream goes to a temporary file first, as far as the limit
        with tempfile.TemporaryFile() as spool:
            spool.write(first)
            problem = None
            try:
                for chunk in chunks:
                    spool.write(chunk)
            except CaptureBomb as exc:
                problem = exc
            spool.seek(0)
            yield from _read_plain(inner, spool, iter(()), display, stats)
            if problem is not None:
                raise problem
        stats.format = f"mitmproxy+{kind}"
        return
    # a HAR is read as it decodes: one entry in memory, nothing on disk
    yield from _read_plain(inner, None, itertools.chain([first], chunks), display, stats)
    stats.format = f"{stats.format.split('+')[0]}+{kind}"


def _read_plain(
    kind: str,
    handle: BinaryIO | None,
    chunks: Iterator[bytes],
    display: str,
    stats: CaptureStats,
) -> Iterator[Exchange | ErrorEntry]:
    if kind == "har":
        stats.format = "har"
        yield from _events(read_har(chunks, display), display, stats)
    elif kind == "mitmproxy" and handle is not None:
        stats.format = "mitmproxy"
        yield from _events(read_flow_dump(handle, display), display, stats)
    elif kind == "empty":
        stats.problems += 1
        yield ErrorEntry(display, "empty file: no flows")
    elif kind == "json-array":
        stats.format = kind
        stats.problems += 1
        yield ErrorEntry(
            display,
            "a JSON array, not a HAR document or flow dump (mitmweb's flow JSON is not a capture)",
        )
    else:
        stats.problems += 1
        yield ErrorEntry(display, "not a mitmproxy flow dump or a HAR file")


def _events(
    items: Iterator[Exchange | FlowProblem | SkippedFlow | EntryProblem | DocumentProblem],
    display: str,
    stats: CaptureStats,
) -> Iterator[Exchange | ErrorEntry]:
    for item in items:
        if isinstance(item, Exchange):
            stats.exchanges += 1
            yield item
        elif isinstance(item, SkippedFlow):
            stats.skipped += 1
        else:
            stats.problems += 1
            yield ErrorEntry(display, item.reason, item.index)
