"""The bundled integrations run for real against the sandbox: the V2-ready ones pass, the
V1-era ones break exactly where `dokeos-audit scan` says they will."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from auditor.sandbox.server import Sandbox
from tests.sandbox.helpers import V1, V2, Client, running_sandbox
from tests.sandbox.probe import IntegrationProbe, Place
from tests.traffic.helpers import REPO, running_proxy

CORPUS = REPO / "fixtures" / "code"
V1_ERA = CORPUS / "hr_sync_requests"
V2_READY = CORPUS / "v2_ready"


def scan(root: Path) -> set[tuple[str, Place]]:
    process = subprocess.run(
        # each sample integration is a project of its own, though it sits in this repository
        [
            *(sys.executable, "-m", "auditor", "scan", str(root)),
            *("--project-root", str(root), "--format", "json"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    document = json.loads(process.stdout)
    return {
        (f["rule"], (f["location"]["path"], f["location"]["line"])) for f in document["findings"]
    }


@pytest.fixture
def importable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for root in (V1_ERA, V2_READY):
        monkeypatch.syspath_prepend(str(root))
    yield
    for name in [m for m in sys.modules if m.split(".")[0] in ("hr_sync", "lms_sync")]:
        del sys.modules[name]


def sandbox_breaks(
    client: Client, probe: IntegrationProbe, scanned: set[tuple[str, Place]]
) -> set[tuple[str, Place]]:
    """Every place the run broke: each sandbox finding at the line of the integration that
    sent its request (the scanned place when one is on the stack, else the innermost line),
    and reads of opt-in attributes the answers did not carry (DK002, seen in the client)."""
    places: set[tuple[str, Place]] = set()
    for finding in client.control("GET", "findings")["findings"]:
        rule, sites = finding["rule"], probe.sites(finding["flow"]["index"])
        matched = {(rule, site) for site in sites if (rule, site) in scanned}
        places |= matched or {(rule, sites[0])}
    places |= {("DK002", place) for _, place in probe.missing_reads}
    return places


def fails(call: Any, *args: Any) -> bool:
    try:
        call(*args)
    except requests.HTTPError:
        return True
    return False


# -- the V2-ready integration ------------------------------------------------------------------


def test_the_v2_ready_integration_passes_against_the_sandbox(
    importable: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert scan(V2_READY) == set()
    with running_sandbox(job_delay=5.0, frozen_clock=True) as sandbox:
        from lms_sync import client as client_module
        from lms_sync import groups, jobs, offboarding, participations, sessions, users

        control = Client(sandbox)
        # wait_for_job sleeps between polls: here a sleep moves the sandbox clock instead
        fake_time = SimpleNamespace(
            sleep=lambda seconds: control.control("POST", "clock", json={"advance": seconds}),
            monotonic=client_module.time.monotonic,
        )
        monkeypatch.setattr(client_module, "time", fake_time)
        probe = IntegrationProbe(V2_READY)
        probe.install(monkeypatch)
        client = client_module.DokeosClient(base_url=sandbox.url, token="sandbox-token")
        store = jobs.JobStore(str(tmp_path / "jobs.sqlite3"))

        directory = users.directory(client)
        assert len(directory) == 340
        email = next(iter(directory))
        assert users.profile(client, email)["groups"]
        assert sum(len(v) for v in users.tag_index(client).values()) > 0
        matrix = participations.progress_matrix(client, list(range(1, 9)))
        assert len(matrix) > 20  # more than one page, in chunks of 5 trainings
        assert sum(participations.statuses(client, [1, 2, 3]).values()) > 20
        assert participations.module_details(client, 1)
        teams = groups.team_groups(client)
        assert len(teams) == len(sandbox.tenant.data.of("groups"))
        group_id = groups.create_team_group(client, "Spring cohort")
        groups.rename_group(client, group_id, "Spring 2026")
        groups.add_members(client, group_id, [4, 5])
        assert groups.replace_managers(client, group_id, [6])
        assert offboarding.offboard(client, [7, 8]) == {7: "done", 8: "done"}
        assert sessions.sync_presence(client, 1)["status"] == "done"
        assert sessions.sync_webinars(client, [1, 2]) == ["done", "done"]
        sessions.open_gate(client, 3, "2026-01-05T08:00:00Z")
        assert sessions.sync_all_presence(client, store) == 12
        control.control("POST", "clock", json={"advance": "10s"})
        assert jobs.poll_pending(client, store) == 12

        assert sandbox.tenant.record("users", 7) is None
        assert sandbox.tenant.record("groups", group_id)["learner_ids"] == [4, 5]
        assert probe.missing_reads == []
        assert control.findings() == []
        control.close()
        client.session.close()


# -- the V1-era integration ----------------------------------------------------------------------


def test_the_v1_era_integration_is_refused_where_the_scan_puts_dk001(
    importable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = scan(V1_ERA)
    (dk001,) = [place for rule, place in findings if rule == "DK001"]
    source = (V1_ERA / dk001[0]).read_text().splitlines()[dk001[1] - 1]
    assert '"Accept": DOKEOS_ACCEPT' in source  # the header definition every request uses
    with running_sandbox() as sandbox:
        from hr_sync import offboarding, users_sync
        from hr_sync.dokeos_client import DokeosSession

        control = Client(sandbox)
        session = DokeosSession(base_url=sandbox.url, api_key="k")
        assert session.headers["Accept"] == V1
        assert fails(users_sync.fetch_dokeos_users, session)
        assert fails(offboarding.delete_user, session, 7)
        assert fails(users_sync.find_user_by_email, session, "x@acme-corp.example")
        document = control.control("GET", "findings")
        assert document["summary"]["by_rule"] == {"DK001": 3}
        assert sandbox.tenant.record("users", 7) is not None  # nothing was done
        control.close()


def test_with_v2_asked_for_the_v1_era_integration_breaks_exactly_where_the_scan_says(
    importable: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected = {(rule, place) for rule, place in scan(V1_ERA) if rule != "DK001"}
    with running_sandbox(job_delay=30.0) as sandbox:
        from hr_sync import dokeos_client, offboarding, participations_report, users_sync

        # the DK001 fix, done by the book: the V2 media type, and V2 list answers read as
        # lists of items (what the V2 documentation says they hold)
        monkeypatch.setattr(dokeos_client, "DOKEOS_ACCEPT", V2)
        monkeypatch.setattr(participations_report, "REPORT_DIR", tmp_path)
        probe = IntegrationProbe(V1_ERA, unwrap_lists=True)
        probe.install(monkeypatch)
        control = Client(sandbox)
        session = dokeos_client.DokeosSession(base_url=sandbox.url, api_key="k")

        # people of the first page of users (read from the tenant: not a flow of the run)
        first_page = sandbox.tenant.records("users")[:5]
        rows = [{"email": u["email"], "department": "IT"} for u in first_page]
        users_sync.sync_users(session, rows)
        assert users_sync.find_user_by_email(session, rows[0]["email"]) is not None
        many = [str(t) for t in range(1, 9)]
        assert fails(participations_report.progress_by_training, session, many)
        participations_report.progress_by_training(session, ["1", "2", "3"])
        participations_report.progress_rows(session, 4)
        participations_report.completion_rate(session, 1)
        offboarding.delete_user(session, 7)
        # the helpdesk check fails: the account is still there while its deletion job runs
        assert offboarding.delete_and_verify(session, 8) is False

        broke_at = sandbox_breaks(control, probe, expected)
        control.close()
        session.close()
    assert broke_at == expected


# -- the integrations of fixtures/server/clients.py, directly and through the proxy --------------


@pytest.fixture
def strict_sandbox() -> Iterator[Sandbox]:
    with running_sandbox(job_delay=0.1) as sandbox:
        yield sandbox


def test_clients_v2_ready_run_passes_and_v1_era_run_is_refused(strict_sandbox: Sandbox) -> None:
    from clients import V1 as CLIENT_V1
    from clients import V2 as CLIENT_V2
    from clients import ApiClient, v1_era_run, v2_ready_run

    control = Client(strict_sandbox)
    ready = ApiClient(strict_sandbox.url, CLIENT_V2)
    outcome = v2_ready_run(ready)
    assert outcome["users"] == 340 and outcome["delete"] == "done"
    assert outcome["sync"] == ["done"] * 12 and outcome["create"] == 201
    assert control.findings() == []
    control.control("DELETE", "findings")
    legacy = ApiClient(strict_sandbox.url, CLIENT_V1)
    outcome = v1_era_run(legacy)
    assert outcome["users"] == (406, None) and outcome["delete"] == 406
    rules = [f["rule"] for f in control.findings()]
    assert rules.count("DK001") == 6 and rules.count("DK003") == 1 and len(rules) == 7
    control.close()


@pytest.mark.parametrize("accept", [V1, V2])
def test_the_proxy_in_front_of_the_sandbox_sees_what_the_sandbox_sees(
    strict_sandbox: Sandbox, tmp_path: Path, accept: str
) -> None:
    from clients import ApiClient, v1_era_run, v2_ready_run

    report = tmp_path / "proxy.json"
    args = [
        *(sys.executable, "-m", "auditor", "proxy", "--listen-port", "0"),
        *("--mode", f"reverse:{strict_sandbox.root}", "--format", "json", "--output", str(report)),
    ]
    with running_proxy(args) as proxy:
        client = ApiClient(f"{proxy.url}/api", accept)
        (v1_era_run if accept == V1 else v2_ready_run)(client)
        client.close()
        _, stderr = proxy.stop(signal.SIGTERM)
    through_proxy = json.loads(report.read_text())["summary"]["by_rule"]
    control = Client(strict_sandbox)
    assert control.control("GET", "findings")["summary"]["by_rule"] == through_proxy, stderr
    assert bool(through_proxy) == (accept == V1)
    control.close()
