"""DK005's fix (unsafe: the code now waits): after a call that V2 runs as a job, follow the
returned job on GET /jobs/:job_id with a bounded poll, through the same client and with the
same headers, using a small helper added to the module.

    response = session.delete(f"{BASE}/user/{user_id}", headers=H)
    response.raise_for_status()
    job_id = response.json()["job_id"]
    _wait_for_dokeos_job(session, f"{BASE}/jobs/{job_id}", headers=H)
"""

from __future__ import annotations

import libcst as cst

from auditor.code.model import HttpCall
from auditor.fix.changes import Proposal, Replace, Replacement
from auditor.fix.clients import client_call
from auditor.fix.context import FixContext
from auditor.fix.model import Applicability
from auditor.fix.reads import bound_in, fresh
from auditor.fix.syntax import keyword_arg, string_parts
from auditor.fix.toplevel import add_helper, add_import
from auditor.rules.base import RawFinding

HELPER = "_wait_for_dokeos_job"
PENDING = ("pending", "queued", "running", "processing")
_PASSED_ON = ("headers", "auth", "timeout", "verify", "cert", "cookies")


def helper_code(name: str, job_path: str) -> str:
    pending = ", ".join(f'"{s}"' for s in PENDING)
    return (
        "\n\n"
        f"def {name}(client, url, wait=600.0, **kwargs):\n"
        f'    """Follow a Dokeos job on {job_path} until it is no longer pending (V2 runs\n'
        '    deletions, syncs, group membership changes and training gates as jobs)."""\n'
        "    deadline = time.monotonic() + wait\n"
        "    while True:\n"
        "        job = client.get(url, **kwargs).json()\n"
        f'        if job.get("status") not in ({pending}):\n'
        "            return job\n"
        "        if time.monotonic() > deadline:\n"
        '            status = job.get("status")\n'
        '            raise TimeoutError(f"Dokeos job still {status} after {wait:.0f} s: {url}")\n'
        "        time.sleep(2)\n"
    )


def propose(finding: RawFinding, call: HttpCall, ctx: FixContext) -> Proposal | str:
    request = call.request
    if request is None:
        return "the request is not known"
    endpoint = call.endpoint or ""
    path = endpoint.split(" ", 1)[-1]
    if path.endswith("/sync") and ":" not in path:
        return (
            f"{endpoint} returns a job per item it syncs: follow each one (the answer's shape "
            "decides how)"
        )
    found = client_call(ctx, request, call.location)
    if isinstance(found, str):
        return f"{found}: follow the job where the helper is called"
    node = found.node
    source = ctx.source_of(found.ref)
    statement = source.statement_of(node)
    block = source.parent(statement) if statement is not None else None
    if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(
        block, cst.IndentedBlock
    ):
        return "the call is not a statement of a function's body"
    function = next((a for a in source.ancestors(block) if isinstance(a, cst.FunctionDef)), None)
    if function is None or function.asynchronous is not None:
        return "the call is not in a plain (synchronous) function: follow the job by hand"
    func = node.func
    if not isinstance(func, cst.Attribute) or found.receiver is None:
        return "no client to poll the job with"
    model = ctx.analyzer.models.client_model(request.stack)
    kind = ctx.analyzer.models.response_kind(request.stack)
    if model is None or not model.verbs or "json" not in kind.decode:
        return "the client has no .get(url) answering .json(): follow the job by hand"
    url = _url_argument(node, found.verb)
    segment = next((s for s in path.split("/") if s and not s.startswith(":")), "")
    taken = bound_in(function) | {HELPER}
    job_id = fresh(ctx.catalog.job_id_key, taken)
    job_url = _job_url(url, segment, job_id) if url is not None else None
    if job_url is None:
        return (
            "the URL is not an f-string the job's URL can be derived from: follow the job by hand"
        )
    passed = [a for a in node.args if a.keyword is not None and a.keyword.value in _PASSED_ON]
    body = list(block.body)
    index = body.index(statement)
    small = statement.body[0] if len(statement.body) == 1 else None
    response: str | None = None
    replaced: list[cst.BaseStatement] = []
    if isinstance(small, cst.Assign) and small.value is node and len(small.targets) == 1:
        target = small.targets[0].target
        if not isinstance(target, cst.Name):
            return "the response is unpacked: follow the job by hand"
        response = target.value
        replaced = [statement]
    elif isinstance(small, cst.Expr) and small.value is node:
        response = fresh("response", taken)
        replaced = [
            statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(response))], node)])
        ]
    elif (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and isinstance(small.value.func, cst.Attribute)
        and small.value.func.value is node
        and not small.value.args
    ):
        response = fresh("response", taken)
        check = small.value.func.attr.value
        replaced = [
            statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(response))], node)]),
            cst.parse_statement(f"{response}.{check}()\n"),
        ]
    else:
        return "the call's result is used in a way the fix does not rewrite: follow the job by hand"
    last = index
    while last + 1 < len(body) and _is_check(body[last + 1], response):
        last += 1
    receiver = cst.Module([]).code_for_node(func.value)
    module = cst.Module([])
    kwargs = "".join(
        f", {a.keyword.value}={module.code_for_node(a.value)}" for a in passed if a.keyword
    )
    key = ctx.catalog.job_id_key
    follow = [
        cst.parse_statement(f'{job_id} = {response}.json()["{key}"]\n'),
        cst.parse_statement(f"{HELPER}({receiver}, {job_url}{kwargs})\n"),
    ]
    changes = []
    helper = add_helper(source, HELPER, helper_code(HELPER, ctx.catalog.job_poll.text))
    if helper is not None:
        changes.append(helper)
        timing = add_import(source, "time")
        if timing is not None:
            changes.append(timing)

    def build() -> Replacement | None:
        new_body = [
            *body[:index],
            *replaced,
            *body[index + 1 : last + 1],
            *follow,
            *body[last + 1 :],
        ]
        return block.with_changes(body=new_body)

    changes.append(Replace(source, block, build))
    return Proposal(
        Applicability.UNSAFE,
        f"wait for the job {endpoint} starts on {ctx.catalog.job_poll.text} (at most 10 minutes)",
        changes,
    )


def _is_check(statement: cst.BaseStatement, response: str) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.Call)
        and isinstance(small.value.func, cst.Attribute)
        and isinstance(small.value.func.value, cst.Name)
        and small.value.func.value.value == response
        and small.value.func.attr.value == "raise_for_status"
    )


def _url_argument(call: cst.Call, method: str) -> cst.BaseExpression | None:
    arg = keyword_arg(call, "url")
    if arg is not None:
        return arg.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    index = 1 if method == "request" else 0
    return positional[index] if index < len(positional) else None


def _job_url(url: cst.BaseExpression, segment: str, job_id: str) -> str | None:
    """``f"{BASE}/user/{user_id}"`` → ``f"{BASE}/jobs/{job_id}"``: what comes before the
    endpoint's path, then the job's; through a call that builds the URL from its path
    (``api.url(f"/groups/{gid}")`` → ``api.url(f"/jobs/{job_id}")``)."""
    if isinstance(url, cst.SimpleString) and segment:
        as_fstring = _as_fstring(url)
        return _job_url(as_fstring, segment, job_id) if as_fstring is not None else None
    if isinstance(url, cst.Call) and url.args:
        first = url.args[0]
        if first.keyword is not None or first.star:
            return None
        inner = _job_url(first.value, segment, job_id)
        if inner is None:
            return None
        rebuilt = url.with_changes(
            args=[first.with_changes(value=cst.parse_expression(inner)), *url.args[1:]]
        )
        return cst.Module([]).code_for_node(rebuilt)
    if isinstance(url, cst.FormattedString) and segment:
        parts: list[cst.BaseFormattedStringContent] = []
        for part in url.parts:
            if isinstance(part, cst.FormattedStringText):
                at = _segment_at(part.value, segment, first=not parts)
                if at is not None:
                    if at:
                        parts.append(part.with_changes(value=part.value[:at]))
                    prefix = "" if (parts and _ends_with_slash(parts[-1])) else "/"
                    if not parts and not part.value.startswith("/"):
                        prefix = ""
                    parts.append(cst.FormattedStringText(f"{prefix}jobs/"))
                    parts.append(cst.FormattedStringExpression(cst.Name(job_id)))
                    return cst.Module([]).code_for_node(url.with_changes(parts=parts))
            parts.append(part)
        return None
    if isinstance(url, cst.BinaryOperation) and isinstance(url.operator, cst.Add):
        left: cst.BaseExpression = url
        while isinstance(left, cst.BinaryOperation) and isinstance(left.operator, cst.Add):
            right = left.right
            if isinstance(right, cst.SimpleString) and f"/{segment}" in right.value:
                base = left.left
                if isinstance(base, cst.Name | cst.Attribute):
                    code = cst.Module([]).code_for_node(base)
                    return f'f"{{{code}}}/jobs/{{{job_id}}}"'
                return None
            left = left.left
    return None


def _segment_at(text: str, segment: str, *, first: bool) -> int | None:
    marker = f"/{segment}"
    found = text.find(marker)
    if found >= 0 and text[found + len(marker) : found + len(marker) + 1] in ("", "/", "?"):
        return found
    if first and text.startswith(segment) and text[len(segment) : len(segment) + 1] in ("", "/"):
        return 0
    return None


def _ends_with_slash(part: cst.BaseFormattedStringContent) -> bool:
    return isinstance(part, cst.FormattedStringText) and part.value.endswith("/")


def _as_fstring(node: cst.SimpleString) -> cst.FormattedString | None:
    """A plain literal as the f-string of the same text (None: bytes, raw, or braces)."""
    parts = string_parts(node.value)
    if parts is None:
        return None
    head, body, tail = parts
    if head.lower().strip("'\"") or "{" in body or "}" in body or "\\" in body:
        return None
    template = cst.parse_expression(f"f{head}{tail}")
    assert isinstance(template, cst.FormattedString)
    return template.with_changes(parts=[cst.FormattedStringText(body)])
