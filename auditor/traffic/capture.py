"""Opens a capture, tells its format by content (never by name), and streams its exchanges."""

from __future__ import annotations

import gzip
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


def _zlib_chunks(handle: BinaryIO) -> Iterator[bytes]:
    decompressor = zlib.decompressobj()
    while chunk := handle.read(READ_CHUNK):
        data = decompressor.decompress(chunk)
        if data:
            yield data
    tail = decompressor.flush()
    if tail:
        yield tail


def _gzip_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=handle) as unzipped:
        while chunk := unzipped.read(READ_CHUNK):
            yield chunk


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
            yield from _read_open(handle, display, stats, nested=False)
        except (OSError, EOFError, zlib.error) as exc:
            # a compressed wrapper that is itself corrupt or cut off
            stats.problems += 1
            yield ErrorEntry(display, f"cannot read: {exc}")


def _read_open(
    handle: BinaryIO, display: str, stats: CaptureStats, *, nested: bool
) -> Iterator[Exchange | ErrorEntry]:
    head = handle.read(64)
    handle.seek(0)
    kind = sniff(head)
    if kind in ("gzip", "zlib") and not nested:
        chunks = _gzip_chunks(handle) if kind == "gzip" else _zlib_chunks(handle)
        # flow dumps are read from a seekable file (to step over bad records), so the
        # decompressed stream goes to a temporary file first
        with tempfile.TemporaryFile() as spool:
            for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            yield from _read_open(spool, display, stats, nested=True)
        stats.format = f"{stats.format}+{kind}"
        return
    if kind == "har":
        stats.format = "har"
        yield from _events(read_har(_file_chunks(handle), display), display, stats)
    elif kind == "mitmproxy":
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
