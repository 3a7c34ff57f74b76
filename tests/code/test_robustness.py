"""Whatever the code looks like, the scan finishes, reports what it could, and never crashes."""

from __future__ import annotations

from pathlib import Path

from auditor.code.scan import scan_paths
from auditor.config import Settings
from tests.code.helpers import write_project


def test_deeply_nested_expressions_are_scanned_without_a_crash(tmp_path: Path) -> None:
    nested = "(" * 180 + "1" + ")" * 180  # Python takes 200 levels at most
    chain = " + ".join(["'x'"] * 1200)
    write_project(
        tmp_path,
        {
            "deep.py": f"""
            import requests
            V1 = "application/vnd.dokeos+json;version=1"
            VALUE = {nested}
            TEXT = {chain}

            def users():
                return requests.get("https://acme.dokeos.com/api/trainings",
                                    headers={{"Accept": V1}}).json()
        """,
        },
    )
    result = scan_paths([tmp_path], Settings())
    assert [(f.rule, f.location.line) for f in result.findings if f.location] == [("DK001", 8)]


def test_recursive_and_mutually_recursive_functions_terminate(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "loop.py": """
            import requests
            H = {"Accept": "application/vnd.dokeos+json;version=2"}

            def walk(url, depth=0):
                data = requests.get(url, headers=H).json()
                return walk(data["next"], depth + 1) if data.get("next") else data["items"]

            def ping(n):
                return pong(n - 1)

            def pong(n):
                return ping(n - 1) if n else requests.delete(
                    f"https://acme.dokeos.com/api/user/{n}", headers=H)

            def start():
                ping(10)
        """,
        },
    )
    result = scan_paths([tmp_path], Settings())
    assert [(f.rule, f.location.line) for f in result.findings if f.location] == [("DK005", 12)]


def test_odd_but_valid_python_is_analyzed(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "odd.py": """
            import requests as r, httpx
            from functools import partial
            H = {"Accept": "application/vnd.dokeos+json;version=2"}
            get = partial(r.get, headers=H)
            match_value = 3

            class Meta(type):
                pass

            class Client(metaclass=Meta):
                base: "str" = "https://acme.dokeos.com/api"
                def __getattr__(self, name):
                    return lambda *a: None

            async def gen():
                async for item in aiter_items():
                    yield item
                lam = lambda x: x["progressions"]
                match match_value:
                    case 3:
                        r.delete(Client.base + "/user/3", headers=H)
                    case _:
                        pass
                print(*[1, 2], **{"sep": ","})
                global match_value
                del lam
        """,
        },
    )
    result = scan_paths([tmp_path], Settings())
    assert result.errors == []
    assert [(f.rule, f.location.line) for f in result.findings if f.location] == [("DK005", 21)]


def test_walking_a_value_that_shares_its_parts_visits_each_part_once() -> None:
    # 64 references to one list, six levels deep: as a tree, 64**6 values to walk
    from auditor.code.values import Data, ListV, Value, walk_values

    value: Value = Data(None)  # type: ignore[arg-type]
    for _ in range(6):
        value = ListV(items=[value] * 64)
    assert len(list(walk_values(value))) == 8  # six lists, the data, one empty element
