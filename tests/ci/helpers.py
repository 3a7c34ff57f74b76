"""Small integration projects and a way to run `dokeos-audit scan` on them as CI would."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from auditor.cli import cli

REPO = Path(__file__).resolve().parents[2]

# An HR sync script as customers write them: one V1 header definition (DK001), a user
# list read as if complete (DK004), a progressions read (DK002) and a fire-and-forget
# delete (DK005).
SYNC = '''\
"""Nightly HR sync against the Dokeos LMS."""

import requests

BASE_URL = "https://acme.dokeos.com/api"
HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}


def list_users():
    response = requests.get(f"{BASE_URL}/users", headers=HEADERS, timeout=30)
    response.raise_for_status()
    return response.json()


def progress_of(participation_id):
    response = requests.get(
        f"{BASE_URL}/participations/{participation_id}",
        headers=HEADERS,
        timeout=30,
    )
    return response.json()["progressions"]


def remove_user(user_id):
    requests.delete(f"{BASE_URL}/user/{user_id}", headers=HEADERS, timeout=30)
'''
SYNC_FINDINGS = [
    ("DK001", "sync/dokeos.py", 6),
    ("DK002", "sync/dokeos.py", 21),
    ("DK004", "sync/dokeos.py", 10),
    ("DK005", "sync/dokeos.py", 25),
]


def write_project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def sync_project(root: Path, **more: str) -> Path:
    return write_project(root, {"sync/__init__.py": "", "sync/dokeos.py": SYNC, **more})


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def document(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.stdout)
        return loaded

    @property
    def places(self) -> list[tuple[str, str, int]]:
        """(rule, path, line) of each finding of a JSON run, sorted."""
        return sorted(
            (f["rule"], f["location"]["path"], f["location"]["line"])
            for f in self.document["findings"]
        )


def dokeos_audit(*args: str | Path) -> Outcome:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def scan_json(*args: str | Path) -> Outcome:
    return dokeos_audit("scan", *args, "--format", "json")


def har(*urls: str) -> str:
    """A HAR capture of V1 GETs (each a DK001 finding) to the given URLs."""
    entries = [
        {
            "startedDateTime": f"2026-11-26T10:00:{i:02d}Z",
            "time": 1,
            "request": {
                "method": "GET",
                "url": url,
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Accept", "value": "application/vnd.dokeos+json;version=1"}],
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": 200,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": [],
                "cookies": [],
                "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": 2,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
        }
        for i, url in enumerate(urls)
    ]
    return json.dumps(
        {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}
    )
