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
from auditor.findings import ErrorEntry, Finding, RunResult, now_iso
from auditor.rules import RULES_BY_ID
from auditor.traffic.digest import DistinctProblems, LiveLog
from auditor.traffic.exchange import combine_span_facts
from auditor.traffic.flowdump import exchange_from_flow
from auditor.traffic.offload import AnalysisWorker, flow_facts
from auditor.traffic.saved_flows import redacted_copy
from auditor.traffic.session import TrafficSession
from auditor.traffic.worker import AuditWorker

logger = logging.getLogger(__name__)

LIVE_FILE = "live"
"""`flow.file` of live findings: the flows are numbered in the order they completed."""


class DokeosAudit:
    """Checks each flow as it completes; writes the report in `done` (shutdown, SIGINT, SIGTERM)."""

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
        self._live_log = LiveLog(self._echo)
        self._worker: AnalysisWorker | None = None
        self._saver = AuditWorker()
        """Masks and writes --save-flows copies on a thread: decoding a body (a bomb, capped)
        must not hold up the event loop either."""
        self._offload_failed = False
        self._catalog = load_catalog().with_hosts(self._settings.hosts)

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
        loader.add_option(
            "dokeos_audit_offload",
            bool,
            True,
            "Run the rules in a second process, off mitmproxy's event loop.",
        )

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
            self._session = None
            self._catalog = load_catalog().with_hosts(self._settings.hosts)
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
        try:
            self._result.flows_read += 1
            # this runs on mitmproxy's event loop, in the path of every flow: traffic that
            # is not Dokeos costs a few header look-ups and nothing more
            if self._may_be_dokeos(flow):
                self._analyze(flow, index)
        except Exception as exc:
            # whatever goes wrong in the audit, the proxied traffic must flow on
            self._internal_error(index, exc)
        if self._writer is not None:
            try:
                # the flow goes on (and may change) once this hook returns: save a copy
                copy = flow.copy()
                job = self._saver.submit(lambda: self._save(index, copy), _body_bytes(flow))
            except Exception as exc:
                self._internal_error(index, exc, "cannot save the flow")
                return
            if self._saver.over_budget():
                # too much waiting to be saved: this flow waits its turn, the others go on
                await asyncio.wrap_future(job)

    def _save(self, index: int, copy: http.HTTPFlow) -> None:
        """On the saver thread: mask the copy (decoding its bodies, capped) and write it."""
        writer = self._writer
        if writer is None:
            return
        try:
            writer.add(redacted_copy(copy))
        except Exception as exc:
            self._internal_error(index, exc, "cannot save the flow")

    def _analyze(self, flow: http.HTTPFlow, index: int) -> None:
        worker = self._offload()
        if worker is not None:
            try:
                worker.send(flow_facts(flow, index))
                return
            except (OSError, ValueError) as exc:
                self._offload_failed = True
                self._internal_error(
                    index, exc, "the analysis worker stopped; analyzing in-process"
                )
        self._live_session().feed(exchange_from_flow(flow, LIVE_FILE, index))

    def _offload(self) -> AnalysisWorker | None:
        """The worker process, started with the first Dokeos flow (None: in-process)."""
        if self._offload_failed or self._finished or not ctx.options.dokeos_audit_offload:
            return None
        if self._worker is None:
            try:
                self._worker = AnalysisWorker(
                    self._settings, LIVE_FILE, bool(ctx.options.dokeos_audit_quiet)
                )
            except OSError as exc:
                self._offload_failed = True
                logger.warning("dokeos-audit: cannot start the analysis worker: %s", exc)
                return None
        return self._worker

    def _may_be_dokeos(self, flow: http.HTTPFlow) -> bool:
        """What `is_dokeos` decides, read straight from mitmproxy's flow (no Exchange)."""
        catalog = self._catalog
        request = flow.request
        if catalog.names_dokeos_media_type(request.headers.get("accept", "")):
            return True
        if catalog.is_dokeos_host(request.host) or catalog.is_dokeos_host(
            request.headers.get("host", "").rsplit(":", 1)[0]
        ):
            return True
        response = flow.response
        content_type = response.headers.get("content-type", "") if response is not None else ""
        return catalog.names_dokeos_media_type(content_type)

    def _live_session(self) -> TrafficSession:
        if self._session is None:
            # a live run keeps one finding per distinct problem, with a count: a test suite
            # repeating a request ten thousand times keeps (and prints) one, not ten thousand
            self._session = TrafficSession(
                self._catalog,
                self._settings,
                on_finding=self._print,
                keeper=DistinctProblems(),
                keep_every_flow=False,
            )
        return self._session

    def _print(self, finding: Finding) -> None:
        if ctx.options.dokeos_audit_quiet:
            return
        self._live_log(finding)

    def _internal_error(self, index: int, exc: Exception, what: str = "cannot analyze") -> None:
        reason = f"{what} this flow ({type(exc).__name__}: {exc})"
        self._result.errors.append(ErrorEntry(LIVE_FILE, reason, index))
        logger.warning("dokeos-audit: flow %d: %s", index, reason)

    # -- the end ----------------------------------------------------------------------
    def result(self) -> RunResult:
        """The run so far, with the findings rules held back until the end."""
        if not self._finished:
            session = self._live_session()
            try:
                session.finish()
            except Exception as exc:
                self._internal_error(self._index, exc, "cannot finish the session after")
            self._finished = True
            self._result.findings = list(session.findings)
            endpoints = set(session.history.endpoints_seen)
            spans = [session.history.span_facts()]
            if self._worker is not None:
                try:
                    offloaded = self._worker.result()
                    self._result.findings[:0] = offloaded.findings
                    self._result.errors.extend(offloaded.errors)
                    endpoints |= set(offloaded.extra.get("endpoints_seen", ()))
                    spans.append(offloaded.extra)
                except Exception as exc:
                    self._worker.kill()
                    self._internal_error(self._index, exc, "cannot collect the analysis after")
                self._worker = None
            self._result.extra["endpoints_seen"] = sorted(endpoints)
            self._result.extra["occurrences_by_rule"] = _occurrences_by_rule(self._result.findings)
            self._result.extra.update(combine_span_facts(*spans))
            self._result.extra["rules"] = self._settings.rule_coverage(RULES_BY_ID)
            self._result.extra["generated_at"] = now_iso()
        return self._result

    def done(self) -> None:
        self._saver.drain()
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
        self._saver.drain()  # nothing may still be writing to it
        if self._saved is not None:
            with contextlib.suppress(OSError):
                self._saved.close()
        self._saved = None
        self._writer = None


def _occurrences_by_rule(findings: Sequence[Finding]) -> dict[str, int]:
    """Flows per rule, repeats included (`by_rule` counts distinct problems)."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + finding.occurrences
    return dict(sorted(counts.items()))


def _body_bytes(flow: http.HTTPFlow) -> int:
    response = flow.response
    return len(flow.request.raw_content or b"") + len(
        (response.raw_content or b"") if response is not None else b""
    )


# `mitmdump -s auditor/traffic/addon.py` loads this file as a script and looks for `addons`.
addons = [DokeosAudit()] if __name__ != "auditor.traffic.addon" else []
