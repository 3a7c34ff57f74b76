"""Test doubles: mocks of HTTP libraries and their registrations are test data, and the
objects they make never send a request."""

from __future__ import annotations

from auditor.code.models.spec import LibraryModel, TestDouble

MODEL = LibraryModel(
    name="testing",
    test_doubles=(
        TestDouble(
            (
                "responses",
                "respx",
                "requests_mock",
                "aioresponses",
                "httpretty",
                "pytest_httpx",
                "vcr",
                "pook",
                "httmock",
                "unittest.mock",
                "mock",
                "pytest_mock",
                "moto",
                "freezegun",
                "betamax",
                "requests_mock_flask",
                "httpx.MockTransport",
                "dramatiq.brokers.stub",
            ),
        ),
    ),
    double_params=(
        "httpx_mock",
        "requests_mock",
        "respx_mock",
        "mock_requests",
        "aioresponses",
        "mocked_responses",
        "responses_mock",
        "mocker",
        "monkeypatch",
        "mock_session",
        "fake_session",
        "mock_client",
        "fake_client",
    ),
)
