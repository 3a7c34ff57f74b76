"""DK001 — a Dokeos request that still asks for API V1, which is withdrawn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.findings import Severity
from auditor.rules.base import CodeExample, RawFinding, Rule, TrafficExample

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.model import HttpCall
    from auditor.traffic.exchange import Exchange, TrafficHistory


class V1AcceptHeader(Rule):
    id = "DK001"
    name = "v1-accept-header"
    severity = Severity.ERROR
    summary = "A request to the Dokeos API asks for version 1 in its Accept header."
    why = (
        "Dokeos chooses the API version from the Accept header. Version 1 is switched off "
        "for good: from the cut-over on, a request that asks for "
        "`application/vnd.dokeos+json;version=1` no longer gets a V1 answer, so every call "
        "made with that header breaks at once."
    )
    fix = (
        "Ask for version 2 (`application/vnd.dokeos+json;version=2`) wherever the header is "
        "defined, then check the other V2 rules: some calls also changed their behaviour."
    )
    autofix = (
        "Safe: the literal or f-string part that says version=1 is changed to version=2 where "
        "it is written, in another module too, so one edit fixes every request built from it. "
        "A version number kept apart (`API_VERSION = 1` in `...;version={API_VERSION}`) "
        "changes only when nothing but V1 headers reads it; otherwise the fix is unsafe and "
        "names the other uses. No fix when the version is read at run time from a setting "
        "the code does not spell out."
    )
    before = (
        'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}\n'
        'requests.get("https://acme.dokeos.com/api/users", headers=HEADERS)'
    )
    after = (
        'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}\n'
        'requests.get("https://acme.dokeos.com/api/users", headers=HEADERS)'
    )
    bad = (
        CodeExample(
            "import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}\n'
            "def users():\n"
            '    return requests.get("https://acme.dokeos.com/api/users?page=1", '
            "headers=HEADERS).status_code\n",
            fixed="import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}\n'
            "def users():\n"
            '    return requests.get("https://acme.dokeos.com/api/users?page=1", '
            "headers=HEADERS).status_code\n",
        ),
        CodeExample(
            "import httpx\n"
            "client = httpx.Client(base_url='https://lms.example.org/api',\n"
            "    headers={'Accept': 'application/vnd.dokeos+json; version=1'})\n"
            "def ping():\n"
            "    return client.get('/trainings').status_code\n",
            fixed="import httpx\n"
            "client = httpx.Client(base_url='https://lms.example.org/api',\n"
            "    headers={'Accept': 'application/vnd.dokeos+json; version=2'})\n"
            "def ping():\n"
            "    return client.get('/trainings').status_code\n",
        ),
        CodeExample(
            "import requests\n"
            "from lms import settings\n"
            "def trainings():\n"
            "    accept = f'{settings.MEDIA_TYPE};version={settings.API_VERSION}'\n"
            "    return requests.get(f'{settings.BASE}/trainings', headers={'Accept': accept}).json()\n",
            files={
                "lms/__init__.py": "",
                "lms/settings.py": "BASE = 'https://acme.dokeos.com/api'\n"
                "MEDIA_TYPE = 'application/vnd.dokeos+json'\n"
                "API_VERSION = 1  # the LMS API we were certified on\n",
            },
            fixed_files={
                "lms/settings.py": "BASE = 'https://acme.dokeos.com/api'\n"
                "MEDIA_TYPE = 'application/vnd.dokeos+json'\n"
                "API_VERSION = 2  # the LMS API we were certified on\n",
            },
        ),
        CodeExample(
            "import os\n"
            "import requests\n"
            "def users():\n"
            "    version = os.environ.get('DOKEOS_API_VERSION', '1')\n"
            "    accept = f'application/vnd.dokeos+json;version={version}'\n"
            "    return requests.get('https://acme.dokeos.com/api/users/7', headers={'Accept': accept})\n",
            no_fix="comes from outside the code",
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/trainings",
                    "request_headers": {"Accept": "application/vnd.dokeos+json;version=1"},
                    "status": 200,
                    "response_json": [],
                },
            )
        ),
    )
    good = (
        CodeExample(
            "import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}\n'
            "def users():\n"
            '    return requests.get("https://acme.dokeos.com/api/trainings", '
            "headers=HEADERS).status_code\n",
            expect=0,
        ),
        CodeExample(
            '"""Talks to Dokeos with application/vnd.dokeos+json;version=1 (old docs)."""\n'
            "import requests\n"
            'ACME = {"Accept": "application/vnd.acme+json;version=1"}\n'
            "def things():\n"
            '    return requests.get("https://api.acme.test/things", headers=ACME).json()\n',
            expect=0,
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/trainings",
                    "request_headers": {"Accept": "application/vnd.dokeos+json;version=2"},
                    "status": 200,
                    "response_json": {"data": [], "meta": {}},
                },
            ),
            expect=0,
        ),
    )

    def check_call(self, call: HttpCall, catalog: Catalog) -> Iterator[RawFinding]:
        if not call.is_dokeos:
            return
        for header in call.accept_headers:
            versions = catalog.accept_versions(header.value)
            if any(v in catalog.withdrawn_versions for v in versions):
                yield self.code_finding(
                    header.location,
                    "asks the Dokeos API for version 1, which is withdrawn: "
                    f"send {catalog.media_type};version={catalog.current_version}",
                    endpoint=None,
                    key="accept",
                )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        # whatever the answer: the request itself is what stops working
        versions = catalog.accept_versions(exchange.accept())
        withdrawn = [v for v in versions if v in catalog.withdrawn_versions]
        if withdrawn:
            yield RawFinding(
                self.id,
                f"asks the Dokeos API for version {withdrawn[0]}, which is withdrawn: send "
                f"{catalog.media_type};version={catalog.current_version}",
                exchange.endpoint,
                flow=exchange.flow_ref(),
                key="accept",
            )
