"""Where the sandbox keeps its tenant, jobs and clock: memory, or a SQLite file across restarts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from auditor.errors import AuditError
from auditor.sandbox.dataset import Dataset, Record
from auditor.sandbox.jobs import Job

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StateFileError(AuditError):
    """The --state file cannot be opened or is not a sandbox state."""


class StateFile:
    """Write-through persistence: each change is committed when it happens, so a sandbox
    killed without warning restarts where it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # the server answers on one event loop thread; tests may read from another
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StateFileError(f"cannot use {path} as sandbox state: {exc}") from None

    @property
    def is_new(self) -> bool:
        return self.meta("created") is None

    def load_dataset(self) -> Dataset:
        data = Dataset()
        rows = self._db.execute("SELECT collection, id, body FROM records ORDER BY collection, id")
        for collection, record_id, body in rows:
            data.of(collection)[record_id] = json.loads(body)
        return data

    def save_dataset(self, data: Dataset) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM records")
            self._db.executemany(
                "INSERT INTO records (collection, id, body) VALUES (?, ?, ?)",
                [
                    (name, record_id, json.dumps(record))
                    for name, records in data.collections.items()
                    for record_id, record in records.items()
                ],
            )
            self.set_meta("created", "1")

    def save_record(self, collection: str, record: Record) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO records (collection, id, body) VALUES (?, ?, ?)",
            (collection, record["id"], json.dumps(record)),
        )

    def delete_record(self, collection: str, record_id: int) -> None:
        self._db.execute(
            "DELETE FROM records WHERE collection = ? AND id = ?", (collection, record_id)
        )

    def load_jobs(self) -> dict[str, Job]:
        rows = self._db.execute("SELECT body FROM jobs")
        jobs = (Job.from_state(json.loads(body)) for (body,) in rows)
        return {job.job_id: job for job in sorted(jobs, key=lambda j: j.created_at)}

    def save_job(self, job: Job) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO jobs (job_id, body) VALUES (?, ?)",
            (job.job_id, json.dumps(job.to_state())),
        )

    def load_findings(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT body FROM findings ORDER BY position")
        return [json.loads(body) for (body,) in rows]

    def add_finding(self, finding: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO findings (body) VALUES (?)", (json.dumps(finding),))

    def clear_findings(self) -> None:
        self._db.execute("DELETE FROM findings")

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self._db.close()

    def _transaction(self) -> sqlite3.Connection:
        self._db.execute("BEGIN")
        return _Commit(self._db)  # type: ignore[return-value]


class _Commit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, kind: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
