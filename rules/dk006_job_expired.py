"""DK006 — a job id polled after its one-week lifetime may have ended."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.findings import Severity
from auditor.rules.base import CodeExample, RawFinding, Rule, TrafficExample

if TYPE_CHECKING:
    from auditor.catalog import Catalog
    from auditor.code.model import JobPoll
    from auditor.traffic.exchange import Exchange, TrafficHistory

V2 = {"Accept": "application/vnd.dokeos+json;version=2"}


class JobExpired(Rule):
    id = "DK006"
    name = "job-expired"
    severity = Severity.ERROR
    summary = (
        "A job id followed on GET /jobs/:job_id more than a week after the job was "
        "issued, or kept for later with no limit on its age."
    )
    why = (
        "A V2 job id lives one week. After that, GET /jobs/:job_id can no longer tell what "
        "became of the job, so a poller that keeps ids longer (or forever) ends up asking "
        "about jobs Dokeos has forgotten and never learns their outcome."
    )
    fix = (
        "Keep the time each job was issued and stop polling (and alert) once it is older "
        "than 7 days; check pending jobs well within that week."
    )
    autofix = (
        "None: how long a stored job id may wait before it is polled is a decision about the "
        "data, so the finding says where to bound its age to 7 days."
    )
    before = (
        'for (job_id,) in db.execute("SELECT job_id FROM pending_jobs"):\n'
        '    state = session.get(f"{BASE}/jobs/{job_id}").json()'
    )
    after = (
        "for (job_id,) in db.execute(\n"
        "        \"SELECT job_id FROM pending_jobs WHERE issued_at > datetime('now', '-7 days')\"):\n"
        '    state = session.get(f"{BASE}/jobs/{job_id}").json()'
    )
    bad = (
        CodeExample(
            "import json\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def poll_pending(path):\n"
            "    with open(path) as f:\n"
            "        pending = json.load(f)\n"
            "    for job_id in pending:\n"
            '        r = requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}", headers=H)\n'
            '        print(job_id, r.json()["status"])\n',
            no_fix="decision about the data",
        ),
        TrafficExample(
            (
                {
                    "method": "DELETE",
                    "url": "https://acme.dokeos.com/api/user/42",
                    "request_headers": V2,
                    "status": 202,
                    "response_json": {"job_id": "j-1"},
                    "timestamp": "2026-11-01T10:00:00+00:00",
                },
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/jobs/j-1",
                    "request_headers": V2,
                    "status": 404,
                    "response_json": {"error": "unknown job"},
                    "timestamp": "2026-11-09T10:00:00+00:00",
                },
            )
        ),
    )
    good = (
        CodeExample(
            "import sqlite3\n"
            "import requests\n"
            f"H = {V2!r}\n"
            "def poll_pending(db: sqlite3.Connection):\n"
            '    rows = db.execute("SELECT job_id FROM jobs WHERE created_at > '
            "datetime('now', '-6 days')\")\n"
            "    for (job_id,) in rows:\n"
            '        r = requests.get(f"https://acme.dokeos.com/api/jobs/{job_id}", headers=H)\n'
            '        print(job_id, r.json()["status"])\n',
            expect=0,
        ),
        TrafficExample(
            (
                # 8 days apart on the wall clocks, 6 days and 19 hours apart in UTC
                {
                    "method": "DELETE",
                    "url": "https://acme.dokeos.com/api/user/42",
                    "request_headers": V2,
                    "status": 202,
                    "response_json": {"job_id": "j-2"},
                    "timestamp": "2026-11-01T23:00:00-05:00",
                },
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/jobs/j-2",
                    "request_headers": V2,
                    "status": 200,
                    "response_json": {"job_id": "j-2", "status": "done"},
                    "timestamp": "2026-11-09T01:00:00+02:00",
                },
            ),
            expect=0,
        ),
    )

    def check_poll(self, poll: JobPoll, catalog: Catalog) -> Iterator[RawFinding]:
        lifetime = catalog.job_lifetime_days
        if poll.bound_days is None:
            yield self.code_finding(
                poll.location,
                f"polls job ids kept in {poll.source} with no limit on their age; "
                f"a job id lives {lifetime} days",
                poll.endpoint,
                key="no-bound",
            )
        elif poll.bound_days > lifetime:
            yield self.code_finding(
                poll.location,
                f"polls job ids up to {poll.bound_days:g} days old; a job id lives {lifetime} days",
                poll.endpoint,
                key="long-bound",
            )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        if exchange.endpoint != catalog.job_poll.text or not exchange.segments:
            return
        issued = history.jobs.get(exchange.segments[-1])
        # a job whose issuing flow is not in the capture cannot be judged
        if issued is None or issued.issued_at is None or exchange.timestamp is None:
            return
        from datetime import timedelta

        age = exchange.timestamp - issued.issued_at  # both aware: offsets are accounted for
        if age > timedelta(days=catalog.job_lifetime_days):
            days = age.total_seconds() / 86400
            yield RawFinding(
                self.id,
                f"follows job {issued.job_id} {days:.1f} days after {issued.endpoint or 'the call'}"
                f" issued it (flow {issued.flow.index}); a job id lives "
                f"{catalog.job_lifetime_days} days",
                exchange.endpoint,
                flow=exchange.flow_ref(),
                key="late-poll",
            )
