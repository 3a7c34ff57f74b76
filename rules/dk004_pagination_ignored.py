"""DK004 — a list call used as if one response held the whole collection."""

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
    autofix = (
        "Unsafe (`--unsafe-fixes`: more requests): where a function makes the call and "
        "returns, assigns or iterates the list it reads, that read becomes a small generator "
        "beside the call that walks the pages until one comes back empty; a page loop that "
        "stops on a page shorter than a size above 20 stops below 20 instead. The call is the "
        "HTTP library's, or a verb of your own subclass of its client that overrides the "
        "method every verb goes through. No fix through other helpers, in async code, or when "
        "the response serves more than its list: the finding says which."
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
            '    return [g["name"] for g in r.json()["data"]]\n',
            fixed="import requests\n"
            f"H = {V2!r}\n"
            "def all_groups():\n"
            "    def _all_groups():\n"
            "        page = 1\n"
            "        while True:\n"
            '            r = requests.get("https://acme.dokeos.com/api/groups", headers=H, params={"page": page})\n'
            '            batch = r.json()["data"]\n'
            "            if not batch:\n"
            "                return\n"
            "            yield from batch\n"
            "            page += 1\n"
            "\n"
            '    return [g["name"] for g in _all_groups()]\n',
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
            "    return out\n",
            fixed="import requests\n"
            f"H = {V2!r}\n"
            "def all_users():\n"
            "    page, out = 1, []\n"
            "    while True:\n"
            '        r = requests.get("https://acme.dokeos.com/api/users",\n'
            '                         params={"page": page}, headers=H)\n'
            '        batch = r.json()["data"]\n'
            "        out.extend(batch)\n"
            "        if len(batch) < 20:\n"
            "            break\n"
            "        page += 1\n"
            "    return out\n",
        ),
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "async def all_groups(session):\n"
            '    async with session.get("https://acme.dokeos.com/api/groups", headers=H) as r:\n'
            '        return [g["name"] for g in (await r.json())["data"]]\n',
            no_fix="by hand",
        ),
        CodeExample(
            # a wrapper that answers decoded JSON is not the library: a person rewrites it
            "import requests\n"
            f"H = {V2!r}\n"
            "class Api:\n"
            "    def __init__(self):\n"
            "        self.session = requests.Session()\n"
            "        self.session.headers.update(H)\n"
            "    def get(self, path):\n"
            '        return self.session.get("https://acme.dokeos.com/api" + path).json()\n'
            "def group_names(api: Api):\n"
            '    return [g["name"] for g in api.get("/groups")["data"]]\n',
            no_fix="through a helper (Api.get)",
        ),
        CodeExample(
            # a client subclass whose request() every verb goes through is the library
            "import httpx\n"
            f"V2 = {V2!r}\n"
            "class DokeosClient(httpx.Client):\n"
            "    def __init__(self):\n"
            '        super().__init__(base_url="https://acme.dokeos.com/api", headers=V2)\n'
            "    def request(self, method, url, **kwargs):\n"
            "        response = super().request(method, url, **kwargs)\n"
            "        response.raise_for_status()\n"
            "        return response\n"
            "def group_names():\n"
            "    with DokeosClient() as client:\n"
            '        groups = client.get("/groups").json()["data"]\n'
            '    return sorted(g["name"] for g in groups)\n',
            fixed="import httpx\n"
            f"V2 = {V2!r}\n"
            "class DokeosClient(httpx.Client):\n"
            "    def __init__(self):\n"
            '        super().__init__(base_url="https://acme.dokeos.com/api", headers=V2)\n'
            "    def request(self, method, url, **kwargs):\n"
            "        response = super().request(method, url, **kwargs)\n"
            "        response.raise_for_status()\n"
            "        return response\n"
            "def group_names():\n"
            "    with DokeosClient() as client:\n"
            "        def _all_groups():\n"
            "            page = 1\n"
            "            while True:\n"
            '                batch = client.get("/groups", params={"page": page}).json()["data"]\n'
            "                if not batch:\n"
            "                    return\n"
            "                yield from batch\n"
            "                page += 1\n"
            "\n"
            "        groups = list(_all_groups())\n"
            '    return sorted(g["name"] for g in groups)\n',
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
        if page.unique_lookup:
            return
        stop = page.short_page_stop
        if page.has_page_param:
            sent = page.page_size_sent
            # a loop that stops on a page shorter than the old size stops after V2's first
            # page, whatever else it reads (a next link it also checks does not help)
            if stop is not None and stop > catalog.page_size and (sent is None or sent < stop):
                yield self.code_finding(
                    call.location,
                    f"the page loop over {call.endpoint} stops on a page shorter than {stop}, "
                    f"but V2 pages hold {catalog.page_size}: it ends after the first page",
                    call.endpoint,
                    key="short-page-stop",
                )
            return
        if page.follows_next_link:
            return
        if page.used_as_complete:
            yield self.code_finding(
                call.location,
                f"uses one response of {call.endpoint} as the whole list; V2 returns "
                f"{catalog.page_size} items a page, read every page",
                call.endpoint,
                key="no-pages",
            )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        if exchange.method != "GET" or not catalog.is_list_endpoint(exchange.endpoint):
            return iter(())
        assert exchange.endpoint is not None
        query_key, position = self._paging(exchange, catalog)
        waiting = history.pending_pages.get(query_key)
        if waiting:
            # this request is the next page an earlier full page was waiting for
            still = [page for page in waiting if not position & page.next_positions]
            if still:
                history.pending_pages[query_key] = still
            else:
                del history.pending_pages[query_key]
        if not exchange.succeeded:
            return iter(())
        items = exchange.list_items()
        if items is None or len(items) < catalog.page_size:
            return iter(())
        if self._is_last_page(exchange, len(items), catalog):
            return iter(())
        from auditor.traffic.exchange import PendingPage

        following = self._next_positions(exchange, len(items), catalog)
        pages = history.pending_pages.setdefault(query_key, [])
        for page in pages:
            if page.next_positions == following:
                # the same page again: one entry, one more flow waiting on it
                page.repeats += 1
                if history.keep_every_flow:
                    page.more_flows.append(exchange.flow_ref())
                return iter(())
        pages.append(PendingPage(exchange.flow_ref(), exchange.endpoint, len(items), following))
        return iter(())

    def finish_traffic(self, history: TrafficHistory, catalog: Catalog) -> Iterator[RawFinding]:
        for waiting in history.pending_pages.values():
            for page in waiting:
                message = (
                    f"got {page.items} items from {page.endpoint}, a full page, and never asked "
                    f"for the next one: V2 returns {catalog.page_size} items a page, walk the "
                    "pages until one comes back short or empty"
                )
                kept = [page.flow, *page.more_flows]
                # flows only counted (live sessions) are repeats of the first one
                uncounted = page.repeats - len(page.more_flows)
                for position, flow in enumerate(kept):
                    yield RawFinding(
                        self.id,
                        message,
                        page.endpoint,
                        flow=flow,
                        key="no-next-page",
                        occurrences=1 + (uncounted if position == 0 else 0),
                    )

    @staticmethod
    def _page_kind(param: str) -> str:
        lowered = param.lower()
        if "offset" in lowered:
            return "offset"
        if "cursor" in lowered or "token" in lowered:
            return "cursor"
        return "page"

    def _paging(
        self, exchange: Exchange, catalog: Catalog
    ) -> tuple[str, frozenset[tuple[str, str]]]:
        """The query without its page parameters, and where in the list this request reads."""
        page_params = {p.lower() for p in catalog.page_params}
        kept = sorted((k, v) for k, v in exchange.query if k.lower() not in page_params)
        query_key = f"{exchange.host}/{'/'.join(exchange.segments)}?{kept!r}"
        position: set[tuple[str, str]] = set()
        for key, value in exchange.query:
            if key.lower() in page_params:
                kind = self._page_kind(key)
                position.add((kind, "*" if kind == "cursor" else value.strip()))
        if not position:
            # no page parameter means the first page, whichever style the client walks with
            position = {("page", "1"), ("offset", "0")}
        return query_key, frozenset(position)

    def _next_positions(
        self, exchange: Exchange, items: int, catalog: Catalog
    ) -> frozenset[tuple[str, str]]:
        _, position = self._paging(exchange, catalog)
        following: set[tuple[str, str]] = {("cursor", "*")}
        for kind, value in position:
            if kind == "page" and value.isdigit():
                following.add(("page", str(int(value) + 1)))
            elif kind == "offset" and value.isdigit():
                following.add(("offset", str(int(value) + items)))
        return frozenset(following)

    @staticmethod
    def _is_last_page(exchange: Exchange, items: int, catalog: Catalog) -> bool:
        """The response says itself that nothing follows: shorter than the size asked for,
        an explicit empty next link, no more pages, or a total already reached."""
        for key, value in exchange.query:
            if key.lower() in catalog.page_size_params and value.strip().isdigit():
                if items < int(value):
                    return True
        body = exchange.json()
        if not isinstance(body, dict):
            return False
        page = 1
        for key, value in exchange.query:
            if key.lower() in ("page", "page[number]") and value.strip().isdigit():
                page = int(value)
        for holder in (body, body.get("meta"), body.get("links"), body.get("pagination")):
            if not isinstance(holder, dict):
                continue
            for key in ("next", "next_page", "next_url"):
                if key in holder and holder[key] in (None, "", False):
                    return True
            if holder.get("has_more") is False:
                return True
            for key in ("total_pages", "last_page", "page_count"):
                if isinstance(holder.get(key), int) and holder[key] <= page:
                    return True
        return False
