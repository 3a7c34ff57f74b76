"""SDK layers written in other styles than ours: resources made on demand by
``__getattr__``, requests built by a base class from what subclasses declare, generated
openapi-python-client packages, work mapped over pools, and the age limits other time
libraries spell. Findings go where the project's own code decides, never into the shared
or generated layer."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"

_SDK = {
    "acme/__init__.py": "",
    "acme/transport.py": f"""
    import logging
    from functools import partialmethod

    import requests

    log = logging.getLogger(__name__)

    class Transport:
        def __init__(self, base_url):
            self.base_url = base_url.rstrip("/")
            self.session = requests.Session()
            self.session.headers.update({{"Accept": "{V2}"}})

        def send(self, method, path, **kwargs):
            url = f"{{self.base_url}}/{{path.lstrip('/')}}"
            log.debug("%s %s params=%s", method, url, kwargs.get("params"))
            return self.session.request(method, url, **kwargs)

        put = partialmethod(send, "PUT")
    """,
    "acme/models.py": """
    import attrs

    @attrs.define(kw_only=True)
    class Model:
        raw: dict = attrs.field(factory=dict)

        @classmethod
        def from_api(cls, data):
            names = {a.name for a in attrs.fields(cls)} - {"raw"}
            return cls(raw=data, **{k: v for k, v in data.items() if k in names})

    @attrs.define(kw_only=True)
    class User(Model):
        id: int
        email: str = ""
        group_ids: list = attrs.field(factory=list)

    @attrs.define(kw_only=True)
    class Job(Model):
        job_id: str
        status: str = "pending"
    """,
    "acme/resources.py": """
    import time
    from functools import partialmethod

    from acme import models

    class Resource:
        path = ""
        model = models.Model

    class Users(Resource):
        path = "/users"
        model = models.User

    class Jobs(Resource):
        path = "/jobs"
        model = models.Job

    class Groups(Resource):
        path = "/groups"

    class Manager:
        resource = Resource

        def __init__(self, transport):
            self._transport = transport

        def _page(self, params, page):
            res = self.resource
            body = self._transport.send("GET", res.path, params={**params, "page": page}).json()
            if isinstance(body, list):
                return [res.model.from_api(d) for d in body], bool(body)
            return [res.model.from_api(d) for d in body.get("data", [])], False

        def list(self, page=1, **filters):
            items, _ = self._page(filters, page)
            return items

        def get(self, id):
            res = self.resource
            resp = self._transport.send("GET", f"{res.path}/{id}")
            return res.model.from_api(resp.json())

    class UserManager(Manager):
        resource = Users

    class JobManager(Manager):
        resource = Jobs

        def wait(self, job):
            job_id = job if isinstance(job, str) else job.job_id
            while True:
                current = self.get(job_id)
                if current.status in ("done", "failed"):
                    return current
                time.sleep(2)

    class GroupManager(Manager):
        resource = Groups

        def _membership(self, field, op, group_id, ids):
            path = f"{self.resource.path}/{group_id}"
            resp = self._transport.put(path, json={field: {op: list(ids)}})
            body = resp.json()
            return models.Job.from_api(body) if body.get("job_id") else None

        add_learners = partialmethod(_membership, "learner_ids", "add")
    """,
    "acme/client.py": """
    from acme.resources import GroupManager, JobManager, UserManager
    from acme.transport import Transport

    class Client:
        _managers = {"users": UserManager, "groups": GroupManager, "jobs": JobManager}

        def __init__(self, base_url="https://acme.dokeos.com/api"):
            self.transport = Transport(base_url)

        def __getattr__(self, name):
            manager = type(self)._managers[name](self.transport)
            setattr(self, name, manager)
            return manager
    """,
}


def test_resources_made_by_getattr_are_named_where_the_script_picks_them(
    tmp_path: Path,
) -> None:
    files = {
        **_SDK,
        "scripts/sync.py": """
        from acme.client import Client

        def every_user(client):
            page = 1
            while True:
                batch = client.users.list(page=page)  # !DK004
                yield from batch
                if len(batch) < 50:
                    break
                page += 1

        def main():
            client = Client()
            for user in every_user(client):
                for group_id in user.group_ids:  # !DK002
                    print(group_id)
            job = client.groups.add_learners(4, [1, 2])
            client.jobs.wait(job)
            client.groups.add_learners(5, [3])  # !DK005

        if __name__ == "__main__":
            main()
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


_GENERATED = {
    "lms_client/__init__.py": '"""A client library for accessing Dokeos LMS API"""\n',
    "lms_client/types.py": """
    class Unset:
        def __bool__(self):
            return False

    UNSET = Unset()
    """,
    "lms_client/client.py": """
    import httpx
    from attrs import define, field

    @define
    class Client:
        _base_url: str = field(alias="base_url")
        _headers: dict = field(factory=dict, kw_only=True, alias="headers")
        _client: httpx.Client | None = field(default=None, init=False)

        def get_httpx_client(self):
            if self._client is None:
                self._client = httpx.Client(base_url=self._base_url, headers=self._headers)
            return self._client

        def get_async_httpx_client(self):
            raise NotImplementedError
    """,
    "lms_client/models/user.py": """
    from attrs import define, field

    from ..types import UNSET

    @define
    class User:
        id: int
        tag_ids: list = UNSET
        group_ids: list = UNSET
        additional_properties: dict = field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src_dict):
            d = dict(src_dict)
            id = d.pop("id")
            tag_ids = d.pop("tag_ids", UNSET)
            group_ids = d.pop("group_ids", UNSET)
            user = cls(id=id, tag_ids=tag_ids, group_ids=group_ids)
            user.additional_properties = d
            return user
    """,
    "lms_client/models/users_page.py": """
    from attrs import define, field

    from .user import User

    @define
    class UsersPage:
        data: list
        total_pages: int
        additional_properties: dict = field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src_dict):
            d = dict(src_dict)
            data = []
            for item in d.pop("data"):
                data.append(User.from_dict(item))
            total_pages = d.pop("meta")["total_pages"]
            return cls(data=data, total_pages=total_pages)
    """,
    "lms_client/api/users/get_users.py": """
    from ...models.users_page import UsersPage
    from ...types import UNSET

    def _get_kwargs(*, page=UNSET, email=UNSET, response_attributes=UNSET):
        params = {"page": page, "email": email, "response_attributes": response_attributes}
        params = {k: v for k, v in params.items() if v is not UNSET and v is not None}
        return {"method": "get", "url": "/users", "params": params}

    def sync_detailed(*, client, page=UNSET, email=UNSET, response_attributes=UNSET):
        kwargs = _get_kwargs(page=page, email=email, response_attributes=response_attributes)
        response = client.get_httpx_client().request(**kwargs)
        return UsersPage.from_dict(response.json())

    def sync(*, client, page=UNSET, email=UNSET, response_attributes=UNSET):
        return sync_detailed(
            client=client, page=page, email=email, response_attributes=response_attributes
        )
    """,
}


def test_a_generated_client_s_findings_are_in_the_code_that_calls_it(tmp_path: Path) -> None:
    files = {
        **_GENERATED,
        "sync/users.py": f"""
        from lms_client.client import Client
        from lms_client.api.users import get_users

        def make_client():
            return Client(base_url="https://acme.dokeos.com/api", headers={{"Accept": "{V2}"}})

        def every_user(client):
            page = 1
            while True:
                result = get_users.sync(client=client, page=page, response_attributes="group_ids")
                yield from result.data
                if page >= result.total_pages:
                    return
                page += 1

        def memberships():
            return {{u.id: u.group_ids for u in every_user(make_client())}}

        def tags():
            return {{u.id: u.tag_ids for u in every_user(make_client())}}  # !DK002

        def dashboard():
            result = get_users.sync(client=make_client())  # !DK004
            return [u.id for u in result.data]

        def by_email(email):
            result = get_users.sync(client=make_client(), email=email)
            return result.data[0] if result.data else None
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_work_mapped_over_pools_runs_on_each_item(tmp_path: Path) -> None:
    files = {
        "jobs.py": """
        import csv
        from concurrent.futures import ThreadPoolExecutor
        from multiprocessing import Pool

        import requests
        from joblib import Parallel, delayed

        BASE = "https://acme.dokeos.com/api"

        def status(job_id):
            return requests.get(f"{BASE}/jobs/{job_id}").json()["status"]

        def kept_ids():
            with open("jobs.csv") as fh:
                return [row["job_id"] for row in csv.DictReader(fh)]

        def with_pool():
            with Pool(4) as pool:
                return list(pool.imap_unordered(status, kept_ids()))  # !DK006

        def with_threads():
            with ThreadPoolExecutor() as executor:
                return list(executor.map(status, kept_ids()))  # !DK006

        def with_joblib():
            return Parallel(n_jobs=4)(delayed(status)(j) for j in kept_ids())  # !DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_age_limits_spelled_by_pandas_and_pendulum_bound_the_poll(tmp_path: Path) -> None:
    files = {
        "check.py": """
        import pandas as pd
        import pendulum
        import requests

        BASE = "https://acme.dokeos.com/api"

        def status(job_id):
            return requests.get(f"{BASE}/jobs/{job_id}").json()["status"]

        def recent_week():
            jobs = pd.read_csv("jobs.csv", parse_dates=["issued_at"])
            now = pd.Timestamp.now(tz="UTC")
            recent = jobs[jobs["issued_at"] >= now - pd.Timedelta(days=7)]
            return [status(j) for j in recent["job_id"]]

        def fortnight():
            jobs = pd.read_csv("jobs.csv", parse_dates=["issued_at"])
            now = pd.Timestamp.now(tz="UTC")
            recent = jobs[jobs["issued_at"] >= now - pd.Timedelta(days=14)]
            return [status(j) for j in recent["job_id"]]  # !DK006

        def with_pendulum(store):
            oldest = pendulum.now("UTC").subtract(days=7)
            for job in store.pending():
                if job.issued_at < oldest:
                    continue
                print(status(job.job_id))
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_v2_ready_worker_gives_no_findings(tmp_path: Path) -> None:
    files = {
        "worker.py": f"""
        import asyncio
        from itertools import islice, product

        import httpx

        BASE = "https://acme.dokeos.com/api"
        HEADERS = {{"Accept": "{V2}"}}

        def chunked(ids, size=5):
            it = iter(ids)
            while chunk := list(islice(it, size)):
                yield chunk

        async def follow(client, queue):
            while True:
                job_id = await queue.get()
                while True:
                    r = await client.get(f"{{BASE}}/jobs/{{job_id}}")
                    if r.json()["status"] in ("done", "failed"):
                        break
                    await asyncio.sleep(2)

        async def participations(client, user_ids, training_ids):
            found = []
            for users, trainings in product(list(chunked(user_ids)), list(chunked(training_ids))):
                params = {{"user_ids": ",".join(map(str, users)),
                          "training_ids": ",".join(map(str, trainings))}}
                page = 1
                while True:
                    r = await client.get(f"{{BASE}}/participations",
                                         params={{**params, "page": page}}, headers=HEADERS)
                    items = r.json()["data"]
                    found.extend(items)
                    if not items:
                        break
                    page += 1
            return found

        async def remove(client, queue, group_id, ids):
            r = await client.put(f"{{BASE}}/groups/{{group_id}}",
                                 json={{"learner_ids": {{"remove": ids}}}}, headers=HEADERS)
            queue.put_nowait(r.json()["job_id"])

        async def main(user_ids, training_ids):
            queue = asyncio.Queue()
            async with httpx.AsyncClient(headers=HEADERS) as client:
                await remove(client, queue, 3, [1])
                await participations(client, user_ids, training_ids)
                await follow(client, queue)
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == []


def test_a_typer_command_reads_its_client_and_store_from_the_context(tmp_path: Path) -> None:
    files = {
        "admin/__init__.py": "",
        "admin/store.py": """
        import json
        from pathlib import Path

        class JobStore:
            def __init__(self, path):
                self.path = path

            def load(self):
                if not self.path.exists():
                    return []
                return json.loads(self.path.read_text())
        """,
        "admin/cli.py": f"""
        from dataclasses import dataclass
        from pathlib import Path

        import httpx
        import typer

        from admin.store import JobStore

        app = typer.Typer()

        @dataclass
        class State:
            client: httpx.Client
            store: JobStore

        @app.callback()
        def main(ctx: typer.Context) -> None:
            client = httpx.Client(base_url="https://acme.dokeos.com/api",
                                  headers={{"Accept": "{V2}"}})
            ctx.obj = State(client, JobStore(Path("~/.jobs.json").expanduser()))

        @app.command()
        def history(ctx: typer.Context) -> None:
            state = ctx.obj
            for stored in state.store.load():
                print(state.client.get(f"/jobs/{{stored['job_id']}}").json())  # !DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_what_an_unmodeled_wrapper_answers_is_read_as_its_body(tmp_path: Path) -> None:
    # a framework injects the client (nothing models it): its post() answers the decoded
    # body, and the job id read from it goes on to code that follows it
    files = {
        "service.py": """
        from framework import Injected

        class GroupService:
            dokeos = Injected()

            def add_manager(self, group_id, user_id):
                body = self.dokeos.post(f"https://acme.dokeos.com/api/groups/{group_id}/managers",
                                        json={"user_ids": [user_id]})
                return self.dokeos.wait_for_job(body["job_id"])["status"]

            def remove_learners(self, group_id, ids):
                body = self.dokeos.put(f"https://acme.dokeos.com/api/groups/{group_id}",
                                       json={"learner_ids": {"remove": ids}})
                return body.get("job_id")

            def sync_webinars(self):
                self.dokeos.put("https://acme.dokeos.com/api/webinar_sessions/sync")  # !DK005
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_dispatch_table_is_judged_where_the_script_names_the_operation(
    tmp_path: Path,
) -> None:
    files = {
        "legacy/__init__.py": "",
        "legacy/endpoints.py": """
        ENDPOINTS = {
            "users.list": ("GET", "/users"),
            "groups.list": ("GET", "/groups"),
            "participations.get": ("GET", "/participations/${id}"),
        }
        """,
        "legacy/client.py": """
        import json
        from string import Template

        import requests

        from legacy.endpoints import ENDPOINTS

        class _Resource:
            def __init__(self, client, name):
                self._client = client
                self._name = name

            def __getattr__(self, operation):
                op = "%s.%s" % (self._name, operation)

                def call(**kw):
                    return self._client._call(op, **kw)

                return call

        class Client:
            def __init__(self):
                self.session = requests.Session()

            def __getattr__(self, name):
                return _Resource(self, name)

            def _call(self, op, **kw):
                method, template = ENDPOINTS[op]
                path = Template(template).substitute(kw)
                resp = self.session.request(method, "https://acme.dokeos.com/api" + path)
                return resp.json()["data"]
        """,
        "scripts/report.py": """
        from legacy.client import Client

        def main():
            client = Client()
            for user in client.users.list():  # !DK004
                print(user["email"])
            print(client.participations.get(id=3)["status"])
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
