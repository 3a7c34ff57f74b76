"""DK100 — a suppression comment that suppresses nothing (ruff's RUF100, for our comments)."""

from __future__ import annotations

from typing import ClassVar

from auditor.findings import Severity
from auditor.rules.base import CodeExample, Rule


class UnusedSuppression(Rule):
    id = "DK100"
    name = "unused-suppression"
    severity = Severity.WARNING
    checks: ClassVar[tuple[str, ...]] = ("code",)
    summary = (
        "A `# dokeos-audit: ignore[...]` or `# noqa: DK...` comment hides no finding on its "
        "line (run with --report-unused-suppressions, or select DK100)."
    )
    why = (
        "A suppression that no longer hides anything is not harmless: it stays in the code "
        "after the call it excused was fixed or moved, and silently hides the next finding "
        "that lands on that line. Like ruff's RUF100, reporting them keeps suppressions "
        "honest."
    )
    fix = (
        "Remove the comment, or the rule ids in it that no longer match a finding; a bare "
        "`# noqa` is never reported, since other linters may need it."
    )
    autofix = (
        "Safe: the comment is removed (with the spaces before it), or, when it also holds "
        "other text or ids that still hide a finding, only the ids that hide nothing are "
        "taken out of it (`# noqa: DK003, E501` becomes `# noqa: E501`)."
    )
    before = (
        'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}  '
        "# dokeos-audit: ignore[DK001]"
    )
    after = 'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}'
    bad = (
        CodeExample(
            "import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}  '
            "# dokeos-audit: ignore[DK001]\n"
            "def user(user_id):\n"
            '    return requests.get(f"https://acme.dokeos.com/api/users/{user_id}", '
            "headers=HEADERS).json()\n",
            fixed="import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=2"}\n'
            "def user(user_id):\n"
            '    return requests.get(f"https://acme.dokeos.com/api/users/{user_id}", '
            "headers=HEADERS).json()\n",
        ),
        CodeExample(
            "import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}  '
            "# noqa: DK001, DK004, E501\n"
            "def user(user_id):\n"
            '    return requests.get(f"https://acme.dokeos.com/api/users/{user_id}", '
            "headers=HEADERS).json()\n",
            fixed="import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}  '
            "# noqa: DK001, E501\n"
            "def user(user_id):\n"
            '    return requests.get(f"https://acme.dokeos.com/api/users/{user_id}", '
            "headers=HEADERS).json()\n",
        ),
    )
    good = (
        CodeExample(
            "import requests\n"
            'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1"}  '
            "# dokeos-audit: ignore[DK001]\n"
            "def user(user_id):\n"
            '    return requests.get(f"https://acme.dokeos.com/api/users/{user_id}", '
            "headers=HEADERS).json()\n",
            expect=0,
        ),
    )
