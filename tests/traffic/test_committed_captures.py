"""The captures recorded through the real proxy (fixtures/captures, see record.py there)."""

from __future__ import annotations

import pytest

from tests.traffic.helpers import CAPTURES, analyze

V1_ERA_FINDINGS = {"DK001": 6, "DK002": 2, "DK003": 1, "DK004": 3, "DK005": 3}


@pytest.mark.parametrize("name", ["v2_ready.mitm", "v2_ready.har"])
def test_v2_ready_capture_has_zero_findings(name: str) -> None:
    result, readable = analyze(CAPTURES / name)
    assert readable and result.errors == []
    assert result.flows_read == 52  # every page of 340 users, 37 groups, and 12 sync jobs
    assert result.findings == []
    assert "GET /jobs/:job_id" in result.extra["endpoints_seen"]


@pytest.mark.parametrize("name", ["v1_era.mitm", "v1_era.har"])
def test_v1_era_capture_shows_every_change_it_depends_on(name: str) -> None:
    result, readable = analyze(CAPTURES / name)
    assert readable and result.errors == []
    assert result.by_rule() == V1_ERA_FINDINGS


@pytest.mark.parametrize("name", ["v1_era.mitm", "v1_era.har", "v2_ready.mitm", "v2_ready.har"])
def test_committed_captures_hold_no_credentials(name: str) -> None:
    raw = (CAPTURES / name).read_bytes()
    assert b"fake-s3cr3t" not in raw and b"fake-api-key" not in raw
    assert b"fake-cookie" not in raw
    assert b"REDACTED" in raw
