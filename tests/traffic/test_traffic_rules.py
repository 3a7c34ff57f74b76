"""The traffic rules DK001-DK006 as SPEC.md states them, one session of flows at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.config import Settings
from auditor.traffic.examples import run_flows
from tests.traffic.helpers import V1, V2, analyze, make_flow, write_dump

BASE = "https://acme.dokeos.com/api"


def flow(method: str, path: str, status: int | None = 200, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "method": method,
        "url": f"{BASE}/{path}" if "://" not in path else path,
        "request_headers": extra.pop("headers", V2),
        "status": status,
    }
    spec.update(extra)
    return spec


def rules(*flows: dict[str, Any], settings: Settings | None = None) -> list[tuple[str, int]]:
    return sorted((f.rule, f.flow.index) for f in run_flows(flows, settings) if f.flow)


def page(path: str, items: int, **extra: Any) -> dict[str, Any]:
    return flow("GET", path, response_json={"data": [{"id": i} for i in range(items)]}, **extra)


# -- which traffic is Dokeos -------------------------------------------------------------


def test_other_vendors_v1_media_type_and_users_endpoint_are_ignored() -> None:
    assert (
        rules(
            flow(
                "GET",
                "https://api.github.com/users",
                headers={"Accept": "application/vnd.acme+json;version=1"},
                response_json=[{"id": i, "group_ids": [1]} for i in range(30)],
            )
        )
        == []
    )


def test_dokeos_media_type_on_any_host_is_dokeos() -> None:
    assert rules(flow("GET", "http://10.0.0.5:8000/v2/trainings", headers=V1)) == [("DK001", 0)]


def test_configured_host_is_dokeos_without_media_type() -> None:
    spec = page("https://lms.example.org/api/users", 25, headers={"Accept": "application/json"})
    assert rules(spec) == []
    assert rules(spec, settings=Settings(hosts=("*.example.org",))) == [("DK004", 0)]
    assert rules(spec, settings=Settings(hosts=("lms.example.org",))) == [("DK004", 0)]


def test_answer_in_the_dokeos_media_type_marks_the_flow_as_dokeos() -> None:
    spec = page(
        "https://lms.example.org/api/users",
        25,
        headers={"Accept": "*/*"},
        response_headers={"Content-Type": "application/vnd.dokeos+json;version=2"},
    )
    assert rules(spec) == [("DK004", 0)]


# -- DK001 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.dokeos+json;version=1",
        "application/vnd.dokeos+json; version=1",
        "application/json, application/vnd.dokeos+json ; version=1;q=0.9",
        'Application/Vnd.Dokeos+JSON;version="1"',
    ],
)
def test_v1_accept_whatever_spacing_or_position_is_dk001(accept: str) -> None:
    assert rules(flow("GET", "trainings", headers={"Accept": accept}, response_json=[])) == [
        ("DK001", 0)
    ]


@pytest.mark.parametrize("status", [200, 404, 406, 500, None])
def test_v1_request_is_dk001_whatever_the_answer(status: int | None) -> None:
    assert rules(flow("GET", "trainings", status=status, headers=V1, response_json={})) == [
        ("DK001", 0)
    ]


def test_v2_accept_is_not_dk001() -> None:
    assert rules(flow("GET", "trainings", response_json=[])) == []


# -- DK002 -------------------------------------------------------------------------------


def test_users_list_carrying_unrequested_attributes_is_dk002() -> None:
    body = {"data": [{"id": 1, "group_ids": [1], "tag_ids": [2]}]}
    assert rules(flow("GET", "users?page=1", response_json=body)) == [("DK002", 0)]


def test_partial_response_attributes_leave_the_other_attribute_a_finding() -> None:
    body = {"data": [{"id": 1, "group_ids": [1], "role_names": ["x"], "tag_ids": [2]}]}
    findings = run_flows(
        [
            flow(
                "GET",
                "users?page=1&response_attributes=group_ids,role_names",
                response_json=body,
            )
        ]
    )
    assert [f.rule for f in findings] == ["DK002"]
    assert "tag_ids" in findings[0].message and "role_names" not in findings[0].message


@pytest.mark.parametrize(
    "query",
    [
        "response_attributes=group_ids,role_names,tag_ids",
        "response_attributes=group_ids%2Crole_names%2Ctag_ids",
        "response_attributes[]=group_ids&response_attributes[]=role_names&response_attributes[]=tag_ids",
        "response_attributes=group_ids&response_attributes=role_names,tag_ids",
    ],
)
def test_attributes_asked_for_in_any_encoding_are_fine(query: str) -> None:
    body = {"data": [{"id": 1, "group_ids": [1], "role_names": ["x"], "tag_ids": [2]}]}
    assert rules(flow("GET", f"users?page=1&{query}", response_json=body)) == []


@pytest.mark.parametrize(
    "raw",
    [b"", b"<html>oops</html>", b'{"id": 7, "progressions": [', b"\xff\xfe"],
)
def test_empty_truncated_or_non_json_bodies_are_no_dk002(raw: bytes) -> None:
    assert rules(flow("GET", "participations/7", response_body=raw)) == []


def test_response_without_the_attribute_is_no_evidence() -> None:
    assert rules(flow("GET", "participations/7", response_json={"id": 7})) == []


def test_progressions_of_another_endpoint_are_not_dk002() -> None:
    assert rules(flow("GET", "trainings/3", response_json={"progressions": []})) == []


def test_users_under_another_resource_are_not_get_users() -> None:
    body = [{"id": 1, "group_ids": [1]}]
    assert rules(flow("GET", "groups/5/users", response_json=body)) == []


# -- DK003 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "training_ids=1,2,3,4,5,6",
        "training_ids=1%2C2%2C3%2C4%2C5%2C6",
        "training_ids[]=1&training_ids[]=2&training_ids[]=3&training_ids[]=4&training_ids[]=5&training_ids[]=6",
        "training_ids%5B%5D=1&training_ids%5B%5D=2&training_ids%5B%5D=3&training_ids%5B%5D=4&training_ids%5B%5D=5&training_ids%5B%5D=6",
        "user_ids=1&user_ids=2&user_ids=3&user_ids=4&user_ids=5&user_ids=6",
        "user_ids=[1,2,3,4,5,6]",
        "user_ids=1,2,3&user_ids[]=4&user_ids[]=5&user_ids[]=6",
    ],
)
def test_more_than_five_ids_in_any_query_encoding_is_dk003(query: str) -> None:
    assert rules(flow("GET", f"participations?{query}", status=400, response_json={})) == [
        ("DK003", 0)
    ]


def test_more_than_five_ids_in_a_json_body_is_dk003() -> None:
    spec = flow("GET", "participations", request_json={"user_ids": [1, 2, 3, 4, 5, 6]})
    assert rules({**spec, "response_json": {"data": []}}) == [("DK003", 0)]


def test_more_than_five_ids_in_a_form_body_is_dk003() -> None:
    spec = flow(
        "GET",
        "participations",
        request_body="training_ids=1,2,3,4,5,6",
        headers={**V2, "Content-Type": "application/x-www-form-urlencoded"},
        response_json={"data": []},
    )
    assert rules(spec) == [("DK003", 0)]


def test_exactly_five_ids_is_fine() -> None:
    assert rules(flow("GET", "participations?training_ids=1,2,3,4,5&user_ids=6,7,8,9,10")) == []


def test_many_ids_on_another_endpoint_are_not_dk003() -> None:
    assert rules(flow("GET", "users?user_ids=1,2,3,4,5,6,7", response_json={"data": []})) == []


def test_two_oversized_filters_are_one_finding_for_the_flow() -> None:
    findings = run_flows(
        [flow("GET", "participations?training_ids=1,2,3,4,5,6&user_ids=1,2,3,4,5,6,7")]
    )
    assert [f.rule for f in findings] == ["DK003"]
    assert "6 training_ids" in findings[0].message and "7 user_ids" in findings[0].message


# -- DK004 -------------------------------------------------------------------------------


def test_full_page_without_a_later_next_page_is_dk004() -> None:
    assert rules(page("groups", 20)) == [("DK004", 0)]


def test_v1_bare_array_of_more_than_twenty_is_dk004() -> None:
    spec = flow("GET", "users", headers=V1, response_json=[{"id": i} for i in range(45)])
    assert ("DK004", 0) in rules(spec)


def test_fewer_than_twenty_items_is_a_complete_list() -> None:
    assert rules(page("groups", 19)) == []


def test_walking_pages_until_a_short_one_is_fine() -> None:
    assert rules(page("users?page=1", 20), page("users?page=2", 20), page("users?page=3", 4)) == []


def test_no_page_parameter_counts_as_page_one() -> None:
    assert rules(page("users", 20), page("users?page=2", 0)) == []


def test_next_page_of_another_query_does_not_count() -> None:
    assert rules(
        page("participations?training_ids=1", 20), page("participations?training_ids=2&page=2", 0)
    ) == [("DK004", 0)]


def test_next_page_requested_before_is_not_later() -> None:
    flows = [page("users?page=2", 0, timestamp="2026-11-26T09:00:00+00:00"), page("users", 20)]
    assert rules(*flows) == [("DK004", 1)]


def test_offset_paging_to_the_next_offset_is_fine() -> None:
    assert rules(page("users?offset=0", 20), page("users?offset=20", 5)) == []


def test_answer_shorter_than_the_page_size_asked_for_is_the_last_page() -> None:
    assert rules(page("users?per_page=50", 30)) == []


def test_meta_saying_no_next_page_is_the_last_page() -> None:
    body = {"data": [{"id": i} for i in range(20)], "meta": {"page": 1, "total_pages": 1}}
    assert rules(flow("GET", "users", response_json=body)) == []


def test_failed_list_call_is_not_dk004() -> None:
    assert rules(page("users", 20, status=500)) == []


# -- DK005 -------------------------------------------------------------------------------


def test_job_never_polled_is_dk005() -> None:
    assert rules(flow("DELETE", "user/42", status=202, response_json={"job_id": "j-1"})) == [
        ("DK005", 0)
    ]


def test_v1_async_call_without_job_id_is_dk005() -> None:
    assert rules(flow("PUT", "training_gate/3", headers=V1, response_json={"id": 3})) == [
        ("DK001", 0),
        ("DK005", 0),
    ]


def test_every_session_job_must_be_polled() -> None:
    sync = flow(
        "PUT",
        "presence_sessions/sync",
        status=202,
        response_json={"data": [{"id": 1, "job_id": "a"}, {"id": 2, "job_id": "b"}]},
    )
    poll_a = flow("GET", "jobs/a", response_json={"status": "done"})
    poll_b = flow("GET", "jobs/b", response_json={"status": "done"})
    assert rules(sync, poll_a) == [("DK005", 0)]
    assert rules(sync, poll_a, poll_b) == []


def test_group_membership_change_is_a_job_but_a_bare_group_is_not() -> None:
    members = flow(
        "PUT", "groups/3", request_json={"learner_ids": [1]}, response_json={"job_id": "g"}
    )
    rename = flow("PUT", "groups/3", request_json={"name": "Renamed"}, response_json={"id": 3})
    create = flow("POST", "groups", status=201, request_json={"name": "New"}, response_json={})
    assert rules(members) == [("DK005", 0)]
    assert rules(rename, create) == []


def test_failed_async_call_is_not_dk005() -> None:
    assert rules(flow("DELETE", "user/42", status=404, response_json={"error": "x"})) == []


# -- DK006 -------------------------------------------------------------------------------


def issue_and_poll(issued: str, polled: str) -> list[tuple[str, int]]:
    return rules(
        flow("DELETE", "user/42", status=202, response_json={"job_id": "j"}, timestamp=issued),
        flow("GET", "jobs/j", response_json={"status": "done"}, timestamp=polled),
    )


def test_poll_more_than_seven_days_later_is_dk006() -> None:
    assert issue_and_poll("2026-11-01T10:00:00+00:00", "2026-11-08T10:00:01+00:00") == [
        ("DK006", 1)
    ]


def test_poll_exactly_seven_days_later_is_fine() -> None:
    assert issue_and_poll("2026-11-01T10:00:00+00:00", "2026-11-08T10:00:00+00:00") == []


def test_utc_offsets_are_accounted_for_in_dk006() -> None:
    # 7 days on the wall clocks, 7 days and 3 hours in UTC
    assert issue_and_poll("2026-11-01T10:00:00+02:00", "2026-11-08T10:00:00-01:00") == [
        ("DK006", 1)
    ]
    # 8 days on the wall clocks, under 7 in UTC
    assert issue_and_poll("2026-11-01T22:00:00-08:00", "2026-11-09T05:00:00+14:00") == []


def test_job_whose_issuing_flow_is_missing_is_not_judged() -> None:
    poll = flow("GET", "jobs/unknown", response_json={}, timestamp="2030-01-01T00:00:00+00:00")
    assert rules(poll) == []


def test_late_poll_in_an_out_of_order_dump_is_found(tmp_path: Path) -> None:
    # mitmproxy writes a flow when its response completes: order in the file is not time
    issue = flow(
        "DELETE",
        "user/42",
        status=202,
        response_json={"job_id": "j"},
        timestamp="2026-11-01T10:00:00+00:00",
    )
    poll = flow("GET", "jobs/j", response_json={}, timestamp="2026-11-10T10:00:00+00:00")
    capture = write_dump(tmp_path / "unordered.mitm", [make_flow(poll), make_flow(issue)])
    result, _ = analyze(capture)
    assert sorted((f.rule, f.flow.index) for f in result.findings if f.flow) == [("DK006", 0)]


# -- one session per capture -------------------------------------------------------------


def test_each_capture_is_its_own_session(tmp_path: Path) -> None:
    first = write_dump(tmp_path / "a.mitm", [make_flow(page("users", 20))])
    second = write_dump(tmp_path / "b.mitm", [make_flow(page("users?page=2", 3))])
    result, _ = analyze(first, second)
    assert [(f.rule, f.flow.file) for f in result.findings if f.flow] == [("DK004", str(first))]


def test_findings_carry_the_flow_and_endpoints_seen_are_listed(tmp_path: Path) -> None:
    capture = write_dump(
        tmp_path / "c.mitm",
        [make_flow(flow("GET", "participations?training_ids=1,2,3,4,5,6", headers=V1))],
    )
    result, _ = analyze(capture)
    document = result.to_json()
    finding = document["findings"][0]
    assert finding["flow"] == {
        "file": str(capture),
        "index": 0,
        "method": "GET",
        "url": f"{BASE}/participations?training_ids=1,2,3,4,5,6",
        "timestamp": "2026-11-26T10:00:00Z",
        "status": 200,
    }
    assert finding["endpoint"] == "GET /participations"
    assert document["summary"]["endpoints_seen"] == ["GET /participations"]
    assert document["summary"]["flows_read"] == 1
