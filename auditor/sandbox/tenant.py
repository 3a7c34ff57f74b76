"""The tenant's state and what its jobs do to it: the data, the job board, the clock, the file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditor.sandbox.clock import SandboxClock
from auditor.sandbox.dataset import Dataset, Record
from auditor.sandbox.jobs import Job, JobBoard, JobFailed, JobWork
from auditor.sandbox.state import StateFile

MEMBER_KEYS = {"learner": "learner_ids", "manager": "manager_ids"}


@dataclass
class Tenant:
    """One sandbox tenant. Every change goes through here, so the state file sees it."""

    data: Dataset
    jobs: JobBoard
    clock: SandboxClock
    state: StateFile | None = None

    # -- reads ------------------------------------------------------------------------
    def records(self, collection: str) -> list[Record]:
        return list(self.data.of(collection).values())

    def record(self, collection: str, record_id: int) -> Record | None:
        return self.data.of(collection).get(record_id)

    # -- synchronous writes (a bare group) ----------------------------------------------
    def create_group(self, fields: dict[str, Any]) -> Record:
        group_id = self.data.next_id("groups")
        group = {
            "id": group_id,
            "name": str(fields.get("name") or f"Group {group_id}"),
            "description": str(fields.get("description") or ""),
            "learner_ids": [],
            "manager_ids": [],
        }
        self._save("groups", group)
        return group

    def rename_group(self, group: Record, fields: dict[str, Any]) -> Record:
        for key in ("name", "description"):
            if key in fields:
                group[key] = str(fields[key])
        self._save("groups", group)
        return group

    # -- jobs -----------------------------------------------------------------------------
    def issue(self, kind: str, endpoint: str, work: JobWork, flow: dict[str, Any]) -> Job:
        job = self.jobs.issue(kind, endpoint, work, self.clock.timestamp(), flow)
        self._save_job(job)
        return job

    def settle(self) -> None:
        """Do the work of the jobs the clock has reached (called before each answer)."""
        for job in self.jobs.settle(self.clock.timestamp(), self.perform):
            self._save_job(job)

    def run_all_jobs(self) -> int:
        changed = self.jobs.finish_all(self.clock.timestamp(), self.perform)
        for job in changed:
            self._save_job(job)
        return len(changed)

    def record_poll(self, job: Job) -> None:
        job.polls += 1
        self._save_job(job)

    def perform(self, work: JobWork) -> Any:
        """What a job does once due; V1 answers (before the cut-over) call it at once."""
        action = work["action"]
        if action == "delete_user":
            return self._delete_user(int(work["user_id"]))
        if action == "sync_session":
            return self._sync_session(work["collection"], int(work["session_id"]))
        if action == "members":
            return self._change_members(
                int(work["group_id"]), work["role"], work["mode"], work["user_ids"]
            )
        if action == "group_participations":
            return self._group_participations(
                int(work["group_id"]), work["mode"], work["training_ids"]
            )
        if action == "training_gate":
            return self._training_gate(int(work["training_id"]), work["fields"])
        raise JobFailed(f"unknown job action {action!r}")

    def _delete_user(self, user_id: int) -> dict[str, Any]:
        if self.data.of("users").pop(user_id, None) is None:
            raise JobFailed(f"user {user_id} no longer exists")
        self._delete("users", user_id)
        for participation_id, participation in list(self.data.of("participations").items()):
            if participation.get("user_id") == user_id:
                del self.data.of("participations")[participation_id]
                self._delete("participations", participation_id)
        for group in self.data.of("groups").values():
            changed = False
            for key in MEMBER_KEYS.values():
                if user_id in group.get(key, []):
                    group[key] = [m for m in group[key] if m != user_id]
                    changed = True
            if changed:
                self._save("groups", group)
        return {"deleted_user_id": user_id}

    def _sync_session(self, collection: str, session_id: int) -> dict[str, Any]:
        session = self.record(collection, session_id)
        if session is None:
            raise JobFailed(f"session {session_id} no longer exists")
        session["synced_at"] = self._now_text()
        self._save(collection, session)
        return {"id": session_id, "synced_at": session["synced_at"]}

    def _change_members(
        self, group_id: int, role: str, mode: str, user_ids: Iterable[Any]
    ) -> dict[str, Any]:
        group = self.record("groups", group_id)
        if group is None:
            raise JobFailed(f"group {group_id} no longer exists")
        ids = [_as_id(u) for u in user_ids]
        unknown = [u for u in ids if u is None or u not in self.data.of("users")]
        if unknown and mode != "remove":
            raise JobFailed(f"no such users: {', '.join(map(str, unknown))}")
        key = MEMBER_KEYS[role]
        current = list(group.get(key, []))
        if mode == "replace":
            current = [u for u in ids if u is not None]
        elif mode == "add":
            current += [u for u in ids if u is not None and u not in current]
        else:
            current = [u for u in current if u not in ids]
        group[key] = current
        self._save("groups", group)
        for user_id in ids:
            user = self.record("users", user_id) if user_id is not None else None
            if user is None:
                continue
            groups = set(user.get("group_ids", []))
            groups.add(group_id) if mode != "remove" else groups.discard(group_id)
            user["group_ids"] = sorted(groups)
            self._save("users", user)
        return {"group_id": group_id, key: current}

    def _group_participations(
        self, group_id: int, mode: str, training_ids: Iterable[Any]
    ) -> dict[str, Any]:
        group = self.record("groups", group_id)
        if group is None:
            raise JobFailed(f"group {group_id} no longer exists")
        trainings = [_as_id(t) for t in training_ids]
        missing = [t for t in trainings if t is None or t not in self.data.of("trainings")]
        if missing:
            raise JobFailed(f"no such trainings: {', '.join(map(str, missing))}")
        learners = set(group.get("learner_ids", []))
        participations = self.data.of("participations")
        touched = 0
        if mode == "remove":
            for pid, row in list(participations.items()):
                if row.get("user_id") in learners and row.get("training_id") in trainings:
                    del participations[pid]
                    self._delete("participations", pid)
                    touched += 1
            return {"group_id": group_id, "removed": touched}
        existing = {(r.get("user_id"), r.get("training_id")) for r in participations.values()}
        for user_id in sorted(learners):
            for training_id in trainings:
                if (user_id, training_id) in existing:
                    continue
                pid = self.data.next_id("participations")
                row = {
                    "id": pid,
                    "user_id": user_id,
                    "training_id": training_id,
                    "status": "not_started",
                    "score": None,
                    "progressions": [],
                }
                participations[pid] = row
                self._save("participations", row)
                touched += 1
        return {"group_id": group_id, "created": touched}

    def _training_gate(self, training_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        gate = self.record("training_gates", training_id)
        if gate is None:
            raise JobFailed(f"training {training_id} has no gate")
        for key in ("opens_at", "closes_at", "open"):
            if key in fields:
                gate[key] = fields[key]
        self._save("training_gates", gate)
        return dict(gate)

    # -- persistence ----------------------------------------------------------------------
    def _now_text(self) -> str:
        moment = datetime.fromtimestamp(self.clock.timestamp(), UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

    def _save(self, collection: str, record: Record) -> None:
        self.data.of(collection)[record["id"]] = record
        if self.state is not None:
            self.state.save_record(collection, record)

    def _delete(self, collection: str, record_id: int) -> None:
        if self.state is not None:
            self.state.delete_record(collection, record_id)

    def _save_job(self, job: Job) -> None:
        if self.state is not None:
            self.state.save_job(job)

    def save_clock(self) -> None:
        if self.state is not None:
            self.state.set_meta("clock_offset", repr(self.clock.offset))
            frozen = self.clock.frozen_at
            self.state.set_meta("clock_frozen_at", "" if frozen is None else repr(frozen))


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, dict):
        return _as_id(value.get("id"))
    return None
