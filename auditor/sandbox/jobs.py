"""Jobs of the asynchronous calls: pending, then done or failed by the clock, gone in a week."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

JobWork = dict[str, Any]
"""What a job does once due, as data (`{"action": "delete_user", "user_id": 7}`), so it can be
stored in the state file and done after a restart."""


@dataclass
class Job:
    job_id: str
    kind: str
    endpoint: str
    created_at: float
    """Sandbox time (epoch seconds) the job was issued."""
    due_at: float
    work: JobWork
    status: str = "pending"
    finished_at: float | None = None
    result: Any = None
    error: str | None = None
    polls: int = 0
    flow: dict[str, Any] = field(default_factory=dict)
    """The issuing flow as FlowRef fields, so DK005/DK006 can be judged after a restart."""

    def to_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> Job:
        return cls(**raw)

    def answer(self, lifetime_days: int) -> dict[str, Any]:
        """What GET /jobs/:job_id shows."""
        out: dict[str, Any] = {
            "job_id": self.job_id,
            "kind": self.kind,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.created_at + lifetime_days * 86400),
            "finished_at": _iso(self.finished_at) if self.finished_at is not None else None,
        }
        if self.result is not None:
            out["result"] = self.result
        if self.error is not None:
            out["error"] = self.error
        return out


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class JobFailed(Exception):
    """Raised by a job's work when the tenant cannot do it (a member that does not exist)."""


@dataclass
class JobBoard:
    """Every job issued, by id. Work is done lazily, before each request is answered, for
    every job whose due time the clock has passed: the client cannot tell the difference
    from a background worker, and tests stay deterministic."""

    lifetime_days: int
    delay: float
    """Sandbox seconds between issuing a job and doing its work."""
    jobs: dict[str, Job] = field(default_factory=dict)

    def issue(
        self, kind: str, endpoint: str, work: JobWork, now: float, flow: dict[str, Any]
    ) -> Job:
        job_id = f"job_{secrets.token_hex(8)}"
        job = Job(job_id, kind, endpoint, now, now + self.delay, work, flow=flow)
        self.jobs[job_id] = job
        return job

    def due(self, now: float) -> Iterator[Job]:
        for job in list(self.jobs.values()):
            if job.status == "pending" and job.due_at <= now:
                yield job

    def settle(self, now: float, perform: Callable[[JobWork], Any]) -> list[Job]:
        """Do the work of every due job; returns the jobs that changed."""
        changed = []
        for job in self.due(now):
            try:
                job.result = perform(job.work)
                job.status = "done"
            except JobFailed as exc:
                job.status, job.error = "failed", str(exc)
            job.finished_at = max(job.due_at, job.created_at)
            changed.append(job)
        return changed

    def finish_all(self, now: float, perform: Callable[[JobWork], Any]) -> list[Job]:
        """Make every pending job due now (POST /_sandbox/jobs/run)."""
        for job in self.jobs.values():
            if job.status == "pending":
                job.due_at = min(job.due_at, now)
        return self.settle(now, perform)

    def expired(self, job: Job, now: float) -> bool:
        return now - job.created_at > self.lifetime_days * 86400
