"""Starting and stopping the sandbox: from the command line until a signal, or from tests."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from auditor.catalog import load_catalog
from auditor.config import Settings
from auditor.errors import AuditError
from auditor.findings import RunResult
from auditor.sandbox.app import build_app
from auditor.sandbox.clock import SandboxClock
from auditor.sandbox.contract import ContractWatch
from auditor.sandbox.dataset import DEFAULT_SEED, DEFAULT_USERS, load_dataset, seeded_dataset
from auditor.sandbox.jobs import JobBoard
from auditor.sandbox.state import StateFile
from auditor.sandbox.tenant import Tenant

DEFAULT_PORT = 8900
DEFAULT_JOB_DELAY = 2.0


class SandboxError(AuditError):
    """The sandbox could not start (the port is taken, the address cannot be used)."""


@dataclass
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: int = DEFAULT_SEED
    users: int = DEFAULT_USERS
    data: Path | None = None
    state: Path | None = None
    job_delay: float = DEFAULT_JOB_DELAY
    """Sandbox seconds from issuing a job to doing its work."""
    before_cutover: bool = False
    """Answer V1 requests the way V1 did (the tenant before the cut-over) instead of 406."""
    frozen_clock: bool = False
    settings: Settings = field(default_factory=Settings)
    echo: Callable[[str], None] | None = None
    """Where live findings and the listening line go (stderr for the CLI); None: silent."""


def open_tenant(options: SandboxOptions) -> tuple[Tenant, ContractWatch]:
    """The tenant: from the state file when it has one, else from --data or the seed."""
    catalog = load_catalog().with_hosts(options.settings.hosts)
    state = StateFile(options.state) if options.state is not None else None
    clock = SandboxClock()
    jobs = JobBoard(catalog.job_lifetime_days, options.job_delay)
    if state is not None and not state.is_new:
        data = state.load_dataset()
        jobs.jobs = state.load_jobs()
        clock.offset = float(state.meta("clock_offset") or 0.0)
        frozen = state.meta("clock_frozen_at")
        clock.frozen_at = float(frozen) if frozen else None
        delay = state.meta("job_delay")
        if delay:
            jobs.delay = float(delay)
    else:
        if options.data is not None:
            data = load_dataset(options.data)
        else:
            data = seeded_dataset(options.seed, options.users)
        if state is not None:
            state.save_dataset(data)
    if options.frozen_clock:
        clock.freeze(True)
    tenant = Tenant(data, jobs, clock, state)
    watch = ContractWatch(catalog, options.settings, echo=options.echo, state=state)
    watch.remember_jobs(jobs.jobs)
    return tenant, watch


class Sandbox:
    """One running sandbox; `url` is the API base URL to give the integration."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.tenant, self.watch = open_tenant(options)
        catalog = self.watch.catalog
        self.app = build_app(
            self.tenant, catalog, self.watch, before_cutover=options.before_cutover
        )
        self._runner: web.AppRunner | None = None
        self.port = options.port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def root(self) -> str:
        host = self.options.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/api"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host, self.options.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise SandboxError(
                f"cannot listen on {self.options.host}:{self.options.port}: {exc.strerror or exc}"
            ) from None
        server = site._server  # the only way aiohttp tells the port picked for port 0
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> RunResult:
        """Stop serving; the findings, made final (pages and jobs never followed)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        result = self.watch.result(final=True)
        if self.tenant.state is not None:
            self.tenant.state.close()
        return result

    # -- in a thread, for tests and scripts ----------------------------------------------------
    def start_in_thread(self) -> Sandbox:
        """Serve on a background thread with its own event loop until `stop_thread`."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, name="dokeos-sandbox", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failure:
            raise failure[0]
        return self

    def stop_thread(self) -> RunResult:
        loop, thread = self._loop, self._thread
        assert loop is not None and thread is not None
        result = asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        return result

    def __enter__(self) -> Sandbox:
        return self.start_in_thread()

    def __exit__(self, *_: object) -> None:
        self.stop_thread()


def serve_until_signal(sandbox: Sandbox, announce: Callable[[str], None]) -> RunResult:
    """The command line: serve until SIGINT or SIGTERM, then return the final findings."""

    async def main() -> RunResult:
        await sandbox.start()
        announce(
            f"dokeos-audit: sandbox listening on {sandbox.url} "
            f"(findings at {sandbox.root}/_sandbox/findings; Ctrl-C to stop)"
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        return await sandbox.stop()

    return asyncio.run(main())
