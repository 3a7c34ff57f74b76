"""The safe fixes keep the author's style: DK002 merges with what is asked for already, in
the URL when the URL carries the query, in a constant when the names come from one; quotes,
trailing commas and comments stay; DK001 changes the f-string part that says version=1.
Plus the target Python version the unsafe fixes write for."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.fix.target import lowest_version, python_target
from tests.fix.helpers import fix, scan, write

HEAD = (
    "import requests\n"
    'BASE = "https://acme.dokeos.com/api"\n'
    'H = {"Accept": "application/vnd.dokeos+json;version=2"}\n'
)


def _fixed(tmp_path: Path, source: str) -> str:
    root = write(tmp_path, {"example.py": source})
    assert [f for f in scan(root).findings if f.fix is not None and f.fix.safe]
    fix(root)
    assert scan(root).findings == []
    assert fix(root).changed == {}
    return (root / "example.py").read_text()


def test_attributes_join_the_query_the_url_carries(tmp_path: Path) -> None:
    source = HEAD + (
        "def user_groups(email):\n"
        '    r = requests.get(f"{BASE}/users?email={email}&page=1", headers=H)\n'
        '    return r.json()["data"][0]["group_ids"]\n'
    )
    assert '"{BASE}/users?email={email}&page=1&response_attributes=group_ids"' in _fixed(
        tmp_path, source
    )


def test_a_dict_laid_out_one_entry_a_line_gets_one_more_line(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "BASE = 'https://acme.dokeos.com/api'\n"
        "H = {'Accept': 'application/vnd.dokeos+json;version=2'}\n"
        "def skills(email):\n"
        "    r = requests.get(\n"
        "        f'{BASE}/users',\n"
        "        params={\n"
        "            'email': email,  # unique per tenant\n"
        "            'page': 1,\n"
        "        },\n"
        "        headers=H,\n"
        "    )\n"
        "    return r.json()['data'][0]['skills']\n"
    )
    page = "            'page': 1,\n"
    expected = source.replace(page, page + "            'response_attributes': 'skills',\n")
    assert _fixed(tmp_path, source) == expected


def test_names_joined_from_a_constant_extend_the_constant(tmp_path: Path) -> None:
    source = HEAD + (
        'USER_ATTRIBUTES = ("group_ids", "role_names")\n'
        "def profile(email):\n"
        '    params = {"email": email, "response_attributes": ",".join(USER_ATTRIBUTES)}\n'
        '    user = requests.get(f"{BASE}/users", params=params, headers=H).json()["data"][0]\n'
        '    return user["group_ids"], user["role_names"], user["tag_ids"]\n'
    )
    expected = source.replace('"role_names")\n', '"role_names", "tag_ids")\n')
    assert _fixed(tmp_path, source) == expected


def test_the_f_string_part_that_says_version_1_says_2(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        'MEDIA = "application/vnd.dokeos+json"\n'
        "def trainings(token):\n"
        '    headers = {"Accept": f"{MEDIA};version=1", "Authorization": f"Bearer {token}"}\n'
        '    return requests.get("https://acme.dokeos.com/api/trainings", headers=headers)\n'
    )
    assert _fixed(tmp_path, source) == source.replace("version=1", "version=2")


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        (">=3.11", (3, 11)),
        (">=3.12,<4", (3, 12)),
        ("~=3.12", (3, 12)),
        ("^3.13", (3, 13)),
        (">3.11", (3, 11)),  # 3.11.1 satisfies it and has no itertools.batched
        ("==3.12.*", (3, 12)),
        ("3.12", (3, 12)),
        ("<4", None),
    ],
)
def test_the_lowest_python_a_requirement_allows(spec: str, version: tuple[int, int] | None):
    assert lowest_version(spec) == version


def test_the_target_comes_from_the_nearest_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.12"\n',
            "svc/pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n',
            "svc/app.py": "",
        },
    )
    assert python_target(tmp_path / "svc" / "app.py") == (3, 11)
    assert python_target(tmp_path) == (3, 12)
    assert python_target(tmp_path.parent / "nowhere-at-all") is None
