"""SARIF 2.1.0 output: schema-valid, every rule described, fingerprints for de-duplication."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.reports import renderer_for
from auditor.reports.sarif_report import FINGERPRINT_KEY, artifact_location
from auditor.rules import ALL_RULES
from tests.reports.sample_runs import code_run, sample_runs, traffic_run

SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
if not SCHEMA.exists():  # the copy beside the tests, when the shared folder is not mounted
    SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def sarif(runs: list[Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(renderer_for("sarif")(runs))
    return document


@pytest.mark.parametrize(
    "runs",
    [[code_run()], [traffic_run()], sample_runs(), []],
    ids=["code", "traffic", "merged", "empty"],
)
def test_sarif_validates_against_the_2_1_0_schema(runs: list[Any]) -> None:
    document = sarif(runs)
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert document["version"] == "2.1.0"


def test_schema_validation_would_catch_a_broken_document() -> None:
    document = sarif([code_run()])
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator().is_valid(document)


def test_driver_describes_every_rule() -> None:
    driver = sarif([code_run()])["runs"][0]["tool"]["driver"]
    assert driver["name"] == "dokeos-audit"
    assert [r["id"] for r in driver["rules"]] == [r.id for r in ALL_RULES]
    for descriptor, rule in zip(driver["rules"], ALL_RULES, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.why
        assert rule.fix in descriptor["help"]["text"]
        assert "helpUri" not in descriptor  # no docs-url: no address made up
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value


def test_help_uri_is_the_users_own_copy_of_the_rule_pages() -> None:
    run = code_run()
    run.docs_url = "https://git.acme.example/tools/dokeos-audit/-/blob/main/docs/rules/"
    driver = sarif([run])["runs"][0]["tool"]["driver"]
    assert driver["rules"][1]["helpUri"] == (
        "https://git.acme.example/tools/dokeos-audit/-/blob/main/docs/rules/DK002.md"
    )
    run.docs_url = "https://docs.acme.example/dokeos-audit/{rule}.html"
    driver = sarif([run])["runs"][0]["tool"]["driver"]
    assert driver["rules"][0]["helpUri"] == "https://docs.acme.example/dokeos-audit/DK001.html"


def test_code_results_point_at_a_relative_region_with_a_fingerprint() -> None:
    run = sarif([code_run()])["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "DK002")
    assert result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "DK002"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "accounts/users.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 8
    assert location["region"]["startColumn"] == 21
    assert location["contextRegion"]["startLine"] <= 8 <= location["contextRegion"]["endLine"]
    assert result["partialFingerprints"][FINGERPRINT_KEY] == code_run().findings[5].fingerprint


def test_fingerprints_are_the_same_from_one_run_to_the_next() -> None:
    first = sarif([code_run()])["runs"][0]["results"]
    second = sarif([code_run()])["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in second]
    assert len({r["partialFingerprints"][FINGERPRINT_KEY] for r in first}) == len(first)


def test_traffic_results_name_the_capture_and_the_flow() -> None:
    run = sarif([traffic_run()])["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "DK005")
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "captures/nightly.har"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "captures/nightly.har#flow-3"
    assert result["webRequest"]["method"] == "PUT"
    assert result["webResponse"] == {"statusCode": 202}
    assert run["redactionTokens"] == ["REDACTED"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "captures/nightly.har (flow 5): truncated response body"


def test_several_runs_get_distinct_categories() -> None:
    runs = sarif(sample_runs())["runs"]
    ids = [r["automationDetails"]["id"] for r in runs]
    assert ids == [
        "dokeos-audit/billing-sync/",
        "dokeos-audit/nightly capture/",
        "dokeos-audit/crm-connector/",
    ]


def test_artifact_uris_are_relative_references_or_file_uris() -> None:
    assert artifact_location("a b/c#d.py") == {"uri": "a%20b/c%23d.py", "uriBaseId": "%SRCROOT%"}
    # without escaping, "c:x.py" would read as a URI whose scheme is "c"
    assert artifact_location("c:x.py")["uri"] == "c%3Ax.py"
    assert artifact_location("/tmp/cap.har") == {"uri": "file:///tmp/cap.har"}
