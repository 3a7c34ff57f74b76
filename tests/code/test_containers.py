"""Plain Python containers legacy clients build on: a dict subclass giving attribute access
to keys, a job ledger keyed by job id, JSON text sent as a body, substring tests."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


_CLIENT = """
import http.client
import json
from urllib.parse import urlencode

HOST = "acme.dokeos.com"
ACCEPT = "application/vnd.dokeos+json;version=2"


class Record(dict):
    \"\"\"``user.email`` is ``user["email"]``.\"\"\"

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


def _wrap(value):
    if isinstance(value, dict):
        return Record((k, _wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def send(method, path, **params):
    body = None
    if method in ("GET", "DELETE"):
        if params:
            sep = "&" if "?" in path else "?"
            path = "%s%s%s" % (path, sep, urlencode(params, doseq=True))
    elif params:
        body = json.dumps(params)
    conn = http.client.HTTPSConnection(HOST)
    conn.request(method, "/api" + path, body=body, headers={"Accept": ACCEPT})
    return _wrap(json.loads(conn.getresponse().read()))
"""


def test_a_dict_subclass_with_attribute_access_is_the_response(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/client.py": _CLIENT,
            "lms/jobs.py": """
            from lms.client import send

            def mirror():
                for user in send("GET", "/users", page=1)["data"]:  # !DK004
                    print(user.email, user.tag_ids)  # !DK002

            def sync_presence():
                send("PUT", "/presence_sessions/sync")  # !DK005

            def rename(group_id, name):
                send("PUT", "/groups/%d" % group_id, name=name)

            def hand_over(group_id, manager_ids):
                send("PUT", "/groups/%d" % group_id, manager_ids=manager_ids)  # !DK005
            """,
        },
    )


def test_a_job_id_kept_as_a_ledger_key_is_followed_later(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/client.py": _CLIENT,
            "lms/ledger.py": """
            import json
            import os
            import time
            from datetime import timedelta

            from lms.client import send

            PATH = "/var/lib/lms/jobs.json"


            class Ledger:
                def __init__(self, path=PATH):
                    self.path = path
                    self._entries = self._load()

                def _load(self):
                    if not os.path.exists(self.path):
                        return {}
                    with open(self.path) as fh:
                        return json.load(fh)

                def record(self, job_id, kind):
                    self._entries[job_id] = {"kind": kind, "issued_at": time.time()}

                def save(self):
                    with open(self.path, "w") as fh:
                        json.dump(self._entries, fh)

                def pending(self, max_age=None):
                    oldest = None
                    if max_age is not None:
                        oldest = time.time() - max_age.total_seconds()
                    out = []
                    for job_id, entry in sorted(self._entries.items()):
                        if oldest is not None and entry["issued_at"] < oldest:
                            continue
                        out.append(dict(entry, job_id=job_id))
                    return out


            def status(job_id):
                return send("GET", "/jobs/%s" % job_id)


            def start(ledger, session_id):
                res = send("PUT", "/presence_sessions/%d/sync" % session_id)
                ledger.record(res.job_id, "sync")
                ledger.save()


            def reconcile(ledger):
                for entry in ledger.pending(max_age=timedelta(days=7)):
                    print(status(entry["job_id"]).status)


            def audit(ledger):
                for entry in ledger.pending():
                    print(status(entry["job_id"]).status)  # !DK006


            def every_night():
                start(Ledger(), 3)


            def every_hour():
                ledger = Ledger()
                reconcile(ledger)
                audit(ledger)
            """,
        },
    )


def test_a_factory_registered_under_a_name_is_what_that_name_gives(tmp_path: Path) -> None:
    # Pyramid's add_request_method: `request.dokeos` is what the factory makes
    check(
        tmp_path,
        {
            "portal/service.py": """
            import requests

            class Service:
                def __init__(self, base_url):
                    self.session = requests.Session()
                    self.session.headers["Accept"] = "application/vnd.dokeos+json;version=2"
                    self.base_url = base_url

                def find_user(self, email):
                    url = f"{self.base_url}/users"
                    payload = self.session.get(url, params={"email": email}).json()
                    return payload["data"][0] if payload["data"] else None
            """,
            "portal/__init__.py": """
            from pyramid.config import Configurator

            from portal.service import Service

            def _service(request):
                return Service("https://acme.dokeos.com/api")

            def main(global_config, **settings):
                with Configurator(settings=settings) as config:
                    config.add_request_method(_service, "dokeos", reify=True)
                    return config.make_wsgi_app()
            """,
            "portal/views.py": """
            from pyramid.view import view_config

            from portal.service import Service

            @view_config(route_name="profile", renderer="json")
            def profile(request):
                service: Service = request.dokeos
                user = service.find_user(request.matchdict["email"])
                return {"id": user["id"], "roles": user["role_names"]}  # !DK002
            """,
        },
    )


def test_with_a_generator_binds_what_it_yields(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "jobs.py": """
            import sqlite3
            from contextlib import contextmanager

            import httpx

            client = httpx.Client(
                base_url="https://acme.dokeos.com/api",
                headers={"Accept": "application/vnd.dokeos+json;version=2"},
            )

            @contextmanager
            def connect(path):
                conn = sqlite3.connect(path)
                try:
                    yield conn
                    conn.commit()
                finally:
                    conn.close()

            def delete_user(user_id):
                job_id = client.delete(f"/user/{user_id}").json()["job_id"]
                with connect("/var/lib/jobs.db") as conn:
                    conn.execute("INSERT INTO jobs (job_id) VALUES (?)", (job_id,))

            def forget_user(user_id):
                client.delete(f"/user/{user_id}")  # !DK005
            """,
        },
    )


def test_ids_spread_into_a_list_keep_the_new_one(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "groups.py": """
            import json

            import httpx
            from prefect.variables import Variable

            client = httpx.Client(base_url="https://acme.dokeos.com/api")

            def add_learners(group_id, learner_ids):
                body = {"learner_ids": learner_ids}
                resp = client.post(f"/groups/{group_id}/learners", json=body)
                return resp.json()["job_id"]

            def pending():
                var = Variable.get("pending_jobs")
                return json.loads(var.value) if var is not None else []

            def enroll(group_id, learner_ids):
                job_id = add_learners(group_id, learner_ids)
                Variable.set(name="pending_jobs", value=json.dumps([*pending(), job_id]))

            def last_five(path):
                with open(path) as fh:
                    ids = [line.strip() for line in fh]
                recent = ids[-5:]
                params = {"user_ids": ",".join(recent)}
                return client.get("/participations", params=params).json()["data"]  # !DK004
            """,
        },
    )


def test_prefect_map_runs_the_task_once_per_element(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "flows.py": """
            import httpx
            from prefect import flow, task

            client = httpx.Client(base_url="https://acme.dokeos.com/api")

            @task
            def open_count(user_id: int) -> int:
                rows = client.get("/participations", params={"user_ids": str(user_id)})  # !DK004
                return len(rows.json()["data"])

            @task
            def open_counts(user_ids: list[int]) -> int:
                params = {"user_ids": ",".join(map(str, user_ids))}
                rows = client.get("/participations", params=params)  # !DK003 !DK004
                return len(rows.json()["data"])

            @flow
            def nightly(user_ids: list[int]):
                per_user = open_count.map(user_ids)
                return sum(f.result() for f in per_user), open_counts(user_ids)
            """,
        },
    )


def test_a_late_poll_is_where_the_id_is_taken_out_of_its_record(tmp_path: Path) -> None:
    # main reads the journal back and hands every record down: the poll that can run too
    # late is the call in the function taking the job id out of each record
    check(
        tmp_path,
        {
            "report.py": """
            import json
            from datetime import datetime, timedelta, timezone
            from pathlib import Path

            import httpx

            client = httpx.Client(base_url="https://acme.dokeos.com/api")

            def get_job(job_id):
                return client.get(f"/jobs/{job_id}").json()

            def load(path):
                return [json.loads(line) for line in path.read_text().splitlines()]

            def recent(entries):
                cutoff = datetime.now(timezone.utc) - timedelta(days=5)
                for entry in entries:
                    if datetime.fromisoformat(entry["issued_at"]) < cutoff:
                        continue
                    print(get_job(entry["job_id"])["status"])

            def failed_again(entries):
                for entry in entries:
                    if entry.get("last_status") == "failed":
                        print(get_job(entry["job_id"])["status"])  # !DK006

            def main():
                entries = load(Path("jobs.jsonl"))
                recent(entries)
                failed_again(entries)
            """,
        },
    )


def test_a_dict_comprehension_over_known_fields_keeps_their_keys(tmp_path: Path) -> None:
    # `{k: str(v) ...}` of the keyword arguments: the query holds exactly those keys, so a
    # call without `page` is a single page taken for the whole list
    check(
        tmp_path,
        {
            "api.py": """
            import urllib3

            BASE = "https://acme.dokeos.com/api"
            http = urllib3.PoolManager()

            def get(path, **fields):
                query = {k: str(v) for k, v in fields.items()}
                return http.request("GET", BASE + path, fields=query).json()

            def iter_pages(path, **fields):
                page = 1
                while True:
                    body = get(path, page=page, **fields)
                    yield from body["data"]
                    if not body["meta"].get("next"):
                        return
                    page += 1

            def cohorts():
                return get("/groups", type="cohort")["data"]  # !DK004

            def everyone():
                return list(iter_pages("/users"))
            """,
        },
    )


def test_cattrs_structures_a_list_of_models_one_per_row(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "admin/users.py": """
            import attrs
            import cattrs
            import requests

            BASE = "https://acme.dokeos.com/api"

            @attrs.define
            class User:
                id: int
                email: str
                tag_ids: list[int] = attrs.field(factory=list)

            def users(**params):
                page, rows = 1, []
                while True:
                    body = requests.get(f"{BASE}/users", params={**params, "page": page}).json()
                    if not body["data"]:
                        return rows
                    rows.extend(body["data"])
                    page += 1

            def tagged(tag_id):
                for user in cattrs.structure(users(), list[User]):
                    if tag_id in user.tag_ids:  # !DK002
                        print(user.email)
            """,
        },
    )
