"""The reporting API's application: :func:`create_app` wires the read layer, the keys, the rate limit and
the tenants into one FastAPI app; ``storehouse serve`` runs it with uvicorn (docs/serving.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from platform_assets.serving.api.rate_limits import RateLimit, store_path_for
from platform_assets.serving.api.routes import TenantInfo, router, tenant_info
from platform_assets.serving.checks import CheckReader, InstanceCheckReader
from platform_assets.serving.dashboard import mount_dashboard
from platform_assets.serving.keys import KeyStore
from platform_assets.serving.reader import SnapshotMissingError, WarehouseReader
from platform_assets.serving.snapshot import snapshot_path
from platform_assets.settings import StorehouseSettings, settings

logger = logging.getLogger(__name__)

DESCRIPTION = """Storehouse's reporting API: the warehouse's figures per tenant, exactly as the marts hold.

Send an API key in `Authorization: Bearer <key>` or `X-API-Key` (never in the URL). Money and percentages
are decimal strings with two places. Every list answers JSON (`data`, `page`) or CSV (`?format=csv` or
`Accept: text/csv`); page with `offset` and `limit`. See docs/serving.md."""


def _tenants_from_file() -> dict[str, TenantInfo]:
    from platform_assets.tenants import load_tenants

    return {
        tenant.id: tenant_info(tenant.id, tenant.name, list(tenant.connections), tenant.timezone)
        for tenant in load_tenants().values()
    }


def create_app(
    configured: StorehouseSettings | None = None,
    *,
    reader: WarehouseReader | None = None,
    keys: KeyStore | None = None,
    tenants: Callable[[], dict[str, TenantInfo]] | None = None,
    rate_limit: str | None = None,
    check_reader: CheckReader | None = None,
) -> FastAPI:
    """The API over the configured warehouse (its read snapshot on DuckDB, read-only transactions on
    PostgreSQL), keys, rate limit and tenants; each can be given instead (tests). The rate limit is
    counted in the store beside the key file, shared by every app (process) using that key file."""
    configured = configured or settings()
    app = FastAPI(title="Storehouse reporting API", version="1", description=DESCRIPTION)
    app.state.reader = reader or WarehouseReader(configured.warehouse_url_value(), snapshot_path(configured))
    app.state.keys = keys or KeyStore(configured.api_keys_path())
    app.state.tenants = tenants or cache(_tenants_from_file)
    app.state.rate_limit = RateLimit(
        rate_limit or configured.api_rate_limit, store_path_for(app.state.keys.path)
    )
    app.state.check_reader = check_reader or InstanceCheckReader()
    app.include_router(router)
    mount_dashboard(app)

    @app.exception_handler(SnapshotMissingError)
    def no_snapshot(request: Request, exc: SnapshotMissingError) -> JSONResponse:
        detail = "no read snapshot published yet: run the pipeline (make demo) first"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "60"})

    @app.exception_handler(sa.exc.DBAPIError)
    def warehouse_unavailable(request: Request, exc: sa.exc.DBAPIError) -> JSONResponse:
        logger.error("warehouse read failed on %s: %s", request.url.path, type(exc.orig).__name__)
        return JSONResponse({"detail": "the warehouse cannot be read right now"}, status_code=503)

    return app
