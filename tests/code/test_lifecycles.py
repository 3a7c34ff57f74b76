"""Objects a framework sets up and calls: a plugin's ``run(client)`` typed by its base
class, a client made by its own factory, a DoFn whose ``setup()`` opens the session, and
command-line options taking one value."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_a_plugin_override_takes_the_client_its_base_declares(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "admin/client.py": """
            import requests

            class Config:
                base_url = "https://acme.dokeos.com/api"
                token = ""

            class Client:
                def __init__(self, session, config):
                    self.session = session
                    self.config = config

                @classmethod
                def from_config(cls, config: Config) -> "Client":
                    session = requests.Session()
                    session.headers["Accept"] = "application/vnd.dokeos+json;version=2"
                    return cls(session, config)

                def get(self, path, **kwargs):
                    return self.session.get(self.config.base_url + path, **kwargs).json()
            """,
            "admin/plugins.py": """
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from admin.client import Client

            PLUGINS = {}

            def register(name):
                def decorator(cls):
                    PLUGINS[name] = cls
                    return cls
                return decorator

            class Plugin:
                def run(self, client: "Client", **opts):
                    raise NotImplementedError

            @register("groups")
            class ListGroups(Plugin):
                def run(self, client, group_type=None):
                    body = client.get("/groups", params={"type": group_type})  # !DK004
                    return [g["name"] for g in body["data"]]

            @register("users")
            class ListUsers(Plugin):
                def run(self, client):
                    body = client.get("/users", params={"response_attributes": "tag_ids"})  # !DK004
                    return [(u["id"], u["tag_ids"]) for u in body["data"]]
            """,
        },
    )


def test_a_session_opened_in_setup_is_the_one_process_uses(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "pipeline/fns.py": """
            import apache_beam as beam
            import requests

            BASE = "https://acme.dokeos.com/api"

            class DokeosDoFn(beam.DoFn):
                def __init__(self, token):
                    self.token = token
                    self.session = None

                def setup(self):
                    self.session = requests.Session()
                    self.session.headers["Authorization"] = f"Bearer {self.token}"

                def send(self, method, path, body=None):
                    resp = self.session.request(method, BASE + path, json=body)
                    resp.raise_for_status()
                    return resp.json()

            class SyncLearners(DokeosDoFn):
                def process(self, element):
                    group_id, user_ids = element
                    path = f"/groups/{group_id}/learners"
                    body = self.send("POST", path, {"learner_ids": user_ids})
                    # the next stage follows the job
                    yield {"job_id": body["job_id"], "group_id": group_id}

            class SyncManagers(DokeosDoFn):
                def process(self, element):
                    group_id, manager_ids = element
                    self.send("PUT", f"/groups/{group_id}", {"manager_ids": manager_ids})  # !DK005
                    yield group_id
            """,
        },
    )


def test_an_option_taking_one_value_is_one_id(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "backfill.py": """
            import argparse

            import requests

            BASE = "https://acme.dokeos.com/api"

            def main(argv=None):
                parser = argparse.ArgumentParser()
                parser.add_argument("--training", type=int, required=True)
                parser.add_argument("--user", dest="users", action="append")
                args = parser.parse_args(argv)
                url = f"{BASE}/participations"
                one = requests.get(url, params={"training_ids": args.training})
                many = requests.get(url, params={"user_ids": ",".join(args.users)})  # !DK003
                return one.status_code, many.status_code
            """,
        },
    )
