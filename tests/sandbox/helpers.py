"""Starts the sandbox on loopback for a test and talks to it like an integration would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from auditor.sandbox.server import Sandbox, SandboxOptions

V1 = "application/vnd.dokeos+json;version=1"
V2 = "application/vnd.dokeos+json;version=2"
TOKEN = "Bearer sandbox-test-token"


@contextmanager
def running_sandbox(**options: Any) -> Iterator[Sandbox]:
    """A sandbox on a free 127.0.0.1 port, in this process, stopped when the test ends."""
    options.setdefault("port", 0)
    options.setdefault("job_delay", 0.0)
    sandbox = Sandbox(SandboxOptions(**options)).start_in_thread()
    try:
        yield sandbox
    finally:
        sandbox.stop_thread()


class Client:
    """requests with the Dokeos headers, plus the sandbox's own controls."""

    def __init__(self, sandbox: Sandbox, accept: str = V2) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy from the environment
        self.http.headers.update({"Accept": accept, "Authorization": TOKEN})

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.http.request(method, f"{self.sandbox.url}/{path.lstrip('/')}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.sandbox.root}/_sandbox/{path.lstrip('/')}"
        response = requests.request(method, url, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def findings(self) -> list[dict[str, Any]]:
        document = self.control("GET", "findings")
        findings: list[dict[str, Any]] = document["findings"]
        return findings

    def rules_seen(self) -> list[tuple[str, int]]:
        return sorted((f["rule"], f["flow"]["index"]) for f in self.findings())

    def close(self) -> None:
        self.http.close()
