"""The scanner understands each HTTP stack customers use to call Dokeos."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

V1 = '"application/vnd.dokeos+json;version=1"'
V2 = '"application/vnd.dokeos+json;version=2"'


def test_requests_module_functions_and_request_method(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "sync.py": f"""
        import requests

        HEADERS = {{"Accept": {V1}}}

        def users():
            return requests.get("https://acme.dokeos.com/api/users?page=1", headers=HEADERS)

        def delete(user_id):
            resp = requests.request("DELETE", f"https://acme.dokeos.com/api/user/{{user_id}}",
                                    headers=HEADERS)
            resp.raise_for_status()
    """
        },
    )
    assert rules_at(findings) == [("DK001", "sync.py", 3), ("DK005", "sync.py", 9)]


def test_requests_session_with_headers_update(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "client.py": f"""
        import requests

        session = requests.Session()
        session.headers.update({{"Accept": {V2}}})

        def participation(pid):
            data = session.get(f"https://lms.example.org/participations/{{pid}}").json()
            return data["progressions"]
    """
        },
    )
    assert rules_at(findings) == [("DK002", "client.py", 8)]


def test_session_header_item_assignment_is_the_v1_definition(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "client.py": f"""
        import requests

        s = requests.Session()
        s.headers["Accept"] = {V1}

        def trainings():
            return s.get("https://acme.dokeos.com/api/trainings").json()
    """
        },
    )
    assert rules_at(findings) == [("DK001", "client.py", 4)]


def test_httpx_client_base_url_and_async_client(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "etl.py": f"""
        import httpx

        client = httpx.Client(base_url="https://acme.dokeos.com/api", headers={{"Accept": {V2}}})

        def groups():
            return [g["name"] for g in client.get("/groups").json()["data"]]

        async def users():
            async with httpx.AsyncClient(base_url="https://acme.dokeos.com/api") as api:
                resp = await api.get("/users", params={{"page": 1}})
                return [u["tag_ids"] for u in resp.json()["data"]]
    """
        },
    )
    # page 1 requested once and used as the whole list is still one page (DK004)
    assert rules_at(findings) == [
        ("DK002", "etl.py", 11),
        ("DK004", "etl.py", 6),
        ("DK004", "etl.py", 10),
    ]


def test_httpx_module_functions(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "job.py": f"""
        import httpx

        def close_gate(gate_id):
            httpx.put(f"https://acme.dokeos.com/api/training_gate/{{gate_id}}",
                      headers={{"Accept": {V2}}}, json={{"open": False}})
    """
        },
    )
    assert rules_at(findings) == [("DK005", "job.py", 4)]


def test_aiohttp_client_session(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "hooks.py": f"""
        import aiohttp

        async def on_session_closed(session_id):
            async with aiohttp.ClientSession(headers={{"Accept": {V2}}}) as http:
                url = f"https://acme.dokeos.com/api/presence_sessions/{{session_id}}/sync"
                async with http.put(url) as resp:
                    if resp.status != 202:
                        raise RuntimeError("sync refused")
            return "synced"

        async def user_groups(uid):
            async with aiohttp.ClientSession() as http:
                async with http.get("https://acme.dokeos.com/api/users",
                                    params={{"page": 1, "email": uid}}) as resp:
                    body = await resp.json()
                    return body["data"][0]["group_ids"]
    """
        },
    )
    assert rules_at(findings) == [("DK002", "hooks.py", 16), ("DK005", "hooks.py", 6)]


def test_urllib_request_with_headers_and_method(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "legacy.py": f"""
        import json
        import urllib.request

        BASE = "https://acme.dokeos.com/api"
        ACCEPT = {V1}

        def remove_user(user_id):
            req = urllib.request.Request(BASE + "/user/%s" % user_id,
                                         headers={{"Accept": ACCEPT}}, method="DELETE")
            with urllib.request.urlopen(req) as resp:
                return resp.status == 200

        def roles(user_id):
            req = urllib.request.Request(BASE + "/users?page=1&email=" + user_id,
                                         headers={{"Accept": ACCEPT}})
            with urllib.request.urlopen(req) as resp:
                return json.load(resp)["data"][0]["role_names"]
    """
        },
    )
    assert rules_at(findings) == [
        ("DK001", "legacy.py", 9),
        ("DK001", "legacy.py", 15),
        ("DK002", "legacy.py", 17),
        ("DK005", "legacy.py", 10),
    ]


def test_prepared_requests_sent_through_a_session(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "prepared.py": f"""
        import requests

        def remove(user_id):
            session = requests.Session()
            request = requests.Request("DELETE", f"https://acme.dokeos.com/api/user/{{user_id}}",
                                       headers={{"Accept": {V1}}})
            session.send(session.prepare_request(request)).raise_for_status()
    """
        },
    )
    assert rules_at(findings) == [("DK001", "prepared.py", 6), ("DK005", "prepared.py", 7)]


def test_an_httpx_auth_flow_sets_the_headers_every_request_sends(tmp_path: Path) -> None:
    # httpx calls Auth.auth_flow(request) before each request: what it sets is sent
    files = {
        "lms/client.py": f"""
        import httpx

        V1 = {V1}
        V2 = {V2}

        class TokenAuth(httpx.Auth):
            def __init__(self, token, accept):
                self.token = token
                self.accept = accept

            def auth_flow(self, request):
                request.headers["Authorization"] = f"Bearer {{self.token}}"
                request.headers["Accept"] = self.accept  # !DK001
                yield request

        def legacy(token):
            return httpx.Client(base_url="https://acme.dokeos.com/api", auth=TokenAuth(token, V1))

        def current(token):
            return httpx.Client(base_url="https://acme.dokeos.com/api", auth=TokenAuth(token, V2))

        def old_group(token, group_id):
            with legacy(token) as http:
                return http.get(f"/groups/{{group_id}}").json()["name"]

        def group(token, group_id):
            with current(token) as http:
                return http.get(f"/groups/{{group_id}}").json()["name"]
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
