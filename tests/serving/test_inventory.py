"""The stock endpoints on the known warehouse (tests/serving/conftest.py ``stock_rows``), exact units on
both backends: levels on a day with their totals, at each grain, and the daily history of the tenant, a
variant, a SKU across platforms and a location; CSV and input validation."""

from __future__ import annotations

from tests.serving.conftest import Served

LEVELS = "/api/v1/tenants/acme/inventory/levels"
HISTORY = "/api/v1/tenants/acme/inventory/history"
RANGE = {"start": "2026-10-01", "end": "2026-12-31"}


def get(served: Served, path: str, **params):
    return served.client.get(path, params=params, headers=served.headers(served.acme))


def levels(body: dict) -> list[tuple]:
    return [
        (r["platform"], r["variant_id"], r["location_id"], r["available"], r["levels"], r["untracked"])
        for r in body["data"]
    ]


def test_levels_default_to_the_newest_snapshot_most_units_first_with_totals(served: Served):
    body = get(served, LEVELS).json()
    assert (body["tenant_id"], body["date"]) == ("acme", "2026-11-02")
    assert body["totals"] == {"available": 19, "levels": 5, "untracked": 1}
    assert levels(body) == [
        ("shopify", "v1", "L1", 8, 1, 0),
        ("woocommerce", "w1", "site", 7, 1, 0),
        ("shopify", "v1", "L2", 5, 1, 0),
        ("shopify", "v3", "L1", 0, 1, 1),  # not tracked: no units known
        ("shopify", "v2", "L1", -1, 1, 0),  # oversold
    ]
    first = body["data"][0]
    assert first == {
        "date": "2026-11-02",
        "platform": "shopify",
        "product_id": "p1",
        "variant_id": "v1",
        "sku": "MUG-B",
        "product_title": "Mug",
        "variant_title": "Blue",
        "location_id": "L1",
        "location_name": "Berlin store",
        "available": 8,
        "levels": 1,
        "untracked": 0,
        "updated_at": "2026-11-02T09:00:00",
    }
    assert body["page"] == {"offset": 0, "limit": 100, "total": 5, "next_offset": None}


def test_levels_on_a_day_per_variant_and_per_location(served: Served):
    by_variant = get(served, LEVELS, date="2026-11-02", grain="variant").json()
    assert levels(by_variant) == [
        ("shopify", "v1", None, 13, 2, 0),
        ("woocommerce", "w1", None, 7, 1, 0),
        ("shopify", "v3", None, 0, 1, 1),
        ("shopify", "v2", None, -1, 1, 0),
    ]
    by_location = get(served, LEVELS, date="2026-11-02", grain="location").json()
    assert [
        (r["platform"], r["location_id"], r["location_name"], r["available"]) for r in by_location["data"]
    ] == [
        ("shopify", "L1", "Berlin store", 7),
        ("woocommerce", "site", None, 7),
        ("shopify", "L2", "Warehouse", 5),
    ]
    assert by_location["totals"] == {"available": 19, "levels": 5, "untracked": 1}
    older = get(served, LEVELS, date="2026-11-01", platform="shopify", location_id="L1").json()
    assert levels(older) == [("shopify", "v1", "L1", 10, 1, 0), ("shopify", "v2", "L1", 3, 1, 0),
                             ("shopify", "v3", "L1", 0, 1, 1)]  # fmt: skip
    assert older["totals"] == {"available": 13, "levels": 3, "untracked": 1}
    fewest = get(served, LEVELS, date="2026-11-02", grain="variant", order="fewest", limit=2).json()
    assert levels(fewest) == [("shopify", "v2", None, -1, 1, 0), ("shopify", "v3", None, 0, 1, 1)]
    none = get(served, LEVELS, date="2026-10-15").json()
    assert (none["data"], none["totals"]) == ([], {"available": 0, "levels": 0, "untracked": 0})


def test_levels_page_and_csv_carry_the_totals(served: Served):
    page = get(served, LEVELS, limit=2, offset=1).json()
    assert levels(page)[0][:4] == ("woocommerce", "w1", "site", 7)
    assert page["page"] == {"offset": 1, "limit": 2, "total": 5, "next_offset": 3}
    assert page["totals"]["available"] == 19
    csv = get(served, LEVELS, format="csv", grain="variant")
    assert csv.headers["content-type"].startswith("text/csv")
    assert (csv.headers["x-total-available"], csv.headers["x-total-levels"]) == ("19", "5")
    lines = csv.text.splitlines()
    assert lines[0] == (
        "date,platform,product_id,variant_id,sku,product_title,variant_title,location_id,location_name,"
        "available,levels,untracked,updated_at"
    )
    assert lines[1] == "2026-11-02,shopify,p1,v1,MUG-B,Mug,Blue,,,13,2,0,2026-11-02T09:00:00"


def test_stock_history_of_the_tenant_a_variant_a_sku_and_a_location(served: Served):
    def history(**params) -> list[tuple]:
        body = get(served, HISTORY, **RANGE, **params).json()
        return [(r["date"], r["platform"], r["available"], r["levels"], r["untracked"]) for r in body["data"]]

    assert history() == [
        ("2026-11-01", "shopify", 18, 4, 1),
        ("2026-11-02", "shopify", 12, 4, 1),
        ("2026-11-02", "woocommerce", 7, 1, 0),
    ]
    assert history(platform="shopify", variant_id="v1") == [
        ("2026-11-01", "shopify", 15, 2, 0),
        ("2026-11-02", "shopify", 13, 2, 0),
    ]
    # the SKU matches trimmed and case-insensitively on every platform selling it
    assert history(sku="mug-b") == [
        ("2026-11-01", "shopify", 15, 2, 0),
        ("2026-11-02", "shopify", 13, 2, 0),
        ("2026-11-02", "woocommerce", 7, 1, 0),
    ]
    assert history(variant_id="v1", location_id="L2") == [
        ("2026-11-01", "shopify", 5, 1, 0),
        ("2026-11-02", "shopify", 5, 1, 0),
    ]
    csv = get(served, HISTORY, **RANGE, format="csv", platform="woocommerce").text.splitlines()
    assert csv == ["date,platform,available,levels,untracked", "2026-11-02,woocommerce,7,1,0"]


def test_stock_inputs_are_validated(served: Served):
    for path, params, name in (
        (LEVELS, {"date": "2026-02-30"}, "date"),
        (LEVELS, {"grain": "sku"}, "grain"),
        (LEVELS, {"order": "least"}, "order"),
        (LEVELS, {"variant_id": "v1; DROP TABLE"}, "variant_id"),
        (HISTORY, {"start": "2026-11-02", "end": "2026-11-01"}, "end"),
        (HISTORY, {**RANGE, "location_id": ""}, "location_id"),
        (HISTORY, {**RANGE, "sku": "x" * 101}, "sku"),
        (HISTORY, {"start": "2026-11-01"}, "end"),
    ):
        response = get(served, path, **params)
        assert response.status_code == 422, (path, params)
        assert name in [error["loc"][-1] for error in response.json()["detail"]], (path, params)
