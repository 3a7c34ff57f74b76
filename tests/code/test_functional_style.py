"""Code written as composed functions and folds (toolz, functools, itertools): request
dicts built by pure functions, sent by one ``execute(req)``, pages folded by ``reduce``."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


_HTTP = """
import operator
from functools import reduce
from itertools import count, takewhile

import requests
from toolz import compose


def execute(req):
    resp = requests.request(**req)
    resp.raise_for_status()
    return resp


def json_body(resp):
    return resp.json() if resp.content else None


def data_of(payload):
    return payload.get("data", []) if isinstance(payload, dict) else payload or []


fetch_items = compose(data_of, json_body, execute)


def walk_pages(page_request):
    pages = map(compose(fetch_items, page_request), count(1))
    return reduce(operator.add, takewhile(bool, pages), [])


def walk_until_short(page_request, page_size, max_pages=500):
    def step(state, page):
        done, items = state
        if done:
            return state
        batch = fetch_items(page_request(page))
        return len(batch) < page_size, items + batch

    return reduce(step, range(1, max_pages + 1), (False, []))[1]
"""

_ENDPOINTS = """
from toolz import curry, merge

BASE = "https://acme.dokeos.com/api"
HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}
LEGACY = merge(HEADERS, {"Accept": "application/vnd.dokeos+json;version=1"})  # !DK001


def _ids(values):
    return ",".join(str(v) for v in values)


@curry
def users_page(query, page):
    return {"method": "GET", "url": f"{BASE}/users", "headers": HEADERS,
            "params": merge(query, {"page": page})}


@curry
def legacy_users_page(query, page):
    return {"method": "GET", "url": f"{BASE}/users", "headers": LEGACY,
            "params": merge(query, {"page": page})}


def participations_request(training_ids=(), user_ids=()):
    params = {
        key: value
        for key, value in (("training_ids", _ids(training_ids)), ("user_ids", _ids(user_ids)))
        if value
    }
    return {"method": "GET", "url": f"{BASE}/participations", "headers": HEADERS,
            "params": params}
"""


def test_a_pipeline_of_curried_builders_and_folds(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "etl/http.py": _HTTP,
            "etl/endpoints.py": _ENDPOINTS,
            "etl/extract.py": """
            from toolz.curried import concat, map, partition_all, pipe, pluck

            from etl.endpoints import legacy_users_page, participations_request, users_page
            from etl.http import fetch_items, walk_pages, walk_until_short

            def groups():
                # stops on a page shorter than 20: every page of V2 is read
                return walk_until_short(users_page({"type": "cohort"}), 20)

            def directory():
                query = {"response_attributes": "group_ids"}
                return [u["group_ids"] for u in walk_pages(users_page(query))]

            def managers():
                users = walk_pages(legacy_users_page({"status": "active"}))
                return [u for u in users if "manager" in u["role_names"]]  # !DK002

            def statuses(training_ids):
                fetch = fetch_items
                return pipe(
                    partition_all(10, training_ids),
                    map(lambda ids: fetch(participations_request(ids))),  # !DK003 !DK004
                    concat,
                    list,
                )

            def progress(training_ids):
                fetch = fetch_items
                parts = pipe(
                    partition_all(5, training_ids),
                    map(lambda ids: fetch(participations_request(training_ids=ids))),  # !DK004
                    concat,
                    list,
                )
                return pipe(parts, pluck("progressions"), list)  # !DK002
            """,
        },
    )


def test_islice_and_take_bound_what_they_return(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "etl/chunks.py": """
            from itertools import islice

            def lazy_chunks(iterable, size=5):
                # a chunker for generators: iter(callable, sentinel)
                it = iter(iterable)
                return iter(lambda: list(islice(it, size)), [])
            """,
            "etl/progress.py": """
            import csv
            from itertools import islice

            import requests
            from toolz import take

            from etl.chunks import lazy_chunks

            API = "https://campus.dokeos.com/api/participations"

            def learner_ids():
                with open("cohort.csv") as fh:
                    return [row["id"] for row in csv.DictReader(fh)]

            def peek():
                ids = ",".join(islice(learner_ids(), 5))
                return requests.get(API, params={"user_ids": ids}).json()["data"][0]  # ok: DK003

            def sample():
                ids = ",".join(take(3, learner_ids()))
                return requests.get(API, params={"user_ids": ids}).json()["data"][0]  # ok: DK003

            def too_many():
                ids = ",".join(islice(learner_ids(), 0, 8))
                return requests.get(API, params={"user_ids": ids}).json()["data"][0]  # !DK003

            def every_chunk():
                for chunk in lazy_chunks(learner_ids(), 5):
                    r = requests.get(API, params={"user_ids": ",".join(chunk)})  # ok: DK003
                    print(r.json()["data"][0])
            """,
        },
    )


def test_polars_column_expressions_read_the_columns_they_name(tmp_path: Path) -> None:
    files = {
        "etl.py": """
            import httpx
            import polars as pl

            client = httpx.Client(base_url="https://acme.dokeos.com/api")

            def users(page):
                body = client.get("/users", params={"page": page}).json()  # ok: DK004
                return pl.from_dicts(body["data"])

            def tutors(page):
                frame = users(page)
                return frame.filter(pl.col("role_names").list.contains("tutor"))  # !DK002

            def skill_counts(page):
                return users(page).select(
                    "id",
                    pl.col("skills").list.len().alias("n"),  # !DK002
                )

            def emails(page):
                return users(page).select("id", pl.col("email").str.to_lowercase())
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
