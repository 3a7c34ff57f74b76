"""DK002 — code reads an attribute V2 only returns when asked for with response_attributes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.findings import Severity
from auditor.rules.base import CodeExample, RawFinding, Rule, TrafficExample

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.model import HttpCall
    from auditor.traffic.exchange import Exchange, TrafficHistory

V2 = {"Accept": "application/vnd.dokeos+json;version=2"}


class AttributeNotRequested(Rule):
    id = "DK002"
    name = "attribute-not-requested"
    severity = Severity.ERROR
    summary = (
        "Reads `progressions` from GET /participations, or `group_ids`, `role_names`, "
        "`tag_ids`, `skills` from GET /users, without asking for them."
    )
    why = (
        "In V2 these attributes are left out of the response unless the request lists them "
        "in `response_attributes`. Code that reads them gets nothing (a KeyError, or an "
        "empty default that silently looks like 'no progress' or 'no groups')."
    )
    fix = (
        "Add `response_attributes` to the request with every opt-in attribute the code "
        "reads, separated by commas."
    )
    autofix = (
        "Safe: the attributes the code reads are added to `response_attributes` after those "
        "it already asks for, in the params dict the request is written with (followed back "
        "through `{**params}` and `dict(params)` to the caller's own dict), in the URL when the "
        "URL carries the query, or as a `params=` of the library call that has none; quotes, "
        "trailing commas and line breaks follow the dict's own. No fix when the params are "
        "built by code the fix cannot follow (`**kwargs` passed through several helpers)."
    )
    before = (
        'resp = session.get(f"{BASE}/users", params={"email": email})\n'
        'groups = resp.json()["data"][0]["group_ids"]'
    )
    after = (
        'resp = session.get(f"{BASE}/users", params={"email": email, "response_attributes": "group_ids"})\n'
        'groups = resp.json()["data"][0]["group_ids"]'
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def progress(pid):\n"
            '    r = requests.get(f"https://acme.dokeos.com/api/participations/{pid}", headers=H)\n'
            '    return r.json()["progressions"]\n',
            fixed="import requests\n"
            f"H = {V2!r}\n"
            "def progress(pid):\n"
            '    r = requests.get(f"https://acme.dokeos.com/api/participations/{pid}", headers=H, '
            'params={"response_attributes": "progressions"})\n'
            '    return r.json()["progressions"]\n',
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def tags():\n"
            '    r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                     params={"response_attributes": "group_ids,role_names", "page": 1},\n'
            "                     headers=H)\n"
            '    return {u["id"]: u.get("tag_ids", []) for u in r.json()["data"]}\n',
            fixed="import requests\n"
            f"H = {V2!r}\n"
            "def tags():\n"
            '    r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                     params={"response_attributes": "group_ids,role_names,tag_ids", "page": 1},\n'
            "                     headers=H)\n"
            '    return {u["id"]: u.get("tag_ids", []) for u in r.json()["data"]}\n',
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "BASE = 'https://acme.dokeos.com/api'\n"
            "def users_page(page, **filters):\n"
            "    query = {**filters, 'page': page}\n"
            "    return requests.get(f'{BASE}/users', params=query, headers=H).json()['data']\n"
            "def trainers():\n"
            "    return [u for u in users_page(1, status='active') if 'trainer' in u['role_names']]\n"
            "def skills_of(email):\n"
            "    filters = {'email': email}\n"
            "    return [u['skills'] for u in users_page(1, **filters)]\n",
            expect=2,
            # both reads need the one dict the helper sends: one edit asks for both
            fixed="import requests\n"
            f"H = {V2!r}\n"
            "BASE = 'https://acme.dokeos.com/api'\n"
            "def users_page(page, **filters):\n"
            "    query = {**filters, 'page': page, 'response_attributes': 'role_names,skills'}\n"
            "    return requests.get(f'{BASE}/users', params=query, headers=H).json()['data']\n"
            "def trainers():\n"
            "    return [u for u in users_page(1, status='active') if 'trainer' in u['role_names']]\n"
            "def skills_of(email):\n"
            "    filters = {'email': email}\n"
            "    return [u['skills'] for u in users_page(1, **filters)]\n",
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/participations/7",
                    "request_headers": V2,
                    "status": 200,
                    "response_json": {"id": 7, "progressions": [{"module": 1, "done": True}]},
                },
            )
        ),
    )
    good = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def progress(pid):\n"
            "    r = requests.get(\n"
            '        f"https://acme.dokeos.com/api/participations/{pid}?response_attributes=progressions",\n'
            "        headers=H)\n"
            '    return r.json()["progressions"]\n',
            expect=0,
        ),
        CodeExample(
            "import requests\n"
            "def repos():\n"
            '    r = requests.get("https://api.github.com/users/octocat/repos")\n'
            '    return [x["progressions"] for x in r.json()]\n',
            expect=0,
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/participations/7?response_attributes=progressions",
                    "request_headers": V2,
                    "status": 200,
                    "response_json": {"id": 7, "progressions": []},
                },
            ),
            expect=0,
        ),
    )

    def check_call(self, call: HttpCall, catalog: Catalog) -> Iterator[RawFinding]:
        if not call.is_dokeos or call.method != "GET" or call.response_attributes_unknown:
            return
        opt_in = catalog.opt_in_attributes(call.endpoint)
        for read in call.attribute_reads:
            if read.key in opt_in and read.key not in call.response_attributes:
                yield self.code_finding(
                    read.location,
                    f"reads '{read.key}' from {call.endpoint} without "
                    f"response_attributes={read.key}: V2 no longer returns it by default",
                    endpoint=call.endpoint,
                    key=read.key,
                )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        if exchange.method != "GET":
            return
        opt_in = catalog.opt_in_attributes(exchange.endpoint)
        if not opt_in:
            return
        asked = {
            item.strip().lower()
            for item in exchange.param_values(catalog.response_attributes_param)
        }
        # only what arrived is evidence: a response without the attribute proves nothing
        arrived = {key for record in exchange.records() for key in record}
        unasked = [name for name in opt_in if name in arrived and name.lower() not in asked]
        if unasked:
            names = ",".join(unasked)
            yield RawFinding(
                self.id,
                f"the response of {exchange.endpoint} carries {', '.join(unasked)} without "
                f"{catalog.response_attributes_param}={names} in the request: V2 stops "
                "sending them by default",
                exchange.endpoint,
                flow=exchange.flow_ref(),
                key=names,
            )
