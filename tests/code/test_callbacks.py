"""Callbacks and models frameworks own: a listener registered inside an app factory, a
tool class whose client is a pydantic field's default, filters that may be empty."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_listener_registered_in_an_app_factory_runs(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "gateway/app.py": """
            import httpx
            from sanic import Sanic

            from gateway.tasks import refresh_exports

            def create_app() -> Sanic:
                app = Sanic("gateway")

                @app.before_server_start
                async def setup_clients(app: Sanic) -> None:
                    app.ctx.exports_http = httpx.AsyncClient(
                        base_url="https://acme.dokeos.com/api",
                        headers={"Accept": "application/vnd.dokeos+json; version=1"},  # !DK001
                    )

                @app.after_server_start
                async def start_refresh(app: Sanic) -> None:
                    app.add_task(refresh_exports(app))

                return app
            """,
            "gateway/tasks.py": """
            from sanic import Sanic

            async def refresh_exports(app: Sanic) -> int:
                http = app.ctx.exports_http
                resp = await http.get("/participations", params={"training_ids": "4"})  # !DK004
                rows = resp.json()
                return sum(len(row["progressions"]) for row in rows)  # !DK002
            """,
        },
    )


def test_a_tool_gets_the_client_its_field_declares(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "tools/wrapper.py": """
            import requests
            from pydantic import BaseModel

            class Wrapper(BaseModel):
                base_url: str = "https://acme.dokeos.com/api"

                def get(self, path, **params):
                    return requests.get(self.base_url + path, params=params or None).json()

                def put(self, path, body=None):
                    return requests.put(self.base_url + path, json=body).json()

                def pages(self, path, **params):
                    page = 1
                    while True:
                        body = self.get(path, page=page, **params)
                        yield from body.get("data", [])
                        if not body.get("links", {}).get("next"):
                            return
                        page += 1

                def users(self, **filters):
                    return self.pages("/users", **filters)
            """,
            "tools/groups.py": """
            from typing import List, Optional

            from langchain_core.tools import BaseTool
            from pydantic import BaseModel, Field

            from tools.wrapper import Wrapper

            class User(BaseModel):
                id: int
                skills: List[str] = Field(default_factory=list)

            class SetManagers(BaseTool):
                name: str = "set_group_managers"
                api: Wrapper = Field(default_factory=Wrapper)

                def _run(self, group_id: int, user_ids: List[int]) -> str:
                    self.api.put(f"/groups/{group_id}", {"manager_ids": user_ids})  # !DK005
                    return f"group {group_id} updated"

            class ListUsers(BaseTool):
                name: str = "list_users"
                api: Wrapper = Field(default_factory=Wrapper)

                def _run(self, department: Optional[str] = None, skill: str = "") -> str:
                    filters = {"department": department} if department else {}
                    users = [User.model_validate(row) for row in self.api.users(**filters)]
                    return ", ".join(str(u.id) for u in users if skill in u.skills)  # !DK002
            """,
        },
    )


def test_service_handlers_registered_with_a_framework_run(tmp_path: Path) -> None:
    # Home Assistant style: handlers defined inside a setup function and handed to the
    # framework; the runtime data comes out of its registry, typed by the helper
    check(
        tmp_path,
        {
            "component/api.py": """
            import aiohttp

            class ApiClient:
                def __init__(self, session: aiohttp.ClientSession, host: str):
                    self._session = session
                    self._base = f"https://{host}/api"

                async def delete_user(self, user_id):
                    url = f"{self._base}/user/{user_id}"
                    async with self._session.delete(url) as resp:  # !DK005
                        return await resp.json()

                async def participation(self, participation_id):
                    url = f"{self._base}/participations/{participation_id}"
                    async with self._session.get(url) as resp:
                        return await resp.json()

            def make_client() -> ApiClient:
                return ApiClient(aiohttp.ClientSession(), "acme.dokeos.com")
            """,
            "component/services.py": """
            from dataclasses import dataclass

            from component.api import ApiClient

            DOMAIN = "dokeos"

            @dataclass
            class Runtime:
                client: ApiClient

            def _runtime(hass) -> Runtime:
                return next(iter(hass.data[DOMAIN].values()))

            def register_services(hass):
                async def delete_user(call):
                    await _runtime(hass).client.delete_user(call.data["user_id"])

                async def progress(call):
                    detail = await _runtime(hass).client.participation(call.data["id"])
                    return {"modules": detail["progressions"]}  # !DK002

                hass.services.async_register(DOMAIN, "delete_user", delete_user)
                hass.services.async_register(DOMAIN, "progress", progress)
            """,
        },
    )


def test_futures_hand_back_what_the_submitted_call_returned(tmp_path: Path) -> None:
    files = {
        "bulk.py": """
        from concurrent.futures import ThreadPoolExecutor, as_completed

        import requests

        API = "https://acme.dokeos.com/api"

        def delete_job(uid):
            return requests.delete(f"{API}/user/{uid}").json()["job_id"]  # ok: DK005

        def wait(job_id):
            return requests.get(f"{API}/jobs/{job_id}").json()

        def by_key(ids):
            with ThreadPoolExecutor() as pool:
                futures = {pool.submit(delete_job, uid): uid for uid in ids}
                for future in as_completed(futures):
                    wait(future.result())

        def one(uid):
            with ThreadPoolExecutor() as pool:
                job_id = pool.submit(delete_job, uid).result()
            wait(job_id)
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_functions_a_factory_returns_to_a_library_are_run(tmp_path: Path) -> None:
    # the library runs what the factory hands it; what they return goes back to it
    files = {
        "jobs.py": """
            import requests
            import scheduler_lib

            BASE = "https://acme.dokeos.com/api"

            def make_jobs(session):
                def groups():
                    return session.get(f"{BASE}/groups").json()["data"]  # !DK004

                def leavers():
                    for user_id in [7, 8]:
                        session.delete(f"{BASE}/user/{user_id}")  # !DK005

                return [groups, leavers]

            def main():
                scheduler_lib.register_all(make_jobs(requests.Session()))
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
