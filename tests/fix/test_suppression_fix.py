"""DK100's fix removes what suppresses nothing, as ruff's RUF100 does: the whole comment, or
only the ids that hide no finding, and never another linter's codes or a bare noqa."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.fix.comments import suppression_fix, without_idle
from tests.fix.helpers import fix, scan, write

DK100 = Settings(extend_select=frozenset({"DK100"}))


@pytest.mark.parametrize(
    ("comment", "idle", "left"),
    [
        ("# dokeos-audit: ignore[DK001]", ["DK001"], None),
        ("# dokeos-audit: ignore[DK001, DK004]", ["DK004"], "# dokeos-audit: ignore[DK001]"),
        ("# dokeos-audit: ignore", [], None),
        ("# noqa: DK003", ["DK003"], None),
        ("# noqa: DK003, E501", ["DK003"], "# noqa: E501"),
        ("# type: ignore  # noqa: DK003", ["DK003"], "# type: ignore"),
        ("# dokeos-audit: ignore[DK001] legacy tenant", ["DK001"], "# legacy tenant"),
    ],
)
def test_what_is_left_of_a_comment(comment: str, idle: list[str], left: str | None) -> None:
    assert without_idle(comment, idle) == left


def test_comments_inside_a_call_and_on_their_own_line(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "# dokeos-audit: ignore[DK004]\n"
        "def user(user_id):\n"
        "    return requests.get(\n"
        '        f"https://acme.dokeos.com/api/users/{user_id}",  # noqa: DK002\n'
        '        headers={"Accept": "application/vnd.dokeos+json;version=2"},\n'
        "    ).json()  # keep: the tenant answers slowly\n"
    )
    root = write(tmp_path, {"example.py": source})
    found = [f for f in scan(root, DK100).findings if f.rule == "DK100"]
    assert len(found) == 2 and all(f.fix is not None and f.fix.safe for f in found)
    fix(root, settings=DK100)
    assert (root / "example.py").read_text() == (
        "import requests\n"
        "def user(user_id):\n"
        "    return requests.get(\n"
        '        f"https://acme.dokeos.com/api/users/{user_id}",\n'
        '        headers={"Accept": "application/vnd.dokeos+json;version=2"},\n'
        "    ).json()  # keep: the tenant answers slowly\n"
    )
    assert fix(root, settings=DK100).changed == {}


def test_a_comment_that_moved_since_the_scan_has_no_fix() -> None:
    reason = suppression_fix("a.py", "x = 1  # noqa: DK003\n", 1, 3, "# noqa: DK003", ["DK003"])
    assert isinstance(reason, str) and "by hand" in reason
