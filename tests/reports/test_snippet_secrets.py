"""Secrets in code snippets (issue 13, item 12): masked in every output that shows source."""

from __future__ import annotations

import pytest

from auditor.findings import RunResult, Severity
from auditor.reports import renderer_for
from tests.reports.sample_runs import code_finding

SOURCE = [
    "import requests",
    "",
    'password: str = "annotated-pw-1"',
    'AUTH = ("svc", "tuple-pw-2")',
    'DOKEOS_KEY = "dokeos-key-3"',
    "session = requests.Session()",
    'session.headers["X-Api-Key"] = "header-key-4"',
    'session.auth = ("svc", "session-pw-5")',
    "CREDENTIALS = (",
    '    "svc",',
    '    "multiline-pw-6",',
    ")",
    'fallback = os.environ.get("DOKEOS_TOKEN", "default-token-7")',
    'basic = requests.auth.HTTPBasicAuth("svc", "basic-pw-8")',
    'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}',
    'response = session.get("https://acme.dokeos.com/api/users", headers=HEADERS)',
    'print(response.json()["group_ids"])',
]
SECRETS = [f"-{n}" for n in range(1, 9)]


def snippet_run() -> RunResult:
    findings = [
        code_finding("DK001", Severity.ERROR, "sync.py", line, "asks for version 1", None, SOURCE)
        for line in (5, 11, 15)
    ]
    return RunResult("snippets", "code", findings=findings, files_scanned=1)


@pytest.mark.parametrize("output_format", ["json", "sarif", "html", "markdown", "text"])
def test_no_literal_given_to_a_secret_name_reaches_a_snippet(output_format: str) -> None:
    out = renderer_for(output_format)([snippet_run()])
    for line in SOURCE:
        for secret in SECRETS:
            if secret in line:
                value = line.split('"')[-2]
                assert value not in out, (output_format, value)
    if output_format in ("json", "sarif", "html"):
        # the evidence itself stays readable
        assert "application/vnd.dokeos+json;version=1" in out
        assert "REDACTED" in out
