"""Authentication, scopes, protected customer data, API versions and unknown paths."""

from __future__ import annotations

import json

from .conftest import API, call, tiny_shop

UNAUTHORIZED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
PROTECTED = {
    "errors": "[API] This app is not approved to access REST endpoints with protected customer data. "
    "See https://partners.shopify.com/1/apps/1/customer_data for more details."
}


def test_wrong_or_missing_token_is_401(shop):
    for token in ("shpat_wrong", ""):
        status, headers, body = call(shop, f"{API}/orders.json", token=token)
        assert (status, json.loads(body)) == (401, UNAUTHORIZED)
        assert headers["Content-Type"] == "application/json; charset=utf-8"
    status, _headers, body = shop.api.handle("GET", f"{API}/shop.json", "", {}, "sandbox://tiny")
    assert (status, json.loads(body)) == (401, UNAUTHORIZED)
    # header names are case-insensitive
    ok = shop.api.handle("GET", f"{API}/shop.json", "", {"x-shopify-access-token": "shpat_sandbox_tiny"}, "x")
    assert ok[0] == 200


def test_protected_customer_data_is_403():
    shop = tiny_shop(forbidden_resources={"customers"})
    for path in (f"{API}/customers.json", f"{API}/customers/count.json"):
        status, _headers, body = call(shop, path)
        assert (status, json.loads(body)) == (403, PROTECTED)
    assert call(shop, f"{API}/orders.json")[0] == 200


def test_missing_scope_is_403():
    shop = tiny_shop(scopes={"read_orders"})
    status, _headers, body = call(shop, f"{API}/products.json")
    assert (status, json.loads(body)) == (
        403,
        {"errors": "[API] This action requires merchant approval for read_products scope."},
    )
    status, _headers, body = call(shop, f"{API}/inventory_levels.json", "location_ids=1")
    assert json.loads(body)["errors"].endswith("read_inventory scope.")


def test_writes_need_write_scopes(shop):
    headers = {"X-Shopify-Access-Token": shop.spec.access_token}
    status, _headers, body = shop.api.handle("POST", f"{API}/orders.json", "", headers, "x")
    assert (status, json.loads(body)) == (
        403,
        {"errors": "[API] This action requires merchant approval for write_orders scope."},
    )


def test_versions(shop):
    status, headers, _body = call(shop, "/admin/api/2025-10/shop.json")
    assert (status, headers["X-Shopify-API-Version"]) == (200, "2025-10")
    status, headers, _body = call(shop, "/admin/api/2023-01/shop.json")  # retired: served as the oldest
    assert (status, headers["X-Shopify-API-Version"]) == (200, "2025-07")
    status, headers, _body = call(shop, "/admin/api/unstable/shop.json")
    assert headers["X-Shopify-API-Version"] == "unstable"
    for bad in ("2025-13", "v1", "latest"):
        status, _headers, body = call(shop, f"/admin/api/{bad}/shop.json")
        assert (status, json.loads(body)) == (404, {"errors": "Not Found"})
    status, headers, _body = call(shop, "/admin/shop.json")  # unversioned: oldest supported
    assert (status, headers["X-Shopify-API-Version"]) == (200, "2025-07")


def test_unknown_paths_and_ids_are_404(shop):
    for path in (f"{API}/widgets.json", f"{API}/orders/123.json", f"{API}/orders/abc.json", "/nope"):
        status, _headers, body = call(shop, path)
        assert (status, json.loads(body)) == (404, {"errors": "Not Found"}), path


def test_inventory_levels_need_ids(shop):
    status, _headers, body = call(shop, f"{API}/inventory_levels.json")
    assert status == 422 and "errors" in json.loads(body)
    many = ",".join(str(n) for n in range(1, 52))
    status, _headers, body = call(shop, f"{API}/inventory_levels.json", f"inventory_item_ids={many}")
    assert status == 422
    items = [v.inventory_item_id for v in shop.catalog.variants if not v.gift_card]
    status, _headers, body = call(shop, f"{API}/inventory_levels.json", f"inventory_item_ids={items[0]}")
    levels = json.loads(body)["inventory_levels"]
    assert status == 200 and [lv["location_id"] for lv in levels] == [loc.id for loc in shop.locations]
    status, _headers, body = call(
        shop, f"{API}/inventory_levels.json", f"location_ids={shop.locations[0].id}&limit=250"
    )
    assert len(json.loads(body)["inventory_levels"]) == len(items)
