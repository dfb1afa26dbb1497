"""The merchants' dashboard, served by the reporting API's app: one HTML page per tenant
(``/dashboard/{tenant_id}``) that draws its KPI tiles, trends, platform split, top products, cohorts and
data-status banner from the app's own ``/api/v1`` JSON, with the key the user typed, so the page shows the
API's figures by construction (docs/serving.md#the-dashboard).

The page is a static shell: the server renders no figure and needs no key to send it. The key is typed into
the page's form and kept in the tab's ``sessionStorage`` (gone when the tab closes), sent only in the
``Authorization`` header of the page's API requests, never in a URL, so no access log sees it. The tenant
switcher lists ``GET /api/v1/tenants``: only the tenants the key may read. Charts are Chart.js, shipped in
``static/`` (MIT licence beside it): nothing is fetched from elsewhere at run time."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

PACKAGE = files(__package__)
STATIC = Path(str(PACKAGE / "static"))
PAGE = PACKAGE / "templates" / "dashboard.html"

#: Only this app's own scripts, styles and API; no frame may embed the page (clickjacking).
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def page() -> HTMLResponse:
    """The dashboard's HTML shell (the same for every tenant: the script reads the tenant from the path)."""
    return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers=HEADERS)


@router.get("")
def dashboard_home() -> HTMLResponse:
    """The login form, then the first tenant the key may read."""
    return page()


@router.get("/")
def dashboard_slash() -> RedirectResponse:
    """``/dashboard/`` is ``/dashboard``."""
    return RedirectResponse("/dashboard")


@router.get("/{tenant_id}")
def dashboard_tenant(tenant_id: Annotated[str, PathParam(max_length=63)]) -> HTMLResponse:
    """A tenant's dashboard. A key that may not read the tenant gets the page's "tenant not found" and no
    figure: the page asks the API only for tenants the key lists."""
    return page()


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard's page and its static assets (Chart.js, script, styles) to ``app``."""
    app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
