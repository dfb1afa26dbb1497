"""Every endpoint's figures, to the cent, on both backends (DuckDB through its snapshot, PostgreSQL live),
in JSON and CSV, with pagination and input validation."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest

from platform_assets.serving.dashboard import PACKAGE
from platform_assets.settings import PROJECT_ROOT
from tests.serving.conftest import Served

RANGE = {"start": "2026-10-01", "end": "2026-12-31"}


def get(served: Served, path: str, key: str | None = None, **params):
    return served.client.get(path, params=params, headers=served.headers(key or served.acme))


def test_tenants_lists_what_the_key_reads(served: Served):
    acme = get(served, "/api/v1/tenants").json()
    assert acme == {
        "data": [{"id": "acme", "name": "Acme Ltd", "platforms": "shopify", "timezone": "Europe/Berlin"}]
    }
    admin = get(served, "/api/v1/tenants", served.admin).json()
    assert [tenant["id"] for tenant in admin["data"]] == ["acme", "globex"]


def test_daily_sales_across_platforms_to_the_cent(served: Served):
    body = get(served, "/api/v1/tenants/acme/sales/daily", **RANGE).json()
    assert body["tenant_id"] == "acme"
    assert body["page"] == {"offset": 0, "limit": 100, "total": 2, "next_offset": None}
    first, second = body["data"]
    assert first == {
        "date": "2026-11-01",
        "platform": "all",
        "currency": "EUR",
        "orders": 2,
        "units": 3,
        "gross_sales": "100.00",
        "discounts": "10.00",
        "returns": "0.00",
        "net_sales": "90.00",
        "shipping": "7.50",
        "taxes": "8.25",
        "total_sales": "105.75",
        "average_order_value": "45.00",
        "customers": 2,
        "new_customers": 2,
        "returning_customers": 0,
        "is_complete": True,
        "provisional_reason": None,
    }
    assert (second["date"], second["net_sales"], second["total_sales"]) == ("2026-11-02", "-5.01", "-6.51")
    assert second["average_order_value"] is None and second["is_complete"] is False


def test_daily_sales_of_one_platform_and_currency_filters(served: Served):
    rows = get(served, "/api/v1/tenants/acme/sales/daily", platform="shopify", currency="EUR", **RANGE).json()
    assert [(r["platform"], r["date"]) for r in rows["data"]] == [
        ("shopify", "2026-11-01"),
        ("shopify", "2026-11-02"),
    ]
    assert get(served, "/api/v1/tenants/acme/sales/daily", currency="USD", **RANGE).json()["data"] == []
    assert (
        get(served, "/api/v1/tenants/acme/sales/daily", platform="woocommerce", **RANGE).json()["data"] == []
    )


def test_offset_pagination(served: Served):
    first = get(served, "/api/v1/tenants/acme/sales/daily", limit=1, **RANGE)
    assert first.json()["page"] == {"offset": 0, "limit": 1, "total": 2, "next_offset": 1}
    assert first.headers["X-Next-Offset"] == "1" and first.headers["X-Total-Count"] == "2"
    second = get(served, "/api/v1/tenants/acme/sales/daily", limit=1, offset=1, **RANGE).json()
    assert [r["date"] for r in second["data"]] == ["2026-11-02"] and second["page"]["next_offset"] is None


def test_weekly_trends(served: Served):
    (trend,) = get(served, "/api/v1/tenants/acme/sales/weekly", **RANGE).json()["data"]
    assert (trend["date"], trend["window_start"], trend["net_sales_7d"], trend["net_sales_change_pct"]) == (
        "2026-11-02",
        "2026-10-27",
        "84.99",
        "-50.01",
    )
    assert trend["average_order_value_7d"] == "45.00" and trend["orders_change_pct"] == "-50.00"


def test_top_products_are_rounded_once_and_skip_gift_cards_and_uncounted_orders(served: Served):
    products = get(served, "/api/v1/tenants/acme/products/top", **RANGE).json()["data"]
    assert [
        (p["rank"], p["product_id"], p["product_title"], p["units"], p["orders"], p["net_sales"])
        for p in products
    ] == [
        (1, "p1", "Mug", 3, 2, "90.00"),  # 60.0050 + 29.9975 = 90.0025, not 60.01 + 30.00
        (2, "p2", "Tea", 5, 1, "12.50"),
    ]
    variants = get(served, "/api/v1/tenants/acme/products/top", grain="variant", by="units", **RANGE).json()[
        "data"
    ]
    assert [
        (v["variant_id"], v["sku"], v["variant_title"], v["units"], v["net_sales"]) for v in variants
    ] == [
        ("v3", "TEA", "Loose", 5, "12.50"),
        ("v1", "MUG-B", "Blue", 2, "60.01"),
        ("v2", "MUG-R", "Red", 1, "30.00"),
    ]


def test_refunds_per_day_match_the_marts_returns(served: Served):
    (day,) = get(served, "/api/v1/tenants/acme/refunds", **RANGE).json()["data"]
    assert day == {
        "date": "2026-11-02",
        "platform": "shopify",
        "currency": "EUR",
        "refunds": 1,
        "refunded_orders": 1,
        "units": 1,
        "returns": "5.01",  # agg_daily_sales.returns of the day; the gift-card refund r2 is left out
        "shipping_refunded": "1.00",
        "taxes_refunded": "0.50",
    }


def test_customer_segments_cohorts_and_lifetime_value(served: Served):
    segments = get(served, "/api/v1/tenants/acme/customers/segments").json()["data"]
    assert [
        (
            s["segment"],
            s["customers"],
            s["lifetime_orders"],
            s["lifetime_net_spend"],
            s["average_lifetime_value"],
        )
        for s in segments
    ] == [
        ("prospect", 1, 0, "0.00", "0.00"),
        ("new", 1, 1, "30.00", "30.00"),
        ("returning", 1, 2, "100.01", "100.01"),
        ("loyal", 0, 0, "0.00", None),
    ]
    cohorts = get(served, "/api/v1/tenants/acme/customers/cohorts", **RANGE).json()["data"]
    assert [
        (c["cohort"], c["months_since_first"], c["month"], c["active_customers"], c["retention_pct"])
        for c in cohorts
    ] == [
        ("2026-11", 0, "2026-11", 2, "100.00"),
        ("2026-11", 1, "2026-12", 1, "50.00"),  # bob's December order is a test order: not counted
    ]
    (value,) = get(served, "/api/v1/tenants/acme/customers/lifetime-value", **RANGE).json()["data"]
    assert value == {
        "cohort": "2026-11",
        "customers": 2,
        "lifetime_orders": 3,
        "lifetime_net_spend": "130.01",
        "average_lifetime_value": "65.00",  # 130.0050 / 2 = 65.0025
    }


def test_data_status(served: Served):
    status = get(served, "/api/v1/tenants/acme/status").json()
    assert status == {
        "tenant_id": "acme",
        "trusted": False,
        "newest_sales_day": "2026-11-02",
        "freshness": [
            {
                "platform": "shopify",
                "entity": "orders",
                "newest_day": "2026-11-02",
                "newest_whole_day": "2026-11-01",
                "staged_at": "2026-11-02T18:00:00",
            }
        ],
        "failing_checks": [
            {
                "asset": "agg_daily_sales",
                "check": "daily_sales_complete",
                "severity": "WARN",
                "partition": "2026-11-02|acme",
                "description": "provisional",
                "run_id": "r1",
            }
        ],
        "dead_letters": {
            "total": 2,
            "by_entity": [{"platform": "shopify", "entity": "orders", "records": 2}],
        },
        "provisional_days": {
            "count": 1,
            "days": [{"date": "2026-11-02", "reason": "orders of 2026-11-03 not ingested"}],
        },
    }


def test_csv_by_query_and_by_accept_header(served: Served):
    by_query = get(served, "/api/v1/tenants/acme/sales/daily", format="csv", limit=1, **RANGE)
    assert by_query.status_code == 200 and by_query.headers["content-type"].startswith("text/csv")
    lines = by_query.text.splitlines()
    assert lines[0].startswith("date,platform,currency,orders,units,gross_sales,discounts,returns,net_sales")
    assert lines[1] == "2026-11-01,all,EUR,2,3,100.00,10.00,0.00,90.00,7.50,8.25,105.75,45.00,2,2,0,True,"
    assert by_query.headers["X-Next-Offset"] == "1"
    by_accept = served.client.get(
        "/api/v1/tenants/acme/customers/segments",
        headers={**served.headers(served.acme), "Accept": "text/csv"},
    )
    assert by_accept.text.splitlines()[:2] == [
        "segment,customers,lifetime_orders,lifetime_net_spend,average_lifetime_value",
        "prospect,1,0,0.00,0.00",
    ]


@pytest.mark.parametrize(
    ("params", "location", "message"),
    [
        ({"start": "2026-11-31", "end": "2026-12-01"}, ["query", "start"], "Input should be a valid date"),
        ({"start": "2026-12-02", "end": "2026-12-01"}, ["query", "end"], "end must be on or after start"),
        (
            {"start": "2025-01-01", "end": "2026-12-01"},
            ["query", "end"],
            "the range start..end may span at most 366 days",
        ),
        ({"end": "2026-12-01"}, ["query", "start"], "Field required"),
        ({**RANGE, "limit": "0"}, ["query", "limit"], "Input should be greater than or equal to 1"),
        ({**RANGE, "limit": "1001"}, ["query", "limit"], "Input should be less than or equal to 1000"),
        ({**RANGE, "offset": "-1"}, ["query", "offset"], "Input should be greater than or equal to 0"),
        ({**RANGE, "platform": "amazon"}, ["query", "platform"], "Input should be "),
        ({**RANGE, "currency": "eur"}, ["query", "currency"], "String should match pattern '^[A-Z]{3}$'"),
        ({**RANGE, "format": "xml"}, ["query", "format"], "Input should be 'json' or 'csv'"),
    ],
)
def test_a_bad_value_is_a_422_naming_the_parameter(served: Served, params, location, message):
    response = served.client.get(
        "/api/v1/tenants/acme/sales/daily", params=params, headers=served.headers(served.acme)
    )
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == location and problem["msg"].startswith(message)


def test_openapi_lists_every_endpoint(served: Served):
    paths = served.client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == [
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant_id}/customers/cohorts",
        "/api/v1/tenants/{tenant_id}/customers/lifetime-value",
        "/api/v1/tenants/{tenant_id}/customers/segments",
        "/api/v1/tenants/{tenant_id}/inventory/history",
        "/api/v1/tenants/{tenant_id}/inventory/levels",
        "/api/v1/tenants/{tenant_id}/kpis",
        "/api/v1/tenants/{tenant_id}/products/top",
        "/api/v1/tenants/{tenant_id}/refunds",
        "/api/v1/tenants/{tenant_id}/sales/daily",
        "/api/v1/tenants/{tenant_id}/sales/weekly",
        "/api/v1/tenants/{tenant_id}/status",
    ]
    assert served.client.get("/docs").status_code == 200


def test_kpis_are_the_kpi_layers_tiles_with_their_change(served: Served):
    """acme over 2026-11-01..02 against 10-30..31 (no rows): 90.00 − 5.01 net, (100 − 10) / 2 AOV,
    5.01 × 100 / 90 returns rate; no previous figure, so no change in percent."""
    params = {"start": "2026-11-01", "end": "2026-11-02"}
    headers = served.headers(served.acme)
    response = served.client.get("/api/v1/tenants/acme/kpis", params=params, headers=headers)
    assert response.status_code == 200, response.text
    tiles = {tile["name"]: tile for tile in response.json()["data"]}
    assert list(tiles) == [
        "net_sales", "orders", "average_order_value", "new_customers", "returning_customers", "returns_rate"
    ]  # fmt: skip
    assert {name: tile["value"] for name, tile in tiles.items()} == {
        "net_sales": "84.99",
        "orders": 2,
        "average_order_value": "45.00",
        "new_customers": 2,
        "returning_customers": 0,
        "returns_rate": "5.57",
    }
    net = tiles["net_sales"]
    assert (net["previous"], net["change"], net["change_pct"]) == ("0.00", "84.99", None)
    assert (net["currency"], net["platform"], net["complete"]) == ("EUR", "all", False)
    assert (net["previous_start"], net["previous_end"]) == ("2026-10-30", "2026-10-31")
    csv_params = {**params, "format": "csv"}
    csv_text = served.client.get("/api/v1/tenants/acme/kpis", params=csv_params, headers=headers).text
    first = "EUR,all,2026-11-01,2026-11-02,2026-10-30,2026-10-31,net_sales,Net sales,money,84.99,0.00,84.99,,"
    first += "False"
    assert csv_text.splitlines()[1] == first


def test_the_dashboard_page_and_its_assets_are_served_without_a_key(served: Served):
    page = served.client.get("/dashboard/acme")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "84.99" not in page.text  # the page holds no figure: its script asks the API with the key
    for asset in ("chart.umd.min.js", "chart.js-LICENSE.md", "dashboard.js", "dashboard.css"):
        assert served.client.get(f"/dashboard/static/{asset}").status_code == 200, asset
    assert "/dashboard" not in served.client.get("/openapi.json").text


def test_the_dashboards_files_are_package_data():
    """An installed (non-editable) package serves the page too: pyproject ships every file of static/ and
    templates/."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["platform_assets.serving.dashboard"]
    folder = PROJECT_ROOT / "platform_assets" / "serving" / "dashboard"
    files = [
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert len(files) >= 5
    assert [name for name in files if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)] == []
    assert (PACKAGE / "static" / "chart.js-LICENSE.md").is_file()
