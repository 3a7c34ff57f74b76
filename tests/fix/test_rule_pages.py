"""The before/after examples of the rule pages (`dokeos-audit rules DKxxx`): the before is
flagged by its rule, the after scans clean of every rule, and each page says what --fix does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.config import Settings
from auditor.rules import ALL_RULES
from auditor.rules.base import Rule
from tests.fix.helpers import scan, write

# What the snippets take for granted: a V2 session on a Dokeos tenant, and the names they use.
PRELUDE = """\
import itertools
import logging
import sqlite3
import time

import requests

BASE = "https://acme.dokeos.com/api"
session = requests.Session()
session.headers["Accept"] = "application/vnd.dokeos+json;version=2"
log = logging.getLogger(__name__)
db = sqlite3.connect("jobs.sqlite3")


def store(*values):
    log.info("%s", values)


def sync(user):
    log.info("%s", user)


def wait_for_job(client, job_id):
    for _ in range(30):
        if client.get(f"{BASE}/jobs/{job_id}").json()["status"] != "pending":
            return
        time.sleep(2)


def example(training_ids, user_id, participation_id, email):
"""

STANDALONE: set[str] = set()


def _program(rule: Rule, snippet: str) -> str:
    if rule.id in STANDALONE:
        return snippet + "\n"
    if "HEADERS" in snippet:  # DK001 writes its own header definition at module level
        return "import requests\n" + snippet + "\n"
    return PRELUDE + textwrap.indent(snippet, "    ") + "\n"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_before_is_flagged_and_after_scans_clean(rule: Rule, tmp_path: Path) -> None:
    # opt-in rules (DK100) run when selected, as a user would select them
    settings = Settings(extend_select=frozenset({rule.id}))
    before = scan(write(tmp_path / "before", {"example.py": _program(rule, rule.before)}), settings)
    assert rule.id in {f.rule for f in before.findings}, before.findings
    program = _program(rule, rule.after)
    after = scan(write(tmp_path / "after", {"example.py": program}), settings)
    assert after.findings == [], [(f.rule, f.message) for f in after.findings]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_page_says_what_the_automatic_fix_does(rule: Rule) -> None:
    page = CliRunner().invoke(cli, ["rules", rule.id]).stdout
    assert "Automatic fix" in page
    if rule.id in ("DK001", "DK002", "DK100"):
        assert "Safe" in page
    elif rule.id != "DK006":
        assert "Unsafe" in page and "--unsafe-fixes" in page
