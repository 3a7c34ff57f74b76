"""The live audit's work, done on one thread in arrival order so the proxy's event loop
never waits for a body to decode or a rule to run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

MAX_BACKLOG_BYTES = 256 * 1024 * 1024
"""Bodies waiting to be analyzed beyond this make the flow that adds more wait its turn
(only that flow: the loop goes on serving the others)."""


class AuditWorker:
    """A single background thread: jobs run one at a time, in the order they were given."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._backlog = 0

    @property
    def backlog_bytes(self) -> int:
        return self._backlog

    def submit(self, job: Callable[[], None], weight: int = 0) -> Future[None]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="dokeos-audit"
                )
            self._backlog += weight
            executor = self._executor

        def run() -> None:
            try:
                job()
            finally:
                with self._lock:
                    self._backlog -= weight

        return executor.submit(run)

    def over_budget(self) -> bool:
        return self._backlog > MAX_BACKLOG_BYTES

    def drain(self) -> None:
        """Wait for every job given so far (the session's findings are then complete)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
