"""Control flow the values decide: a return that surely runs ends the function, ``True``
is a flag, and a next link counts only where the code goes on or stops on it."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_code_after_a_return_the_flag_decides_never_runs(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "users.py": """
            import requests

            def fetch(page):
                r = requests.get("https://acme.dokeos.com/api/users", params={"page": page})
                return r.json()["data"]

            def every():
                page, out = 1, []
                while True:
                    items = fetch(page)
                    out.extend(items)
                    if not items:
                        return out
                    page += 1

            def listing(*, get_all=False, page=1):
                if get_all:
                    return every()
                return fetch(page)

            def main():
                for user in listing(get_all=True):
                    print(user["id"])
            """,
        },
    )


def test_a_next_link_read_and_dropped_walks_no_page(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "groups.py": """
            import requests

            BASE = "https://acme.dokeos.com/api"

            def page_of(path, page):
                body = requests.get(f"{BASE}{path}", params={"page": page}).json()
                return body["data"], body["meta"]["next_page"] is not None

            def first_page(path):
                items, _ = page_of(path, 1)
                return items

            def every(path):
                page, found = 1, []
                while True:
                    items, more = page_of(path, page)
                    found.extend(items)
                    if not more:
                        return found
                    page += 1

            def names():
                return [g["name"] for g in first_page("/groups")]  # !DK004

            def emails():
                return [u["email"] for u in every("/users")]

            def by_links():
                url = f"{BASE}/trainings"
                rows = []
                while url:
                    body = requests.get(url).json()
                    rows.extend(body["data"])
                    url = body["links"].get("next")
                return rows
            """,
        },
    )


def test_an_age_check_a_caller_made_for_other_data_does_not_bound_the_ids(
    tmp_path: Path,
) -> None:
    check(
        tmp_path,
        {
            "jobs.py": """
            import sqlite3
            from datetime import datetime, timedelta, timezone

            import requests

            BASE = "https://acme.dokeos.com/api"

            def status(job_id):
                return requests.get(f"{BASE}/jobs/{job_id}").json()["status"]

            class Store:
                def __init__(self):
                    self.db = sqlite3.connect("jobs.db")

                def recent(self, max_age):
                    cutoff = (datetime.now(timezone.utc) - max_age).isoformat()
                    sql = "SELECT job_id FROM jobs WHERE issued_at >= ?"
                    return self.db.execute(sql, (cutoff,)).fetchall()

                def not_done(self):
                    sql = "SELECT job_id FROM jobs WHERE status != 'done'"
                    return self.db.execute(sql).fetchall()

            def poll_recent(store):
                return [status(job_id) for (job_id,) in store.recent(timedelta(days=7))]

            def report_unfinished(store):
                return [status(job_id) for (job_id,) in store.not_done()]  # !DK006

            def leavers(since):
                return requests.get("https://hr.example.com/leavers", params={"since": since})

            def run(day):
                store = Store()
                leavers(day - timedelta(days=1))
                poll_recent(store)
                report_unfinished(store)
            """,
        },
    )


def test_a_cutoff_passed_down_to_the_function_reading_the_ids_bounds_them(
    tmp_path: Path,
) -> None:
    check(
        tmp_path,
        {
            "jobs.py": """
            import sqlite3
            from datetime import datetime, timedelta, timezone

            import requests

            BASE = "https://acme.dokeos.com/api"

            def status(job_id):
                return requests.get(f"{BASE}/jobs/{job_id}").json()["status"]

            def poll_since(cutoff):
                db = sqlite3.connect("jobs.db")
                rows = db.execute("SELECT job_id FROM jobs WHERE issued_at >= ?", (cutoff,))
                return [status(job_id) for (job_id,) in rows.fetchall()]

            def weekly():
                return poll_since(datetime.now(timezone.utc) - timedelta(days=7))
            """,
        },
    )


def test_returning_a_page_count_is_not_using_the_page_as_the_list(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "groups.py": """
            import requests

            def count_groups():
                body = requests.get("https://acme.dokeos.com/api/groups").json()
                return body["meta"]["total"]

            def all_groups():
                body = requests.get("https://acme.dokeos.com/api/groups").json()  # !DK004
                return body["data"]
            """,
        },
    )


def test_a_header_set_in_a_branch_the_values_do_not_decide_may_keep_its_value(
    tmp_path: Path,
) -> None:
    # V2 behind a flag: the V1 header is still sent when the flag is off, from each place
    # it is defined; a hook that overrides it on some requests leaves it on the others
    files = {
        "sync.py": """
            import os

            import httpx
            import requests

            V1 = "application/vnd.dokeos+json;version=1"
            V2 = "application/vnd.dokeos+json;version=2"
            URL = "https://acme.dokeos.com/api/trainings"

            def mutated():
                headers = {"Accept": V1}  # !DK001
                if os.environ.get("DOKEOS_V2"):
                    headers["Accept"] = V2
                return requests.get(URL, headers=headers).status_code

            def rebound():
                headers = {"Accept": V1}  # !DK001
                if os.environ.get("DOKEOS_V2"):
                    headers = {"Accept": V2}
                return requests.get(URL, headers=headers).status_code

            def decided():
                headers = {"Accept": V1}  # ok: DK001
                if True:
                    headers["Accept"] = V2
                return requests.get(URL, headers=headers).status_code

            def pin(request):
                if request.extensions.get("legacy"):
                    request.headers["Accept"] = V1  # !DK001

            client = httpx.Client(
                base_url="https://acme.dokeos.com/api",
                headers={"Accept": V1},  # !DK001
                event_hooks={"request": [pin]},
            )

            def ping():
                return client.get("/trainings").status_code
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
