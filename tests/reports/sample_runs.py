"""Runs built by hand for the report tests: code and traffic, hostile content, leaked secrets."""

from __future__ import annotations

from auditor.findings import (
    ErrorEntry,
    Finding,
    FlowRef,
    Location,
    RunResult,
    Severity,
    SourceContext,
    fingerprint,
)

# Strings that must never reach any output, whatever the analyzers let through.
SECRETS = (
    "ghp_R3alLo0kingT0kenValue0123456789",
    "sk_live_51HbQmVZt8kq2Xc9",
    "hunter2-Pa55word",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl",
    "s3cr3t-query-value",
)

# Markup from user code and traffic that must come out as text, never as markup.
HOSTILE_SCRIPT = "</script><script>window.__pwned=1</script>"
HOSTILE_IMG = "<img src=x onerror=window.__pwned=2>"


def code_finding(
    rule: str,
    severity: Severity,
    path: str,
    line: int,
    message: str,
    endpoint: str | None,
    source: list[str],
    column: int = 5,
    end_column: int | None = None,
) -> Finding:
    start = max(1, line - 3)
    end_column = end_column or column + 10
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        origin="code",
        endpoint=endpoint,
        fingerprint=fingerprint(rule, path, endpoint, line),
        location=Location(path, line, column, line, end_column),
        context=SourceContext(start, tuple(source[start - 1 : line + 3])),
    )


def traffic_finding(
    rule: str,
    severity: Severity,
    capture: str,
    index: int,
    method: str,
    url: str,
    message: str,
    endpoint: str | None,
    status: int | None = 200,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        origin="traffic",
        endpoint=endpoint,
        fingerprint=fingerprint(rule, capture, index, method, url.split("?")[0]),
        flow=FlowRef(capture, index, method, url, f"2026-11-26T10:00:0{index % 10}Z", status),
    )


SYNC_PY = [
    '"""Nightly sync of Dokeos participations into the HR warehouse."""',
    "import requests",
    "",
    f'DOKEOS_TOKEN = "{SECRETS[1]}"',
    'HEADERS = {"Accept": "application/vnd.dokeos+json;version=1",',
    f'           "Authorization": "Bearer {SECRETS[3]}"}}',
    "",
    "",
    "def progress_of(participation_id):",
    '    url = f"https://acme.dokeos.com/api/participations/{participation_id}"',
    "    response = requests.get(url, headers=HEADERS, timeout=30)",
    '    return response.json()["progressions"]',
    "",
    "",
    "def participations_for(training_ids):",
    '    params = {"training_ids": ",".join(map(str, training_ids))}',
    "    return requests.get(",
    '        "https://acme.dokeos.com/api/participations", params=params, headers=HEADERS',
    '    ).json()["data"]',
    "",
    "",
    "def label(user):",
    f'    return "{HOSTILE_IMG}" + user["name"]  # {HOSTILE_SCRIPT}',
]

USERS_PY = [
    "import httpx",
    "",
    "client = httpx.Client(base_url='https://lms.acme-corp.example/api')",
    "",
    "",
    "def all_users():",
    "    users = client.get('/users').json()['data']",
    "    return {u['id']: u.get('tag_ids', []) for u in users}",
    "",
    "",
    "def remove(user_id):",
    "    client.delete(f'/user/{user_id}')",
]


def code_run() -> RunResult:
    findings = [
        code_finding(
            "DK001",
            Severity.ERROR,
            "sync/participations.py",
            5,
            "asks the Dokeos API for version 1, which is withdrawn: "
            "send application/vnd.dokeos+json;version=2",
            None,
            SYNC_PY,
            column=23,
            end_column=63,
        ),
        code_finding(
            "DK002",
            Severity.ERROR,
            "sync/participations.py",
            12,
            "reads 'progressions' from GET /participations/:id without "
            "response_attributes=progressions: V2 no longer returns it by default",
            "GET /participations/:id",
            SYNC_PY,
            column=12,
            end_column=44,
        ),
        code_finding(
            "DK003",
            Severity.ERROR,
            "sync/participations.py",
            17,
            "sends training_ids from a function argument to GET /participations without "
            "keeping it to 5 ids: V2 refuses longer lists, send them 5 at a time",
            "GET /participations",
            SYNC_PY,
        ),
        code_finding(
            "DK004",
            Severity.WARNING,
            f"sync/{HOSTILE_IMG}.py",
            23,
            f"reads GET /participations as a whole list {HOSTILE_SCRIPT}",
            "GET /participations",
            SYNC_PY,
        ),
        code_finding(
            "DK004",
            Severity.WARNING,
            "accounts/users.py",
            7,
            "GET /users is used as the whole collection without walking its pages: "
            "V2 returns 20 items a page",
            "GET /users",
            USERS_PY,
        ),
        code_finding(
            "DK002",
            Severity.ERROR,
            "accounts/users.py",
            8,
            "reads 'tag_ids' from GET /users without response_attributes=tag_ids: "
            "V2 no longer returns it by default",
            "GET /users",
            USERS_PY,
            column=21,
            end_column=45,
        ),
        code_finding(
            "DK005",
            Severity.WARNING,
            "accounts/users.py",
            12,
            "DELETE /user/:id now runs as a job: follow its job_id on GET /jobs/:job_id",
            "DELETE /user/:id",
            USERS_PY,
        ),
    ]
    return RunResult(
        name="billing-sync",
        kind="code",
        findings=findings,
        errors=[ErrorEntry("legacy/py2_report.py", "syntax error at line 3")],
        files_scanned=42,
        extra={
            "endpoints_seen": [
                "DELETE /user/:id",
                "GET /participations",
                "GET /participations/:id",
                "GET /users",
            ]
        },
    )


def traffic_run() -> RunResult:
    capture = "captures/nightly.har"
    findings = [
        traffic_finding(
            "DK001",
            Severity.ERROR,
            capture,
            0,
            "GET",
            f"https://acme.dokeos.com/api/users?page=1&access_token={SECRETS[0]}",
            "asks the Dokeos API for version 1, which is withdrawn",
            "GET /users",
        ),
        traffic_finding(
            "DK004",
            Severity.WARNING,
            capture,
            0,
            "GET",
            f"https://acme.dokeos.com/api/users?page=1&access_token={SECRETS[0]}",
            "GET /users returned a full page of 20 items and the next page was never asked for",
            "GET /users",
        ),
        traffic_finding(
            "DK005",
            Severity.WARNING,
            capture,
            3,
            "PUT",
            f"https://svc:{SECRETS[2]}@acme.dokeos.com/api/presence_sessions/sync"
            f"?q={HOSTILE_SCRIPT}&api_key={SECRETS[4]}",
            "PUT /presence_sessions/sync returned job ids that were never polled",
            "PUT /presence_sessions/sync",
            status=202,
        ),
        traffic_finding(
            "DK006",
            Severity.ERROR,
            capture,
            7,
            "GET",
            "https://acme.dokeos.com/api/jobs/8f1c2a",
            "job 8f1c2a was polled 9 days after it was issued; job ids live 7 days",
            "GET /jobs/:job_id",
            status=None,
        ),
    ]
    return RunResult(
        name="nightly capture",
        kind="traffic",
        findings=findings,
        errors=[ErrorEntry(capture, "truncated response body", index=5)],
        flows_read=12,
        extra={
            "endpoints_seen": [
                "GET /groups",
                "GET /jobs/:job_id",
                "GET /users",
                "PUT /presence_sessions/sync",
            ]
        },
    )


def clean_run() -> RunResult:
    """An integration with nothing left to do: every change it touches is ready."""
    return RunResult(
        name="crm-connector",
        kind="code",
        files_scanned=17,
        extra={"endpoints_seen": ["GET /groups", "PUT /training_gate/:id", "GET /jobs/:job_id"]},
    )


def sample_runs() -> list[RunResult]:
    return [code_run(), traffic_run(), clean_run()]


def many_findings_run(count: int) -> RunResult:
    """A large portfolio run, for the 'still opens fast' checks."""
    findings = []
    for i in range(count):
        path = f"pkg/module_{i // 20:04d}.py"
        line = 10 + i % 20
        findings.append(
            code_finding(
                ("DK002", "DK004", "DK005")[i % 3],
                (Severity.ERROR, Severity.WARNING, Severity.WARNING)[i % 3],
                path,
                line,
                f"finding number {i}",
                ("GET /users", "GET /groups", "DELETE /user/:id")[i % 3],
                [f"line {n} of {path}" for n in range(1, 40)],
            )
        )
    return RunResult(name="monorepo", kind="code", findings=findings, files_scanned=count // 20)
