"""The GraphQL Admin API of a sandbox shop: same store as REST, connections, search, cost, throttling,
versions and deletes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sandbox.shopify.model import SandboxShop

from ...conftest import tiny_shop
from .conftest import ManualTimer, call, data, rest

ORDER_FIELDS = """
  id name createdAt updatedAt processedAt cancelledAt currencyCode presentmentCurrencyCode
  displayFinancialStatus customer { id }
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  subtotalPriceSet { shopMoney { amount } presentmentMoney { amount } }
  totalTaxSet { shopMoney { amount } } totalDiscountsSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { id sku quantity variant { id } originalUnitPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } }
    taxLines { priceSet { shopMoney { amount } } } } }
  shippingLines(first: 5) { nodes { originalPriceSet { shopMoney { amount } } } }
  taxLines { title rate priceSet { shopMoney { amount } } }
  refunds { id createdAt totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: 10) { nodes { quantity lineItem { id } subtotalSet { shopMoney { amount } } } } }
"""


def _all_orders(shop: SandboxShop, page: int = 4, **arguments: str) -> list[dict]:
    """Every order through GraphQL pagination (pages small enough for the 1,000-point limit)."""
    extra = "".join(f", {name}: {value}" for name, value in arguments.items())
    found, after = [], None
    while True:
        query = (
            f"query($after: String) {{ orders(first: {page}, after: $after{extra}) "
            f"{{ pageInfo {{ hasNextPage endCursor }} nodes {{ {ORDER_FIELDS} }} }} }}"
        )
        connection = data(shop, query, {"after": after})["orders"]
        found.extend(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
def shop() -> SandboxShop:
    """A small multi-currency store (read only in this module, except where a test makes its own)."""
    return tiny_shop(presentment_currencies=["USD", "EUR", "GBP"], foreign_presentment_share=0.5)


def _cents(amount: str | float) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def test_orders_equal_rest_to_the_cent(shop: SandboxShop) -> None:
    via_rest = {order["id"]: order for order in rest(shop, "orders", "status=any&limit=250")}
    via_graphql = _all_orders(shop)
    assert [int(order["id"].rsplit("/", 1)[1]) for order in via_graphql] == sorted(via_rest)
    assert any(order["presentmentCurrencyCode"] != "USD" for order in via_graphql)
    for order in via_graphql:
        expected = via_rest[int(order["id"].rsplit("/", 1)[1])]
        assert order["name"] == expected["name"]
        assert order["customer"] == (
            {"id": f"gid://shopify/Customer/{expected['customer']['id']}"}
            if expected.get("customer")
            else None
        )
        for ours, theirs in (
            ("totalPriceSet", "total_price_set"),
            ("subtotalPriceSet", "subtotal_price_set"),
            ("totalTaxSet", "total_tax_set"),
            ("totalDiscountsSet", "total_discounts_set"),
            ("totalShippingPriceSet", "total_shipping_price_set"),
        ):
            assert _cents(order[ours]["shopMoney"]["amount"]) == _cents(
                expected[theirs]["shop_money"]["amount"]
            )
        presentment = order["totalPriceSet"]["presentmentMoney"]
        assert presentment["currencyCode"] == expected["presentment_currency"]
        assert _cents(presentment["amount"]) == _cents(
            expected["total_price_set"]["presentment_money"]["amount"]
        )
        assert order["createdAt"].endswith("Z")
        lines = order["lineItems"]["nodes"]
        assert [line["id"] for line in lines] == [
            item["admin_graphql_api_id"] for item in expected["line_items"]
        ]
        for line, item in zip(lines, expected["line_items"], strict=True):
            assert _cents(line["originalUnitPriceSet"]["shopMoney"]["amount"]) == _cents(item["price"])
            assert line["quantity"] == item["quantity"] and line["sku"] == item["sku"]
            allocated = sum(
                _cents(a["allocatedAmountSet"]["shopMoney"]["amount"]) for a in line["discountAllocations"]
            )
            assert allocated == sum(_cents(a["amount"]) for a in item["discount_allocations"])
        refunds = order["refunds"]
        assert [refund["id"] for refund in refunds] == [
            r["admin_graphql_api_id"] for r in expected["refunds"]
        ]
        for refund, raw in zip(refunds, expected["refunds"], strict=True):
            subtotal = sum(
                _cents(n["subtotalSet"]["shopMoney"]["amount"]) for n in refund["refundLineItems"]["nodes"]
            )
            assert subtotal == sum(_cents(item["subtotal"]) for item in raw["refund_line_items"])


def test_customers_products_locations_inventory_equal_rest(shop: SandboxShop) -> None:
    customers = data(
        shop, "{ customers(first: 250) { nodes { id email numberOfOrders addresses { id city } } } }"
    )
    assert [c["id"] for c in customers["customers"]["nodes"]] == [
        c["admin_graphql_api_id"] for c in rest(shop, "customers", "limit=250")
    ]
    products = data(
        shop, "{ products(first: 20) { nodes { id variants(first: 10) { nodes { id sku price } } } } }"
    )
    rest_products = rest(shop, "products", "limit=250")
    assert [p["id"] for p in products["products"]["nodes"]] == [
        p["admin_graphql_api_id"] for p in rest_products
    ]
    for product, raw in zip(products["products"]["nodes"], rest_products, strict=True):
        assert [(v["sku"], v["price"]) for v in product["variants"]["nodes"]] == [
            (v["sku"], v["price"]) for v in raw["variants"]
        ]
    locations = data(
        shop,
        "{ locations(first: 2, sortKey: ID) { nodes { id name inventoryLevels(first: 100) { nodes { "
        'item { id } quantities(names: ["available"]) { name quantity } } } } } }',
    )["locations"]["nodes"]
    assert [loc["id"] for loc in locations] == [
        loc["admin_graphql_api_id"] for loc in sorted(rest(shop, "locations"), key=lambda loc: loc["id"])
    ]
    for location in locations:
        location_id = location["id"].rsplit("/", 1)[1]
        levels = rest(shop, "inventory_levels", f"location_ids={location_id}&limit=250")
        expected = {
            f"gid://shopify/InventoryItem/{lv['inventory_item_id']}": lv["available"] for lv in levels
        }
        got = {
            lv["item"]["id"]: lv["quantities"][0]["quantity"] for lv in location["inventoryLevels"]["nodes"]
        }
        assert got == expected
    shop_data = data(shop, "{ shop { ianaTimezone currencyCode plan { displayName } } }")["shop"]
    assert shop_data["ianaTimezone"] == "America/New_York" and shop_data["currencyCode"] == "USD"


@pytest.mark.parametrize("sort_key", ["UPDATED_AT", "CREATED_AT", "PROCESSED_AT", "ID"])
def test_pagination_collects_every_order_once(shop: SandboxShop, sort_key: str) -> None:
    expected = sorted(order["id"] for order in rest(shop, "orders", "status=any&limit=250"))
    field = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt", "PROCESSED_AT": "processedAt"}.get(
        sort_key
    )
    for reverse in ("false", "true"):
        seen, after = [], None
        while True:
            query = (
                "query($after: String) { orders(first: 7, after: $after, sortKey: "
                f"{sort_key}, reverse: {reverse}) {{ pageInfo {{ hasNextPage endCursor }} "
                "nodes { id legacyResourceId createdAt updatedAt processedAt } } }"
            )
            connection = data(shop, query, {"after": after})["orders"]
            seen.extend(connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        ids = [int(node["legacyResourceId"]) for node in seen]
        assert sorted(ids) == expected and len(set(ids)) == len(ids)
        keys = [(node[field] if field else 0, int(node["legacyResourceId"])) for node in seen]
        assert keys == sorted(keys, reverse=reverse == "true")
    backwards, before = [], None
    while True:
        query = (
            "query($before: String) { orders(last: 9, before: $before) "
            "{ pageInfo { hasPreviousPage startCursor } nodes { legacyResourceId } } }"
        )
        connection = data(shop, query, {"before": before})["orders"]
        backwards = [int(node["legacyResourceId"]) for node in connection["nodes"]] + backwards
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert backwards == expected


def test_search_filter_matches_rest_filters(shop: SandboxShop) -> None:
    low = (shop.clock - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    high = (shop.clock - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = [
        order["id"]
        for order in rest(
            shop,
            "orders",
            f"status=any&limit=250&updated_at_min={low}&created_at_max={high}&order=updated_at asc",
        )
    ]
    query = f"updated_at:>='{low}' AND created_at:<='{high}'"
    nodes = data(
        shop,
        "query($q: String) { orders(first: 250, query: $q, sortKey: UPDATED_AT) "
        "{ nodes { legacyResourceId } } }",
        {"q": query},
    )["orders"]["nodes"]
    assert [int(node["legacyResourceId"]) for node in nodes] == expected and expected
    processed = data(
        shop, f"{{ orders(first: 250, query: \"processed_at:>'{high}'\") {{ nodes {{ processedAt }} }} }}"
    )["orders"]["nodes"]
    assert processed and all(node["processedAt"] > high for node in processed)


@pytest.mark.parametrize(
    ("query", "requested"),
    [
        ("{ shop { id name } }", 1),
        ("{ orders(first: 10) { edges { node { id } } } }", 12),
        (
            "{ orders(first: 10) { pageInfo { hasNextPage } "
            "nodes { id totalPriceSet { shopMoney { amount } } } } }",
            32,
        ),
        (
            "{ products(first: 10) { edges { node { title "
            "variants(first: 5) { edges { node { id } } } } } } }",
            82,
        ),
        (
            'mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id } } } }") '
            "{ userErrors { message } } }",
            10,
        ),
    ],
)
def test_requested_cost_follows_shopify_rules(query: str, requested: int) -> None:
    shop = tiny_shop()
    shop.graphql.configure(timer=ManualTimer())
    _status, _headers, payload = call(shop, query)
    cost = payload["extensions"]["cost"]
    assert cost["requestedQueryCost"] == requested
    assert cost["actualQueryCost"] <= requested
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 20_000.0 and status["restoreRate"] == 1_000.0  # plus
    assert status["currentlyAvailable"] == 20_000 - cost["actualQueryCost"]


def test_actual_cost_counts_returned_nodes(shop: SandboxShop) -> None:
    _status, _headers, payload = call(
        shop, "{ orders(first: 250, query: \"created_at:<'2000-01-01'\") { nodes { id } } }"
    )
    assert payload["data"]["orders"]["nodes"] == []
    assert payload["extensions"]["cost"]["requestedQueryCost"] == 252
    assert payload["extensions"]["cost"]["actualQueryCost"] == 2


def test_max_cost_exceeded_has_no_data(shop: SandboxShop) -> None:
    status, _headers, payload = call(
        shop, "{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { id } } } } }"
    )
    assert status == 200 and "data" not in payload
    error = payload["errors"][0]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 3252, "maxCost": 1000}
    assert error["message"].startswith(
        "Query cost is 3252, which exceeds the single query max cost limit (1000)."
    )
    assert payload["extensions"]["cost"]["actualQueryCost"] is None


def test_throttled_then_recovers_on_the_sandbox_clock() -> None:
    shop = tiny_shop(plan="standard")
    timer = ManualTimer()
    front = shop.graphql.configure(timer=timer)
    assert front.bucket.status() == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000,
        "restoreRate": 100.0,
    }
    front.configure(maximum_available=50.0, restore_rate=5.0)
    query = "{ orders(first: 10) { nodes { id } } }"  # requests 12, returns 10 orders: actual 12
    for left in (38, 26, 14, 2):
        _status, _headers, payload = call(shop, query)
        assert payload["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == left
    status, _headers, payload = call(shop, query)
    assert status == 200 and "data" not in payload
    assert payload["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert payload["extensions"]["cost"]["actualQueryCost"] is None
    assert payload["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2
    timer.advance(2.0)  # 2 + 2 s × 5/s = 12 points
    _status, _headers, payload = call(shop, query)
    assert "errors" not in payload and len(payload["data"]["orders"]["nodes"]) == 10
    # the default timer follows the shop clock: moving it on restores the bucket. At 0.5 points a second the
    # five calls would have to take 20 s of real time to restore the 10 points the fifth one lacks.
    shop.graphql.configure(timer=None, maximum_available=50.0, restore_rate=0.5)
    for _ in range(4):
        call(shop, query)
    assert "data" not in call(shop, query)[2]
    shop.set_clock(shop.clock + timedelta(seconds=30))  # 15 points restored
    assert "errors" not in call(shop, query)[2]


def test_access_scopes_give_field_errors() -> None:
    shop = tiny_shop(scopes={"read_products"})
    _status, _headers, payload = call(shop, "{ orders(first: 1) { nodes { id } } }")
    assert payload["data"] is None  # the connection is non-null: the error nulls its parent
    assert data(shop, "{ products(first: 1) { nodes { id } } }")["products"]["nodes"]
    assert payload["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert (
        payload["errors"][0]["message"]
        == "Access denied for orders field. Required access: `read_orders` access scope."
    )
    assert call(shop, "{ shop { id } }", token="wrong")[0] == 401


def test_version_headers_and_deprecations() -> None:
    shop = tiny_shop()
    assert call(shop, "{ shop { id } }", version="2026-04")[1]["X-Shopify-API-Version"] == "2026-04"
    assert call(shop, "{ shop { id } }", version="2024-01")[1]["X-Shopify-API-Version"] == "2025-07"
    _status, headers, _payload = call(shop, "{ orders(first: 1) { nodes { totalPrice } } }")
    assert headers["X-Shopify-API-Deprecated-Reason"].startswith("https://shopify.dev/")
    assert "X-Shopify-API-Deprecated-Reason" not in call(shop, "{ shop { id } }")[1]
    shop.graphql.configure(serve_version="2025-10")
    _status, headers, _payload = call(shop, "{ shop { id } }", version="2026-04")
    assert headers["X-Shopify-API-Version"] == "2025-10"
    assert "X-Shopify-API-Deprecated-Reason" in headers
    rest_status, rest_headers, _body = shop.api.handle(
        "GET", "/admin/api/2026-04/shop.json", "", {"X-Shopify-Access-Token": shop.spec.access_token}, "x"
    )
    assert rest_status == 200 and rest_headers["X-Shopify-API-Version"] == "2025-10"
    assert "X-Shopify-API-Deprecated-Reason" in rest_headers


def test_deleted_order_leaves_every_endpoint_and_appears_in_events() -> None:
    shop = tiny_shop()
    orders = shop.orders()
    victim = next(o for o in orders if not o.test and o.financial_status_at(shop.clock) == "paid")
    day = victim.processed_at.astimezone(shop.spec.zone).date()
    before = {figures.date: figures for figures in shop.ground_truth(day, day)}[day]
    shop.delete_order(victim.id)
    after = {figures.date: figures for figures in shop.ground_truth(day, day)}[day]
    assert after.orders == before.orders - 1
    rest_ids = {order["id"] for order in rest(shop, "orders", "status=any&limit=250")}
    assert victim.id not in rest_ids and len(rest_ids) == len(orders) - 1
    headers = {"X-Shopify-Access-Token": shop.spec.access_token}
    assert shop.api.handle("GET", f"/admin/api/2025-07/orders/{victim.id}.json", "", headers, "x")[0] == 404
    events = rest(shop, "events", "filter=Order&verb=destroy")
    assert [(e["subject_id"], e["verb"], e["subject_type"]) for e in events] == [
        (victim.id, "destroy", "Order")
    ]
    graphql_ids = {
        node["legacyResourceId"]
        for node in data(shop, "{ orders(first: 250) { nodes { legacyResourceId } } }")["orders"]["nodes"]
    }
    assert str(victim.id) not in graphql_ids and len(graphql_ids) == len(orders) - 1
    assert data(shop, f'{{ order(id: "gid://shopify/Order/{victim.id}") {{ id }} }}')["order"] is None
    deletions = data(
        shop,
        "{ deletionEvents(first: 10, subjectTypes: [ORDER]) { nodes { subjectId subjectType occurredAt } } }",
    )["deletionEvents"]["nodes"]
    assert deletions == [
        {
            "subjectId": f"gid://shopify/Order/{victim.id}",
            "subjectType": "ORDER",
            "occurredAt": shop.clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ]
    assert (
        data(shop, "{ deletionEvents(first: 10, subjectTypes: [PRODUCT]) { nodes { subjectId } } }")[
            "deletionEvents"
        ]["nodes"]
        == []
    )
    shop.set_clock(shop.clock - timedelta(seconds=1))  # before the deletion, the order is back
    assert shop.order(victim.id) is not None


def test_inventory_item_and_level_lookups(shop: SandboxShop) -> None:
    item = data(
        shop,
        "{ inventoryItems(first: 1) { nodes { id sku variant { id sku } "
        "measurement { weight { unit value } } "
        'inventoryLevels(first: 5) { nodes { id location { id } quantities(names: ["available", "on_hand"]) '
        "{ name quantity } } } } } }",
    )["inventoryItems"]["nodes"][0]
    level = item["inventoryLevels"]["nodes"][0]
    assert level["id"].startswith("gid://shopify/InventoryLevel/") and "?inventory_item_id=" in level["id"]
    again = data(shop, f'{{ inventoryLevel(id: "{level["id"]}") {{ item {{ id }} location {{ id }} }} }}')
    assert again["inventoryLevel"] == {"item": {"id": item["id"]}, "location": level["location"]}
    available, on_hand = level["quantities"]
    assert available["name"] == "available" and available["quantity"] == on_hand["quantity"]
    assert item["sku"] == item["variant"]["sku"] and item["measurement"]["weight"]["unit"] == "KILOGRAMS"
    variant = item["variant"]["id"]
    assert (
        data(shop, f'{{ node(id: "{variant}") {{ id ... on ProductVariant {{ sku }} }} }}')["node"]
        == item["variant"]
    )


def test_seeded_deletions_agree_everywhere() -> None:
    shop = tiny_shop(delete_share=0.1)
    existing = {order.id for order in shop.orders()}
    deleted = {order.id: at for order, at in shop.deleted_orders()}
    generated = {o.id for o in shop.all_generated_orders() if o.created_at <= shop.clock}
    assert deleted and existing | set(deleted) == generated and not existing & set(deleted)
    assert all(shop.order(order_id) is None for order_id in deleted)
    rest_ids = {order["id"] for order in rest(shop, "orders", "status=any&limit=250")}
    assert rest_ids == existing
    events = rest(shop, "events", "filter=Order&verb=destroy&limit=250")
    assert {event["subject_id"] for event in events} == set(deleted)
    nodes = data(
        shop, "{ deletionEvents(first: 250, subjectTypes: [ORDER]) { nodes { subjectId occurredAt } } }"
    )
    assert {
        int(n["subjectId"].rsplit("/", 1)[1]): n["occurredAt"] for n in nodes["deletionEvents"]["nodes"]
    } == {order_id: at.strftime("%Y-%m-%dT%H:%M:%SZ") for order_id, at in deleted.items()}
    for order, at in shop.deleted_orders():
        assert timedelta(hours=1) <= at - order.created_at <= timedelta(hours=72)


def test_events_query_lists_order_destroy_events() -> None:
    shop = tiny_shop()
    victim = shop.orders()[5]
    shop.delete_order(victim.id)
    nodes = data(
        shop,
        '{ events(first: 10, query: "subject_type:ORDER AND action:destroy") '
        "{ nodes { id action createdAt message ... on BasicEvent { subjectId subjectType } } } }",
    )["events"]["nodes"]
    assert [(n["action"], n["subjectId"], n["subjectType"]) for n in nodes] == [
        ("destroy", f"gid://shopify/Order/{victim.id}", "ORDER")
    ]
    rest_event = rest(shop, "events", "filter=Order&verb=destroy")[0]
    assert nodes[0]["id"] == f"gid://shopify/BasicEvent/{rest_event['id']}"
