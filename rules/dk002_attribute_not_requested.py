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
    before = (
        'resp = session.get(f"{BASE}/participations", params={"training_ids": "12"})\n'
        'for p in resp.json()["data"]:\n'
        '    store(p["progressions"])'
    )
    after = (
        'resp = session.get(f"{BASE}/participations",\n'
        '                   params={"training_ids": "12", "response_attributes": "progressions"})\n'
        'for p in resp.json()["data"]:\n'
        '    store(p["progressions"])'
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def progress(pid):\n"
            '    r = requests.get(f"https://acme.dokeos.com/api/participations/{pid}", headers=H)\n'
            '    return r.json()["progressions"]\n'
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def tags():\n"
            '    r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                     params={"response_attributes": "group_ids,role_names", "page": 1},\n'
            "                     headers=H)\n"
            '    return {u["id"]: u.get("tag_ids", []) for u in r.json()["data"]}\n'
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
