"""Every API request the sandbox answers, checked by the traffic rules: its findings.

The sandbox does not re-derive the rules: each request and its answer become an `Exchange`
(the model the `traffic` command reads captures into), fed to a `TrafficSession` whose
findings carry `origin: "sandbox"`. The flow time is the sandbox clock, so a test that
jumps a week ahead and then polls a job gets the DK006 finding it deserves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from auditor.catalog import Catalog
from auditor.config import Settings
from auditor.findings import Finding, FlowRef, RunResult, now_iso
from auditor.redact import redact_url
from auditor.rules import RULES_BY_ID
from auditor.sandbox.jobs import Job
from auditor.sandbox.state import StateFile
from auditor.traffic.digest import LiveLog
from auditor.traffic.exchange import AwaitedJobs, Exchange, IssuedJob
from auditor.traffic.session import TrafficSession

FLOW_FILE = "sandbox"
"""`flow.file` of sandbox findings; `flow.index` counts the API requests it answered."""


class ContractWatch:
    """The session of rules over the sandbox's own traffic, and the findings it keeps."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        *,
        echo: Callable[[str], None] | None = None,
        state: StateFile | None = None,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.state = state
        self._live = LiveLog(echo, prefix="dokeos-audit sandbox") if echo else None
        self.session = self._new_session()
        self.flows = int(state.meta("flows") or 0) if state is not None else 0
        if state is not None:
            for raw in state.load_findings():
                self.session.keeper.add(Finding.from_json(raw))

    def _new_session(self) -> TrafficSession:
        return TrafficSession(
            self.catalog, self.settings, on_finding=self._on_finding, origin="sandbox"
        )

    # -- requests and answers ---------------------------------------------------------------
    def request_exchange(self, request: web.Request, body: bytes, now: datetime) -> Exchange:
        """The request half of the next flow (the handlers read parameters through it)."""
        index = self.flows
        self.flows += 1
        if self.state is not None:
            self.state.set_meta("flows", str(self.flows))
        exchange = Exchange(
            file=FLOW_FILE,
            index=index,
            method=request.method.upper(),
            url=str(request.url),
            host=(request.url.host or "").lower(),
            request_headers=tuple(request.headers.items()),
            request_raw_body=body,
            status=None,
            response_headers=(),
            response_raw_body=None,
            timestamp=now,
        )
        endpoint = self.catalog.endpoint_of(exchange.method, exchange.segments)
        return exchange.at_endpoint(endpoint) if endpoint is not None else exchange

    def flow_of(self, exchange: Exchange, status: int) -> dict[str, Any]:
        """The flow as stored with a job: who issued it, when, where."""
        ref = FlowRef(
            file=FLOW_FILE,
            index=exchange.index,
            method=exchange.method,
            url=redact_url(exchange.url),
            timestamp=exchange.flow_ref().timestamp,
            status=status,
        )
        return asdict(ref)

    def observe(self, exchange: Exchange, response: web.Response) -> None:
        """Check the whole flow once its answer is known."""
        body = response.body if isinstance(response.body, bytes) else b""
        complete = Exchange(
            file=exchange.file,
            index=exchange.index,
            method=exchange.method,
            url=exchange.url,
            host=exchange.host,
            request_headers=exchange.request_headers,
            request_raw_body=exchange.request_raw_body,
            status=response.status,
            response_headers=tuple(response.headers.items()),
            response_raw_body=body,
            timestamp=exchange.timestamp,
        )
        self.session.feed(complete)

    def _on_finding(self, finding: Finding) -> None:
        if self.state is not None:
            self.state.add_finding(finding.to_json())
        if self._live is not None:
            self._live(finding)

    # -- restarts ---------------------------------------------------------------------------
    def remember_jobs(self, jobs: dict[str, Job]) -> None:
        """Jobs issued before a restart (--state): a late poll is still DK006, and a job
        never followed is still DK005."""
        history = self.session.history
        unfollowed: dict[int, list[Job]] = {}
        for job in jobs.values():
            flow = FlowRef(**job.flow) if job.flow else None
            if flow is None:
                continue
            issued = datetime.fromtimestamp(job.created_at, UTC)
            history.jobs.setdefault(
                job.job_id, IssuedJob(job.job_id, issued, flow, job.endpoint, job.polls)
            )
            if job.polls == 0:
                unfollowed.setdefault(flow.index, []).append(job)
        for index, waiting in unfollowed.items():
            flow = FlowRef(**waiting[0].flow)
            ids = tuple(job.job_id for job in waiting)
            history.await_polls(index, AwaitedJobs(flow, waiting[0].endpoint, ids))

    # -- findings -------------------------------------------------------------------------
    def result(self, *, final: bool = False) -> RunResult:
        """The findings so far; those that wait for later evidence (a next page, a poll)
        are included as they stand now, and made final when the sandbox stops."""
        if final:
            self.session.finish()
            findings = list(self.session.findings)
        else:
            findings = [*self.session.findings, *self.session.outstanding()]
        result = RunResult(name="sandbox", kind="traffic", findings=findings)
        result.flows_read = self.flows
        result.extra["endpoints_seen"] = sorted(self.session.history.endpoints_seen)
        result.extra["origin"] = "sandbox"
        result.extra.update(self.session.history.span_facts())
        result.extra["rules"] = self.settings.rule_coverage(RULES_BY_ID)
        result.extra["generated_at"] = now_iso()
        return result

    def clear(self) -> None:
        """Forget the findings (a test starting from a clean slate); jobs stay remembered."""
        jobs = self.session.history.jobs
        self.session = self._new_session()
        self.session.history.jobs.update(jobs)
        if self.state is not None:
            self.state.clear_findings()
