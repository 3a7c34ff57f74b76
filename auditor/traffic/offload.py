"""The live audit in a second process, so the rules never hold up mitmproxy's event loop.

The addon only copies each Dokeos flow's facts (bytes and strings mitmproxy already holds)
down a pipe; the worker (`python -m auditor.traffic.offload`) turns them into exchanges,
runs the rules, prints each distinct problem on stderr, and hands back the run when its
input ends. A worker that cannot start, or dies, makes the addon analyze in-process.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
from typing import IO, Any

from mitmproxy import http

from auditor.config import Settings
from auditor.findings import ErrorEntry, RunResult
from auditor.traffic.exchange import Exchange
from auditor.traffic.fields import encodable, encodable_url, status_code, utc_from_epoch

_FRAME = struct.Struct("!I")
FlowFacts = tuple[Any, ...]


def flow_facts(flow: http.HTTPFlow, index: int) -> FlowFacts:
    """What an Exchange is built from; cheap: references to what mitmproxy already holds."""
    request, response = flow.request, flow.response
    return (
        index,
        request.method,
        request.url,
        request.host,
        request.headers.fields,
        request.raw_content or b"",
        response.status_code if response is not None else None,
        response.headers.fields if response is not None else (),
        response.raw_content if response is not None else None,
        request.timestamp_start,
    )


def exchange_of(facts: FlowFacts, file: str) -> Exchange:
    index, method, url, host, headers, body, status, response_headers, raw, started = facts
    return Exchange(
        file=file,
        index=index,
        method=encodable(method.upper()),
        # a path byte that is not UTF-8 reaches the URL as a surrogate escape
        url=encodable_url(url),
        host=encodable((host or "").lower()),
        request_headers=_decoded(headers),
        request_raw_body=body,
        status=status_code(status),
        response_headers=_decoded(response_headers),
        response_raw_body=raw,
        timestamp=utc_from_epoch(started),
    )


def _decoded(fields: Any) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in fields)


class AnalysisWorker:
    """The worker process, seen from the addon."""

    def __init__(self, settings: Settings, file: str, quiet: bool) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "auditor.traffic.offload"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # its live findings go where ours would
        )
        assert self._process.stdin is not None
        self._pipe: IO[bytes] = self._process.stdin
        self._send((settings, file, quiet))

    def _send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._pipe.write(_FRAME.pack(len(data)) + data)
        self._pipe.flush()

    def send(self, facts: FlowFacts) -> None:
        """One flow; raises OSError when the worker is gone."""
        self._send(facts)

    def result(self) -> RunResult:
        """Close its input and wait for the run it reports."""
        # communicate closes the input itself (and survives a worker that already left)
        out, _ = self._process.communicate(timeout=120)
        if self._process.returncode != 0 or not out:
            raise RuntimeError(f"the analysis worker stopped (exit {self._process.returncode})")
        result: RunResult = pickle.loads(out)
        return result

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    return pickle.loads(stream.read(size))


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker: flows in, until the end of input; then the run, pickled, out."""
    from auditor.catalog import load_catalog
    from auditor.traffic.digest import DistinctProblems, LiveLog
    from auditor.traffic.session import TrafficSession

    settings, file, quiet = _read(stdin)
    live = LiveLog(lambda line: print(line, file=sys.stderr, flush=True))
    catalog = load_catalog().with_hosts(settings.hosts)
    printer = None if quiet else live
    session = TrafficSession(
        catalog, settings, on_finding=printer, keeper=DistinctProblems(), keep_every_flow=False
    )
    result = RunResult(name="live", kind="traffic")
    last = -1
    while (facts := _read(stdin)) is not None:
        last = facts[0]
        try:
            session.feed(exchange_of(facts, file))
        except Exception as exc:  # one flow's problem costs only that flow
            result.errors.append(_error(file, facts[0], exc))
    try:
        session.finish()
    except Exception as exc:
        result.errors.append(_error(file, last + 1, exc, "cannot finish the session after"))
    result.findings = list(session.findings)
    result.extra["endpoints_seen"] = sorted(session.history.endpoints_seen)
    result.extra.update(session.history.span_facts())
    stdout.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    stdout.flush()


def _error(file: str, index: int, exc: Exception, what: str = "cannot analyze") -> ErrorEntry:
    return ErrorEntry(file, f"{what} this flow ({type(exc).__name__}: {exc})", index)


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the proxy decides when the run ends, by
    # closing our input, and then waits for what we found
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)
