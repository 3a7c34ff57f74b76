"""Hostile result files (issue 13, item 14): a bad one is listed under errors, the rest merged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.reports import json_report
from tests.reports.sample_runs import code_run, traffic_run

REPLACEMENTS: list[Any] = [0, "x", None, [], {}, True, -1, 10**30]


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):  # two of each list are enough to vary
            yield from leaves(item, (*path, i))
    if path:
        yield path


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def report(*files: Path, output_format: str = "html") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["report", *map(str, files), "--format", output_format])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_text(json_report.render([code_run()]))
    return path


@pytest.mark.parametrize("output_format", ["html", "json", "sarif", "text"])
def test_every_single_field_mutation_costs_only_its_file(
    tmp_path: Path, good_file: Path, output_format: str
) -> None:
    document = json.loads(json_report.render([traffic_run()]))
    bad = tmp_path / "mutated.json"
    paths = list(leaves(document))
    for n, path in enumerate(paths):
        bad.write_text(json.dumps(replaced(document, path, REPLACEMENTS[n % len(REPLACEMENTS)])))
        code, out, err = report(good_file, bad, output_format=output_format)
        assert code == 0, (path, err)
        assert "Traceback" not in err
        if "mutated" in err:  # listed as unreadable: one line, and in the report too
            assert sum("mutated" in line for line in err.splitlines()) == 1, (path, err)
            # text keeps its errors on stderr (and counts them); the others list them
            assert "mutated.json" in out or output_format == "text", (path, out)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("findings", 0, "flow", "timestamp"), 0),
        (("findings", 0, "flow", "url"), 0),
        (("summary", "endpoints_seen"), 1),
    ],
)
def test_the_issues_mutations_are_named_in_errors(
    tmp_path: Path, good_file: Path, path: tuple[Any, ...], value: Any
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(replaced(json.loads(json_report.render([traffic_run()])), path, value))
    )
    code, out, _err = report(good_file, bad, output_format="json")
    document = json.loads(out)
    assert code == 0 and len(document["runs"]) == 1
    (entry,) = [e for e in document["errors"] if e["path"] == str(bad)]
    assert str(path[-1]) in entry["reason"]


def test_a_string_column_rejects_the_file(tmp_path: Path, good_file: Path) -> None:
    document = json.loads(json_report.render([code_run()]))
    document["findings"][0]["location"]["column"] = "5"
    bad = tmp_path / "column.json"
    bad.write_text(json.dumps(document))
    _, _out, err = report(good_file, bad, output_format="json")
    assert "findings[0].location.column is not an integer" in err


def test_a_result_nested_1000_deep_is_listed_not_crashed_on(
    tmp_path: Path, good_file: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(
        '{"tool": {"name": "dokeos-audit"}, "findings": ' + "[" * 1000 + "]" * 1000 + "}"
    )
    extra = tmp_path / "deep-summary.json"
    document = json.loads(json_report.render([code_run()]))
    document["summary"]["note"] = json.loads("[" * 500 + "]" * 500)
    extra.write_text(json.dumps(document))
    code, out, _err = report(good_file, deep, extra, output_format="json")
    merged = json.loads(out)
    assert code == 0 and len(merged["runs"]) == 1
    assert {str(deep), str(extra)} <= {e["path"] for e in merged["errors"]}


def test_unknown_fields_are_ignored(tmp_path: Path, good_file: Path) -> None:
    document = json.loads(json_report.render([traffic_run()]))
    document["findings"][0]["flow"]["added_later"] = {"x": 1}
    document["findings"][0]["added_later"] = 1
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))
    _, out, err = report(good_file, newer, output_format="json")
    assert str(newer) not in out and err == ""
