"""The dashboard in a real browser: Playwright drives Debian's chromium (``apt-get install chromium``, never a
downloaded browser) against uvicorn on 127.0.0.1 serving the known warehouse of tests/serving/conftest.py
(DuckDB, read through its snapshot).

One browser and one server for the module, one tab per key (the key lives in the tab's sessionStorage), so
the module costs a few seconds. Outside CI, without chromium or the playwright package, the module is skipped
with the reason; in CI (``CI=true``, .ci/run installs chromium) it fails instead."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn

from platform_assets.warehouse import tables as t
from tests.serving.conftest import Served, serving

CHROMIUM = Path("/usr/bin/chromium")

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    sync_playwright = None

_missing = (
    "the playwright package is not installed (pip install -e '.[dev]')"
    if sync_playwright is None
    else f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it in CI)"
    if not CHROMIUM.exists()
    else None
)
if _missing and os.environ.get("CI"):
    pytest.fail(f"browser tests cannot run in CI: {_missing}", pytrace=False)
pytestmark = pytest.mark.skipif(_missing is not None, reason=f"browser tests skipped: {_missing}")

#: acme's dashboard: its newest sales day and the default 28 days ending it.
END = date(2026, 11, 2)
START = END - timedelta(days=27)


@dataclass
class Site:
    """The API and dashboard on a loopback port, the browser, and the known warehouse's keys."""

    base: str
    served: Served
    browser: Browser

    def api(self, key: str, path: str, **params: Any) -> dict[str, Any]:
        response = self.served.client.get(f"/api/v1{path}", params=params, headers=self.served.headers(key))
        assert response.status_code == 200, response.text
        return response.json()


#: The page has drawn its figures, or said why it shows none.
DRAWN = "body[data-ready=true], #not-found:not([hidden]), #load-error:not([hidden])"


class Tab:
    """A browser tab signed in with one key, recording console errors and every requested URL."""

    def __init__(self, site: Site, key: str) -> None:
        self.site = site
        self.page: Page = site.browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requested: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.goto(f"{site.base}/dashboard")
        self.page.fill("#key", key)
        self.page.click("#login button[type=submit]")
        self.page.wait_for_selector(DRAWN)  # the first tenant the key reads

    def open(self, tenant_id: str) -> Page:
        """The tenant's dashboard, once its figures are drawn (or the page said it cannot show them)."""
        self.page.goto(f"{self.site.base}/dashboard/{tenant_id}")
        self.page.wait_for_selector(DRAWN)
        return self.page

    def tiles(self) -> dict[str, str]:
        """KPI name → the figure on the tile (data-value, the API's string)."""
        return self.page.eval_on_selector_all(
            "#tiles .tile", "nodes => Object.fromEntries(nodes.map(n => [n.dataset.kpi, n.dataset.value]))"
        )


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    assert server.started, "uvicorn did not start"
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    with serving("duckdb", tmp_path_factory.mktemp("dashboard")) as served:
        server, thread, base = _serve(served.client.app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
                try:
                    yield Site(base, served, browser)
                finally:
                    browser.close()
        finally:
            server.should_exit = True
            thread.join(10)


@pytest.fixture(scope="module")
def acme_tab(site: Site) -> Iterator[Tab]:
    tab = Tab(site, site.served.acme)
    yield tab
    tab.page.close()


@pytest.fixture(scope="module")
def admin_tab(site: Site) -> Iterator[Tab]:
    tab = Tab(site, site.served.admin)
    yield tab
    tab.page.close()


def mart_sum(site: Site, tenant_id: str, column: str, start: date, end: date) -> Decimal:
    """Σ ``column`` of agg_daily_sales ('all' rows), straight from the warehouse."""
    table = t.AGG_DAILY_SALES.sqlalchemy_table()
    query = sa.select(sa.func.coalesce(sa.func.sum(table.c[column]), 0)).where(
        table.c.tenant_id == tenant_id, table.c.platform == "all", table.c.date.between(start, end)
    )
    engine = sa.create_engine(site.served.url)
    try:
        with engine.connect() as conn:
            return Decimal(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_each_tenant_renders_with_the_apis_and_the_warehouses_figures(site: Site, admin_tab: Tab):
    for tenant_id, newest in (("acme", END), ("globex", date(2026, 11, 1))):
        page = admin_tab.open(tenant_id)
        assert page.is_visible("#board"), tenant_id
        start = newest - timedelta(days=27)
        api = site.api(site.served.admin, f"/tenants/{tenant_id}/kpis", start=start, end=newest)
        expected = {tile["name"]: "" if tile["value"] is None else str(tile["value"]) for tile in api["data"]}
        assert admin_tab.tiles() == expected, tenant_id
        assert expected["net_sales"] == format(mart_sum(site, tenant_id, "net_sales", start, newest), "f")
        assert expected["orders"] == str(mart_sum(site, tenant_id, "orders", start, newest))
        assert page.eval_on_selector_all("canvas", "nodes => nodes.length") == 3
    assert admin_tab.errors == []


def test_acme_figures_to_the_cent_on_tiles_platforms_products_and_cohorts(site: Site, acme_tab: Tab):
    page = acme_tab.open("acme")
    # by hand from conftest: 90.00 on 11-01, −5.01 of returns on 11-02; 2 orders; (100 − 10) / 2; 5.01 / 90
    assert acme_tab.tiles() == {
        "net_sales": "84.99",
        "orders": "2",
        "average_order_value": "45.00",
        "new_customers": "2",
        "returning_customers": "0",
        "returns_rate": "5.57",
    }
    net_tile = "#tiles .tile[data-kpi=net_sales]"
    assert (page.inner_text(f"{net_tile} .label"), page.inner_text(f"{net_tile} .value")) == (
        "Net sales EUR",
        "84.99",
    )
    assert page.inner_text("#tiles .tile[data-kpi=returns_rate] .value") == "5.57 %"
    platforms = page.eval_on_selector_all(
        "#platforms tbody tr", "rows => rows.map(r => [r.dataset.platform, r.dataset.netSales])"
    )
    assert platforms == [["all", "84.99"], ["shopify", "84.99"]]
    top = site.api(site.served.acme, "/tenants/acme/products/top", start=START, end=END, limit=10)["data"]
    shown = page.eval_on_selector_all("#products tbody tr", "rows => rows.map(r => r.dataset.netSales)")
    assert shown == [row["net_sales"] for row in top] == ["90.00", "12.50"]
    assert "Mug" in page.inner_text("#products")
    cohorts = site.api(site.served.acme, "/tenants/acme/customers/cohorts", start="2025-11-01", end=END)
    first = page.inner_text("#cohorts tbody tr[data-cohort='2026-11']")
    assert first.split("\t")[:3] == ["2026-11", "2", f"{cohorts['data'][0]['retention_pct']} %"]
    assert acme_tab.errors == []


def test_the_switcher_lists_only_what_the_key_reads_and_another_tenants_page_shows_nothing(
    site: Site, acme_tab: Tab, admin_tab: Tab
):
    options = "#tenant option"
    page = acme_tab.open("acme")
    assert page.eval_on_selector_all(options, "nodes => nodes.map(n => n.value)") == ["acme"]
    page = acme_tab.open("globex")
    assert page.is_visible("#not-found") and not page.is_visible("#board")
    assert [secret for secret in ("Globex", "999.99") if secret in page.content()] == []
    assert [url for url in acme_tab.requested if "/api/v1/tenants/globex" in url] == []
    assert acme_tab.errors == []
    page = admin_tab.open("acme")
    assert page.eval_on_selector_all(options, "nodes => nodes.map(n => n.value)") == ["acme", "globex"]
    for tab, key in ((acme_tab, site.served.acme), (admin_tab, site.served.admin)):
        assert [url for url in tab.requested if key in url] == [], "a key went into a URL"


def test_the_banner_says_why_figures_are_not_final(site: Site, acme_tab: Tab):
    page = acme_tab.open("acme")
    reasons = page.eval_on_selector_all("#banner li", "nodes => nodes.map(n => n.dataset.reason)")
    assert page.is_visible("#banner")
    assert reasons == ["stale", "provisional", "checks", "dead-letters"]
    banner = page.inner_text("#banner")
    assert "2026-11-02" in banner and "daily_sales_complete (agg_daily_sales)" in banner

    status = site.api(site.served.acme, "/tenants/acme/status")
    trusted = {
        **status,
        "trusted": True,
        "newest_sales_day": date.today().isoformat(),
        "failing_checks": [],
        "dead_letters": {"total": 0, "by_entity": []},
        "provisional_days": {"count": 0, "days": []},
    }
    page.route(
        "**/api/v1/tenants/acme/status",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(trusted)),
    )
    try:
        page = acme_tab.open("acme")
        assert not page.is_visible("#banner")
    finally:
        page.unroute("**/api/v1/tenants/acme/status")
    assert acme_tab.errors == []
