"""Undo HTTP content encodings (stacked, unknown or broken ones included), capped as they decode."""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import Any

MAX_DECODED_BYTES = 64 * 1024 * 1024
"""Bodies larger than this once decoded are cut: a rule reading them sees a truncated body
(no JSON, so no finding) instead of the process running out of memory on a compression bomb.
Every decoder stops producing output at this size; none decodes whole and cuts afterwards."""

_ZSTD_READ = 1 << 20


class UndecodableBody(ValueError):
    """A body whose Content-Encoding is unknown or whose bytes do not match it."""


def _zlib_members(data: bytes, wbits: int, cap: int) -> bytes:
    """Every member of a zlib-family stream, one after the other (a gzip body may hold
    several, RFC 1952), never more than ``cap`` bytes of output."""
    out: list[bytes] = []
    produced = 0
    pending = data
    first = True
    while pending and produced < cap:
        decompressor = zlib.decompressobj(wbits)
        try:
            while produced < cap:
                # max_length bounds each step; what did not fit waits in unconsumed_tail
                chunk = decompressor.decompress(pending, cap - produced)
                pending = decompressor.unconsumed_tail
                out.append(chunk)
                produced += len(chunk)
                if decompressor.eof or (not chunk and not pending):
                    break
        except zlib.error:
            if first:
                raise
            break  # garbage after a whole member: browsers keep what came before
        first = False
        if not decompressor.eof:
            break  # a cut stream: what it held so far
        pending = decompressor.unused_data
        if not pending.strip(b"\x00"):
            break  # padding after the last member
    return b"".join(out)[:cap]


def _gzip(data: bytes) -> bytes:
    try:
        return _zlib_members(data, 16 + zlib.MAX_WBITS, MAX_DECODED_BYTES)
    except zlib.error as exc:
        raise UndecodableBody(f"gzip body is not gzip data ({exc})") from None


def _deflate(data: bytes) -> bytes:
    # "deflate" is zlib-wrapped by the RFC, but many servers send a raw deflate stream
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        try:
            return _zlib_members(data, wbits, MAX_DECODED_BYTES)
        except zlib.error:
            continue
    raise UndecodableBody("deflate body is not deflate data")


def brotli_module() -> ModuleType | None:
    """A brotli binding whose Decompressor can stop at an output limit.

    brotlicffi (a dependency) has had `output_buffer_limit` since 1.2; Google's `brotli`
    module (what mitmproxy pins, 1.1 with mitmproxy 11) only from 1.2 on. A binding without
    it would have to decode a bomb whole before it could be cut.
    """
    for name in ("brotlicffi", "brotli"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        if hasattr(module.Decompressor(), "can_accept_more_data"):
            return module
    return None


def _brotli(data: bytes) -> bytes:
    module = brotli_module()
    if module is None:  # pragma: no cover - brotlicffi is a dependency
        raise UndecodableBody("br body but no brotli module that can limit its output")
    decompressor: Any = module.Decompressor()
    try:
        out: bytes = decompressor.process(data, output_buffer_limit=MAX_DECODED_BYTES)
    except module.error as exc:
        raise UndecodableBody(f"br body is not brotli data ({exc})") from None
    return out[:MAX_DECODED_BYTES]


def _zstd(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - mitmproxy depends on zstandard
        raise UndecodableBody("zstd body but the zstandard module is missing") from None
    out: list[bytes] = []
    produced = 0
    try:
        # a stream reader: frames written without a content size cannot be decompressed in
        # one call, a body may be several frames (read_across_frames), and reading in
        # pieces applies the cap as it goes
        with zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True) as reader:
            while produced < MAX_DECODED_BYTES:
                chunk = reader.read(min(_ZSTD_READ, MAX_DECODED_BYTES - produced))
                if not chunk:
                    break
                out.append(chunk)
                produced += len(chunk)
    except zstandard.ZstdError as exc:
        if not out:
            raise UndecodableBody(f"zstd body is not zstd data ({exc})") from None
    return b"".join(out)


_DECODERS = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _brotli,
    "zstd": _zstd,
}
_IDENTITY = frozenset({"", "identity", "none", "utf-8", "utf8", "binary", "chunked"})


def decode_body(data: bytes, content_encoding: str | None) -> bytes:
    """The body as the application sent it, undoing every listed coding, last applied first.

    Raises UndecodableBody for an unknown coding or bytes that do not match it.
    """
    if not content_encoding or not data:
        return data
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    for coding in reversed(codings):
        if coding in _IDENTITY:
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UndecodableBody(f"unknown Content-Encoding {coding!r}")
        data = decoder(data)
    return data


def decode_body_lenient(data: bytes, content_encoding: str | None) -> bytes:
    """Like decode_body, but keeps the bytes as they are when they cannot be decoded.

    HAR exporters disagree on whether the stored text is still encoded: some keep the
    Content-Encoding header next to an already decoded body. Trying and falling back
    reads both kinds.
    """
    try:
        return decode_body(data, content_encoding)
    except UndecodableBody:
        return data
