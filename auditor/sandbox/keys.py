"""Typed keys of what the sandbox's aiohttp application carries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from auditor.catalog import Catalog

if TYPE_CHECKING:
    from auditor.sandbox.contract import ContractWatch
    from auditor.sandbox.tenant import Tenant

CATALOG = web.AppKey("catalog", Catalog)
TENANT: web.AppKey[Tenant] = web.AppKey("tenant")
WATCH: web.AppKey[ContractWatch] = web.AppKey("watch")


def _request_key(name: str) -> Any:
    # aiohttp 3.12+ wants typed keys for request storage; older releases take strings
    request_key = getattr(web, "RequestKey", None)
    return request_key(name, object) if request_key is not None else name


EXCHANGE = _request_key("exchange")
"""The request half of the flow (`Exchange`): handlers read parameters through it."""
FLOW = _request_key("flow")
"""The flow as a job stores it (who issued it, when)."""
VERSION = _request_key("version")
"""The API version the request is answered in."""
