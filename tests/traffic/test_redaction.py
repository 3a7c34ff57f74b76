"""Secrets never leave the process: credentials are masked in every traffic output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mitmproxy import io as mitm_io

from auditor.cli import cli
from auditor.redact import is_secret_name, redact_body, redact_url
from auditor.reports import RENDERERS
from auditor.traffic.saved_flows import redacted_copy
from tests.traffic.helpers import V1, har_document, har_entry, make_flow, write_dump

SECRETS = (
    "sup3r-s3cret-bearer",
    "cookie-value-77",
    "tok-in-query-42",
    "key-in-query-43",
    "body-password-44",
    "userinfo-pass-45",
    "refresh-46",
)


def leaky_flow() -> dict[str, object]:
    return {
        "method": "POST",
        "url": "https://svc:userinfo-pass-45@acme.dokeos.com/api/groups/3/learners"
        "?access_token=tok-in-query-42&apiKey=key-in-query-43&page=1",
        "request_headers": {
            **V1,
            "Authorization": "Bearer sup3r-s3cret-bearer",
            "Cookie": "dk_session=cookie-value-77",
        },
        "request_json": {"learner_ids": [1], "password": "body-password-44"},
        "status": 200,
        "response_headers": {"Set-Cookie": "dk_session=cookie-value-77; HttpOnly"},
        "response_json": {"updated": True, "refresh_token": "refresh-46"},
    }


@pytest.mark.parametrize("output_format", sorted(RENDERERS))
def test_no_secret_reaches_any_report_of_a_flow_dump(tmp_path: Path, output_format: str) -> None:
    capture = write_dump(tmp_path / "leaky.mitm", [make_flow(leaky_flow())])
    report = tmp_path / f"report.{output_format}"
    result = CliRunner().invoke(
        cli, ["traffic", str(capture), "--format", output_format, "--output", str(report)]
    )
    assert result.exit_code == 1, result.output
    text = report.read_text()
    assert "DK001" in text
    for secret in SECRETS:
        assert secret not in text, (output_format, secret)
        assert secret not in result.output


def test_no_secret_reaches_the_json_report_of_a_har(tmp_path: Path) -> None:
    spec = leaky_flow()
    entry = har_entry(spec)
    entry["request"]["postData"] = {
        "mimeType": "application/json",
        "text": json.dumps(spec["request_json"]),
    }
    capture = tmp_path / "leaky.har"
    capture.write_text(json.dumps(har_document([entry])))
    result = CliRunner().invoke(cli, ["traffic", str(capture), "--format", "json"])
    document = json.loads(result.stdout)
    url = document["findings"][0]["flow"]["url"]
    assert "access_token=REDACTED" in url and "apiKey=REDACTED" in url and "page=1" in url
    assert "REDACTED@acme.dokeos.com" in url
    for secret in SECRETS:
        assert secret not in result.output


def test_saved_flow_copy_masks_headers_query_and_bodies(tmp_path: Path) -> None:
    original = make_flow(leaky_flow())
    copy = redacted_copy(original)
    dump = write_dump(tmp_path / "saved.mitm", [copy])
    raw = dump.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    # the original flow, still on its way through the proxy, is untouched
    assert original.request.headers["Authorization"] == "Bearer sup3r-s3cret-bearer"
    with dump.open("rb") as handle:
        (reread,) = list(mitm_io.FlowReader(handle).stream())
    assert json.loads(reread.request.content)["learner_ids"] == [1]
    assert reread.request.query["page"] == "1"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("Proxy-Authorization", True),
        ("Cookie", True),
        ("Set-Cookie", True),
        ("X-Api-Key", True),
        ("X-Auth-Token", True),
        ("access_token", True),
        ("apiKey", True),
        ("api_key", True),
        ("client_secret", True),
        ("password_confirmation", True),
        ("session", True),
        ("key", True),
        ("user_ids", False),
        ("training_ids", False),
        ("session_ids", False),
        ("response_attributes", False),
        ("job_id", False),
        ("page", False),
        ("Accept", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_url_redaction_keeps_other_pairs_byte_for_byte() -> None:
    url = "https://a.dokeos.com/api/users?user_ids=1%2C2&token=abc&page=2#access_token=xyz"
    assert redact_url(url) == (
        "https://a.dokeos.com/api/users?user_ids=1%2C2&token=REDACTED&page=2#access_token=REDACTED"
    )


def test_form_and_nested_json_bodies_are_masked() -> None:
    form = redact_body(b"user=ann&password=hunter2", "application/x-www-form-urlencoded")
    assert b"hunter2" not in form and b"user=ann" in form
    nested = redact_body(b'{"auth": {"client_secret": "x1"}, "ids": [1]}', "application/json")
    assert b"x1" not in nested and b'"ids": [1]' in nested
    untouched = b'{"ids": [1, 2]}'
    assert redact_body(untouched, "application/json") is untouched
