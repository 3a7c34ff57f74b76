"""Notebooks (py:percent scripts): top-level cells run in order, frames are built from
response items through helpers, and ``display()`` is the kernel's output."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

HELPERS = """
from collections.abc import Mapping

import pandas as pd

def items(body):
    # a bare array (V1) or {"data": [...]} (V2)
    if isinstance(body, Mapping):
        return list(body.get("data") or [])
    return list(body or [])

def frame(rows):
    df = pd.json_normalize(rows)
    return df.copy()
"""


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_table_methods_read_the_columns_they_name(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "nb/helpers.py": HELPERS,
            "nb/users.py": """
            # %%
            import requests

            from nb.helpers import frame, items

            API = "https://campus.dokeos.com/api"
            pages, page = [], 1
            while True:
                params = {"page": page, "response_attributes": "group_ids"}
                batch = items(requests.get(f"{API}/users", params=params).json())
                if not batch:
                    break
                pages.extend(batch)
                page += 1

            # %%
            users = frame(pages)
            per_group = users.explode("group_ids").groupby("group_ids").size()  # ok: DK002
            skills = users.explode("skills")  # !DK002
            by_tag = users.sort_values(by=["lastname", "tag_ids"])  # !DK002
            """,
        },
    )


def test_display_shows_a_job_it_does_not_follow(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "nb/sync.py": """
            # %%
            import httpx

            API = "https://campus.dokeos.com/api"
            r = httpx.put(f"{API}/presence_sessions/sync")  # !DK005
            display(r.status_code, r.text[:200])
            """,
        },
    )


def test_a_later_cell_s_filter_does_not_bound_an_earlier_poll(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "nb/jobs.py": """
            # %%
            import pandas as pd
            import requests

            API = "https://campus.dokeos.com/api"

            def status(job_id):
                return requests.get(f"{API}/jobs/{job_id}").json()["status"]

            # %%
            saved = pd.read_csv("jobs.csv", parse_dates=["issued_at"])
            every = [status(j) for j in saved["job_id"]]  # !DK006

            # %%
            week_ago = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=7)
            recent = saved[saved["issued_at"] >= week_ago]
            checked = [status(j) for j in recent["job_id"]]  # ok: DK006

            # %%
            # ids copied from last month's output: issued before this code was written
            for job_id in ["5c1d9a7e-0f3b-4d2a-9e61-2b7c8d9e0f1a"]:
                print(requests.get(f"{API}/jobs/{job_id}").json())  # !DK006
            """,
        },
    )


def test_a_row_filter_bounds_the_rows_it_keeps_not_the_others(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "nb/followup.py": """
            # %%
            import json

            import pandas as pd
            import requests

            API = "https://campus.dokeos.com/api"

            def status(job_id):
                return requests.get(f"{API}/jobs/{job_id}").json()["status"]

            now = pd.Timestamp.now(tz="UTC")
            log = pd.read_csv("jobs.csv", parse_dates=["issued_at"])

            # %%
            week = log[(log["issued_at"] >= now - pd.Timedelta(days=7)) & (log["kind"] == "delete")]
            fresh = [status(j) for j in week["job_id"]]  # ok: DK006

            # %%
            with open("group_jobs.json") as fh:
                other = json.load(fh)
            late = [status(e["job_id"]) for e in other]  # !DK006

            # %%
            fortnight = log[log["issued_at"] >= now - pd.Timedelta(days=14)]
            review = [status(j) for j in fortnight["job_id"]]  # !DK006
            """,
        },
    )


def test_pages_collected_as_frames_and_concatenated(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "nb/concat.py": """
            # %%
            import pandas as pd
            import requests

            API = "https://campus.dokeos.com/api"
            frames, page = [], 1
            while True:
                batch = requests.get(f"{API}/users", params={"page": page}).json()["data"]
                if not batch:
                    break
                frames.append(pd.DataFrame(batch))
                page += 1
            users = pd.concat(frames, ignore_index=True)
            users["email"].str.lower()
            users.explode("tag_ids")  # !DK002
            """,
        },
    )
