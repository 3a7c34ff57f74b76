"""The mitmproxy addon: live findings on stderr and a report when mitmproxy stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from mitmproxy import ctx, http
from mitmproxy.io import FlowWriter

from auditor.catalog import load_catalog
from auditor.config import Settings
from auditor.errors import AuditError
from auditor.findings import ErrorEntry, Finding, RunResult
from auditor.traffic.exchange import Exchange
from auditor.traffic.flowdump import exchange_from_flow
from auditor.traffic.saved_flows import redacted_copy
from auditor.traffic.session import TrafficSession
from auditor.traffic.worker import AuditWorker

logger = logging.getLogger(__name__)

LIVE_FILE = "live"
"""`flow.file` of live findings: the flows are numbered in the order they completed."""


class DokeosAudit:
    """Checks each flow as it completes; writes the report in `done` (shutdown, SIGINT, SIGTERM).

    The hooks only take what the audit needs from a flow (cheap: bodies are shared, not
    copied); decoding, the rules and saving run on one worker thread in completion order,
    so a compression bomb or a slow rule never stalls the other clients of the proxy.
    """

    def __init__(
        self, *, settings: Settings | None = None, echo: Callable[[str], None] | None = None
    ) -> None:
        self._echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self._base_settings = settings or Settings()
        """What our CLI resolved (pyproject, options); mitmproxy options add to it."""
        self._settings = self._base_settings
        self._session: TrafficSession | None = None
        self._result = RunResult(name="live", kind="traffic")
        self._index = 0
        self._saved: IO[bytes] | None = None
        self._writer: FlowWriter | None = None
        self._finished = False
        self._worker = AuditWorker()

    # -- options ----------------------------------------------------------------------
    def load(self, loader: Any) -> None:
        loader.add_option(
            "dokeos_audit_report",
            str,
            "",
            "Write the dokeos-audit report to this file when mitmproxy stops.",
        )
        loader.add_option(
            "dokeos_audit_format",
            str,
            "json",
            "Format of the report: text, json, or another dokeos-audit --format.",
        )
        loader.add_option(
            "dokeos_audit_hosts",
            Sequence[str],
            [],
            "More hosts (or *.patterns) to treat as Dokeos.",
        )
        loader.add_option(
            "dokeos_audit_select", str, "", "Only these rules, comma-separated (DK001,DK003)."
        )
        loader.add_option("dokeos_audit_ignore", str, "", "Skip these rules, comma-separated.")
        loader.add_option(
            "dokeos_audit_save_flows",
            str,
            "",
            "Also save every flow, with credentials redacted, to this mitmproxy dump file.",
        )
        loader.add_option("dokeos_audit_quiet", bool, False, "Do not print each finding on stderr.")

    def configure(self, updated: set[str]) -> None:
        options = ctx.options
        if updated & {"dokeos_audit_hosts", "dokeos_audit_select", "dokeos_audit_ignore"}:
            # imported here: auditor.cli imports this module (for `dokeos-audit proxy`)
            from auditor.cli.common import settings_from_options

            try:
                self._settings = settings_from_options(
                    self._base_settings,
                    select=options.dokeos_audit_select or None,
                    ignore=options.dokeos_audit_ignore or None,
                    hosts=tuple(options.dokeos_audit_hosts),
                )
            except AuditError as exc:
                from mitmproxy.exceptions import OptionsError

                raise OptionsError(str(exc)) from None
            self._worker.drain()  # flows already given are judged under the old settings
            self._session = None
        if "dokeos_audit_format" in updated:
            from auditor.reports import RENDERERS

            if options.dokeos_audit_format not in RENDERERS:
                from mitmproxy.exceptions import OptionsError

                known = ", ".join(sorted(RENDERERS))
                raise OptionsError(
                    f"dokeos_audit_format {options.dokeos_audit_format!r} is not one of {known}"
                )
        if "dokeos_audit_save_flows" in updated:
            self._close_saved()
            if options.dokeos_audit_save_flows:
                path = Path(options.dokeos_audit_save_flows).expanduser()
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    self._saved = path.open("wb")
                except OSError as exc:
                    from mitmproxy.exceptions import OptionsError

                    raise OptionsError(f"cannot write {path}: {exc.strerror or exc}") from None
                self._writer = FlowWriter(self._saved)

    def running(self) -> None:
        try:
            from auditor.traffic.proxy import is_loopback

            proxyserver = ctx.master.addons.get("proxyserver")
            for address in proxyserver.listen_addrs() if proxyserver else []:
                host, port = address[0], address[1]
                self._echo(f"dokeos-audit: proxy listening on {host}:{port}")
                if not is_loopback(str(host)):
                    self._echo(
                        f"dokeos-audit: warning: {host} is not a loopback address: anyone who "
                        "can reach this machine can use the proxy and see its traffic "
                        "(--listen-host 127.0.0.1 unless you mean it)"
                    )
            dumper = ctx.master.addons.get("dumper")
            if dumper is not None and getattr(ctx.options, "flow_detail", 0) > 0:
                self._echo(
                    "dokeos-audit: warning: mitmdump prints every URL it sees, tokens in query "
                    "strings included: run it with -q"
                )
        except Exception as exc:  # a missing address line must never stop the proxy
            logger.debug("dokeos-audit: cannot tell the listen address: %s", exc)

    # -- flows ------------------------------------------------------------------------
    async def response(self, flow: http.HTTPFlow) -> None:
        await self._observe(flow)

    async def error(self, flow: http.HTTPFlow) -> None:
        # a flow that failed before its response still made its request (DK001 judges
        # the request alone); one that failed after it was already seen in `response`
        if isinstance(flow, http.HTTPFlow) and flow.response is None:
            await self._observe(flow)

    async def _observe(self, flow: http.HTTPFlow) -> None:
        index = self._index
        self._index += 1
        exchange: Exchange | None = None
        copy: http.HTTPFlow | None = None
        try:
            exchange = exchange_from_flow(flow, LIVE_FILE, index)
            # the flow goes on (and may change) once this hook returns: keep a copy to save
            copy = flow.copy() if self._writer is not None else None
        except Exception as exc:
            # whatever goes wrong in the audit, the proxied traffic must flow on
            self._internal_error(index, exc)
        weight = _body_bytes(exchange)
        job = self._worker.submit(lambda: self._analyze(index, exchange, copy), weight)
        if self._worker.over_budget():
            # too much waiting to be analyzed: this flow waits its turn, the others go on
            await asyncio.wrap_future(job)

    def _analyze(self, index: int, exchange: Exchange | None, copy: http.HTTPFlow | None) -> None:
        """On the worker thread: the rules over one exchange, then the masked copy saved."""
        if exchange is not None:
            try:
                self._result.flows_read += 1
                self._live_session().feed(exchange)
            except Exception as exc:
                self._internal_error(index, exc)
        if copy is not None and self._writer is not None:
            try:
                self._writer.add(redacted_copy(copy))
            except Exception as exc:
                self._internal_error(index, exc, "cannot save the flow")

    def _live_session(self) -> TrafficSession:
        if self._session is None:
            catalog = load_catalog().with_hosts(self._settings.hosts)
            self._session = TrafficSession(catalog, self._settings, on_finding=self._print)
        return self._session

    def _print(self, finding: Finding) -> None:
        if ctx.options.dokeos_audit_quiet:
            return
        flow = finding.flow
        where = f"{flow.method} {flow.url}" if flow is not None else ""
        self._echo(
            f"dokeos-audit: {finding.rule} {finding.severity.value}: {where}: {finding.message}"
        )

    def _internal_error(self, index: int, exc: Exception, what: str = "cannot analyze") -> None:
        reason = f"{what} this flow ({type(exc).__name__}: {exc})"
        self._result.errors.append(ErrorEntry(LIVE_FILE, reason, index))
        logger.warning("dokeos-audit: flow %d: %s", index, reason)

    # -- the end ----------------------------------------------------------------------
    def result(self) -> RunResult:
        """The run so far, with the findings rules held back until the end."""
        self._worker.drain()
        if not self._finished:
            session = self._live_session()
            try:
                session.finish()
            except Exception as exc:
                self._internal_error(self._index, exc, "cannot finish the session after")
            self._finished = True
            self._result.findings = list(session.findings)
            self._result.extra["endpoints_seen"] = sorted(session.history.endpoints_seen)
        return self._result

    def done(self) -> None:
        self._worker.drain()
        self._close_saved()
        try:
            result = self.result()
            report = ctx.options.dokeos_audit_report
            if report:
                from auditor.cli.common import write_atomically
                from auditor.reports import renderer_for

                text = renderer_for(ctx.options.dokeos_audit_format)([result])
                write_atomically(Path(report).expanduser(), text)
                self._echo(
                    f"dokeos-audit: {len(result.findings)} finding(s) in {result.flows_read} "
                    f"flow(s); report written to {report}"
                )
        except Exception as exc:
            self._echo(f"dokeos-audit: error: cannot write the report: {exc}")

    def _close_saved(self) -> None:
        self._worker.drain()  # nothing may still be writing to it
        if self._saved is not None:
            with contextlib.suppress(OSError):
                self._saved.close()
        self._saved = None
        self._writer = None


def _body_bytes(exchange: Exchange | None) -> int:
    if exchange is None:
        return 0
    return len(exchange.request_raw_body) + len(exchange.response_raw_body or b"")


# `mitmdump -s auditor/traffic/addon.py` loads this file as a script and looks for `addons`.
addons = [DokeosAudit()] if __name__ != "auditor.traffic.addon" else []
