"""The Dokeos API endpoints of the changelog, as V2 answers them (and V1, before the cut-over).

The facts (page size, opt-in attributes, id limits, which calls became jobs, the job
lifetime) come from the project's catalog, the same one the rules read, so the sandbox and
the audit can never disagree about the API.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from auditor.catalog import Catalog
from auditor.sandbox.dataset import Record
from auditor.sandbox.jobs import JobFailed, JobWork
from auditor.sandbox.keys import CATALOG, EXCHANGE, FLOW, TENANT, VERSION
from auditor.sandbox.tenant import Tenant
from auditor.traffic.exchange import Exchange

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_PER_PAGE = 100
FILTERS = {
    "users": ("email", "username", "external_id", "status"),
    "groups": ("name",),
    "participations": ("status",),
}
ID_FILTER_FIELDS = {"training_ids": "training_id", "user_ids": "user_id"}


class ApiError(Exception):
    """An answer other than success, raised anywhere inside a handler."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def answer(request: web.Request, status: int, body: Any) -> web.Response:
    """JSON in the Dokeos media type of the version the request was answered in."""
    catalog: Catalog = request.app[CATALOG]
    version = request.get(VERSION, catalog.current_version)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": f"{catalog.media_type};version={version}"},
    )


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": code, "message": message}


def _v1(request: web.Request) -> bool:
    return bool(request.get(VERSION) == "1")


def _exchange(request: web.Request) -> Exchange:
    exchange: Exchange = request[EXCHANGE]
    return exchange


def _endpoint(request: web.Request) -> str:
    return str(request[EXCHANGE].endpoint or f"{request.method} {request.path}")


def _int_arg(request: web.Request, name: str) -> int:
    text = request.match_info[name]
    if not text.isdigit():
        raise ApiError(404, "not_found", f"{name} {text!r} is not a valid id")
    return int(text)


def _tenant(request: web.Request) -> Tenant:
    tenant: Tenant = request.app[TENANT]
    tenant.settle()
    return tenant


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # the middleware read it first: this is the cached copy
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(raw.decode("utf-8", "replace")))
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_body", "the request body must be a JSON object")
    return body


# -- lists --------------------------------------------------------------------------------


def _shape(request: web.Request, endpoint: str, records: list[Record]) -> list[Record]:
    """V2 leaves out the opt-in attributes the request did not ask for by name."""
    if _v1(request):
        return records
    catalog: Catalog = request.app[CATALOG]
    opt_in = catalog.opt_in_attributes(endpoint)
    if not opt_in:
        return records
    asked = {
        name.strip().lower()
        for name in _exchange(request).param_values(catalog.response_attributes_param)
    }
    hidden = {name for name in opt_in if name.lower() not in asked}
    return [{k: v for k, v in r.items() if k not in hidden} for r in records]


def _page_number(request: web.Request, name: str, default: int, upper: int | None) -> int:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) < 1:
        raise ApiError(400, "invalid_pagination", f"{name} must be a positive integer")
    value = int(text)
    if upper is not None and value > upper:
        raise ApiError(400, "invalid_pagination", f"{name} is at most {upper}")
    return value


def _filtered(request: web.Request, collection: str, records: list[Record]) -> list[Record]:
    catalog: Catalog = request.app[CATALOG]
    id_filter = catalog.id_filter_for(_endpoint(request))
    if id_filter is not None:
        for param in id_filter.params:
            ids = _exchange(request).param_values(param)
            if len(ids) > id_filter.max_ids and not _v1(request):
                raise ApiError(
                    400,
                    "too_many_ids",
                    f"{param} holds {len(ids)} ids; V2 accepts at most {id_filter.max_ids}",
                )
            if ids:
                field = ID_FILTER_FIELDS.get(param, param.removesuffix("s"))
                wanted = set(ids)
                records = [r for r in records if str(r.get(field)) in wanted]
    for name in FILTERS.get(collection, ()):
        value = request.query.get(name)
        if value is not None:
            records = [r for r in records if str(r.get(name, "")).lower() == value.lower()]
    return records


def _page(request: web.Request, records: list[Record], endpoint: str) -> dict[str, Any]:
    catalog: Catalog = request.app[CATALOG]
    page = _page_number(request, "page", 1, None)
    per_page = _page_number(request, "per_page", catalog.page_size, MAX_PER_PAGE)
    total = len(records)
    pages = max(1, math.ceil(total / per_page))
    start = (page - 1) * per_page
    items = _shape(request, endpoint, records[start : start + per_page])

    def link(number: int) -> str:
        return str(request.url.update_query({"page": str(number)}))

    return {
        "data": items,
        "meta": {"page": page, "per_page": per_page, "total": total, "total_pages": pages},
        "links": {
            "self": link(page),
            "next": link(page + 1) if page < pages else None,
            "prev": link(page - 1) if 1 < page <= pages + 1 else None,
        },
    }


def list_of(collection: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        tenant = _tenant(request)
        endpoint = _endpoint(request)
        records = _filtered(request, collection, tenant.records(collection))
        if _v1(request):
            return answer(request, 200, _shape(request, endpoint, records))
        return answer(request, 200, _page(request, records, endpoint))

    return handler


def one_of(collection: str, endpoint: str | None = None) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        tenant = _tenant(request)
        record_id = _int_arg(request, "id")
        record = tenant.record(collection, record_id)
        if record is None:
            raise ApiError(404, "not_found", f"no {collection.removesuffix('s')} {record_id}")
        shaped = _shape(request, endpoint or _endpoint(request), [record])[0]
        return answer(request, 200, shaped)

    return handler


# -- asynchronous calls ---------------------------------------------------------------------


def _start(
    request: web.Request, kind: str, work: JobWork, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """V2: a job for later, answered with its id. V1: the work, done before answering."""
    tenant: Tenant = request.app[TENANT]
    if _v1(request):
        try:
            return {"status": "done", "result": tenant.perform(work), **(extra or {})}
        except JobFailed as exc:
            raise ApiError(422, "failed", str(exc)) from None
    catalog: Catalog = request.app[CATALOG]
    job = tenant.issue(kind, _endpoint(request), work, request[FLOW])
    return {**(extra or {}), catalog.job_id_key: job.job_id}


def _accepted(request: web.Request, body: dict[str, Any]) -> web.Response:
    return answer(request, 200 if _v1(request) else 202, body)


async def delete_user(request: web.Request) -> web.StreamResponse:
    tenant = _tenant(request)
    user_id = _int_arg(request, "id")
    if tenant.record("users", user_id) is None:
        raise ApiError(404, "not_found", f"no user {user_id}")
    work = {"action": "delete_user", "user_id": user_id}
    return _accepted(request, _start(request, "user_deletion", work))


def sync_sessions(collection: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        tenant = _tenant(request)
        if "id" in request.match_info:
            session_id = _int_arg(request, "id")
            if tenant.record(collection, session_id) is None:
                raise ApiError(404, "not_found", f"no session {session_id}")
            work = {"action": "sync_session", "collection": collection, "session_id": session_id}
            return _accepted(request, _start(request, "session_sync", work, {"id": session_id}))
        started = [
            _start(
                request,
                "session_sync",
                {"action": "sync_session", "collection": collection, "session_id": session_id},
                {"id": session_id},
            )
            for session_id in tenant.data.of(collection)
        ]
        return _accepted(request, {"data": started})

    return handler


async def training_gate(request: web.Request) -> web.StreamResponse:
    tenant = _tenant(request)
    training_id = _int_arg(request, "id")
    if tenant.record("training_gates", training_id) is None:
        raise ApiError(404, "not_found", f"training {training_id} has no gate")
    fields = await _json_body(request)
    work = {"action": "training_gate", "training_id": training_id, "fields": fields}
    return _accepted(request, _start(request, "training_gate", work))


# -- groups: bare groups stay synchronous, membership changes became jobs ------------------

_ROLE_OF_ACTION = {"learners": "learner", "members": "learner", "managers": "manager"}
_BODY_CHANGES = (
    # (body key, role, mode)
    ("learner_ids", "learner", "add"),
    ("add_learner_ids", "learner", "add"),
    ("remove_learner_ids", "learner", "remove"),
    ("manager_ids", "manager", "replace"),
    ("add_manager_ids", "manager", "add"),
    ("remove_manager_ids", "manager", "remove"),
)


def _membership_work(
    group_id: int, action: str | None, method: str, body: dict[str, Any], member: str | None
) -> list[JobWork]:
    works: list[JobWork] = []
    remove = method == "DELETE"
    if action in _ROLE_OF_ACTION:
        role = _ROLE_OF_ACTION[action]
        ids: list[Any] = [member] if member is not None else []
        for key, _, _ in _BODY_CHANGES:
            if key.endswith(f"{role}_ids") and isinstance(body.get(key), list):
                ids += body[key]
        ids += body.get("user_ids", []) if isinstance(body.get("user_ids"), list) else []
        mode = "remove" if remove else ("replace" if method == "PUT" and member is None else "add")
        works.append(
            {"action": "members", "group_id": group_id, "role": role, "mode": mode, "user_ids": ids}
        )
    elif action == "participations":
        trainings = body.get("training_ids", [member] if member is not None else [])
        works.append(
            {
                "action": "group_participations",
                "group_id": group_id,
                "mode": "remove" if remove else "add",
                "training_ids": trainings if isinstance(trainings, list) else [trainings],
            }
        )
    for key, role, mode in _BODY_CHANGES:
        if action is None and isinstance(body.get(key), list):
            works.append(
                {
                    "action": "members",
                    "group_id": group_id,
                    "role": role,
                    "mode": mode,
                    "user_ids": body[key],
                }
            )
    return works


async def groups_write(request: web.Request) -> web.StreamResponse:
    tenant = _tenant(request)
    catalog: Catalog = request.app[CATALOG]
    body = await _json_body(request)
    action = request.match_info.get("action")
    member = request.match_info.get("member")
    evidence = request.path + " " + json.dumps(body)
    is_job = catalog.async_operation(_endpoint(request), evidence) is not None
    group: Record | None = None
    if "id" in request.match_info:
        group_id = _int_arg(request, "id")
        group = tenant.record("groups", group_id)
        if group is None:
            raise ApiError(404, "not_found", f"no group {group_id}")
    if action is not None and action not in (*_ROLE_OF_ACTION, "participations"):
        raise ApiError(404, "not_found", f"groups have no {action!r}")
    if not is_job:
        if group is None:
            return answer(request, 201, tenant.create_group(body))
        return answer(request, 200, tenant.rename_group(group, body))
    if group is None:
        # a group created with members: the group now, its members by job
        group = tenant.create_group(body)
    works = _membership_work(group["id"], action, request.method, body, member)
    if not works:
        raise ApiError(422, "invalid_body", "no members, managers or participations to change")
    started = [_start(request, "group_membership", work) for work in works]
    if len(started) == 1:
        return _accepted(request, {"id": group["id"], **started[0]})
    return _accepted(request, {"id": group["id"], "data": started})


# -- jobs -------------------------------------------------------------------------------------


async def job_status(request: web.Request) -> web.StreamResponse:
    tenant = _tenant(request)
    catalog: Catalog = request.app[CATALOG]
    if _v1(request):
        raise ApiError(404, "not_found", "V1 has no jobs")
    job_id = request.match_info["job_id"]
    job = tenant.jobs.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "job_not_found", f"no job {job_id}")
    tenant.record_poll(job)
    if tenant.jobs.expired(job, tenant.clock.timestamp()):
        # what the tenant answers; the sandbox also records a DK006 finding for it
        raise ApiError(
            404,
            "job_not_found",
            f"no job {job_id}: job ids live {catalog.job_lifetime_days} days",
        )
    return answer(request, 200, job.answer(catalog.job_lifetime_days))


def routes() -> list[tuple[str, str, Handler]]:
    """(method, path, handler) of every endpoint, relative to the API root."""
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/users", list_of("users")),
        ("GET", "/users/{id}", one_of("users", "GET /users")),
        ("GET", "/user/{id}", one_of("users", "GET /users")),
        ("DELETE", "/user/{id}", delete_user),
        ("DELETE", "/users/{id}", delete_user),
        ("GET", "/groups", list_of("groups")),
        ("GET", "/groups/{id}", one_of("groups")),
        ("POST", "/groups", groups_write),
        ("PUT", "/groups", groups_write),
        ("POST", "/groups/{id}", groups_write),
        ("PUT", "/groups/{id}", groups_write),
        ("GET", "/participations", list_of("participations")),
        ("GET", "/participations/{id}", one_of("participations")),
        ("GET", "/trainings", list_of("trainings")),
        ("GET", "/trainings/{id}", one_of("trainings")),
        ("GET", "/training_gate/{id}", one_of("training_gates")),
        ("PUT", "/training_gate/{id}", training_gate),
        ("GET", "/jobs/{job_id}", job_status),
    ]
    for method in ("POST", "PUT", "DELETE"):
        table.append((method, "/groups/{id}/{action}", groups_write))
    table.append(("DELETE", "/groups/{id}/{action}/{member}", groups_write))
    for collection in ("presence_sessions", "webinar_sessions"):
        table.append(("GET", f"/{collection}", list_of(collection)))
        table.append(("PUT", f"/{collection}/sync", sync_sessions(collection)))
        table.append(("PUT", f"/{collection}/{{id}}/sync", sync_sessions(collection)))
    return table
