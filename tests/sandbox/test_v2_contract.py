"""The sandbox answers as the V2 API does, to the letter of the vendor's changelog."""

from __future__ import annotations

import pytest

from auditor.catalog import load_catalog
from tests.sandbox.helpers import V1, Client, running_sandbox

CATALOG = load_catalog()


@pytest.fixture
def client() -> Client:
    with running_sandbox() as sandbox:
        client = Client(sandbox)
        yield client
        client.close()


def test_v1_accept_is_refused_with_a_406_that_says_why(client: Client) -> None:
    client.http.headers["Accept"] = V1
    response = client.get("users")
    assert response.status_code == 406
    body = response.json()
    assert body["error"] == "api_version_withdrawn"
    assert "version=2" in body["message"] and "withdrawn" in body["message"]
    assert client.rules_seen() == [("DK001", 0)]


def test_lists_come_twenty_a_page_with_meta_and_a_next_link(client: Client) -> None:
    first = client.get("users").json()
    assert len(first["data"]) == CATALOG.page_size == 20
    assert first["meta"] == {"page": 1, "per_page": 20, "total": 340, "total_pages": 17}
    assert first["links"]["next"].endswith("page=2")
    last = client.get("users", params={"page": 17}).json()
    assert len(last["data"]) == 20 and last["links"]["next"] is None
    assert client.get("users", params={"page": 18}).json()["data"] == []
    assert client.get("groups").json()["meta"]["total_pages"] >= 2


def test_a_client_reading_only_the_first_page_is_a_finding(client: Client) -> None:
    client.get("participations")
    assert client.rules_seen() == [("DK004", 0)]
    # walking on to the next page settles it
    client.get("participations", params={"page": 2})
    assert ("DK004", 0) not in client.rules_seen()


def test_opt_in_attributes_only_when_asked_for(client: Client) -> None:
    user = client.get("users").json()["data"][0]
    assert not {"group_ids", "role_names", "tag_ids", "skills"} & set(user)
    asked = client.get("users", params={"response_attributes": "group_ids,skills"}).json()
    assert {"group_ids", "skills"} <= set(asked["data"][0])
    assert "role_names" not in asked["data"][0]
    one = client.get("participations/1").json()
    assert "progressions" not in one and one["id"] == 1
    full = client.get("participations/1", params={"response_attributes": "progressions"}).json()
    assert full["progressions"] and {"module_id", "percent"} <= set(full["progressions"][0])


@pytest.mark.parametrize(
    "params",
    [
        {"training_ids": "1,2,3,4,5,6"},
        {"user_ids[]": ["1", "2", "3", "4", "5", "6"]},
        {"user_ids": "[1,2,3,4,5,6]"},
    ],
)
def test_more_than_five_ids_is_a_400(client: Client, params: dict[str, object]) -> None:
    response = client.get("participations", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "too_many_ids"
    assert [rule for rule, _ in client.rules_seen()] == ["DK003"]


def test_exactly_five_ids_filter_the_participations(client: Client) -> None:
    response = client.get("participations", params={"training_ids": "1,2,3,4,5", "per_page": 100})
    assert response.status_code == 200
    assert {row["training_id"] for row in response.json()["data"]} <= {1, 2, 3, 4, 5}


def test_a_deletion_is_a_job_pending_then_done_on_the_sandbox_clock() -> None:
    with running_sandbox(job_delay=60.0, frozen_clock=True) as sandbox:
        client = Client(sandbox)
        answer = client.call("DELETE", "user/7")
        assert answer.status_code == 202
        job_id = answer.json()["job_id"]
        assert client.get(f"jobs/{job_id}").json()["status"] == "pending"
        assert client.get("users/7").status_code == 200  # the work is not done yet
        client.control("POST", "clock", json={"advance": "61s"})
        job = client.get(f"jobs/{job_id}").json()
        assert job["status"] == "done" and job["result"] == {"deleted_user_id": 7}
        assert client.get("users/7").status_code == 404
        assert client.findings() == []
        client.close()


def test_jobs_can_be_finished_on_demand_and_failures_are_reported() -> None:
    with running_sandbox(job_delay=3600.0) as sandbox:
        client = Client(sandbox)
        job_id = client.call("PUT", "groups/3/learners", json={"learner_ids": [9999]}).json()[
            "job_id"
        ]
        assert client.control("POST", "jobs/run") == {"finished": 1}
        job = client.get(f"jobs/{job_id}").json()
        assert job["status"] == "failed" and "9999" in job["error"]
        client.close()


def test_a_job_followed_more_than_a_week_later_is_gone_and_a_dk006_finding(client: Client) -> None:
    job_id = client.call("PUT", "training_gate/4", json={"opens_at": "2026-01-05"}).json()["job_id"]
    assert client.get(f"jobs/{job_id}").status_code == 200
    late = client.get(f"jobs/{job_id}", headers={"X-Sandbox-Advance": "7d1h"})
    assert late.status_code == 404 and "7 days" in late.json()["message"]
    assert client.rules_seen() == [("DK006", 2)]


def test_syncs_answer_one_job_per_session(client: Client) -> None:
    every = client.call("PUT", "presence_sessions/sync").json()["data"]
    assert len(every) == 12 and all("job_id" in item for item in every)
    one = client.call("PUT", "webinar_sessions/3/sync").json()
    assert one["id"] == 3 and one["job_id"]
    findings = client.findings()
    # nobody followed them: each call is a DK005 finding until its jobs are polled
    assert [f["rule"] for f in findings] == ["DK005", "DK005"]
    for item in every:
        client.get(f"jobs/{item['job_id']}")
    client.get(f"jobs/{one['job_id']}")
    assert client.findings() == []


def test_bare_groups_stay_synchronous_membership_changes_become_jobs(client: Client) -> None:
    created = client.call("POST", "groups", json={"name": "Spring cohort"})
    assert created.status_code == 201 and created.json()["name"] == "Spring cohort"
    group_id = created.json()["id"]
    renamed = client.call("PUT", f"groups/{group_id}", json={"name": "Spring 2026"})
    assert renamed.status_code == 200
    members = client.call("PUT", f"groups/{group_id}", json={"add_learner_ids": [4, 5]})
    assert members.status_code == 202
    client.get(f"jobs/{members.json()['job_id']}")
    assert client.get(f"groups/{group_id}").json()["learner_ids"] == [4, 5]
    assert client.findings() == []


def test_findings_are_the_traffic_json_with_origin_sandbox(client: Client) -> None:
    client.http.headers["Accept"] = V1
    client.get("participations", params={"user_ids": "1,2,3,4,5,6,7"})
    document = client.control("GET", "findings")
    assert document["tool"]["name"] == "dokeos-audit"
    assert document["summary"]["by_rule"] == {"DK001": 1, "DK003": 1}
    for finding in document["findings"]:
        assert finding["origin"] == "sandbox"
        assert finding["flow"]["file"] == "sandbox" and finding["flow"]["index"] == 0
        assert finding["endpoint"] == "GET /participations"
        assert "sandbox-test-token" not in str(finding)
    client.control("DELETE", "findings")
    assert client.findings() == []


def test_requests_without_credentials_get_a_401(client: Client) -> None:
    del client.http.headers["Authorization"]
    assert client.get("users").status_code == 401


def test_unknown_paths_are_json_404s(client: Client) -> None:
    response = client.get("no/such/thing")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_before_the_cutover_v1_is_answered_as_v1_did() -> None:
    with running_sandbox(before_cutover=True) as sandbox:
        client = Client(sandbox, accept=V1)
        users = client.get("users").json()
        assert isinstance(users, list) and len(users) == 340 and "group_ids" in users[0]
        deleted = client.call("DELETE", "user/7")
        assert deleted.status_code == 200 and "job_id" not in deleted.json()
        rules = {rule for rule, _ in client.rules_seen()}
        assert rules == {"DK001", "DK002", "DK004", "DK005"}
        client.close()


def test_the_same_seed_gives_the_same_tenant() -> None:
    from auditor.sandbox.dataset import seeded_dataset

    assert seeded_dataset(7).to_json() == seeded_dataset(7).to_json()
    assert seeded_dataset(7).to_json() != seeded_dataset(8).to_json()
    counts = seeded_dataset().counts()
    assert counts["users"] >= 300 and counts["participations"] > counts["users"]
