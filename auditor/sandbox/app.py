"""The sandbox as an aiohttp application: the API under /api, its controls under /_sandbox."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from auditor import __version__
from auditor.catalog import Catalog
from auditor.errors import AuditError
from auditor.sandbox import api
from auditor.sandbox.api import ApiError, answer, error_body
from auditor.sandbox.clock import parse_duration, parse_moment
from auditor.sandbox.contract import ContractWatch
from auditor.sandbox.keys import CATALOG, EXCHANGE, FLOW, TENANT, VERSION, WATCH
from auditor.sandbox.tenant import Tenant

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api", "/api/v2", "")
"""Where the API answers: `http://127.0.0.1:8900/api` is the base URL to give a client
(integrations configured with `/api/v2` or no prefix work as well)."""
CONTROL = "/_sandbox"
ADVANCE_HEADER = "X-Sandbox-Advance"
"""On any API request: move the sandbox clock ahead by this duration (`7d`) first."""


def _version(request: web.Request, catalog: Catalog, before_cutover: bool) -> str:
    """The API version a request gets, or an ApiError saying why it gets none."""
    accept = request.headers.get("Accept", "")
    versions = catalog.accept_versions(accept)
    if not versions or catalog.current_version in versions:
        return catalog.current_version
    withdrawn = [v for v in versions if v in catalog.withdrawn_versions]
    if withdrawn and before_cutover:
        return withdrawn[0]
    if withdrawn:
        raise ApiError(
            406,
            "api_version_withdrawn",
            f"API version {withdrawn[0]} has been withdrawn: send Accept: "
            f"{catalog.media_type};version={catalog.current_version}",
        )
    raise ApiError(
        406,
        "api_version_unknown",
        f"there is no API version {versions[0]}: send Accept: "
        f"{catalog.media_type};version={catalog.current_version}",
    )


def build_app(
    tenant: Tenant, catalog: Catalog, watch: ContractWatch, *, before_cutover: bool = False
) -> web.Application:
    @web.middleware
    async def dokeos(request: web.Request, handler: api.Handler) -> web.StreamResponse:
        if request.path == CONTROL or request.path.startswith(CONTROL + "/"):
            return await handler(request)
        advance = request.headers.get(ADVANCE_HEADER)
        body = await request.read()
        response: web.Response
        try:
            if advance:
                tenant.clock.advance(parse_duration(advance))
                tenant.save_clock()
            exchange = watch.request_exchange(request, body, tenant.clock.now())
            request[EXCHANGE] = exchange
            request[FLOW] = watch.flow_of(exchange, 202)
            request[VERSION] = catalog.current_version
            request[VERSION] = _version(request, catalog, before_cutover)
            if not request.headers.get("Authorization"):
                raise ApiError(401, "unauthorized", "send your API token in Authorization")
            result = await handler(request)
            assert isinstance(result, web.Response)
            response = result
        except ApiError as exc:
            response = answer(request, exc.status, error_body(exc.code, exc.message))
        except AuditError as exc:  # a clock header the sandbox cannot read
            return web.json_response(error_body("bad_sandbox_header", str(exc)), status=400)
        except web.HTTPException as exc:
            code = "not_found" if exc.status == 404 else "method_not_allowed"
            response = answer(request, exc.status, error_body(code, exc.reason))
        except Exception as exc:  # a sandbox bug: say so in JSON, and keep serving
            logger.exception("dokeos-audit sandbox: %s %s failed", request.method, request.path)
            message = f"the sandbox failed on this request ({type(exc).__name__}: {exc})"
            response = answer(request, 500, error_body("sandbox_error", message))
        if EXCHANGE in request:
            watch.observe(request[EXCHANGE], response)
        return response

    app = web.Application(middlewares=[dokeos], client_max_size=8 * 1024 * 1024)
    app[TENANT] = tenant
    app[CATALOG] = catalog
    app[WATCH] = watch
    for prefix in API_PREFIXES:
        for method, path, handler in api.routes():
            app.router.add_route(method, prefix + path, handler)
    app.router.add_get(CONTROL, _info)
    app.router.add_get(f"{CONTROL}/findings", _findings)
    app.router.add_delete(f"{CONTROL}/findings", _clear_findings)
    app.router.add_get(f"{CONTROL}/clock", _clock)
    app.router.add_post(f"{CONTROL}/clock", _move_clock)
    app.router.add_get(f"{CONTROL}/jobs", _jobs)
    app.router.add_post(f"{CONTROL}/jobs", _job_settings)
    app.router.add_post(f"{CONTROL}/jobs/run", _run_jobs)
    return app


# -- controls (never findings, never flows) --------------------------------------------------


async def _info(request: web.Request) -> web.Response:
    tenant = request.app[TENANT]
    return web.json_response(
        {
            "sandbox": "dokeos-audit",
            "version": __version__,
            "api": str(request.url.with_path("/api").with_query(None)),
            "records": tenant.data.counts(),
            "clock": tenant.clock.describe(),
            "job_delay_seconds": tenant.jobs.delay,
            "jobs": len(tenant.jobs.jobs),
        }
    )


async def _findings(request: web.Request) -> web.Response:
    from auditor.reports import RENDERERS, renderer_for

    output_format = request.query.get("format", "json")
    if output_format not in RENDERERS:
        known = ", ".join(sorted(RENDERERS))
        return web.json_response(
            error_body("unknown_format", f"format is one of {known}"), status=400
        )
    result = request.app[WATCH].result()
    text = renderer_for(output_format)([result])
    content_type = "application/json" if output_format in ("json", "sarif") else "text/plain"
    if output_format == "html":
        content_type = "text/html"
    return web.Response(text=text, content_type=content_type)


async def _clear_findings(request: web.Request) -> web.Response:
    request.app[WATCH].clear()
    return web.json_response({"cleared": True})


async def _clock(request: web.Request) -> web.Response:
    return web.json_response(request.app[TENANT].clock.describe())


async def _control_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return dict(request.query)
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(reason="the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="the body must be a JSON object")
    return body


async def _move_clock(request: web.Request) -> web.Response:
    """`{"advance": "7d"}`, `{"set": "2026-12-01T00:00:00Z"}`, `{"freeze": true}`."""
    tenant = request.app[TENANT]
    body = await _control_body(request)
    try:
        if "freeze" in body:
            tenant.clock.freeze(bool(body["freeze"]) and str(body["freeze"]).lower() != "false")
        if "set" in body:
            tenant.clock.set(parse_moment(str(body["set"])))
        if "advance" in body:
            tenant.clock.advance(parse_duration(body["advance"]))
    except AuditError as exc:
        return web.json_response(error_body("bad_clock", str(exc)), status=400)
    tenant.save_clock()
    tenant.settle()
    return web.json_response(tenant.clock.describe())


async def _jobs(request: web.Request) -> web.Response:
    tenant = request.app[TENANT]
    tenant.settle()
    lifetime = request.app[CATALOG].job_lifetime_days
    return web.json_response(
        {
            "delay_seconds": tenant.jobs.delay,
            "jobs": [job.answer(lifetime) for job in tenant.jobs.jobs.values()],
        }
    )


async def _job_settings(request: web.Request) -> web.Response:
    """`{"delay": "30s"}`: how long later jobs take, in sandbox time."""
    tenant = request.app[TENANT]
    body = await _control_body(request)
    if "delay" in body:
        try:
            tenant.jobs.delay = parse_duration(body["delay"])
        except AuditError as exc:
            return web.json_response(error_body("bad_delay", str(exc)), status=400)
        if tenant.state is not None:
            tenant.state.set_meta("job_delay", repr(tenant.jobs.delay))
    return web.json_response({"delay_seconds": tenant.jobs.delay})


async def _run_jobs(request: web.Request) -> web.Response:
    """Finish every pending job now, whatever its due time."""
    return web.json_response({"finished": request.app[TENANT].run_all_jobs()})
