"""DK004 — a list call used as if one response held the whole collection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.rules.base import CodeExample, RawFinding, Rule, TrafficExample

from auditor.findings import Severity

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.model import HttpCall

V2 = {"Accept": "application/vnd.dokeos+json;version=2"}


def _page(n: int, items: int, *, path: str = "users") -> dict[str, object]:
    return {
        "method": "GET",
        "url": f"https://acme.dokeos.com/api/{path}?page={n}",
        "request_headers": V2,
        "status": 200,
        "response_json": {"data": [{"id": i} for i in range(items)], "meta": {"page": n}},
    }


class PaginationIgnored(Rule):
    id = "DK004"
    name = "pagination-ignored"
    severity = Severity.WARNING
    summary = (
        "GET /participations, /users or /groups whose result is used as the whole "
        "collection without walking the pages."
    )
    why = (
        "V2 returns these lists 20 items a page by default. Code that reads one response "
        "and treats it as everything silently works on the first 20 items only: users, "
        "groups or participations beyond them are never synced."
    )
    fix = (
        "Request page after page (`page=1, 2, …`) until a page comes back empty or shorter "
        "than 20 items, or follow the next-page link, and collect every page."
    )
    before = (
        'users = session.get(f"{BASE}/users").json()["data"]\nfor user in users:\n    sync(user)'
    )
    after = (
        "page = 1\n"
        "while True:\n"
        '    batch = session.get(f"{BASE}/users", params={"page": page}).json()["data"]\n'
        "    if not batch:\n"
        "        break\n"
        "    for user in batch:\n"
        "        sync(user)\n"
        "    page += 1"
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def all_groups():\n"
            '    r = requests.get("https://acme.dokeos.com/api/groups", headers=H)\n'
            '    return [g["name"] for g in r.json()["data"]]\n'
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def all_users():\n"
            "    page, out = 1, []\n"
            "    while True:\n"
            '        r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                         params={"page": page}, headers=H)\n'
            '        batch = r.json()["data"]\n'
            "        out.extend(batch)\n"
            "        if len(batch) < 100:\n"
            "            break\n"
            "        page += 1\n"
            "    return out\n"
        ),
        TrafficExample((_page(1, 20),)),
    )
    good = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def all_users():\n"
            "    page, out = 1, []\n"
            "    while True:\n"
            '        r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                         params={"page": page}, headers=H)\n'
            '        batch = r.json()["data"]\n'
            "        if not batch:\n"
            "            break\n"
            "        out.extend(batch)\n"
            "        page += 1\n"
            "    return out\n",
            expect=0,
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def find_user(email):\n"
            '    r = requests.get("https://acme.dokeos.com/api/users", params={"email": email},\n'
            "                     headers=H)\n"
            '    return r.json()["data"][0]\n',
            expect=0,
        ),
        TrafficExample((_page(1, 20), _page(2, 3)), expect=0),
    )

    def check_call(self, call: HttpCall, catalog: Catalog) -> Iterator[RawFinding]:
        if not call.is_dokeos or not catalog.is_list_endpoint(call.endpoint):
            return
        page = call.page
        if page.unique_lookup or page.follows_next_link:
            return
        stop = page.short_page_stop
        if page.has_page_param:
            sent = page.page_size_sent
            if stop is not None and stop > catalog.page_size and (sent is None or sent < stop):
                yield self.code_finding(
                    call.location,
                    f"the page loop over {call.endpoint} stops on a page shorter than {stop}, "
                    f"but V2 pages hold {catalog.page_size}: it ends after the first page",
                    call.endpoint,
                    key="short-page-stop",
                )
            return
        if page.used_as_complete:
            yield self.code_finding(
                call.location,
                f"uses one response of {call.endpoint} as the whole list; V2 returns "
                f"{catalog.page_size} items a page, walk the pages",
                call.endpoint,
                key="no-pages",
            )
