"""When no model knows a callee, what the values say; what the user declares; and what
is test data rather than a request."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_an_unknown_client_with_a_dokeos_base_url_and_a_method_and_path(tmp_path: Path) -> None:
    # `lmsclient` is not installed and no model knows it: its object carries a Dokeos base
    # URL, and `.call()` gets an HTTP method and a catalog path
    check(
        tmp_path,
        {
            "sync.py": f"""
            from lmsclient import Connection

            conn = Connection(base_url="https://acme.dokeos.com/api", accept="{V2}")

            def purge(user_id):
                conn.call("DELETE", f"/user/{{user_id}}")  # !DK005

            def sync_sessions():
                return conn.call("PUT", "/presence_sessions/sync").job_id

            def weather():
                return conn.call("GET", "/forecast")
            """,
        },
    )


def test_no_call_without_a_dokeos_value(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "other.py": """
            # talks to Canvas, not to dokeos: the same verbs and paths are no finding
            from lmsclient import Connection

            canvas = Connection(base_url="https://acme.instructure.com/api/v1")

            def purge(user_id):
                canvas.call("DELETE", f"/user/{user_id}")

            def users():
                return canvas.call("GET", "/users")["data"]
            """,
        },
    )


def test_a_wrapper_declared_in_the_configuration(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "pyproject.toml": """
            [tool.dokeos-audit]
            hosts = ["lms.acme.test"]
            http-calls = [
              { call = "acme_sdk.Client.send", method = 0, url = 1, params = "query" },
              { call = "hr.transport.Transport.perform", method = "verb", url = "route" },
            ]
            """,
            "hr/__init__.py": "",
            "hr/transport.py": """
            import acme_sdk

            class Transport:
                # wraps a compiled library the analyzer cannot read
                def perform(self, verb, route, **options):
                    return acme_sdk.opaque_send(verb, "https://lms.acme.test" + route, options)
            """,
            "hr/jobs.py": """
            import acme_sdk

            from hr.transport import Transport

            sdk = acme_sdk.Client("https://lms.acme.test")

            def users():
                users = sdk.send("GET", "/users", query={"page": 1})  # !DK004
                return [u["skills"] for u in users]  # !DK002

            def purge(transport: Transport, user_id):
                transport.perform("DELETE", f"/user/{user_id}")  # !DK005
            """,
        },
    )


def test_test_doubles_and_test_modules_are_not_requests(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms.py": f"""
            import requests

            def remove(user_id):
                r = requests.delete(f"https://acme.dokeos.com/api/user/{{user_id}}",
                                    headers={{"Accept": "{V2}"}})
                return r.json()["job_id"]
            """,
            "tests/test_lms.py": f"""
            import responses
            import requests

            V1_HEADERS = {{"Accept": "{V1}"}}

            @responses.activate
            def test_remove():
                responses.delete("https://acme.dokeos.com/api/user/1", json={{"job_id": "j"}})
                requests.delete("https://acme.dokeos.com/api/user/1", headers=V1_HEADERS)
            """,
            "conftest.py": f"""
            def test_client(httpx_mock):
                httpx_mock.add_response(url="https://acme.dokeos.com/api/users", method="GET",
                                        json={{"data": [{{"tag_ids": [1]}}]}},
                                        headers={{"Accept": "{V1}"}})
            """,
        },
    )


def test_an_unknown_library_function_named_for_its_verb(tmp_path: Path) -> None:
    # `corpnet` is not installed: its functions say the verb in their names, and they are
    # given a Dokeos URL; a verb-named function given something else is no request
    check(
        tmp_path,
        {
            "jobs.py": f"""
            from corpnet.http import fetch_json, http_delete, make_get_request

            API = "https://acme.dokeos.com/api"
            H = {{"Accept": "{V2}"}}

            def learners():
                return make_get_request(API + "/users", headers=H)["data"]  # !DK004

            def leave(uid):
                http_delete(f"{{API}}/user/{{uid}}", headers=H)  # !DK005

            def groups():
                # no verb in its name: what it sends is not said
                return fetch_json(API + "/groups", headers=H)["data"]

            def cached(cache):
                return cache.get_or_set(API + "/users", list)
            """,
        },
    )


def test_an_unknown_library_chunker_named_for_what_it_does(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "progress.py": f"""
            import csv

            import requests
            from corputils import create_batch, partition_by

            API = "https://acme.dokeos.com/api/participations"
            H = {{"Accept": "{V2}"}}

            def learners():
                with open("cohort.csv") as fh:
                    return [row["id"] for row in csv.DictReader(fh)]

            def by_five():
                for batch in create_batch(learners(), 5):
                    ids = ",".join(batch)
                    requests.get(API, params={{"user_ids": ids, "page": 1}}, headers=H)  # ok: DK003

            def by_ten():
                for batch in create_batch(learners(), 10):
                    ids = ",".join(batch)
                    requests.get(API, params={{"user_ids": ids, "page": 1}}, headers=H)  # !DK003

            def by_site():
                # not a chunker: nothing bounds what each group holds
                for group in partition_by(learners(), "site"):
                    ids = ",".join(group)
                    requests.get(API, params={{"user_ids": ids, "page": 1}}, headers=H)  # !DK003
            """,
        },
    )
