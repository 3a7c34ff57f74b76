"""DK005 — a call that became an asynchronous job in V2, treated as done when it returns."""

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


class AsyncJobIgnored(Rule):
    id = "DK005"
    name = "async-job-ignored"
    severity = Severity.WARNING
    summary = (
        "DELETE /user/:id, the presence and webinar session syncs, group membership "
        "changes or PUT /training_gate/:id, treated as finished when the call returns."
    )
    why = (
        "In V2 these calls only queue the work and answer with a `job_id`. A success "
        "status means 'accepted', not 'done': the user may still exist, the sync may still "
        "run or fail. Code that moves on as if the work were finished reports success for "
        "work that may never happen."
    )
    fix = (
        "Read `job_id` from the response and follow it on GET /jobs/:job_id until the job "
        "has finished (or store it for a poller that does), and act on its outcome."
    )
    before = (
        'session.delete(f"{BASE}/user/{user_id}").raise_for_status()\n'
        'log.info("user %s deleted", user_id)'
    )
    after = (
        'job_id = session.delete(f"{BASE}/user/{user_id}").json()["job_id"]\n'
        "wait_for_job(session, job_id)  # polls GET /jobs/{job_id}"
    )
    bad = (
        CodeExample(
            "import requests\n"
            f"H = {V2!r}\n"
            "def remove(user_id):\n"
            '    r = requests.delete(f"https://acme.dokeos.com/api/user/{user_id}", headers=H)\n'
            "    r.raise_for_status()\n"
            "    return True\n"
        ),
        TrafficExample(
            (
                {
                    "method": "DELETE",
                    "url": "https://acme.dokeos.com/api/user/42",
                    "request_headers": V2,
                    "status": 202,
                    "response_json": {"job_id": "j-1"},
                },
            )
        ),
    )
    good = (
        CodeExample(
            "import time\n"
            "import requests\n"
            f"H = {V2!r}\n"
            'BASE = "https://acme.dokeos.com/api"\n'
            "def remove(user_id):\n"
            '    job = requests.delete(f"{BASE}/user/{user_id}", headers=H).json()["job_id"]\n'
            "    for _ in range(30):\n"
            '        state = requests.get(f"{BASE}/jobs/{job}", headers=H).json()["status"]\n'
            '        if state in ("done", "failed"):\n'
            "            return state\n"
            "        time.sleep(2)\n"
            '    return "timeout"\n',
            expect=0,
        ),
        TrafficExample(
            (
                {
                    "method": "DELETE",
                    "url": "https://acme.dokeos.com/api/user/42",
                    "request_headers": V2,
                    "status": 202,
                    "response_json": {"job_id": "j-1"},
                },
                {
                    "method": "GET",
                    "url": "https://acme.dokeos.com/api/jobs/j-1",
                    "request_headers": V2,
                    "status": 200,
                    "response_json": {"job_id": "j-1", "status": "done"},
                },
            ),
            expect=0,
        ),
    )

    def check_call(self, call: HttpCall, catalog: Catalog) -> Iterator[RawFinding]:
        if not call.is_dokeos or call.async_change is None:
            return
        if call.job.followed or not call.job.treated_final:
            return
        yield self.code_finding(
            call.location,
            f"{call.endpoint} runs as a job in V2, but the code {call.job.how}: follow the "
            f"returned job_id on {catalog.job_poll.text}",
            call.endpoint,
            key="job",
        )

    def check_exchange(
        self, exchange: Exchange, history: TrafficHistory, catalog: Catalog
    ) -> Iterator[RawFinding]:
        if exchange.endpoint == catalog.job_poll.text and exchange.segments:
            # followed: settled now, so a long run keeps only the calls still waiting
            history.settle_awaited(exchange.segments[-1])
            return
        if not exchange.succeeded or exchange.endpoint is None:
            return
        # group calls are jobs only when they change members: the path or body says which
        body = exchange.request_body[:65536].decode("utf-8", errors="replace")
        evidence = "/".join(exchange.segments) + " " + body
        if catalog.async_operation(exchange.endpoint, evidence) is None:
            return
        job_ids = history.job_ids_in(exchange, catalog.job_id_key)
        if not job_ids:
            # a V1 answer: no job exists, so nothing later can show the job being followed
            yield RawFinding(
                self.id,
                f"{exchange.endpoint} answered without a {catalog.job_id_key}, and the client "
                f"moved on: in V2 it runs as a job, follow its {catalog.job_id_key} on "
                f"{catalog.job_poll.text}",
                exchange.endpoint,
                flow=exchange.flow_ref(),
                key="job",
            )
            return
        from auditor.traffic.exchange import AwaitedJobs

        history.await_polls(
            exchange.index, AwaitedJobs(exchange.flow_ref(), exchange.endpoint, job_ids)
        )

    def finish_traffic(self, history: TrafficHistory, catalog: Catalog) -> Iterator[RawFinding]:
        for awaited in history.awaiting_poll.values():
            unfollowed = [job_id for job_id in awaited.job_ids if job_id in awaited.unpolled]
            if unfollowed:
                shown = ", ".join(unfollowed[:3]) + (" …" if len(unfollowed) > 3 else "")
                yield RawFinding(
                    self.id,
                    f"{awaited.endpoint} returned {catalog.job_id_key} {shown}, never followed "
                    f"on {catalog.job_poll.text}: the call only queued the work",
                    awaited.endpoint,
                    flow=awaited.flow,
                    key="job",
                )
