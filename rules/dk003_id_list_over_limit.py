"""DK003 — more ids in one GET /participations filter than V2 accepts."""

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


class IdListOverLimit(Rule):
    id = "DK003"
    name = "id-list-over-limit"
    severity = Severity.ERROR
    summary = (
        "GET /participations filtered by `training_ids` or `user_ids` with more than 5 ids, "
        "or with a list whose size the code does not keep to 5."
    )
    why = (
        "V2 accepts at most 5 ids in `training_ids` and in `user_ids`. A longer list is "
        "refused, so a sync that passes every training or every user of a batch fails as "
        "soon as the batch grows past 5."
    )
    fix = (
        "Send the ids in chunks of at most 5 (for example with `itertools.batched(ids, 5)`) "
        "and merge the results."
    )
    before = (
        'params = {"training_ids": ",".join(map(str, training_ids))}\n'
        'rows = session.get(f"{BASE}/participations", params=params).json()["data"]'
    )
    after = (
        "rows = []\n"
        "for chunk in itertools.batched(training_ids, 5):\n"
        '    params = {"training_ids": ",".join(map(str, chunk))}\n'
        '    rows += session.get(f"{BASE}/participations", params=params).json()["data"]'
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def for_trainings():\n"
            '    params = {"training_ids": "1,2,3,4,5,6", "page": 1}\n'
            '    return requests.get("https://acme.dokeos.com/api/participations", params=params,\n'
            '                        headers=H).json()["data"][0]\n'
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def for_users(user_ids):\n"
            '    q = ",".join(str(u) for u in user_ids)\n'
            '    return requests.get(f"https://acme.dokeos.com/api/participations?user_ids={q}&page=1",\n'
            "                        headers=H).status_code\n"
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/participations?training_ids=1,2,3,4,5,6",
                    "request_headers": V2,
                    "status": 400,
                    "response_json": {"error": "too many ids"},
                },
            )
        ),
    )
    good = (
        CodeExample(
            "import itertools\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def for_users(user_ids):\n"
            "    out = []\n"
            "    for chunk in itertools.batched(user_ids, 5):\n"
            '        q = ",".join(str(u) for u in chunk)\n'
            '        r = requests.get("https://acme.dokeos.com/api/participations",\n'
            '                         params={"user_ids": q, "page": 1}, headers=H)\n'
            "        out.append(r.status_code)\n"
            "    return out\n",
            expect=0,
        ),
        TrafficExample(
            (
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/participations?user_ids[]=1&user_ids[]=2"
                    "&user_ids[]=3&user_ids[]=4&user_ids[]=5",
                    "request_headers": V2,
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
        id_filter = catalog.id_filter_for(call.endpoint)
        if id_filter is None:
            return
        for ids in call.id_lists:
            if ids.param not in id_filter.params:
                continue
            limit = id_filter.max_ids
            if ids.size is not None:
                if ids.size > limit:
                    yield self.code_finding(
                        call.location,
                        f"sends {ids.size} {ids.param} to {call.endpoint}; "
                        f"V2 accepts at most {limit}",
                        call.endpoint,
                        key=ids.param,
                    )
            elif ids.bound is not None:
                if ids.bound > limit:
                    yield self.code_finding(
                        call.location,
                        f"sends {ids.param} in batches of {ids.bound} to {call.endpoint}; "
                        f"V2 accepts at most {limit}",
                        call.endpoint,
                        key=ids.param,
                    )
            else:
                yield self.code_finding(
                    call.location,
                    f"sends {ids.param} from {ids.source} to {call.endpoint} without "
                    f"keeping it to {limit} ids: V2 refuses longer lists, send them {limit} at a time",
                    call.endpoint,
                    key=ids.param,
                )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        id_filter = catalog.id_filter_for(exchange.endpoint)
        if id_filter is None:
            return
        over = []
        for param in id_filter.params:
            count = len(exchange.param_values(param, body=True))
            if count > id_filter.max_ids:
                over.append(f"{count} {param}")
        if over:
            yield RawFinding(
                self.id,
                f"sends {' and '.join(over)} to {exchange.endpoint}; V2 accepts at most "
                f"{id_filter.max_ids} per filter: send them in chunks of {id_filter.max_ids}",
                exchange.endpoint,
                flow=exchange.flow_ref(),
                key="ids",
            )
