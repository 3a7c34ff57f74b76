"""Locust: a user's ``self.client`` sends to the class's ``host`` (FastHttpUser's with its
``default_headers``), what ``on_start`` sets on it is sent by every task, and a TaskSet's
``self.client`` is that of the user whose ``tasks`` list it."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_users_and_task_sets_send_to_the_host_of_their_class(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "pyproject.toml": """
            [tool.dokeos-audit]
            hosts = ["learn.example.org"]
            """,
            "loadtest/flows.py": """
            import random

            from locust import FastHttpUser, HttpUser, TaskSet, between, tag, task
            from locust.exception import RescheduleTask

            V1 = {"Accept": "application/vnd.dokeos+json;version=1"}  # !DK001

            class Lookups(TaskSet):
                @task(3)
                def roster(self):
                    with self.client.get(  # !DK004
                        "/participations", params={"training_ids": 7}, catch_response=True
                    ) as resp:
                        done = [row for row in resp.json()["data"] if row["status"] == "done"]
                        if len(done) < 10:
                            resp.failure("too few completions")

            class Manager(HttpUser):
                host = "https://learn.example.org/api"
                wait_time = between(1, 3)
                tasks = {Lookups: 3}

                def on_start(self):
                    self.client.headers.update(V1)

            class Learner(FastHttpUser):
                host = "https://learn.example.org/api"
                default_headers = {"Accept": "application/vnd.dokeos+json;version=2"}

                def on_start(self):
                    self.pids = []

                @tag("dashboard")
                @task(4)
                def dashboard(self):
                    with self.rest("GET", "/participations?page=1") as resp:  # !DK004
                        self.pids = [row["id"] for row in resp.js["data"]]

                @task(2)
                def resume(self):
                    if not self.pids:
                        raise RescheduleTask()
                    pid = random.choice(self.pids)
                    with self.client.get(f"/participations/{pid}", catch_response=True) as resp:
                        body = resp.json()
                    return [m for m in body["progressions"] if m["completion"] < 100]  # !DK002

            class Other(HttpUser):
                host = "https://hr.example.com/api"

                @task
                def people(self):
                    return self.client.get("/users").json()["data"]  # ok: DK004
            """,
        },
    )
