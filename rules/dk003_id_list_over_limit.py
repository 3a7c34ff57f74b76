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
    autofix = (
        "Unsafe (`--unsafe-fixes`: more requests): where a function makes the call and returns, "
        "assigns or iterates the list it reads, the ids are sent 5 at a time "
        "(`itertools.batched` when the project's `requires-python` allows 3.12, a slice loop "
        "otherwise) and the results merged; when the same call also reads only one page "
        "(DK004), each chunk's pages are walked too. The call is the HTTP library's, or a verb "
        "of your own subclass of its client that overrides the method every verb goes "
        "through. No fix for ids written in the code, calls through other helpers, in loops or "
        "in async code: the finding says which."
    )
    before = (
        'params = {"training_ids": ",".join(map(str, training_ids))}\n'
        'total = session.get(f"{BASE}/participations", params=params).json()["meta"]["total"]'
    )
    after = (
        "total = 0\n"
        "for chunk in itertools.batched(training_ids, 5):\n"
        '    params = {"training_ids": ",".join(map(str, chunk))}\n'
        '    total += session.get(f"{BASE}/participations", params=params).json()["meta"]["total"]'
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def for_trainings():\n"
            '    params = {"training_ids": "1,2,3,4,5,6", "page": 1}\n'
            '    return requests.get("https://acme.dokeos.com/api/participations", params=params,\n'
            '                        headers=H).json()["data"][0]\n',
            no_fix="written in the code",
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def for_users(user_ids):\n"
            '    q = ",".join(str(u) for u in user_ids)\n'
            '    return requests.get(f"https://acme.dokeos.com/api/participations?user_ids={q}&page=1",\n'
            "                        headers=H).status_code\n",
            no_fix="V1 bare list",
        ),
        CodeExample(
            "import json\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def participations_from_file(path):\n"
            "    with open(path) as handle:\n"
            "        training_ids = json.load(handle)\n"
            "    response = requests.get(\n"
            '        "https://acme.dokeos.com/api/participations",\n'
            '        params={"training_ids": ",".join(map(str, training_ids))},\n'
            "        headers=H,\n"
            "    )\n"
            "    response.raise_for_status()\n"
            '    return response.json()["data"]\n',
            fixed="import json\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def participations_from_file(path):\n"
            "    with open(path) as handle:\n"
            "        training_ids = json.load(handle)\n"
            "\n"
            "    def _all_participations(chunk):\n"
            "        page = 1\n"
            "        while True:\n"
            "            response = requests.get(\n"
            '                "https://acme.dokeos.com/api/participations",\n'
            '                params={"training_ids": ",".join(map(str, chunk)), "page": page},\n'
            "                headers=H,\n"
            "            )\n"
            "            response.raise_for_status()\n"
            '            batch = response.json()["data"]\n'
            "            if not batch:\n"
            "                return\n"
            "            yield from batch\n"
            "            page += 1\n"
            "\n"
            "    participations = []\n"
            "    pending = list(training_ids)\n"
            "    for start in range(0, len(pending), 5):\n"
            "        chunk = pending[start : start + 5]\n"
            "        participations.extend(_all_participations(chunk))\n"
            "    return participations\n",
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def total_for(session, training_ids):\n"
            '    params = {"training_ids": ",".join(str(t) for t in training_ids)}\n'
            '    body = session.get("https://acme.dokeos.com/api/participations", params=params, headers=H)\n'
            '    return len(body.json()["data"])\n',
            files={"pyproject.toml": '[project]\nname = "lms-sync"\nrequires-python = ">=3.12"\n'},
            fixed="import itertools\n"
            "\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def total_for(session, training_ids):\n"
            "    def _all_participations(chunk):\n"
            "        page = 1\n"
            "        while True:\n"
            '            params = {"training_ids": ",".join(str(t) for t in chunk), "page": page}\n'
            '            body = session.get("https://acme.dokeos.com/api/participations", params=params, headers=H)\n'
            '            batch = body.json()["data"]\n'
            "            if not batch:\n"
            "                return\n"
            "            yield from batch\n"
            "            page += 1\n"
            "\n"
            "    participations = []\n"
            "    for chunk in itertools.batched(training_ids, 5):\n"
            "        participations.extend(_all_participations(chunk))\n"
            "    return len(participations)\n",
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
