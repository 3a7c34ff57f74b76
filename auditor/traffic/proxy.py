"""Runs mitmproxy in this process with the audit addon, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys
from types import FrameType
from typing import Any

from auditor.errors import AuditError
from auditor.traffic.addon import DokeosAudit


class ProxyError(AuditError):
    """The proxy could not start: bad options, or the address is taken."""


def validate_mode(mode: str) -> str:
    """`regular`, or `reverse:URL` with an http(s) URL; other mitmproxy modes pass through."""
    if mode.startswith("reverse:"):
        target = mode.removeprefix("reverse:")
        if not target.startswith(("http://", "https://")):
            raise ProxyError(f"--mode reverse:URL needs an http:// or https:// URL, got {target!r}")
    return mode


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def is_loopback(host: str) -> bool:
    """Whether a listen address reaches this machine only ("" and 0.0.0.0 mean every interface)."""
    if host.strip().lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


STOPPING_NOTICE = (
    "dokeos-audit: already stopping: the report is being written (it will be complete)"
)


def _hold_stop_signals() -> None:
    told = False

    def while_stopping(signum: int, frame: FrameType | None) -> None:
        nonlocal told
        if not told:
            told = True
            print(STOPPING_NOTICE, file=sys.stderr, flush=True)

    for signum in STOP_SIGNALS:
        signal.signal(signum, while_stopping)


def ignore_stop_signals() -> None:
    """Once the report is written: ignore SIGINT and SIGTERM for the last moments of the
    process (the interpreter puts default handlers back while it finalizes, and a signal
    then would turn the exit code into a death by signal; SIG_IGN is left in place)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def run_proxy(
    addon: DokeosAudit,
    *,
    listen_host: str,
    listen_port: int,
    mode: str,
    extra_options: dict[str, Any] | None = None,
) -> None:
    """Serve until a signal asks to stop; the addon's `done` runs before this returns.

    From the first SIGINT or SIGTERM on, later ones are acknowledged and ignored, and stay
    so after this returns: the caller writes its report and exits.
    """
    asyncio.run(_serve(addon, listen_host, listen_port, validate_mode(mode), extra_options or {}))


async def _serve(
    addon: DokeosAudit,
    listen_host: str,
    listen_port: int,
    mode: str,
    extra_options: dict[str, Any],
) -> None:
    from mitmproxy import exceptions, options
    from mitmproxy.tools.dump import DumpMaster

    # the same levels mitmdump sets: our lines and mitmproxy's errors, not its debug chatter
    logging.getLogger().setLevel(logging.INFO)
    for noisy in ("tornado", "asyncio", "hpack", "quic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    opts = options.Options()
    # no dumper: it would print every URL, query strings and their tokens included
    master = DumpMaster(opts, with_termlog=True, with_dumper=False)
    master.addons.add(addon)
    try:
        opts.update(
            listen_host=listen_host,
            listen_port=listen_port,
            mode=[mode],
            termlog_verbosity="warn",
            **extra_options,
        )
    except exceptions.OptionsError as exc:
        raise ProxyError(str(exc)) from None

    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if stopping:
            print(STOPPING_NOTICE, file=sys.stderr, flush=True)
            return
        stopping = True
        master.shutdown()

    for signum in STOP_SIGNALS:
        try:
            loop.add_signal_handler(signum, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop))
    try:
        await master.run()
        # connections still open at shutdown are cancelled after mitmproxy let go of the
        # loop; asyncio would print each cancellation as a traceback
        loop.set_exception_handler(_quiet_after_shutdown)
    except SystemExit as exc:
        # mitmproxy's startup check exits when the proxy cannot listen (address in use)
        raise ProxyError(
            f"mitmproxy could not start on {listen_host}:{listen_port} (see the lines above)"
        ) from exc
    finally:
        # asyncio would put the default handlers back when the loop closes (SIGTERM then
        # kills the process mid-report): take ours off the loop and hold the signals now
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
                loop.remove_signal_handler(signum)
        _hold_stop_signals()


def _quiet_after_shutdown(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exception = context.get("exception")
    if isinstance(exception, asyncio.CancelledError | ConnectionError):
        return
    logging.getLogger(__name__).warning(
        "dokeos-audit: while stopping: %s", exception or context.get("message")
    )
