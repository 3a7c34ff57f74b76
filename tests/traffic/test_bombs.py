"""Decompression bombs (issue 13, item 9): every decoder stops at its cap as it decodes."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import pytest
import zstandard

from auditor.traffic import bodies, capture
from auditor.traffic.bodies import decode_body
from auditor.traffic.exchange import Exchange
from auditor.traffic.session import in_time_order
from tests.traffic.helpers import (
    V1,
    analyze,
    har_document,
    har_entry,
    make_flow,
    rules_of,
    write_dump,
)

CAP = 1 << 20
BOMB_SIZE = 96 * CAP
"""Big enough that decoding it whole would show in the peak; small enough to build fast."""

V1_USERS = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/users",
    "request_headers": V1,
    "status": 200,
    "response_json": [{"id": 1}],
}

BOMBERS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda data: brotli.compress(data, quality=1),
    "gzip": lambda data: gzip.compress(data, 1),
    "deflate": lambda data: zlib.compress(data, 1),
    "zstd": lambda data: zstandard.ZstdCompressor(level=1).compress(data),
}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    zeros = bytes(BOMB_SIZE)
    return {coding: compress(zeros) for coding, compress in BOMBERS.items()}


@pytest.mark.parametrize("coding", sorted(BOMBERS))
def test_a_bomb_body_is_cut_while_it_decodes(
    bombs: dict[str, bytes], coding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bodies, "MAX_DECODED_BYTES", CAP)
    tracemalloc.start()
    try:
        decoded = decode_body(bombs[coding], coding)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(decoded) == CAP
    # decoding whole and cutting afterwards would have held all 96 MiB at once
    assert peak < 8 * CAP, peak


def test_brotli_decoder_has_an_output_limit() -> None:
    module = bodies.brotli_module()
    assert module is not None and hasattr(module.Decompressor(), "can_accept_more_data")


def test_multi_member_gzip_body_is_decoded_whole() -> None:
    body = gzip.compress(b'{"data": [1, ') + gzip.compress(b"2, 3]}")
    assert decode_body(body, "gzip") == b'{"data": [1, 2, 3]}'


def test_multi_frame_zstd_body_is_decoded_whole() -> None:
    compressor = zstandard.ZstdCompressor()
    body = compressor.compress(b'{"data": [1, ') + compressor.compress(b"2, 3]}")
    assert decode_body(body, "zstd") == b'{"data": [1, 2, 3]}'


def test_multi_frame_zstd_response_gives_its_finding(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor()
    text = json.dumps([{"id": 1, "progressions": [{"module": 1}]}]).encode()
    spec = {
        "method": "GET",
        "url": "https://acme.dokeos.com/api/participations",
        "request_headers": {"Accept": "application/vnd.dokeos+json;version=2"},
        "status": 200,
        "response_raw": compressor.compress(text[:10]) + compressor.compress(text[10:]),
        "response_headers": {"content-encoding": "zstd"},
    }
    result, _ = analyze(write_dump(tmp_path / "frames.mitm", [make_flow(spec)]))
    assert rules_of(result) == [("DK002", 0)]


# -- compressed captures -------------------------------------------------------------------


def har_text(entries: int) -> bytes:
    return json.dumps(har_document([har_entry(V1_USERS, i) for i in range(entries)])).encode()


def test_multi_member_gzip_capture_is_read_to_its_end(tmp_path: Path) -> None:
    text = har_text(4)
    cut = len(text) // 2
    target = tmp_path / "members.har.gz"
    target.write_bytes(gzip.compress(text[:cut]) + gzip.compress(text[cut:]))
    result, _ = analyze(target)
    assert rules_of(result) == [("DK001", i) for i in range(4)] and result.errors == []


@pytest.mark.parametrize("kind", ["har", "mitmproxy"])
def test_gzip_capture_bomb_stops_at_its_limit_keeping_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(capture, "MAX_CAPTURE_DECODED_BYTES", 4 * CAP)
    monkeypatch.setattr(capture, "MAX_CAPTURE_RATIO", 1)
    if kind == "har":
        # two entries, then gigabytes' worth of blanks inside the entries list
        head = har_text(2)
        inner = head[: head.rindex(b"]")] + b" " * (16 * CAP)
    else:
        flows = [make_flow(V1_USERS, i) for i in range(2)]
        inner = write_dump(tmp_path / "plain.mitm", flows).read_bytes() + bytes(16 * CAP)
    target = tmp_path / f"bomb.{kind}.gz"
    target.write_bytes(gzip.compress(inner, 1))
    result, readable = analyze(target)
    assert readable and rules_of(result) == [("DK001", 0), ("DK001", 1)]
    assert any("decompresses to more than 4 MiB" in e.reason for e in result.errors)


def test_compressed_har_is_read_as_it_decodes_without_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_spool() -> None:
        raise AssertionError("a HAR needs no temporary file")

    monkeypatch.setattr(capture.tempfile, "TemporaryFile", no_spool)
    target = tmp_path / "capture.har.gz"
    target.write_bytes(gzip.compress(har_text(3)))
    result, _ = analyze(target)
    assert len(rules_of(result)) == 3


# -- the reorder window ---------------------------------------------------------------------


def test_reorder_window_is_bounded_in_bytes_as_well_as_in_flows() -> None:
    pulled = 0

    def exchanges() -> Iterator[Exchange]:
        nonlocal pulled
        for i in range(10):
            pulled += 1
            yield Exchange(
                file="c",
                index=i,
                method="GET",
                url="https://a.dokeos.com/api/users",
                host="a.dokeos.com",
                request_headers=(),
                request_raw_body=b"",
                status=200,
                response_headers=(),
                response_raw_body=bytes(CAP),
                timestamp=None,
            )

    ordered = in_time_order(exchanges(), window=512, window_bytes=3 * CAP)
    first = next(ordered)
    assert first.index == 0 and pulled == 4  # never more than 3 MiB of bodies held back
    assert [e.index for e in ordered] == list(range(1, 10))
