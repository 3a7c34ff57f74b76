"""Reading captures: the format comes from the content, and bad parts cost only themselves."""

from __future__ import annotations

import codecs
import gzip
import json
import shutil
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard
from mitmproxy.test import tflow

from auditor.traffic.bodies import UndecodableBody, decode_body
from auditor.traffic.capture import CaptureStats, read_capture, sniff
from auditor.traffic.exchange import Exchange
from tests.traffic.helpers import (
    REALDATA,
    V1,
    V2,
    analyze,
    har_document,
    har_entry,
    make_flow,
    rules_of,
    write_dump,
)

V1_USERS = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/users",
    "request_headers": V1,
    "status": 200,
    "response_json": [{"id": 1}],
}


def read_all(path: Path) -> tuple[list[Exchange], list[tuple[int | None, str]], CaptureStats]:
    stats = CaptureStats()
    exchanges, errors = [], []
    for item in read_capture(path, str(path), stats):
        if isinstance(item, Exchange):
            exchanges.append(item)
        else:
            errors.append((item.index, item.reason))
    return exchanges, errors, stats


# -- sniffing by content -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b'{"log": {}}', "har"),
        (b'\xef\xbb\xbf{"log": {}}', "har"),
        (b'\n  {"log"', "har"),
        (b"[{}]", "json-array"),
        (b"1234:4:type", "mitmproxy"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (zlib.compress(b'{"log": {}}')[:4], "zlib"),
        (b"", "empty"),
        (b"GIF89a", "unknown"),
    ],
)
def test_format_is_told_by_content(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_har_named_like_a_flow_dump_is_read_as_har(tmp_path: Path) -> None:
    capture = tmp_path / "nightly.mitm"
    capture.write_text(json.dumps(har_document([har_entry(V1_USERS)])))
    result, readable = analyze(capture)
    assert readable and result.extra["capture_formats"][str(capture)] == "har"
    assert rules_of(result) == [("DK001", 0)]


def test_flow_dump_without_extension_is_read_as_flow_dump(tmp_path: Path) -> None:
    capture = write_dump(tmp_path / "capture", [make_flow(V1_USERS)])
    result, _ = analyze(capture)
    assert result.extra["capture_formats"][str(capture)] == "mitmproxy"
    assert rules_of(result) == [("DK001", 0)]


def test_har_with_bom_is_read(tmp_path: Path) -> None:
    capture = tmp_path / "bom.har"
    capture.write_bytes(codecs.BOM_UTF8 + json.dumps(har_document([har_entry(V1_USERS)])).encode())
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK001", 0)]
    assert result.errors == []


def test_utf16_har_is_read(tmp_path: Path) -> None:
    capture = tmp_path / "fiddler.har"
    capture.write_bytes(json.dumps(har_document([har_entry(V1_USERS)])).encode("utf-16"))
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK001", 0)]


def test_zlib_compressed_har_is_read_like_mitmproxy_writes_zhar(tmp_path: Path) -> None:
    capture = tmp_path / "capture.zhar"
    capture.write_bytes(zlib.compress(json.dumps(har_document([har_entry(V1_USERS)])).encode()))
    result, _ = analyze(capture)
    assert result.extra["capture_formats"][str(capture)] == "har+zlib"
    assert rules_of(result) == [("DK001", 0)]


def test_real_zhar_from_mitmproxy_gives_its_two_entries() -> None:
    exchanges, errors, stats = read_all(REALDATA / "mitmproxy/flows/compressed.zhar")
    assert (len(exchanges), errors, stats.format) == (2, [], "har+zlib")


def test_gzipped_flow_dump_is_read(tmp_path: Path) -> None:
    plain = write_dump(tmp_path / "plain.mitm", [make_flow(V1_USERS)])
    capture = tmp_path / "capture.mitm.gz"
    capture.write_bytes(gzip.compress(plain.read_bytes()))
    result, _ = analyze(capture)
    assert result.extra["capture_formats"][str(capture)] == "mitmproxy+gzip"
    assert rules_of(result) == [("DK001", 0)]


@pytest.mark.parametrize(
    ("name", "flows"),
    [
        ("dumpfile-011.mitm", 1),
        ("dumpfile-018.mitm", 1),
        ("dumpfile-019.mitm", 1),
        ("dumpfile-7.mitm", 2),
        ("dumpfile-7-websocket.mitm", 6),
        ("dumpfile-10.mitm", 1),
        ("dumpfile-19.mitm", 1),
        ("flows/successful_log.mitm", 2),
        ("flows/incomplete_log.mitm", 4),
        ("flows/corrupted_gzip_body.mitm", 1),
    ],
)
def test_flow_dumps_of_every_readable_version_are_read(name: str, flows: int) -> None:
    exchanges, errors, _ = read_all(REALDATA / "mitmproxy" / name)
    assert (len(exchanges), errors) == (flows, [])
    assert all(e.timestamp is None or e.timestamp.tzinfo is not None for e in exchanges)


def test_unreadable_010_dump_is_one_clean_error() -> None:
    exchanges, errors, _ = read_all(REALDATA / "mitmproxy/dumpfile-010.mitm")
    assert exchanges == []
    assert len(errors) == 1
    index, reason = errors[0]
    assert index == 0 and "flow format version (0, 10)" in reason


def test_json_array_is_not_taken_for_har(tmp_path: Path) -> None:
    exchanges, errors, _ = read_all(REALDATA / "mitmproxy/har_files/chrome.json")
    assert exchanges == [] and "JSON array" in errors[0][1]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"GIF89a\x00\x00", "not a mitmproxy flow dump or a HAR"),
        (b'{"test_response": {"log": {"entries": []}}}', "without a 'log'"),
        (b'{"log": [2,1,3] "request:"}', "'log' is not an object"),
        (b'{"log": {"version": "1.2"}}', "no 'entries'"),
    ],
)
def test_files_that_are_no_capture_give_one_error(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    capture = tmp_path / "capture.har"
    capture.write_bytes(content)
    result, readable = analyze(capture)
    assert not readable
    assert [e.reason for e in result.errors if reason in e.reason], result.errors


def test_missing_file_is_an_error_entry(tmp_path: Path) -> None:
    result, readable = analyze(tmp_path / "nope.har")
    assert not readable and "cannot open" in result.errors[0].reason


# -- damage costs only itself ------------------------------------------------------------


def test_truncated_dump_keeps_earlier_flows_and_reports_the_cut(tmp_path: Path) -> None:
    flows = [make_flow(V1_USERS, i) for i in range(3)]
    whole = write_dump(tmp_path / "whole.mitm", flows).read_bytes()
    capture = tmp_path / "cut.mitm"
    capture.write_bytes(whole[: len(whole) - 200])
    exchanges, errors, _ = read_all(capture)
    assert [e.index for e in exchanges] == [0, 1]
    assert len(errors) == 1 and errors[0][0] == 2 and "cut off" in errors[0][1]


def test_unmigratable_record_in_the_middle_keeps_the_flows_after_it(tmp_path: Path) -> None:
    good = write_dump(tmp_path / "one.mitm", [make_flow(V1_USERS)]).read_bytes()
    old = (REALDATA / "mitmproxy/dumpfile-010.mitm").read_bytes()
    capture = tmp_path / "mixed.mitm"
    capture.write_bytes(good + old + good)
    exchanges, errors, _ = read_all(capture)
    assert [e.index for e in exchanges] == [0, 2]
    assert [index for index, _ in errors] == [1]


def test_garbage_between_records_is_skipped_up_to_the_next_flow(tmp_path: Path) -> None:
    good = write_dump(tmp_path / "one.mitm", [make_flow(V1_USERS)]).read_bytes()
    capture = tmp_path / "garbage.mitm"
    capture.write_bytes(good + b"\x00garbage that is not a record\xff" * 3 + good)
    exchanges, errors, _ = read_all(capture)
    assert len(exchanges) == 2
    assert len(errors) == 1 and "skipped" in errors[0][1]


def test_one_bad_har_entry_keeps_the_others(tmp_path: Path) -> None:
    entries = [har_entry(V1_USERS, 0), {"request": {"method": "GET"}}, har_entry(V1_USERS, 2)]
    capture = tmp_path / "bad-entry.har"
    capture.write_text(json.dumps(har_document(entries)))
    result, readable = analyze(capture)
    assert readable
    assert rules_of(result) == [("DK001", 0), ("DK001", 2)]
    assert [(e.index, e.reason) for e in result.errors] == [(1, "request has no url")]


def test_truncated_har_keeps_the_entries_before_the_cut(tmp_path: Path) -> None:
    text = json.dumps(har_document([har_entry(V1_USERS, i) for i in range(3)]))
    capture = tmp_path / "cut.har"
    capture.write_text(text[: text.rindex('"startedDateTime"') + 30])
    result, readable = analyze(capture)
    assert readable and rules_of(result) == [("DK001", 0), ("DK001", 1)]
    assert len(result.errors) == 1 and result.errors[0].index == 2


def test_har_with_optional_fields_missing_is_read(tmp_path: Path) -> None:
    entry = {
        "request": {
            "method": "get",
            "url": "https://acme.dokeos.com/api/users",
            "headers": [["Accept", V1["Accept"]]],
        }
    }
    capture = tmp_path / "minimal.har"
    capture.write_text(json.dumps({"log": {"entries": [entry]}}))
    exchanges, errors, _ = read_all(capture)
    assert errors == []
    assert exchanges[0].method == "GET" and exchanges[0].status is None
    assert exchanges[0].timestamp is None


def test_hand_written_har_without_http_version_is_read() -> None:
    exchanges, errors, _ = read_all(REALDATA / "mitmproxy2swagger/form_data_har.har")
    assert len(exchanges) == 1 and errors == []
    assert exchanges[0].request_form()


# -- bodies ------------------------------------------------------------------------------

PARTICIPATION = {"id": 7, "progressions": [{"module": 1}]}
DK002_SPEC = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/participations/7",
    "request_headers": V2,
    "status": 200,
}


def test_base64_har_body_is_decoded(tmp_path: Path) -> None:
    spec = {**DK002_SPEC, "response_base64": json.dumps(PARTICIPATION).encode()}
    capture = tmp_path / "b64.har"
    capture.write_text(json.dumps(har_document([har_entry(spec)])))
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK002", 0)]


def test_har_text_still_marked_gzip_is_read_as_plain(tmp_path: Path) -> None:
    # exporters keep Content-Encoding next to text they already decoded
    spec = {
        **DK002_SPEC,
        "response_text": json.dumps(PARTICIPATION),
        "response_headers": {"Content-Encoding": "gzip"},
    }
    capture = tmp_path / "plain-but-gzip.har"
    capture.write_text(json.dumps(har_document([har_entry(spec)])))
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK002", 0)]


def test_base64_har_body_still_gzipped_is_decoded(tmp_path: Path) -> None:
    spec = {
        **DK002_SPEC,
        "response_base64": gzip.compress(json.dumps(PARTICIPATION).encode()),
        "response_headers": {"Content-Encoding": "gzip"},
    }
    capture = tmp_path / "gz.har"
    capture.write_text(json.dumps(har_document([har_entry(spec)])))
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK002", 0)]


ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
    "gzip, br": lambda data: brotli.compress(gzip.compress(data)),
}


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_content_encodings_of_flow_dumps_are_undone(tmp_path: Path, encoding: str) -> None:
    body = json.dumps(PARTICIPATION).encode()
    spec = {
        **DK002_SPEC,
        "response_raw": ENCODERS[encoding](body),
        "response_headers": {"content-encoding": encoding},
    }
    capture = write_dump(tmp_path / "encoded.mitm", [make_flow(spec)])
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK002", 0)]


@pytest.mark.parametrize("encoding", ["x-unknown", "gzip", "br", "zstd", "deflate", "utf8"])
def test_bad_or_unknown_encoding_gives_no_crash_and_no_finding(
    tmp_path: Path, encoding: str
) -> None:
    spec = {
        **DK002_SPEC,
        "response_raw": b"\x00\x01 not what the header says",
        "response_headers": {"content-encoding": encoding},
    }
    capture = write_dump(tmp_path / "bad.mitm", [make_flow(spec)])
    result, readable = analyze(capture)
    assert readable and result.errors == [] and rules_of(result) == []


def test_unknown_encoding_is_reported_by_the_decoder() -> None:
    with pytest.raises(UndecodableBody):
        decode_body(b"abc", "x-unknown")


def test_real_corrupted_gzip_body_reads_without_crash() -> None:
    for name in ("corrupted_gzip_body.mitm", "corrupted_gzip_body.har"):
        exchanges, errors, _ = read_all(REALDATA / "mitmproxy/flows" / name)
        assert len(exchanges) == 1 and errors == []
        assert exchanges[0].json() is None


# -- non-HTTP --------------------------------------------------------------------------


def test_tcp_flows_are_skipped_and_counted(tmp_path: Path) -> None:
    capture = write_dump(
        tmp_path / "mixed.mitm",
        [make_flow(V1_USERS, 0), tflow.ttcpflow(), make_flow(V1_USERS, 2)],
    )
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK001", 0), ("DK001", 2)]
    assert result.flows_read == 2 and result.extra["non_http_flows_skipped"] == 1


def test_real_dump_with_tcp_flows_reads_the_http_ones() -> None:
    exchanges, errors, stats = read_all(REALDATA / "mitmproxy/flows/diff_data.mitm")
    assert (len(exchanges), stats.skipped, errors) == (5, 2, [])


def test_copy_of_real_har_reads_the_same_under_any_name(tmp_path: Path) -> None:
    copy = tmp_path / "no-extension"
    shutil.copy(REALDATA / "haralyzer/cnn.har", copy)
    exchanges, errors, stats = read_all(copy)
    assert (len(exchanges), errors, stats.format) == (145, [], "har")
