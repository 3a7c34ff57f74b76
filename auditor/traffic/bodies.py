"""Undo HTTP content encodings (stacked, unknown or broken ones included) with a size cap."""

from __future__ import annotations

import zlib

MAX_DECODED_BYTES = 64 * 1024 * 1024
"""Bodies larger than this once decoded are cut: a rule reading them sees a truncated body
(no JSON, so no finding) instead of the process running out of memory on a compression bomb."""


class UndecodableBody(ValueError):
    """A body whose Content-Encoding is unknown or whose bytes do not match it."""


def _zlib_family(data: bytes, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data, MAX_DECODED_BYTES)
    if decompressor.unconsumed_tail:
        # over the cap: keep what fits, the caller sees a cut body
        return out
    return out + decompressor.flush()


def _gzip(data: bytes) -> bytes:
    try:
        return _zlib_family(data, 16 + zlib.MAX_WBITS)
    except zlib.error as exc:
        raise UndecodableBody(f"gzip body is not gzip data ({exc})") from None


def _deflate(data: bytes) -> bytes:
    # "deflate" is zlib-wrapped by the RFC, but many servers send a raw deflate stream
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        try:
            return _zlib_family(data, wbits)
        except zlib.error:
            continue
    raise UndecodableBody("deflate body is not deflate data")


def _brotli(data: bytes) -> bytes:
    try:
        import brotli
    except ImportError:  # pragma: no cover - mitmproxy depends on Brotli
        raise UndecodableBody("br body but the brotli module is missing") from None
    try:
        out: bytes = brotli.decompress(data)
    except brotli.error as exc:
        raise UndecodableBody(f"br body is not brotli data ({exc})") from None
    return out[:MAX_DECODED_BYTES]


def _zstd(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - mitmproxy depends on zstandard
        raise UndecodableBody("zstd body but the zstandard module is missing") from None
    try:
        # a stream reader, because frames written without a content size cannot be
        # decompressed in one call, and so the cap can be applied while reading
        with zstandard.ZstdDecompressor().stream_reader(data) as reader:
            out: bytes = reader.read(MAX_DECODED_BYTES)
    except zstandard.ZstdError as exc:
        raise UndecodableBody(f"zstd body is not zstd data ({exc})") from None
    return out


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
