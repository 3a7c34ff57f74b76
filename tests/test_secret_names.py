"""One table of secret names (issue 13, item 11): traffic and reports mask the same things."""

from __future__ import annotations

import json

import pytest

from auditor.redact import REDACTED, redact_body, redact_text, redact_url

SECRET = "Zq9-secret-value"

SECRET_NAMES = [
    "access_token",
    "apiKey",
    "X-Api-Key",
    "client_secret",
    "password",
    "sessionId",
    "session_id",
    "sid",
    "otp",
    "nonce",
    "code",
    "auth_code",
    "signature",
    "DOKEOS_KEY",
    "jwt",
]
PLAIN_NAMES = ["user_ids", "training_ids", "session_ids", "page", "job_id", "status_code"]


@pytest.mark.parametrize("name", SECRET_NAMES + PLAIN_NAMES)
def test_every_output_agrees_on_what_is_secret(name: str) -> None:
    secret = name in SECRET_NAMES
    url = f"https://acme.dokeos.com/api/users?{name}={SECRET}&page=1"
    body = json.dumps({"data": {name: SECRET}}).encode()
    outputs = {
        "url in a finding": redact_url(url),
        "saved body": redact_body(body, "application/json").decode(),
        "report text": redact_text(f"GET {url}"),
        "code snippet": redact_text(f'settings = {{"{name}": "{SECRET}"}}'),
    }
    for where, text in outputs.items():
        assert (SECRET not in text) is secret, (where, text)
        assert (REDACTED in text) is secret, (where, text)


def test_a_password_holding_at_signs_leaks_nothing_of_itself() -> None:
    masked = redact_url("https://bob:pa@ss-TAIL@x.dokeos.com/api/users?page=1")
    assert masked == f"https://{REDACTED}@x.dokeos.com/api/users?page=1"


def test_oauth_authorization_code_is_masked() -> None:
    masked = redact_url("https://app.example/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
    assert masked == f"https://app.example/callback?code={REDACTED}&state=xyz"
