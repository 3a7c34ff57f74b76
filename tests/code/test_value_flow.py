"""URLs, headers and responses are followed through assignments, calls, imports and classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Settings
from tests.code.helpers import marked, rules_at, scan_files

V1 = '"application/vnd.dokeos+json;version=1"'
V2 = '"application/vnd.dokeos+json;version=2"'


@pytest.mark.parametrize(
    "url_expr",
    [
        '"https://acme.dokeos.com/api/participations/" + str(pid)',
        'f"{BASE}/participations/{pid}"',
        '"{}/participations/{}".format(BASE, pid)',
        '"{base}/participations/{id}".format(base=BASE, id=pid)',
        '"%s/participations/%s" % (BASE, pid)',
        'urljoin(BASE + "/", f"participations/{pid}")',
        "BASE + PARTICIPATION % pid",
    ],
)
def test_url_building_forms_all_reach_the_endpoint(tmp_path: Path, url_expr: str) -> None:
    findings = scan_files(
        tmp_path,
        {
            "progress.py": f"""
        from urllib.parse import urljoin
        import requests

        BASE = "https://acme.dokeos.com/api"
        PARTICIPATION = "/participations/%s"

        def progress(pid):
            resp = requests.get({url_expr}, headers={{"Accept": {V2}}})
            return resp.json()["progressions"]
    """
        },
    )
    assert rules_at(findings) == [("DK002", "progress.py", 9)]


def test_constants_imported_from_another_module(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/settings.py": f"""
            DOKEOS_URL = "https://acme.dokeos.com/api"
            DOKEOS_ACCEPT = {V1}
        """,
            "app/sync.py": """
            import requests

            from app.settings import DOKEOS_ACCEPT, DOKEOS_URL
            from . import settings

            def remove(user_id):
                requests.delete(f"{DOKEOS_URL}/user/{user_id}", headers={"Accept": DOKEOS_ACCEPT})

            def remove_again(user_id):
                url = settings.DOKEOS_URL + "/user/" + str(user_id)
                requests.delete(url, headers={"Accept": settings.DOKEOS_ACCEPT})
        """,
        },
    )
    # one finding per header definition (two dicts here), none on the shared constant
    assert rules_at(findings) == [
        ("DK001", "app/sync.py", 7),
        ("DK001", "app/sync.py", 11),
        ("DK005", "app/sync.py", 7),
        ("DK005", "app/sync.py", 11),
    ]


@pytest.mark.parametrize(
    "headers_setup",
    [
        "HEADERS = dict(BASE_HEADERS, Accept=ACCEPT)",
        'HEADERS = {**BASE_HEADERS, "Accept": ACCEPT}',
        'HEADERS = BASE_HEADERS.copy()\nHEADERS["Accept"] = ACCEPT',
        'HEADERS = dict(BASE_HEADERS)\nHEADERS.update({"Accept": ACCEPT})',
    ],
)
def test_header_dicts_built_in_every_way(tmp_path: Path, headers_setup: str) -> None:
    source = "\n".join(
        [
            "import requests",
            f"ACCEPT = {V1}",
            'BASE_HEADERS = {"User-Agent": "hr-sync/2.1"}',
            headers_setup,
            "def trainings():",
            '    return requests.get("https://lms.acme.test/trainings", headers=HEADERS).json()',
        ]
    )
    findings = scan_files(tmp_path, {"client.py": source})
    # the finding sits on the header definition, not on the constant it reads
    definition_line = 4 + next(
        i for i, line in enumerate(headers_setup.splitlines()) if "Accept" in line
    )
    assert rules_at(findings) == [("DK001", "client.py", definition_line)]


def test_base_class_sets_headers_and_base_url_for_subclasses(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "lms/base.py": f"""
            import requests

            class DokeosBase:
                def __init__(self, base_url):
                    self.base_url = base_url.rstrip("/")
                    self.session = requests.Session()
                    self.session.headers.update({{"Accept": {V2}, "Authorization": "Bearer x"}})

                def _get(self, path, **params):
                    resp = self.session.get(self.base_url + path, params=params)
                    resp.raise_for_status()
                    return resp.json()
        """,
            "lms/users.py": """
            from lms.base import DokeosBase

            class UserDirectory(DokeosBase):
                def roles(self, email):
                    found = self._get("/users", email=email)["data"]
                    return found[0]["role_names"] if found else []

                def everyone(self):
                    return [u["id"] for u in self._get("/users")["data"]]
        """,
            "main.py": """
            import os
            from lms.users import UserDirectory

            def main():
                directory = UserDirectory(os.environ["LMS_URL"])
                print(directory.roles("ada@example.org"), len(directory.everyone()))
        """,
        },
    )
    assert rules_at(findings) == [("DK002", "lms/users.py", 6), ("DK004", "lms/users.py", 9)]


def test_session_subclass_with_base_url(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "api.py": f"""
        import requests

        class DokeosSession(requests.Session):
            base_url = "https://acme.dokeos.com/api/v2"

            def __init__(self):
                super().__init__()
                self.headers["Accept"] = {V2}

            def request(self, method, url, *args, **kwargs):
                return super().request(method, self.base_url + url, *args, **kwargs)

        def purge(user_ids):
            api = DokeosSession()
            for user_id in user_ids:
                api.delete(f"/user/{{user_id}}")
    """
        },
    )
    assert rules_at(findings) == [("DK005", "api.py", 16)]


def test_local_helper_returning_json_carries_the_response(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "report.py": f"""
        import requests

        H = {{"Accept": {V2}}}
        BASE = "https://acme.dokeos.com/api"

        def fetch(path, **params):
            return requests.get(BASE + path, params=params, headers=H).json()

        def progress_table(training_id):
            rows = []
            for p in fetch("/participations", training_ids=str(training_id), page=1)["data"]:
                modules = p.get("progressions", [])
                rows.append((p["user_id"], len(modules)))
            return rows

        def skills():
            return {{u["id"]: u["skills"] for u in fetch("/users", page=1)["data"]}}
    """
        },
    )
    # page=1 fixed in the code and the page used as the whole list: DK004 as well
    assert rules_at(findings) == [
        ("DK002", "report.py", 12),
        ("DK002", "report.py", 17),
        ("DK004", "report.py", 11),
        ("DK004", "report.py", 17),
    ]


def test_response_attributes_in_params_in_url_or_from_constants(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "attrs.py": f"""
        import requests

        H = {{"Accept": {V2}}}
        BASE = "https://acme.dokeos.com/api"
        USER_ATTRS = ["group_ids", "role_names"]

        def a(pid):
            r = requests.get(f"{{BASE}}/participations/{{pid}}?response_attributes=progressions",
                             headers=H)
            return r.json()["progressions"]

        def b():
            r = requests.get(f"{{BASE}}/users", headers=H,
                             params={{"page": 1, "response_attributes": ",".join(USER_ATTRS)}})
            return [(u["group_ids"], u["role_names"], u["tag_ids"]) for u in r.json()["data"]]
    """
        },
    )
    assert rules_at(findings) == [("DK002", "attrs.py", 15), ("DK004", "attrs.py", 13)]


def test_other_hosts_and_vendors_are_not_dokeos(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            "others.py": """
        '''Mirror of our old Dokeos client (sent application/vnd.dokeos+json;version=1).'''
        import logging
        import requests

        log = logging.getLogger(__name__)
        ACME = {"Accept": "application/vnd.acme+json;version=1"}
        OLD_ACCEPT = "application/vnd.dokeos+json;version=1"  # kept for the changelog only

        def github_users():
            return [u["login"] for u in requests.get("https://api.github.com/users").json()]

        def canvas_progress(course):
            url = f"https://canvas.example.edu/api/v1/courses/{course}/users"
            return [u["progressions"] for u in requests.get(url).json()]

        def acme_delete(uid):
            requests.delete(f"https://api.acme.test/user/{uid}", headers=ACME)
            log.info("sent %s", OLD_ACCEPT)
    """
        },
    )
    assert findings == []


def test_configured_host_marks_dokeos_traffic(tmp_path: Path) -> None:
    source = {
        "lms.py": """
        import requests

        def users():
            return requests.get("https://learning.acme-corp.test/api/groups").json()
    """
    }
    assert scan_files(tmp_path / "a", source) == []
    findings = scan_files(tmp_path / "b", source, Settings(hosts=("learning.acme-corp.test",)))
    assert rules_at(findings) == [("DK004", "lms.py", 4)]


def test_response_data_spread_into_models_is_read_where_fields_are_used(tmp_path: Path) -> None:
    files = {
        "models.py": """
            from dataclasses import dataclass

            from pydantic import BaseModel

            @dataclass
            class Learner:
                id: int
                email: str
                group_ids: list

            class Participation(BaseModel):
                id: int
                progressions: list
        """,
        "sync.py": """
            import requests

            from models import Learner, Participation

            H = {"Accept": "application/vnd.dokeos+json;version=2"}
            BASE = "https://acme.dokeos.com/api"

            def learners(email):
                data = requests.get(f"{BASE}/users", params={"email": email}, headers=H).json()
                found = [Learner(**item) for item in data["data"]]
                return [(learner.email, learner.group_ids) for learner in found]  # !DK002

            def progress(pid):
                body = requests.get(f"{BASE}/participations/{pid}", headers=H).json()
                return Participation.model_validate(body).progressions  # !DK002
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_client_passed_by_type_is_not_dokeos_when_another_host_uses_that_library(
    tmp_path: Path,
) -> None:
    files = {
        "clients.py": """
            import httpx

            def lms():
                return httpx.Client(base_url="https://acme.dokeos.com/api",
                                    headers={"Accept": "application/vnd.dokeos+json;version=2"})

            def github():
                return httpx.Client(base_url="https://api.github.com")

            def contributors(http: httpx.Client):
                return [u["login"] for u in http.get("/users").json()]
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == []


def test_session_passed_in_untyped_still_makes_http_calls(tmp_path: Path) -> None:
    files = {
        "paging.py": """
            async def paginate(client, path):
                page = 1
                while True:
                    data = (await client.get(path, params={"page": page})).json()["data"]
                    if not data:
                        return
                    for item in data:
                        yield item
                    page += 1

            async def all_tags(client):
                return [u["tag_ids"]  # !DK002
                        async for u in paginate(client, "https://acme.dokeos.com/api/users")]

            def settings_lookup(config):
                return config.get("/users")
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_test_client_of_the_app_is_not_a_dokeos_client(tmp_path: Path) -> None:
    files = {
        "lms.py": """
            import requests

            SESSION = requests.Session()
            SESSION.headers["Accept"] = "application/vnd.dokeos+json;version=2"

            def trainings():
                return SESSION.get("https://acme.dokeos.com/api/trainings").json()
        """,
        "tests/test_views.py": """
            from django.test import TestCase

            import lms

            class UserViews(TestCase):
                def test_lists_users(self):
                    users = self.client.get("/users/").json()
                    self.assertEqual([u["group_ids"] for u in users], [[1]])
                    self.assertTrue(lms.trainings)
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == []


def test_a_str_enum_member_has_its_class_s_methods(tmp_path: Path) -> None:
    files = {
        "lms/paths.py": """
        import enum

        class Route(str, enum.Enum):
            USERS = "/users"
            LEAVER = "/user/{uid}"
            JOB = "/jobs/{job_id}"

            def fill(self, **ids):
                return self.value.format(**ids)
        """,
        "lms/client.py": f"""
        import requests

        from lms.paths import Route

        API = "https://acme.dokeos.com/api"
        H = {{"Accept": {V2}}}

        def remove(uid):
            requests.delete(API + Route.LEAVER.fill(uid=uid), headers=H)  # !DK005

        def remove_and_wait(uid):
            job = requests.delete(API + Route.LEAVER.fill(uid=uid), headers=H).json()  # ok: DK005
            return requests.get(API + Route.JOB.fill(job_id=job["job_id"]), headers=H).json()
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_parameter_typed_as_a_list_holds_any_number_of_ids(tmp_path: Path) -> None:
    files = {
        "lms/report.py": f"""
        from collections.abc import Sequence

        import requests

        API = "https://acme.dokeos.com/api/participations"
        H = {{"Accept": {V2}}}

        def progress(learner: list[str]):
            params = {{"user_ids": ",".join(learner), "page": 1}}
            return requests.get(API, params=params, headers=H).json()  # !DK003 !DK004

        def one(learner: str):
            params = {{"user_ids": learner}}
            return requests.get(API, params=params, headers=H).json()  # ok: DK003; !DK004

        def few(learner: Sequence[str] | None = None):
            for start in range(0, len(learner or []), 5):
                chunk = (learner or [])[start : start + 5]
                ids = ",".join(chunk)
                r = requests.get(API, params={{"user_ids": ids}}, headers=H)  # ok: DK003
                for row in r.json()["data"][:1]:  # ok: DK004
                    print(row["id"])
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_stored_rows_made_into_records_by_a_class_made_at_run_time_stay_stored(
    tmp_path: Path,
) -> None:
    # `namedtuple(...)(*row)` and a row spread into a callable nothing models: the record
    # holds the row's fields, as old as the row; the query's look-back bounds their age
    files = {
        "journal.py": """
            import sqlite3
            from collections import namedtuple
            from datetime import datetime, timedelta

            import requests

            Job = namedtuple("Job", "job_id kind issued_at")

            class Journal:
                def __init__(self, path):
                    self.conn = sqlite3.connect(path)

                def open_jobs(self, issued_after):
                    sql = "SELECT job_id, kind, issued_at FROM jobs WHERE issued_at >= ?"
                    return [Job(*row) for row in self.conn.execute(sql, [issued_after])]

            def fortnight():
                since = datetime.utcnow() - timedelta(days=14)
                for job in Journal("j.db").open_jobs(since):
                    requests.get(f"https://acme.dokeos.com/api/jobs/{job.job_id}")  # !DK006

            def week():
                since = datetime.utcnow() - timedelta(days=7)
                for job in Journal("j.db").open_jobs(since):
                    requests.get(f"https://acme.dokeos.com/api/jobs/{job.job_id}")  # ok: DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_parts_of_a_parsed_url_are_the_parts_its_text_spells(tmp_path: Path) -> None:
    files = {
        "sync.py": """
            from urllib.parse import urlparse, urlsplit

            import requests

            BASE = "https://acme.dokeos.com/api/v2"
            H = {"Accept": "application/vnd.dokeos+json;version=2"}

            def origin():
                parts = urlparse(BASE)
                return f"{parts.scheme}://{parts.netloc}"

            def everyone():
                # the host is what says Dokeos: no media type is sent
                return requests.get(origin() + "/api/users").json()["data"]  # !DK004

            def every_group():
                url, found = f"{BASE}/groups", []
                while url:
                    body = requests.get(url, headers=H).json()  # ok: DK004
                    found += body["data"]
                    nxt = body["meta"].get("next")
                    url = BASE + urlsplit(nxt).path if nxt else None
                return found
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_an_empty_fallback_says_nothing_of_the_other_branch(tmp_path: Path) -> None:
    # `options.ids if options else ""`: ids from the command line, of any number
    files = {
        "cli.py": """
            import requests

            def given_ids(environment):
                raw = environment.parsed_options.ids if environment.parsed_options else ""
                return [int(part) for part in raw.split(",") if part.strip()]

            def enrolments(environment):
                ids = given_ids(environment)
                if not ids:
                    return None
                params = {"training_ids": ",".join(str(i) for i in ids)}
                url = "https://acme.dokeos.com/api/participations"
                return requests.get(url, params=params).json()["meta"]  # !DK003
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
