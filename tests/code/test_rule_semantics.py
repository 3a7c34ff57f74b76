"""The exact semantics SPEC.md gives each rule in code, one behaviour per test."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

PRELUDE = """
import itertools
import json
import sqlite3
from datetime import datetime, timedelta

import requests

BASE = "https://acme.dokeos.com/api"
H = {"Accept": "application/vnd.dokeos+json;version=2"}
"""


def check(tmp_path: Path, body: str, **others: str) -> None:
    files = {"integration.py": PRELUDE + body, **others}
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_dk003_literal_lists_over_five_ids_and_exactly_five(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def six():
    return requests.get(f"{BASE}/participations", headers=H,  # !DK003
                        params={"training_ids": [1, 2, 3, 4, 5, 6], "page": 1}).status_code

def five():
    return requests.get(f"{BASE}/participations?user_ids=1,2,3,4,5&page=1",
                        headers=H).status_code

def six_in_url():
    return requests.get(BASE + "/participations?user_ids=1%2C2%2C3%2C4%2C5%2C6&page=1",  # !DK003
                        headers=H).status_code
""",
    )


def test_dk003_unbounded_sources_and_bounded_chunks(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def chunks(seq, size):
    for start in range(0, len(seq), size):
        yield seq[start:start + size]

def from_database(db: sqlite3.Connection):
    ids = [row[0] for row in db.execute("SELECT id FROM trainings")]
    return requests.get(f"{BASE}/participations", headers=H,  # !DK003 !DK004 (page 1 only)
                        params={"training_ids": ",".join(map(str, ids)), "page": 1}).json()

def batched_by_five(db: sqlite3.Connection):
    ids = [row[0] for row in db.execute("SELECT id FROM trainings")]
    for chunk in itertools.batched(ids, 5):
        requests.get(f"{BASE}/participations", headers=H,
                     params={"training_ids": ",".join(map(str, chunk)), "page": 1}).json()
    for start in range(0, len(ids), 5):
        requests.get(f"{BASE}/participations", headers=H,
                     params={"user_ids": ids[start:start + 5], "page": 1}).json()
    for chunk in chunks(ids, 5):
        requests.get(f"{BASE}/participations", headers=H,
                     params={"user_ids": chunk, "page": 1}).json()

def batched_by_ten(db: sqlite3.Connection):
    ids = [row[0] for row in db.execute("SELECT id FROM users")]
    for chunk in chunks(ids, 10):
        requests.get(f"{BASE}/participations", headers=H,  # !DK003
                     params={"user_ids": chunk, "page": 1}).json()

def not_limited_elsewhere(db: sqlite3.Connection):
    ids = [row[0] for row in db.execute("SELECT id FROM users")]
    return requests.get(f"{BASE}/users", headers=H,  # !DK004
                        params={"user_ids": ids, "page": 1}).json()
""",
    )


def test_dk003_argument_is_judged_by_the_callers(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def fetch(training_ids):
    return requests.get(f"{BASE}/participations", headers=H,  # !DK003
                        params={"training_ids": ",".join(training_ids), "page": 1}).json()

def safe(ids):
    for chunk in itertools.batched(ids, 5):
        fetch(chunk)

def unsafe(path):
    with open(path) as handle:
        fetch([line.strip() for line in handle])
""",
    )


def test_dk004_unique_lookups_next_links_and_page_loops(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def by_email(email):
    users = requests.get(f"{BASE}/users", headers=H, params={"email": email}).json()["data"]
    return users[0] if users else None

def first_group():
    return requests.get(f"{BASE}/groups", headers=H).json()["data"][0]

def follow_next():
    url, out = f"{BASE}/groups", []
    while url:
        body = requests.get(url, headers=H).json()
        out.extend(body["data"])
        url = body["links"].get("next")
    return out

def stops_on_short_page():
    page, out = 1, []
    while True:
        batch = requests.get(f"{BASE}/users", headers=H, params={"page": page}).json()["data"]
        out.extend(batch)
        if len(batch) < 20:
            return out
        page += 1

def stops_on_fifty():
    page, out = 1, []
    while True:
        batch = requests.get(f"{BASE}/users", headers=H,  # !DK004
                             params={"page": page}).json()["data"]
        out.extend(batch)
        if len(batch) < 50:
            return out
        page += 1

def stops_on_fifty_it_asked_for():
    page, out = 1, []
    while True:
        batch = requests.get(f"{BASE}/users", headers=H,
                             params={"page": page, "per_page": 50}).json()["data"]
        out.extend(batch)
        if len(batch) < 50:
            return out
        page += 1

def counted():
    return len(requests.get(f"{BASE}/participations", headers=H).json()["data"])  # !DK004
""",
    )


def test_dk005_every_route_that_follows_the_job(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def wait_for(job_id):
    while requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()["status"] == "pending":
        pass

def helper_follows(uid):
    job = requests.delete(f"{BASE}/user/{uid}", headers=H).json()["job_id"]
    wait_for(job)

def start_sync():
    return requests.put(f"{BASE}/presence_sessions/sync", headers=H).json()["job_id"]

def caller_waits():
    wait_for(start_sync())

def stored_for_poller(db: sqlite3.Connection, gate):
    job = requests.put(f"{BASE}/training_gate/{gate}", headers=H, json={}).json()["job_id"]
    db.execute("INSERT INTO jobs (job_id, created_at) VALUES (?, ?)", (job, datetime.now()))

def logged_only(uid):
    job = requests.delete(f"{BASE}/user/{uid}", headers=H).json()["job_id"]  # !DK005
    print("deleted, job", job)

def rereads_resource(uid):
    requests.delete(f"{BASE}/user/{uid}", headers=H)  # !DK005
    return requests.get(f"{BASE}/users/{uid}", headers=H).status_code == 404

def renames_group(gid):
    requests.put(f"{BASE}/groups/{gid}", headers=H, json={"name": "2026"}).raise_for_status()

def adds_learners(gid, uids):
    requests.post(f"{BASE}/groups/{gid}/learners", headers=H,  # !DK005
                  json={"user_ids": uids}).raise_for_status()
""",
    )


def test_dk006_stored_ids_and_their_age_limits(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def poll_forever(db: sqlite3.Connection):
    for (job_id,) in db.execute("SELECT job_id FROM jobs"):
        requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()  # !DK006

def poll_month(db: sqlite3.Connection):
    since = datetime.now() - timedelta(days=30)
    for (job_id,) in db.execute("SELECT job_id FROM jobs WHERE created_at > ?", (since,)):
        requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()  # !DK006

def poll_week(db: sqlite3.Connection):
    since = datetime.now() - timedelta(days=6)
    for (job_id,) in db.execute("SELECT job_id FROM jobs WHERE created_at > ?", (since,)):
        requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()

def poll_sql_interval(db: sqlite3.Connection):
    rows = db.execute("SELECT job_id FROM jobs WHERE created_at > now() - interval '7 days'")
    for (job_id,) in rows:
        requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()

def poll_state_file(path):
    with open(path) as handle:
        for job_id in json.load(handle):
            requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()  # !DK006
""",
    )


def test_dk006_ids_kept_in_a_workflow_variable(tmp_path: Path) -> None:
    # a Variable one run sets and the next reads is storage, not configuration
    check(
        tmp_path,
        """
from prefect.variables import Variable

def pending():
    var = Variable.get("pending_group_jobs")
    return json.loads(var.value) if var is not None else []

def follow():
    for job_id in pending():
        print(requests.get(f"{BASE}/jobs/{job_id}", headers=H).json())  # !DK006
""",
    )


def test_dk006_recheck_scheduled_after_a_week(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
from apscheduler.schedulers.background import BackgroundScheduler

scheduler = BackgroundScheduler()

def check(job_id):
    return requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()["status"]  # !DK006

def check_soon(job_id):
    return requests.get(f"{BASE}/jobs/{job_id}", headers=H).json()["status"]

def close_gate(gate):
    job = requests.put(f"{BASE}/training_gate/{gate}", headers=H, json={}).json()["job_id"]
    scheduler.add_job(check_soon, "date", run_date=datetime.now() + timedelta(minutes=5),
                      args=[job])
    scheduler.add_job(check, "date", run_date=datetime.now() + timedelta(days=9), args=[job])
""",
    )


def test_django_settings_dataclass_clients_and_annotations(tmp_path: Path) -> None:
    files = {
        "bridge/__init__.py": "",
        "bridge/settings.py": """
            DOKEOS = {"URL": "https://lms.example.org/api",
                      "ACCEPT": "application/vnd.dokeos+json;version=2"}
        """,
        "bridge/client.py": """
            from dataclasses import dataclass, field

            import requests
            from django.conf import settings

            @dataclass
            class Dokeos:
                base_url: str = settings.DOKEOS["URL"]
                session: requests.Session = field(default_factory=requests.Session)

                def __post_init__(self):
                    self.session.headers["Accept"] = settings.DOKEOS["ACCEPT"]
        """,
        "bridge/views.py": """
            from bridge.client import Dokeos

            def user_tags(api: Dokeos, email):
                users = api.session.get(f"{api.base_url}/users",
                                        params={"email": email}).json()["data"]
                return users[0]["tag_ids"]  # !DK002
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_client_kept_on_the_application_object(tmp_path: Path) -> None:
    files = {
        "hooks/handlers.py": """
            async def webinar_ended(request):
                event = await request.json()
                await request.app["lms"].put(  # !DK005
                    f"webinar_sessions/{event['id']}/sync")
        """,
        "hooks/startup.py": """
            import aiohttp
            from aiohttp import web

            from hooks.handlers import webinar_ended

            def build():
                app = web.Application()
                app.router.add_post("/hooks/webinar", webinar_ended)
                app.on_startup.append(on_startup)
                return app

            async def on_startup(app):
                app["lms"] = aiohttp.ClientSession(
                    base_url="https://acme.dokeos.com/api/",
                    headers={"Accept": "application/vnd.dokeos+json;version=2"})
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_calls_to_the_host_of_a_dokeos_client_are_dokeos(tmp_path: Path) -> None:
    files = {
        "etl.py": """
        import httpx

        API = "https://learning.acme-corp.test/api"

        def client():
            return httpx.Client(base_url=API,
                                headers={"Accept": "application/vnd.dokeos+json;version=2"})

        def export(http: httpx.Client):
            rows = http.get(API + "/groups").json()["data"]  # !DK004
            return [r["name"] for r in rows]

        def github(http: httpx.Client):
            return [u["login"] for u in http.get("https://api.github.com/users").json()]
    """
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_dk005_jobs_kept_on_the_object_for_a_later_wait(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
class Offboarding:
    def __init__(self):
        self.pending = []

    def wait_all(self):
        for job in self.pending:
            requests.get(f"{BASE}/jobs/{job}", headers=H).json()

    def remove(self, uid):
        self.pending.append(
            requests.delete(f"{BASE}/user/{uid}", headers=H).json()["job_id"])
""",
    )


def test_dk002_read_through_a_dataframe_and_dict_union_headers(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
import copy

import pandas as pd

BASE_HEADERS = {"User-Agent": "etl"}
V1 = "application/vnd.dokeos+json;version=1"

def tags():
    headers = copy.deepcopy(BASE_HEADERS) | {"Accept": V1}  # !DK001
    users = requests.get(f"{BASE}/users", headers=headers, params={"email": "a@b.c"}).json()
    frame = pd.DataFrame(users["data"])
    return frame["tag_ids"].tolist()  # !DK002
""",
    )


def test_dk003_ids_sent_as_repeated_key_value_pairs(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def pairs_literal():
    return requests.get(f"{BASE}/participations", headers=H,  # !DK003 !DK004
                        params=[("user_ids", 1), ("user_ids", 2), ("user_ids", 3),
                                ("user_ids", 4), ("user_ids", 5), ("user_ids", 6),
                                ("page", 1)]).json()["data"]

def pairs_from_a_file(path):
    with open(path) as handle:
        ids = [line.strip() for line in handle]
    params = [("training_ids", i) for i in ids] + [("page", 1)]
    return requests.get(f"{BASE}/participations", headers=H, params=params).json()  # !DK003 !DK004

def five_pairs():
    params = [("user_ids", i) for i in range(5)]
    return requests.get(f"{BASE}/participations?page=1", headers=H, params=params).json()  # !DK004
""",
    )


def test_dk004_a_page_number_fixed_in_the_code_reads_one_page(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
def first_page_only():
    return requests.get(f"{BASE}/groups", headers=H, params={"page": 1}).json()["data"]  # !DK004

def each_chunk_asks_for_page_one(user_ids):
    rows = []
    for start in range(0, len(user_ids), 5):
        chunk = ",".join(user_ids[start : start + 5])
        url = f"{BASE}/participations"
        r = requests.get(url, headers=H, params={"user_ids": chunk, "page": 1})  # !DK004
        rows.extend(r.json()["data"])
    return rows

def caller_walks_the_pages():
    page = 1
    while groups := requests.get(f"{BASE}/groups", headers=H,
                                 params={"page": page}).json()["data"]:
        print(len(groups))
        page += 1
""",
    )


def test_dk004_the_first_few_items_are_not_the_whole_list(tmp_path: Path) -> None:
    # a head that fits in a V2 page is on page 1; the last few of page 1 are not the last
    # few of the list
    check(
        tmp_path,
        """
def newest_three():
    return requests.get(f"{BASE}/users", headers=H).json()["data"][:3]  # ok: DK004

def last_five():
    return requests.get(f"{BASE}/groups", headers=H).json()["data"][-5:]  # !DK004
""",
    )


def test_dk005_job_kept_on_an_orm_row_for_a_cron_job(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class PendingJob(Base):
    __tablename__ = "pending_jobs"

def remove(db, uid):
    job = requests.delete(f"{BASE}/user/{uid}", headers=H).json()["job_id"]
    db.add(PendingJob(job_id=job, created_at=datetime.now()))
    db.commit()

def remove_and_forget(uid):
    job = requests.delete(f"{BASE}/user/{uid}", headers=H).json()["job_id"]  # !DK005
    row = PendingJob(job_id=job)
    print(row)
""",
    )


def test_an_age_filter_in_the_store_s_own_method_bounds_the_entries_it_holds(
    tmp_path: Path,
) -> None:
    # entries read back from a file in __init__, filtered by age in the ledger's own
    # generator, with the limit its caller gives: the poll is bounded by that limit
    files = {
        "ledger.py": """
            import json
            from dataclasses import dataclass
            from datetime import datetime, timedelta
            from pathlib import Path

            import requests

            @dataclass
            class Entry:
                job_id: str
                issued_at: str

                def age(self):
                    return datetime.utcnow() - datetime.fromisoformat(self.issued_at)

            class Ledger:
                def __init__(self, path):
                    self._entries = {}
                    for raw in json.loads(Path(path).read_text()):
                        entry = Entry(**raw)
                        self._entries[entry.job_id] = entry

                def open_entries(self, max_age):
                    for entry in list(self._entries.values()):
                        if entry.age() > max_age:
                            continue
                        yield entry

            def week(path):
                for entry in Ledger(path).open_entries(max_age=timedelta(days=6)):
                    url = f"https://acme.dokeos.com/api/jobs/{entry.job_id}"
                    requests.get(url)  # ok: DK006

            def month(path):
                for entry in Ledger(path).open_entries(max_age=timedelta(days=30)):
                    url = f"https://acme.dokeos.com/api/jobs/{entry.job_id}"
                    requests.get(url)  # !DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_the_smaller_of_a_given_span_and_a_week_bounds_the_poll(tmp_path: Path) -> None:
    # `timedelta(days=n)` of a number from the command line is a span of unknown length;
    # `min(..., JOB_TTL)` is at most a week
    files = {
        "poll.py": """
            from datetime import datetime, timedelta, timezone

            import click
            import duckdb
            import requests

            JOB_TTL = timedelta(days=7)

            def pending(con, max_age):
                since = datetime.now(timezone.utc) - max_age
                return con.execute("SELECT job_id FROM jobs WHERE issued_at >= ?", [since])

            def poll(con, days):
                for (job_id,) in pending(con, min(timedelta(days=days), JOB_TTL)).fetchall():
                    requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}")  # ok: DK006

            def poll_any(con, days):
                for (job_id,) in pending(con, timedelta(days=days)).fetchall():
                    requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}")  # !DK006

            @click.command()
            @click.option("--days", type=int, default=7)
            def main(days):
                con = duckdb.connect("state.db")
                poll(con, days)
                poll_any(con, days)
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
