"""Tornado: ``AsyncHTTPClient().fetch(HTTPRequest(...))``, settings declared with
``tornado.options.define`` and handlers given their client by ``initialize()``."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_handlers_use_the_client_the_app_factory_makes(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "bridge/settings.py": """
            from tornado.options import define

            define("dokeos_url", default="https://acme.dokeos.com/api")
            define("dokeos_accept", default="application/vnd.dokeos+json;version=1")
            """,
            "bridge/dokeos.py": """
            import json

            from tornado.httpclient import AsyncHTTPClient, HTTPRequest
            from tornado.httputil import url_concat

            class DokeosClient:
                def __init__(self, base_url: str, accept: str):
                    self.base_url = base_url
                    self.headers = {"Accept": accept}  # !DK001
                    self.http = AsyncHTTPClient()

                async def request(self, method, path, params=None, json_body=None):
                    url = self.base_url + path
                    if params:
                        url = url_concat(url, params)
                    body = None if json_body is None else json.dumps(json_body)
                    req = HTTPRequest(url, method=method, headers=self.headers, body=body)
                    resp = await self.http.fetch(req)
                    return json.loads(resp.body) if resp.body else None
            """,
            "bridge/app.py": """
            import tornado.web
            from tornado.options import options

            from bridge import settings  # noqa: F401  (defines the options)
            from bridge.dokeos import DokeosClient
            from bridge.handlers import GroupHandler

            def make_client() -> DokeosClient:
                return DokeosClient(options.dokeos_url, options.dokeos_accept)

            def make_app():
                deps = {"dokeos": make_client()}
                return tornado.web.Application([(r"/groups/(\\d+)", GroupHandler, deps)])
            """,
            "bridge/handlers.py": """
            import tornado.web

            from bridge.dokeos import DokeosClient

            class GroupHandler(tornado.web.RequestHandler):
                def initialize(self, dokeos: DokeosClient) -> None:
                    self.dokeos = dokeos

                async def get(self, group_id):
                    query = {"group": group_id}
                    body = await self.dokeos.request("GET", "/users", params=query)  # !DK004
                    self.write({"tags": [u["tag_ids"] for u in body["data"]]})  # !DK002

                async def put(self, group_id):
                    ids = [int(v) for v in self.get_arguments("user_id")]
                    path = f"/groups/{group_id}"
                    await self.dokeos.request("PUT", path, json_body={"learner_ids": ids})  # !DK005
            """,
        },
    )


def test_a_next_link_loop_through_either_url_walks_every_page(tmp_path: Path) -> None:
    # the URL is the path or the absolute next link: the body decoded is either's
    check(
        tmp_path,
        {
            "client.py": """
            from tornado.escape import json_decode
            from tornado.httpclient import AsyncHTTPClient, HTTPRequest
            from tornado.httputil import url_concat

            class DokeosClient:
                def __init__(self):
                    self.base_url = "https://acme.dokeos.com/api"
                    self.headers = {"Accept": "application/vnd.dokeos+json;version=2"}
                    self.http = AsyncHTTPClient()

                def url(self, path, params=None):
                    if path.startswith("https://"):
                        url = path
                    else:
                        url = f"{self.base_url}/{path.lstrip('/')}"
                    return url_concat(url, dict(params)) if params else url

                async def get(self, path, params=None):
                    req = HTTPRequest(self.url(path, params), method="GET", headers=self.headers)
                    response = await self.http.fetch(req, raise_error=False)
                    return json_decode(response.body) if response.body else {}

                async def iter_pages(self, path, params=None):
                    url = self.url(path, params)
                    while url:
                        body = await self.get(url)
                        for item in body["data"]:
                            yield item
                        url = (body.get("links") or {}).get("next")

            async def group_names():
                client = DokeosClient()
                return [g["name"] async for g in client.iter_pages("groups", {"type": "cohort"})]
            """,
        },
    )


def test_options_defined_in_an_imported_module_set_the_delay(tmp_path: Path) -> None:
    # `from . import settings` runs settings (its define() calls) before anything else
    check(
        tmp_path,
        {
            "bridge/__init__.py": "",
            "bridge/app.py": """
            from bridge import scheduler

            def main():
                scheduler.make_scheduler().start()

            main()
            """,
            "bridge/settings.py": """
            from tornado.options import define

            define("recheck_days", default=10, type=int)
            define("poll_hours", default=1, type=int)
            """,
            "bridge/scheduler.py": """
            from datetime import datetime, timedelta, timezone

            import httpx
            import redis.asyncio as aioredis
            from apscheduler.schedulers.asyncio import AsyncIOScheduler
            from tornado.options import options

            from . import settings  # noqa: F401

            client = httpx.AsyncClient(base_url="https://acme.dokeos.com/api")
            cache = aioredis.from_url("redis://localhost")

            async def recheck(job_id):
                return (await client.get(f"/jobs/{job_id}")).json()["status"]  # !DK006

            async def poll_stored():
                for job_id in await cache.smembers("dokeos:jobs"):
                    print((await client.get(f"/jobs/{job_id}")).json()["status"])  # !DK006

            async def sync(scheduler):
                job_id = (await client.put("/presence_sessions/sync")).json()["job_id"]
                later = datetime.now(timezone.utc) + timedelta(days=options.recheck_days)
                scheduler.add_job(recheck, "date", run_date=later, args=[job_id])

            def make_scheduler():
                scheduler = AsyncIOScheduler()
                every = options.poll_hours
                scheduler.add_job(poll_stored, "interval", hours=every)
                scheduler.add_job(sync, "interval", hours=every, args=[scheduler])
                return scheduler
            """,
        },
    )
