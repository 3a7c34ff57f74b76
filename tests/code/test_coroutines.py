"""Generators run as coroutines by a decorator (Twisted's inlineCallbacks, Tornado's
gen.coroutine): ``x = yield d`` is what d gives, and the function returns its result.
treq is Twisted's requests-like client."""

from __future__ import annotations

from pathlib import Path

from tests.code.helpers import marked, rules_at, scan_files


def check(tmp_path: Path, files: dict[str, str]) -> None:
    assert rules_at(scan_files(tmp_path, files)) == marked(files)


def test_inline_callbacks_wait_for_treq_responses(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "prov/client.py": """
            import treq
            from twisted.internet.defer import inlineCallbacks

            API = "https://acme.dokeos.com/api"

            class Lms:
                def __init__(self):
                    self.headers = {"Accept": "application/vnd.dokeos+json;version=2"}

                @inlineCallbacks
                def call(self, method, path, json=None):
                    url = API + path
                    response = yield treq.request(method, url, json=json, headers=self.headers)
                    if response.code >= 400:
                        raise RuntimeError((yield response.text()))
                    body = yield response.json()
                    return body
            """,
            "prov/users.py": """
            import json

            from twisted.internet.defer import inlineCallbacks

            from prov.client import Lms

            class Users:
                def __init__(self, path):
                    self.lms = Lms()
                    self.path = path
                    self.pending = self._load()

                def _load(self):
                    try:
                        with open(self.path) as fh:
                            return json.load(fh)
                    except FileNotFoundError:
                        return {}

                @inlineCallbacks
                def everyone(self):
                    body = yield self.lms.call("GET", "/users")  # !DK004
                    return [u["email"] for u in body["data"]]

                @inlineCallbacks
                def leave(self, uid):
                    yield self.lms.call("DELETE", f"/user/{uid}")  # !DK005

                @inlineCallbacks
                def leave_later(self, uid):
                    answer = yield self.lms.call("DELETE", f"/user/{uid}")  # ok: DK005
                    self.pending[answer["job_id"]] = uid  # kept for the poller
            """,
        },
    )


def test_tornado_gen_coroutine_yields_the_fetch(tmp_path: Path) -> None:
    check(
        tmp_path,
        {
            "bridge.py": """
            import json

            from tornado import gen
            from tornado.httpclient import AsyncHTTPClient

            API = "https://acme.dokeos.com/api"

            @gen.coroutine
            def tags():
                resp = yield AsyncHTTPClient().fetch(API + "/users?page=1")  # !DK004
                users = json.loads(resp.body)["data"]
                raise gen.Return([u["tag_ids"] for u in users])  # !DK002
            """,
        },
    )
