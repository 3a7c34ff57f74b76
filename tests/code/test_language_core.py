"""The language core follows Python, not the shapes of our fixtures: branches, loops,
match, enums, partials, decorators, dispatch by name, data classes and settings."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_branch_the_settings_decide_is_the_only_one_sent(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/settings.py": """
            API_VERSION = 2
            LEGACY_EXPORT = False
            """,
            "lms/client.py": f"""
            import requests

            from lms import settings

            def headers():
                if settings.API_VERSION == 1:
                    return {{"Accept": "{V1}"}}
                return {{"Accept": "{V2}"}}

            def export_headers(legacy):
                if legacy:
                    accept = "{V1}"
                else:
                    accept = "{V2}"
                return {{"Accept": accept}}  # !DK001

            def users():
                return requests.get("https://acme.dokeos.com/api/users?page=1", headers=headers())

            def export(flag):
                return requests.get("https://acme.dokeos.com/api/trainings",
                                    headers=export_headers(flag))
            """,
        },
    )


def test_a_none_default_skips_what_only_a_value_would_send(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "sync.py": f"""
            import requests

            H = {{"Accept": "{V2}"}}

            def list_users(session, page=None, attributes=None):
                params = {{}}
                if page is not None:
                    params["page"] = page
                if attributes is not None:
                    params["response_attributes"] = ",".join(attributes)
                # the wrapper names the endpoint: the page finding points here
                return session.get("https://acme.dokeos.com/api/users", params=params,  # !DK004
                                   headers=H).json()["data"]

            def directory(session):
                rows = []
                for user in list_users(session):
                    rows.append(user["tag_ids"])  # !DK002
                return rows

            def groups(session):
                page, out = 1, []
                while True:
                    batch = list_users(session, page=page, attributes=["group_ids"])
                    if not batch:
                        return out
                    out.extend(u["group_ids"] for u in batch)
                    page += 1
            """,
        },
    )


def test_a_loop_over_known_names_reads_each_of_them(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "profile.py": f"""
            import requests

            FIELDS = ("role_names", "skills")

            def profile(user_id):
                response = requests.get(
                    "https://acme.dokeos.com/api/users", params={{"id": user_id}},
                    headers={{"Accept": "{V2}"}})
                user = response.json()["data"][0]
                out = {{}}
                for field in FIELDS:
                    out[field] = user[field]  # !DK002 !DK002 (both fields)
                return out
            """,
        },
    )


def test_match_statements_enums_final_and_walrus(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "events.py": f"""
            import enum
            from typing import Final

            import httpx

            class Media(enum.StrEnum):
                LEGACY = "{V1}"
                CURRENT = "{V2}"

            BASE: Final = "https://acme.dokeos.com/api"
            client = httpx.Client(base_url=BASE, headers={{"Accept": Media.LEGACY.value}})  # !DK001

            def handle(event: dict) -> None:
                match event:
                    case {{"type": "user.left", "user_id": uid}}:
                        client.delete(f"/user/{{uid}}")  # !DK005
                    case {{"type": "gate.opened", "gate": gate}}:
                        if (job := client.put(f"/training_gate/{{gate}}").json()["job_id"]):
                            client.get(f"/jobs/{{job}}")
            """,
        },
    )


def test_partials_partialmethods_and_callable_objects(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "api.py": f"""
            import functools

            import requests

            class Dokeos:
                def __init__(self):
                    self.session = requests.Session()
                    self.session.headers["Accept"] = "{V2}"

                def _request(self, method, path, **kwargs):
                    url = "https://acme.dokeos.com/api" + path
                    return getattr(self.session, method.lower())(url, **kwargs).json()

                get = functools.partialmethod(_request, "GET")
                delete = functools.partialmethod(_request, "DELETE")

                def __call__(self, path):
                    return self.get(path)

            def all_groups(api: Dokeos):
                return api.get("/groups")["data"]  # !DK004

            def remove(api: Dokeos, user_id):
                api.delete(f"/user/{{user_id}}")  # !DK005

            def tags(api: Dokeos):
                return [u["tag_ids"] for u in api("/users?per_page=100")["data"]]  # !DK002 !DK004

            def fetch_participation(pid):
                session = requests.Session()
                session.headers["Accept"] = "{V2}"
                get = functools.partial(session.get, timeout=5)
                return get(f"https://acme.dokeos.com/api/participations/{{pid}}").json()[  # !DK002
                    "progressions"]
            """,
        },
    )


def test_project_decorators_that_inject_a_session(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "jobs.py": f"""
            import functools

            import requests

            def with_session(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    session = requests.Session()
                    session.headers.update({{"Accept": "{V1}"}})  # !DK001
                    return func(session, *args, **kwargs)
                return wrapper

            @with_session
            def purge(session, user_id):
                session.delete(f"https://acme.dokeos.com/api/user/{{user_id}}")  # !DK005

            def nightly(leavers):
                for user_id in leavers:
                    purge(user_id)
            """,
        },
    )


def test_data_class_and_settings_defaults_overridden_at_construction(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "conf.py": f"""
            from dataclasses import dataclass

            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                base_url: str = "https://acme.dokeos.com/api"
                accept: str = "{V2}"

            @dataclass(frozen=True)
            class Profile:
                accept: str = "{V2}"
                page_size: int = 20
            """,
            "client.py": f"""
            import requests

            from conf import Profile, Settings

            def headers(profile: Profile):
                return {{"Accept": profile.accept}}  # !DK001

            def users(settings: Settings):
                return requests.get(f"{{settings.base_url}}/users", params={{"page": 1}},
                                    headers={{"Accept": settings.accept}})

            def export():
                legacy = Profile(accept="{V1}")
                return requests.get("https://acme.dokeos.com/api/trainings",
                                    headers=headers(legacy))

            def current():
                return requests.get("https://acme.dokeos.com/api/trainings",
                                    headers=headers(Profile()))
            """,
        },
    )


def test_mutated_arguments_are_not_mistaken_for_earlier_calls(tmp_path: Path) -> None:
    # the second call of `save` receives the same list object, grown since: a memo of the
    # first call must not stand for it, or the job id kept there would be lost
    check(
        tmp_path,
        {
            "tracker.py": f"""
            import json

            import requests

            H = {{"Accept": "{V2}"}}

            def save(jobs, path="jobs.json"):
                with open(path, "w") as fh:
                    json.dump(jobs, fh)

            def run(user_ids):
                pending = []
                save(pending)
                for user_id in user_ids:
                    job = requests.delete(f"https://acme.dokeos.com/api/user/{{user_id}}",
                                          headers=H).json()["job_id"]
                    pending.append(job)
                save(pending)
            """,
        },
    )


def test_lists_grown_in_a_loop_hold_every_turn_and_batches_hold_their_size(
    tmp_path: Path,
) -> None:
    check(
        tmp_path,
        {
            "ids.py": """
            import csv

            def from_file(path):
                ids = []
                for row in csv.reader(open(path)):
                    ids.append(row[0])
                return ids

            def also_from_file(path):
                ids = []
                for row in csv.reader(open(path)):
                    ids = ids + [row[0]]
                return ids

            def batches(items, size):
                batch = []
                for item in items:
                    batch.append(item)
                    if len(batch) == size:
                        yield batch
                        batch = []
                if batch:
                    yield batch
            """,
            "sync.py": """
            import requests

            from ids import also_from_file, batches, from_file

            URL = "https://acme.dokeos.com/api/participations"

            def everyone():
                requests.get(URL, params={"user_ids": from_file("a.csv")})  # !DK003
                requests.get(URL, params={"user_ids": also_from_file("a.csv")})  # !DK003

            def by_ten():
                for chunk in batches(from_file("a.csv"), 10):
                    requests.get(URL, params={"user_ids": ",".join(map(str, chunk))})  # !DK003

            def by_five():
                for chunk in batches(from_file("a.csv"), 5):
                    ids = ",".join(str(i) for i in chunk)
                    # page 1 of each batch only: five learners may have more rows
                    page_one = requests.get(URL, params={"user_ids": ids, "page": 1})  # !DK004
                    for row in page_one.json():
                        print(row["id"])
            """,
        },
    )


def test_a_size_guard_bounds_the_list_where_the_guard_holds(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "client.py": """
            import requests

            URL = "https://acme.dokeos.com/api/participations"

            def refuse_more(user_ids):
                if len(user_ids) > 5 or not user_ids:
                    raise ValueError("at most 5")
                return requests.get(URL, params={"user_ids": user_ids, "page": 1})

            def asserted(user_ids):
                assert len(user_ids) <= 5
                return requests.get(URL, params={"user_ids": user_ids, "page": 1})

            def inside(user_ids):
                if 6 > len(user_ids):
                    return requests.get(URL, params={"user_ids": user_ids, "page": 1})
                return requests.get(URL, params={"user_ids": user_ids[:7], "page": 1})  # !DK003

            def too_loose(user_ids):
                if len(user_ids) >= 10:
                    raise ValueError("too many")
                return requests.get(URL, params={"user_ids": user_ids, "page": 1})  # !DK003
            """,
        },
    )


def test_an_empty_default_keeps_what_the_stored_value_may_hold(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "export.py": """
            import requests
            from google.cloud import firestore

            URL = "https://acme.dokeos.com/api/participations"

            def tracked():
                doc = firestore.Client().collection("c").document("d").get().to_dict() or {}
                return [str(t) for t in doc.get("training_ids", [])]

            def run(request):
                ids = (request.get_json(silent=True) or {}).get("ids") or []
                requests.get(URL, params={"training_ids": ",".join(tracked())})  # !DK003
                for i in ids:
                    requests.put(f"https://acme.dokeos.com/api/webinar_sessions/{i}/sync")  # !DK005
            """,
        },
    )


def test_the_clock_minus_seconds_is_a_look_back_window(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "sweeper.py": """
            import time

            import redis
            import requests

            r = redis.Redis()

            def status(job_id):
                return requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}").json()

            def sweep_week(now=None):
                now = time.time() if now is None else now
                for job_id in r.zrangebyscore("pending", now - 7 * 86400, now):
                    print(status(job_id)["status"])

            def report_ten_days():
                since = time.time() - 10 * 86400
                for job_id in r.zrangebyscore("issued", since, "+inf"):
                    print(status(job_id)["status"])  # !DK006
            """,
        },
    )


def test_adding_what_a_helper_may_return_keeps_each_option(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "sync.py": """
            import httpx

            client = httpx.Client(base_url="https://acme.dokeos.com/api")

            def job_ids(body):
                if isinstance(body, dict) and "job_id" in body:
                    return [body["job_id"]]
                return [row["job_id"] for row in body.get("data", [])]

            def wait(job_id):
                while client.get(f"/jobs/{job_id}").json()["status"] == "running":
                    pass

            def sync(session_ids):
                ids = []
                if session_ids:
                    for sid in session_ids:
                        ids += job_ids(client.put(f"/presence_sessions/{sid}/sync").json())
                else:
                    ids = job_ids(client.put("/presence_sessions/sync").json())
                for job_id in ids:
                    wait(job_id)

            def single(user):
                return client.get("/participations", params={"user_ids": user["id"], "page": 1})
            """,
        },
    )


def test_a_shared_helper_points_at_the_literal_each_caller_gives(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lmshttp.py": """
            import json
            import urllib.request

            BASE = "https://acme.dokeos.com/api"

            def url_of(path):
                return f"{BASE}/{path.lstrip('/')}"

            def get(path, **query):
                with urllib.request.urlopen(url_of(path)) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            """,
            "reports.py": """
            from lmshttp import get

            def all_at_once():
                return [p["user_id"] for p in get("/participations")]  # !DK004

            def again():
                return [p["id"] for p in get("/participations")]  # !DK004
            """,
        },
    )


def test_records_read_back_keep_the_jobs_added_to_them(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "sync.py": """
            import pickle

            import requests

            def run(path):
                records = pickle.load(open(path, "rb"))
                body = requests.put("https://acme.dokeos.com/api/presence_sessions/sync").json()
                records += [{"job_id": row["job_id"]} for row in body["data"]]
                pickle.dump(records, open(path, "wb"))
                requests.put("https://acme.dokeos.com/api/webinar_sessions/sync")  # !DK005
            """,
        },
    )


def test_super_reads_the_base_class_property(tmp_path: Path) -> None:
    files = {
        "lms/datasets.py": """
        import requests

        API = "https://acme.dokeos.com/api"

        class Base:
            def __init__(self):
                self._session = None

            @property
            def session(self):
                if self._session is None:
                    self._session = requests.Session()
                return self._session

        class Writer(Base):
            @property
            def session(self):
                if self._session is None:
                    session = super().session
                    session.headers["Accept"] = "application/vnd.dokeos+json;version=1"  # !DK001
                return self._session

            def archive(self, user_id):
                self.session.delete(f"{API}/user/{user_id}")  # !DK005
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
