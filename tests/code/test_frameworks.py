"""Where the HTTP call hides in frameworks, and where their wiring takes the data: each
library is a model (auditor/code/models), exercised here on realistic code."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_airflow_hooks_operators_sensors_and_xcom(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "dags/sync.py": f"""
            from datetime import timedelta

            from airflow import DAG
            from airflow.operators.python import PythonOperator
            from airflow.providers.http.hooks.http import HttpHook
            from airflow.providers.http.operators.http import HttpOperator
            from airflow.providers.http.sensors.http import HttpSensor

            HEADERS = {{"Accept": "{V2}"}}

            def deactivate(user_id):
                hook = HttpHook(method="DELETE", http_conn_id="dokeos")
                hook.run(f"/user/{{user_id}}", headers=HEADERS)  # !DK005

            def tags():
                hook = HttpHook(method="GET", http_conn_id="dokeos")
                users = hook.run("/users", data={{"email": "a@acme.test"}},
                                 headers=HEADERS).json()["data"]
                return users[0]["tag_ids"] if users else None  # !DK002

            def job_ids(response):
                return [s["job_id"] for s in response.json()["data"]]

            with DAG("dokeos_sessions", schedule="@hourly") as dag:
                sync = HttpOperator(
                    task_id="sync",
                    http_conn_id="dokeos",
                    method="PUT",
                    endpoint="/webinar_sessions/sync",
                    headers=HEADERS,
                    response_filter=job_ids,
                )
                wait = HttpSensor(  # !DK006
                    task_id="wait",
                    http_conn_id="dokeos",
                    endpoint="/jobs/{{{{ ti.xcom_pull(task_ids='sync')[0] }}}}",
                    headers=HEADERS,
                    timeout=timedelta(days=10),
                )
                PythonOperator(task_id="tags", python_callable=tags)
                sync >> wait
            """,
        },
    )
    # the sensor follows the sync's job (no DK005 on the sync), but pokes for up to 10 days


def test_fastapi_dependencies_through_annotated_aliases(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": f"""
            from typing import Annotated

            import httpx
            from fastapi import Depends, Request

            def build_client() -> httpx.AsyncClient:
                return httpx.AsyncClient(base_url="https://acme.dokeos.com/api",
                                         headers={{"Accept": "{V2}"}})

            def get_client(request: Request) -> httpx.AsyncClient:
                return request.app.state.dokeos

            Dokeos = Annotated[httpx.AsyncClient, Depends(get_client)]
            """,
            "app/main.py": """
            from contextlib import asynccontextmanager

            from fastapi import FastAPI

            from app.deps import Dokeos, build_client

            @asynccontextmanager
            async def lifespan(app: FastAPI):
                async with build_client() as client:
                    app.state.dokeos = client
                    yield

            app = FastAPI(lifespan=lifespan)

            @app.get("/groups")
            async def groups(client: Dokeos):
                response = await client.get("/groups")  # !DK004
                return response.json()["data"]

            @app.delete("/users/{user_id}")
            async def remove(user_id: int, client: Dokeos):
                response = await client.delete(f"/user/{user_id}")  # !DK005
                return {"status": response.status_code}
            """,
        },
    )


def test_flask_session_subclass_and_extension_on_g(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "portal/__init__.py": "",
            "portal/config.py": """
            DOKEOS_URL = "https://acme.dokeos.com/api/"
            """,
            "portal/http.py": f"""
            from urllib.parse import urljoin

            import requests

            class DokeosSession(requests.Session):
                def __init__(self, base_url):
                    super().__init__()
                    self.base_url = base_url
                    self.headers["Accept"] = "{V1}"  # !DK001

                def request(self, method, url, *args, **kwargs):
                    return super().request(method, urljoin(self.base_url, url), *args, **kwargs)
            """,
            "portal/views.py": """
            from flask import Blueprint, current_app, g

            from portal.http import DokeosSession

            bp = Blueprint("reports", __name__)

            @bp.before_app_request
            def bind():
                g.dokeos = DokeosSession(current_app.config["DOKEOS_URL"])

            @bp.route("/skills")
            def skills():
                users = g.dokeos.get("users", params={"email": "x@acme.test"}).json()["data"]
                return {"skills": users[0]["skills"]}  # !DK002
            """,
        },
    )


def test_odoo_registry_inherit_and_delayed_jobs(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "__init__.py": "from . import models\n",
            "models/__init__.py": "from . import mixin, job\n",
            "models/mixin.py": f"""
            import requests

            from odoo import models

            class DokeosMixin(models.AbstractModel):
                _name = "dokeos.mixin"

                def _call(self, method, path, **kwargs):
                    base = self.env["ir.config_parameter"].sudo().get_param(
                        "dokeos.url", "https://acme.dokeos.com/api")
                    return requests.request(method, f"{{base}}/{{path}}",
                                            headers={{"Accept": "{V2}"}}, **kwargs).json()
            """,
            "models/job.py": """
            from datetime import timedelta

            from odoo import fields, models

            class DokeosJob(models.Model):
                _name = "dokeos.job"
                _inherit = ["dokeos.mixin"]

                job_id = fields.Char()

                def action_delete(self, user_id):
                    result = self._call("DELETE", f"user/{user_id}")
                    job = self.create({"job_id": result["job_id"]})
                    job.with_delay(eta=timedelta(days=9)).check()

                def check(self):
                    for job in self:
                        self._call("GET", f"jobs/{job.job_id}")  # !DK006

                def _cron_poll(self):
                    for job in self.env["dokeos.job"].search([("state", "=", "pending")]):
                        job._call("GET", f"jobs/{job.job_id}")  # !DK006
            """,
        },
    )


def test_celery_chains_and_later_rechecks(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "tasks.py": f"""
            from datetime import timedelta

            import requests
            from celery import Celery, chain

            app = Celery("lms")
            H = {{"Accept": "{V2}"}}
            BASE = "https://acme.dokeos.com/api"

            @app.task
            def delete_user(user_id):
                return requests.delete(f"{{BASE}}/user/{{user_id}}", headers=H).json()["job_id"]

            @app.task
            def wait(job_id):
                return requests.get(f"{{BASE}}/jobs/{{job_id}}", headers=H).json()["status"]

            @app.task
            def audit(job_id):
                return requests.get(f"{{BASE}}/jobs/{{job_id}}", headers=H).json()  # !DK006

            @app.task
            def count(job_ids):
                return len(job_ids)

            @app.task
            def sync_all():
                body = requests.put(f"{{BASE}}/presence_sessions/sync", headers=H).json()  # !DK005
                return [s["job_id"] for s in body["data"]]

            def offboard(user_id):
                chain(delete_user.s(user_id), wait.s()).apply_async()

            def nightly():
                chain(sync_all.s(), count.s()).delay()

            def close_gate(gate):
                body = requests.put(f"{{BASE}}/training_gate/{{gate}}", headers=H, json={{}}).json()
                later = int(timedelta(days=14).total_seconds())
                audit.apply_async((body["job_id"],), countdown=later)
            """,
        },
    )


def test_generated_openapi_client_call_sites(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "client/__init__.py": "",
            "client/api_client.py": """
            # Generated by OpenAPI Generator (https://openapi-generator.tech)
            import urllib3

            class Configuration:
                def __init__(self, host="https://acme.dokeos.com/api"):
                    self.host = host

            class ApiClient:
                def __init__(self, configuration=None):
                    self.configuration = configuration or Configuration()
                    self.pool = urllib3.PoolManager()

                def select_header_accept(self, accepts):
                    for accept in accepts:
                        return accept

                def call_api(self, resource_path, method, path_params=None, query_params=None,
                             header_params=None, body=None, response_type=None):
                    url = self.configuration.host + resource_path
                    return self.pool.request(method, url, headers=header_params)
            """,
            "client/users_api.py": f"""
            # Generated by OpenAPI Generator (https://openapi-generator.tech)
            class UsersApi:
                def __init__(self, api_client):
                    self.api_client = api_client

                def list_users(self, **kwargs):
                    params = locals()
                    query_params = []
                    if params["kwargs"].get("page") is not None:
                        query_params.append(("page", params["kwargs"]["page"]))
                    header_params = {{}}
                    accept = self.api_client.select_header_accept
                    header_params["Accept"] = accept(["{V1}"])  # !DK001
                    return self.api_client.call_api("/users", "GET", {{}}, query_params,
                                                    header_params, response_type="UserPage")

                def delete_user(self, user_id):
                    header_params = {{"Accept": "{V2}"}}
                    return self.api_client.call_api("/user/{{user_id}}", "DELETE",
                                                    {{"user_id": user_id}}, [], header_params)
            """,
            "app.py": """
            from client.api_client import ApiClient
            from client.users_api import UsersApi

            api = UsersApi(ApiClient())

            def emails():
                return [u.email for u in api.list_users().data]  # !DK004

            def tags_page(page):
                return [u.tag_ids for u in api.list_users(page=page).data]  # !DK002

            def purge(user_id):
                api.delete_user(user_id)  # !DK005
            """,
        },
    )


def test_dataframes_built_from_pages_and_dagster_assets(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "pipeline.py": f"""
            import pandas as pd
            import requests
            from dagster import ConfigurableResource, asset

            class Dokeos(ConfigurableResource):
                base_url: str = "https://acme.dokeos.com/api"

                def pages(self, path, **params):
                    page = 1
                    while True:
                        body = requests.get(f"{{self.base_url}}{{path}}",
                                            params={{**params, "page": page}},
                                            headers={{"Accept": "{V2}"}}).json()
                        if not body["data"]:
                            return
                        yield from body["data"]
                        page += 1

            @asset
            def users(dokeos: Dokeos) -> pd.DataFrame:
                return pd.DataFrame(list(dokeos.pages("/users", response_attributes="group_ids")))

            @asset
            def tag_counts(users: pd.DataFrame) -> pd.DataFrame:
                return users["tag_ids"].explode().value_counts()  # !DK002

            @asset
            def progress(dokeos: Dokeos) -> pd.DataFrame:
                rows = list(dokeos.pages("/participations", status="done"))
                return pd.json_normalize(rows, record_path="progressions")  # !DK002
            """,
        },
    )


def test_stdlib_and_urllib3_transports(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "legacy.py": f"""
            import http.client
            import json

            import urllib3

            POOL = urllib3.PoolManager(headers={{"Accept": "{V1}"}})  # !DK001

            def groups():
                response = POOL.request("GET", "https://acme.dokeos.com/api/groups")  # !DK004
                return [g["name"] for g in json.loads(response.data)["data"]]

            def progress(pid):
                conn = http.client.HTTPSConnection("acme.dokeos.com")
                conn.request("GET", f"/api/participations/{{pid}}",
                             headers={{"Accept": "{V2}"}})
                body = json.loads(conn.getresponse().read())
                return body["progressions"]  # !DK002
            """,
        },
    )


def test_uplink_consumers_send_what_their_decorators_declare(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/api.py": f"""
            import uplink
            from uplink import Consumer, Path, Query

            FULL = "tag_ids,skills"

            @uplink.headers({{"Accept": "{V2}"}})
            class Api(Consumer):
                def __init__(self, base_url="https://acme.dokeos.com/api/"):
                    super().__init__(base_url=base_url)

                @uplink.returns.json
                @uplink.get("users")
                def users_page(self, page: Query = None, email: Query = None):
                    \"\"\"One page.\"\"\"

                @uplink.returns.json
                @uplink.get("users?response_attributes=" + FULL)
                def full_page(self, page: Query = None):
                    \"\"\"One page with every attribute.\"\"\"

                @uplink.returns.json
                @uplink.delete("user/{{user_id}}")
                def delete_user(self, user_id: Path):
                    \"\"\"Asynchronous.\"\"\"

                @uplink.headers({{"Accept": "{V1}"}})  # !DK001
                @uplink.get("reports/completions")
                def completions(self, training_id: Query):
                    \"\"\"Nobody calls it yet: it still declares a V1 request.\"\"\"
            """,
            "lms/cli.py": """
            import click

            from lms.api import Api

            @click.group()
            @click.pass_context
            def cli(ctx):
                ctx.obj = {"api": Api()}

            @cli.command()
            @click.pass_obj
            def tags(obj):
                for user in obj["api"].users_page()["data"]:  # !DK004
                    print(user["tag_ids"])  # !DK002

            @cli.command()
            @click.pass_obj
            def whois(obj, email):
                found = obj["api"].users_page(email=email)["data"]
                return found[0]["id"] if found else None

            @cli.command()
            @click.pass_obj
            def skills(obj):
                page = 1
                while True:
                    body = obj["api"].full_page(page=page)
                    for user in body["data"]:
                        print(user["skills"])
                    if not body["links"]["next"]:
                        break
                    page += 1

            @cli.command()
            @click.pass_obj
            def delete(obj, user_id):
                obj["api"].delete_user(user_id)  # !DK005
            """,
        },
    )


def test_ini_configuration_gives_its_defaults_and_sections(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lib.py": f"""
            import configparser
            import json
            import urllib.request

            DEFAULTS = {{"base_url": "https://globex.dokeos.com/api", "accept": "{V1}"}}

            def load(path):
                cp = configparser.ConfigParser()
                cp.read_dict({{"dokeos": DEFAULTS}})
                cp.read(path)
                return cp

            def headers(cfg):
                return {{"Accept": cfg["dokeos"].get("accept")}}  # !DK001

            def v2_headers(cfg):
                return {{"Accept": cfg.get("dokeos", "v2_accept", fallback="{V2}")}}

            def get(cfg, path, heads):
                url = cfg["dokeos"]["base_url"] + path
                request = urllib.request.Request(url, headers=heads)
                with urllib.request.urlopen(request, timeout=cfg["dokeos"].getint("t", 30)) as r:
                    return json.loads(r.read())

            def main():
                cfg = load("/etc/dokeos.ini")
                get(cfg, "/trainings", headers(cfg))
                get(cfg, "/trainings", v2_headers(cfg))
            """,
        },
    )


def test_django_get_returns_one_record_and_its_methods_bound_its_age(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "lms/models.py": """
            from datetime import timedelta

            import requests
            from django.db import models
            from django.utils import timezone

            TTL = timedelta(days=7)

            class Job(models.Model):
                job_id = models.CharField(max_length=64)
                created = models.DateTimeField(auto_now_add=True)

                def is_expired(self):
                    return timezone.now() - self.created > TTL

                def status(self):
                    url = f"https://acme.dokeos.com/api/jobs/{self.job_id}"
                    return requests.get(url).json()["status"]
            """,
            "lms/tasks.py": """
            from lms.models import Job

            def follow(pk):
                job = Job.objects.get(pk=pk)
                if job.is_expired():
                    return "expired"
                return job.status()

            def confirm(pk):
                job, _ = Job.objects.get_or_create(pk=pk)
                return job.status()  # !DK006
            """,
        },
    )


def test_azure_queue_messages_and_tables_are_stored_data(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "functions.py": """
            import json
            from datetime import datetime, timedelta, timezone

            import azure.functions as func
            import urllib3

            http = urllib3.PoolManager()
            bp = func.Blueprint()

            def job_status(job_id):
                url = f"https://acme.dokeos.com/api/jobs/{job_id}"
                return json.loads(http.request("GET", url).data.decode("utf-8"))

            @bp.queue_trigger(arg_name="msg", queue_name="jobs", connection="STORAGE")
            def poll(msg: func.QueueMessage) -> None:
                job_id = msg.get_body().decode("utf-8").strip()
                if datetime.now(timezone.utc) - msg.insertion_time > timedelta(days=7):
                    return
                print(job_status(job_id)["status"])

            @bp.queue_trigger(arg_name="msg", queue_name="late", connection="STORAGE")
            def poll_late(msg: func.QueueMessage) -> None:
                print(job_status(msg.get_body().decode())["status"])  # !DK006

            @bp.timer_trigger(arg_name="timer", schedule="0 0 * * * *")
            def sweep(timer: func.TimerRequest, table) -> None:
                for entity in table.query_entities("Status eq 'pending'"):
                    print(job_status(entity["RowKey"])["status"])  # !DK006
            """,
        },
    )


def test_generic_views_serve_records_of_their_queryset(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "jobs/models.py": """
            from datetime import timedelta

            from django.db import models
            from django.utils import timezone

            class JobQuerySet(models.QuerySet):
                def fresh(self):
                    return self.filter(created__gte=timezone.now() - timedelta(days=7))

            class Job(models.Model):
                job_id = models.CharField(max_length=40)
                created = models.DateTimeField(auto_now_add=True)
                objects = JobQuerySet.as_manager()
            """,
            "jobs/views.py": """
            import requests
            from rest_framework import viewsets

            from jobs.models import Job

            def status(job_id):
                return requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}").json()

            class JobViewSet(viewsets.ModelViewSet):
                queryset = Job.objects.all()

                def recheck(self, request):
                    return [status(job.job_id) for job in Job.objects.fresh()]

                def refresh(self, request, pk=None):
                    job = self.get_object()
                    return status(job.job_id)  # !DK006
            """,
        },
    )


def test_temporal_activities_run_with_their_arguments_and_timers_delay(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "worker/activities.py": """
            import httpx
            from temporalio import activity

            class Jobs:
                def __init__(self):
                    self.http = httpx.AsyncClient(base_url="https://acme.dokeos.com/api")

                @activity.defn
                async def status(self, job_id):
                    return (await self.http.get(f"/jobs/{job_id}")).json()["status"]

                @activity.defn
                async def sync(self):
                    body = (await self.http.put("/presence_sessions/sync")).json()
                    return [row["job_id"] for row in body["data"]]

                @activity.defn
                async def user(self, email):
                    return (await self.http.get("/users", params={"email": email})).json()
            """,
            "worker/workflows.py": """
            from datetime import timedelta

            from temporalio import workflow

            from worker.activities import Jobs

            @workflow.defn
            class Presence:
                @workflow.run
                async def run(self):
                    ids = await workflow.execute_activity_method(Jobs.sync)
                    await workflow.sleep(timedelta(days=8))
                    for job_id in ids:
                        await workflow.execute_activity_method(Jobs.status, job_id)  # !DK006

            @workflow.defn
            class Lookup:
                @workflow.run
                async def run(self, email):
                    body = await workflow.execute_activity_method(Jobs.user, email)
                    return body["data"][0]["tag_ids"] if body["data"] else None  # !DK002
            """,
        },
    )


def test_apscheduler_date_triggers_delay_the_job(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "sched.py": """
            from datetime import datetime, timedelta, timezone

            import requests
            from apscheduler.schedulers.blocking import BlockingScheduler
            from apscheduler.triggers.date import DateTrigger

            scheduler = BlockingScheduler()

            def confirm(job_id):
                return requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}").json()  # !DK006

            def offboard(user_id):
                body = requests.delete(f"https://acme.dokeos.com/api/user/{user_id}").json()
                when = datetime.now(timezone.utc) + timedelta(days=10)
                scheduler.add_job(confirm, DateTrigger(run_date=when), args=[body["job_id"]])
            """,
        },
    )


def test_kopf_handlers_poll_ids_kept_in_the_resource_status(tmp_path: Path) -> None:
    files = {
        "operator/handlers.py": """
        from datetime import datetime, timedelta, timezone

        import kopf
        import requests

        API = "https://acme.dokeos.com/api"

        @kopf.timer("lms.acme.io", "v1", "enrolments", interval=600)
        def follow(status: kopf.Status, patch: kopf.Patch, **_):
            for entry in status.get("jobs", []):
                requests.get(f"{API}/jobs/{entry['jobId']}").json()  # !DK006

        @kopf.timer("lms.acme.io", "v1", "tenants", interval=600)
        def follow_recent(status: kopf.Status, **_):
            week_ago = datetime.now(timezone.utc) - timedelta(days=7)
            for entry in status.get("jobs", []):
                if datetime.fromisoformat(entry["issuedAt"]) < week_ago:
                    continue
                requests.get(f"{API}/jobs/{entry['jobId']}").json()  # ok: DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_home_assistant_rechecks_later_and_its_stores_are_kept_data(tmp_path: Path) -> None:
    files = {
        "custom_components/lms/jobs.py": """
        from datetime import timedelta

        import aiohttp
        from homeassistant.helpers.event import async_call_later
        from homeassistant.helpers.storage import Store

        API = "https://acme.dokeos.com/api"

        class Jobs:
            def __init__(self, hass, session: aiohttp.ClientSession):
                self.hass = hass
                self.session = session
                self.job_store = Store(hass, 1, "lms_jobs")

            async def poll_saved(self):
                saved = await self.job_store.async_load() or {}
                for job_id in saved:
                    async with self.session.get(f"{API}/jobs/{job_id}") as r:  # !DK006
                        print(await r.json())

            async def sync_later(self, session_id):
                async with self.session.put(f"{API}/webinar_sessions/{session_id}/sync") as r:
                    job_id = (await r.json())["job_id"]

                async def recheck(_now):
                    async with self.session.get(f"{API}/jobs/{job_id}") as r:  # !DK006
                        print(await r.json())

                async_call_later(self.hass, timedelta(days=10), recheck)
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_metaflow_foreach_steps_get_one_element_and_old_runs_are_storage(
    tmp_path: Path,
) -> None:
    files = {
        "flows/report_flow.py": """
            from metaflow import Flow, FlowSpec, step
            import requests

            BASE = "https://acme.dokeos.com/api"

            def chunks(ids, size):
                return [ids[i : i + size] for i in range(0, len(ids), size)]

            class ReportFlow(FlowSpec):
                @step
                def start(self):
                    self.courses = [c["id"] for c in requests.get(f"{BASE}/trainings").json()]
                    self.course_chunks = chunks(self.courses, 5)
                    self.next(self.enrolments, foreach="course_chunks")

                @step
                def enrolments(self):
                    ids = ",".join(map(str, self.input))
                    url = f"{BASE}/participations?page=1&training_ids={ids}"  # ok: DK003
                    self.rows = requests.get(url).json()["meta"]
                    self.next(self.join)

                @step
                def join(self, inputs):
                    self.next(self.end)

                @step
                def end(self):
                    last = Flow("ReportFlow").latest_successful_run
                    for job_id in last.data.pending_jobs:
                        requests.get(f"{BASE}/jobs/{job_id}")  # !DK006
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_spark_partitions_poll_the_job_ids_spark_read_back(tmp_path: Path) -> None:
    # a table read with Spark is stored data; each partition's rows reach the function
    # given to mapPartitions; a look-back in Spark SQL bounds what is read
    files = {
        "jobs.py": """
            from functools import partial

            import requests
            from pyspark.sql import SparkSession
            from pyspark.sql import functions as F

            def poll_partition(rows, base):
                for row in rows:
                    yield requests.get(f"{base}/jobs/{row.job_id}").json()  # !DK006

            def poll_recent_partition(rows, base):
                for row in rows:
                    yield requests.get(f"{base}/jobs/{row.job_id}").json()  # ok: DK006

            def poll_all(spark: SparkSession):
                base = "https://acme.dokeos.com/api"
                pending = spark.read.parquet("s3://lake/jobs").where(F.col("status") == "pending")
                return pending.rdd.mapPartitions(partial(poll_partition, base=base)).toDF()

            def poll_recent(spark: SparkSession):
                base = "https://acme.dokeos.com/api"
                jobs = spark.read.parquet("s3://lake/jobs")
                fresh = jobs.where(F.expr("issued_at >= current_timestamp() - INTERVAL 6 DAYS"))
                return fresh.rdd.mapPartitions(partial(poll_recent_partition, base=base)).toDF()
        """,
    }
    assert rules_at(scan_files(tmp_path, files)) == marked(files)
