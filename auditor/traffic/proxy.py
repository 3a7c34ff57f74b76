"""Runs mitmproxy in this process with the audit addon, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
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


def run_proxy(
    addon: DokeosAudit,
    *,
    listen_host: str,
    listen_port: int,
    mode: str,
    extra_options: dict[str, Any] | None = None,
) -> None:
    """Serve until a signal asks to stop; the addon's `done` runs before this returns."""
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
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, master.shutdown)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(master.shutdown))
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


def _quiet_after_shutdown(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exception = context.get("exception")
    if isinstance(exception, asyncio.CancelledError | ConnectionError):
        return
    logging.getLogger(__name__).warning(
        "dokeos-audit: while stopping: %s", exception or context.get("message")
    )
