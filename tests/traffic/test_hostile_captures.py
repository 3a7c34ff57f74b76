"""Hostile captures (issue 13, items 7 and 8): one bad entry or record costs only itself."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mitmproxy.io import tnetstring

from auditor.cli import cli
from tests.traffic.helpers import (
    V1,
    analyze,
    har_document,
    har_entry,
    make_flow,
    rules_of,
)

V1_USERS = {
    "method": "GET",
    "url": "https://acme.dokeos.com/api/users",
    "request_headers": V1,
    "status": 200,
    "response_json": [{"id": 1}],
}


def traffic_json(capture: Path) -> tuple[int, dict[str, Any], str]:
    """`dokeos-audit traffic --format json` as a user runs it: exit code, document, stderr."""
    result = CliRunner().invoke(cli, ["traffic", str(capture), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def har_with_middle_entry(tmp_path: Path, text_of_middle: str) -> Path:
    """A HAR of three V1 calls whose middle entry is replaced by the given JSON text."""
    marker = '"MIDDLE"'
    entries: list[Any] = [har_entry(V1_USERS, 0), "MIDDLE", har_entry(V1_USERS, 2)]
    capture = tmp_path / "hostile.har"
    capture.write_text(json.dumps(har_document(entries)).replace(marker, text_of_middle))
    return capture


def middle_entry(**changes: Any) -> dict[str, Any]:
    entry = har_entry(V1_USERS, 1)
    for path, value in changes.items():
        target = entry
        *parents, last = path.split("__")
        for name in parents:
            target = target[name]
        target[last] = value
    return entry


@pytest.mark.parametrize(
    "middle",
    [
        json.dumps(middle_entry(response__status="²")),
        json.dumps(middle_entry(startedDateTime="9999-12-31T23:59:59-05:00")),
        json.dumps(middle_entry(startedDateTime="0001-01-01T00:00:00+05:00")),
        json.dumps(middle_entry(time=0)).replace('"time": 0', '"time": ' + "9" * 5000),
        json.dumps(middle_entry(request__url="https://acme.dokeos.com/api/users?x=\udcff")),
    ],
    ids=["superscript-status", "after-year-9999", "before-year-1", "5000-digits", "surrogate"],
)
def test_strange_har_values_keep_every_entry(tmp_path: Path, middle: str) -> None:
    code, document, _ = traffic_json(har_with_middle_entry(tmp_path, middle))
    assert code == 1
    assert [f["flow"]["index"] for f in document["findings"]] == [0, 1, 2]
    assert document["errors"] == []


def test_url_with_a_lone_surrogate_is_reported_percent_encoded(tmp_path: Path) -> None:
    middle = json.dumps(middle_entry(request__url="https://acme.dokeos.com/api/users?q=a")).replace(
        "q=a", "q=\\ud800"
    )
    _, document, _ = traffic_json(har_with_middle_entry(tmp_path, middle))
    assert document["findings"][1]["flow"]["url"].endswith("?q=%ED%A0%80")


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_har_entry_nested_deep_costs_at_most_that_entry(tmp_path: Path, depth: int) -> None:
    middle = json.dumps(middle_entry(cache="DEEP")).replace('"DEEP"', "[" * depth + "]" * depth)
    code, document, _ = traffic_json(har_with_middle_entry(tmp_path, middle))
    read = [f["flow"]["index"] for f in document["findings"]]
    errors = [(e["index"], e["reason"]) for e in document["errors"]]
    assert code == 1 and read in ([0, 2], [0, 1, 2])
    # Python 3.11's decoder stops at 1,000 levels, 3.12's goes deeper: read or one error
    assert errors == ([] if read == [0, 1, 2] else [(1, "entry nested too deeply to decode")])
    if depth == 100_000:
        assert read == [0, 2]


def test_har_creator_nested_1000_deep_is_stepped_over(tmp_path: Path) -> None:
    document = har_document([har_entry(V1_USERS, i) for i in range(2)])
    document["log"]["creator"] = "DEEP"
    capture = tmp_path / "deep-creator.har"
    capture.write_text(json.dumps(document).replace('"DEEP"', "[" * 1000 + "]" * 1000))
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK001", 0), ("DK001", 1)] and result.errors == []


def test_har_entry_larger_than_the_limit_is_stepped_over_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.traffic import jsonstream

    monkeypatch.setattr(jsonstream, "MAX_VALUE_CHARS", 4 * jsonstream.CHUNK_CHARS)
    huge = middle_entry()
    huge["response"]["content"]["text"] = "x" * (6 * jsonstream.CHUNK_CHARS)
    result, _ = analyze(har_with_middle_entry(tmp_path, json.dumps(huge)))
    assert rules_of(result) == [("DK001", 0), ("DK001", 2)]
    assert [e.index for e in result.errors] == [1] and "larger than" in result.errors[0].reason


# -- flow dumps ---------------------------------------------------------------------------


def record(index: int, **request_changes: Any) -> bytes:
    state = make_flow(V1_USERS, index).get_state()
    state["request"].update(request_changes)
    return tnetstring.dumps(state)


def with_member(encoded: bytes, key: str, value: bytes) -> bytes:
    """A dict record with one more member, already encoded (tnetstring.dumps recurses)."""
    body = encoded[encoded.index(b":") + 1 : -1] + f"{len(key)}:{key},".encode() + value
    return f"{len(body)}:".encode() + body + b"}"


def nested_lists(depth: int) -> bytes:
    inner = b"0:]"
    for _ in range(depth):
        inner = f"{len(inner)}:".encode() + inner + b"]"
    return inner


@pytest.mark.parametrize(
    "started", [1e20, float("inf"), float("-inf"), float("nan"), 2**63, 1e17, -1e17]
)
def test_absurd_dump_timestamps_keep_the_flow_and_the_rest(tmp_path: Path, started: float) -> None:
    capture = tmp_path / "times.mitm"
    capture.write_bytes(record(0) + record(1, timestamp_start=started) + record(2))
    code, document, _ = traffic_json(capture)
    assert code == 1 and [f["flow"]["index"] for f in document["findings"]] == [0, 1, 2]
    assert document["errors"] == [] and document["findings"][1]["flow"]["timestamp"] == ""


def test_dump_record_of_1000_nested_lists_costs_only_itself(tmp_path: Path) -> None:
    capture = tmp_path / "nested.mitm"
    capture.write_bytes(
        record(0) + with_member(record(1), "comment", nested_lists(1000)) + record(2)
    )
    _, document, _ = traffic_json(capture)
    assert [f["flow"]["index"] for f in document["findings"]] == [0, 2]
    assert [(e["index"], e["reason"]) for e in document["errors"]] == [
        (1, "flow record nested too deeply to read")
    ]


def test_huge_length_prefix_is_never_allocated_and_reading_resumes(tmp_path: Path) -> None:
    capture = tmp_path / "prefix.mitm"
    capture.write_bytes(record(0) + b"999999999999:" + b"x" * 64 + record(2))
    _, document, _ = traffic_json(capture)
    assert [f["flow"]["index"] for f in document["findings"]] == [0, 2]
    assert [e["index"] for e in document["errors"]] == [1]
    assert "999999999999 bytes announced" in document["errors"][0]["reason"]


def test_huge_length_prefix_at_the_end_is_a_cut_off_dump(tmp_path: Path) -> None:
    capture = tmp_path / "prefix-end.mitm"
    capture.write_bytes(record(0) + b"999999999999:")
    _, document, _ = traffic_json(capture)
    assert [f["flow"]["index"] for f in document["findings"]] == [0]
    assert "cut off inside flow 1" in document["errors"][0]["reason"]


# -- resynchronising -----------------------------------------------------------------------


def test_har_whose_json_breaks_mid_file_resumes_at_the_next_entry(tmp_path: Path) -> None:
    text = json.dumps(har_document([har_entry(V1_USERS, i) for i in range(5)]), indent=1)
    broken = text.replace('"method": "GET"', '"method": GET', 1)  # in entry 0
    second = broken.index('"startedDateTime"', broken.index('"startedDateTime"') + 1)
    broken = broken[:second] + broken[second:].replace('"time": 10,', '"time": 10,,', 1)
    capture = tmp_path / "broken.har"
    capture.write_text(broken)
    result, readable = analyze(capture)
    assert readable and rules_of(result) == [("DK001", 2), ("DK001", 3), ("DK001", 4)]
    assert [e.index for e in result.errors] == [0, 1]


def test_broken_separator_between_entries_loses_no_entry(tmp_path: Path) -> None:
    text = json.dumps(har_document([har_entry(V1_USERS, i) for i in range(3)]))
    broken = text.replace("}}, {", "}}; {", 1)
    assert broken != text
    capture = tmp_path / "separator.har"
    capture.write_text(broken)
    result, _ = analyze(capture)
    assert rules_of(result) == [("DK001", 0), ("DK001", 1), ("DK001", 2)]
    assert len(result.errors) == 1 and result.errors[0].index == 1


@pytest.mark.parametrize("seed", range(3))
def test_single_byte_flips_cost_at_most_the_entry_they_hit(tmp_path: Path, seed: int) -> None:
    entries = [har_entry({**V1_USERS, "url": f"{V1_USERS['url']}?page={i}"}, i) for i in range(12)]
    original = json.dumps(har_document(entries), indent=1).encode()
    rng = random.Random(seed)
    capture = tmp_path / "flipped.har"
    for _ in range(40):
        flipped = bytearray(original)
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        capture.write_bytes(bytes(flipped))
        result, _ = analyze(capture)
        lost = 12 - result.flows_read
        # a flip in `log` or `entries` themselves can cost the document; anywhere else, one entry
        assert lost <= 1 or b'"entries"' not in flipped or b'"log"' not in flipped, lost
        assert lost <= len(result.errors)


def test_a_deep_value_where_a_key_belongs_is_a_syntax_error(tmp_path: Path) -> None:
    # found by benchmarks/fuzz.py: a hostile token spliced in before a key
    capture = tmp_path / "deep-key.har"
    capture.write_text('{"log": {' + "[" * 1000 + "]" * 1000 + ': 1, "entries": []}}')
    code, document, _ = traffic_json(capture)
    assert code == 2 and len(document["errors"]) == 1
