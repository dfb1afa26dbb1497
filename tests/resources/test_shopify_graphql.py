"""The Shopify GraphQL client against the sandbox's HTTP server on 127.0.0.1: pagination over many pages,
cost pacing and THROTTLED retries (no order lost or duplicated), nested connections paged in full, errors
naming the operation, and the token in no error and no log line."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

import pytest

from resources.shopify import bulk_queries as bq
from resources.shopify import graphql as graphql_client
from resources.shopify import graphql_queries as q
from resources.shopify.client import (
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClientResource,
    ShopifyProtectedDataError,
)
from resources.shopify.graphql import ShopifyGraphQLClient, search_window
from resources.shopify.graphql_cost import CostPacerRegistry
from resources.shopify.graphql_records import truncated_connections, unwrap_connections
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from tests.sandbox.conftest import tiny_shop
from tests.sandbox.shopify.graphql.conftest import call, rest

from .conftest import FakeTime

FOREVER = datetime(2100, 1, 1, tzinfo=UTC)
VERSION = "2025-07"


@pytest.fixture
def shop() -> SandboxShop:
    return tiny_shop(
        name="gql-client", presentment_currencies=["USD", "EUR", "GBP"], foreign_presentment_share=0.5
    )


@pytest.fixture
def server(shop: SandboxShop):
    with serve({shop.name: shop}) as running:
        yield running


@pytest.fixture
def fake_time(shop: SandboxShop) -> FakeTime:
    """One clock for the client's pacing and sleeps and for the sandbox's cost bucket."""
    clock = FakeTime()
    shop.graphql.configure(timer=clock.monotonic)
    return clock


def open_client(
    server, shop: SandboxShop, fake_time: FakeTime, token: str | None = None
) -> ShopifyGraphQLClient:
    return ShopifyGraphQLClient(
        server.base_url(shop.name),
        token if token is not None else shop.spec.access_token,
        api_version=VERSION,
        pacers=CostPacerRegistry(clock=fake_time.monotonic),
        sleep=fake_time.sleep,
        rng=random.Random(7),
        token_source="environment variable GQL_CLIENT_TOKEN",
    )


def _order_ids(pages) -> list[int]:
    return [int(order["id"].rsplit("/", 1)[1]) for page in pages for order in page]


def test_every_document_stays_under_the_single_query_cost_limit(shop: SandboxShop) -> None:
    location = call(shop, q.LOCATIONS_QUERY, {"first": 1})[2]["data"]["locations"]["nodes"][0]["id"]
    costs = {
        name: call(shop, document, variables)[2]["extensions"]["cost"]["requestedQueryCost"]
        for name, document, variables in [
            ("orders", q.ORDERS_QUERY, {"first": q.ORDERS_PAGE}),
            ("customers", q.CUSTOMERS_QUERY, {"first": q.CUSTOMERS_PAGE}),
            ("products", q.PRODUCTS_QUERY, {"first": q.PRODUCTS_PAGE}),
            ("locations", q.LOCATIONS_QUERY, {"first": q.LOCATIONS_PAGE}),
            ("levels", q.INVENTORY_LEVELS_QUERY, {"first": q.INVENTORY_LEVELS_PAGE, "id": location}),
            ("shop", q.SHOP_QUERY, {}),
            (
                "lines",
                q.nested_page_query("order", "lineItems", q.LINE_ITEM_FIELDS),
                {"first": q.NESTED_PAGE, "id": "gid://shopify/Order/1"},
            ),
            (
                "variants",
                q.nested_page_query("product", "variants", q.VARIANT_FIELDS),
                {"first": q.NESTED_PAGE, "id": "gid://shopify/Product/1"},
            ),
            (  # a bulk load's refunds, read after its orders (resources/shopify/bulk_queries.py)
                "refunds",
                bq.ORDERS_REFUNDS_QUERY,
                {"ids": [f"gid://shopify/Order/{n}" for n in range(1, bq.REFUND_ORDERS_PER_QUERY + 1)]},
            ),
        ]
    }
    assert costs == {
        "orders": 946,
        "customers": 802,
        "products": 832,
        "locations": 502,
        "levels": 803,
        "shop": 2,
        "lines": 363,
        "variants": 83,
        "refunds": 99,
    }


def test_a_window_is_walked_page_by_page_sorted_by_updated_at_without_loss(server, shop, fake_time) -> None:
    expected = sorted(order["id"] for order in rest(shop, "orders", "status=any&limit=250"))
    with open_client(server, shop, fake_time) as client:
        pages = list(client.iter_window("orders", None, FOREVER))
        stats = client.stats
    ids = _order_ids(pages)
    assert len(pages) == 19 and all(len(page) == 4 for page in pages)
    assert sorted(ids) == expected and len(ids) == len(set(ids)) == 76
    updated = [order["updatedAt"] for page in pages for order in page]
    assert updated == sorted(updated)
    # GraphQL records: connections unwrapped into lists, money bags as returned.
    first = pages[0][0]
    assert isinstance(first["lineItems"], list) and isinstance(first["refunds"], list)
    assert set(first["totalPriceSet"]) == {"shopMoney", "presentmentMoney"}
    assert stats["requests"] == 19 and stats["retries"] == 0 and stats["throttled"] == 0


def test_an_updated_at_window_matches_rest_to_the_order(server, shop, fake_time) -> None:
    low, high = datetime(2026, 2, 25, tzinfo=UTC), datetime(2026, 2, 27, 23, 59, 59, tzinfo=UTC)
    assert search_window(low, high) == (
        "updated_at:>='2026-02-25T00:00:00+00:00' AND updated_at:<='2026-02-27T23:59:59+00:00'"
    )
    expected = [
        order["id"]
        for order in rest(
            shop,
            "orders",
            "status=any&limit=250&order=updated_at asc"
            "&updated_at_min=2026-02-25T00:00:00%2B00:00&updated_at_max=2026-02-27T23:59:59%2B00:00",
        )
    ]
    with open_client(server, shop, fake_time) as client:
        ids = _order_ids(client.iter_window("orders", low, high))
    assert ids == expected and len(ids) == 5


def test_cost_pacing_and_throttled_answers_lose_and_duplicate_nothing(server, shop, fake_time) -> None:
    """A small bucket (1,000 points restoring 50 a second), drained by another app before the walk: the
    first answer is THROTTLED (HTTP 200, no data), retried once the cost is restored; later pages wait
    for their cost from the throttleStatus the answers report, so no other page is THROTTLED."""
    shop.graphql.configure(maximum_available=1000, restore_rate=50, timer=fake_time.monotonic)
    drained = call(shop, q.ORDERS_QUERY, {"first": q.ORDERS_PAGE})[2]["extensions"]["cost"]["throttleStatus"]
    assert drained["currentlyAvailable"] < 946
    expected = sorted(order["id"] for order in rest(shop, "orders", "status=any&limit=250"))
    with open_client(server, shop, fake_time) as client:
        ids = _order_ids(client.iter_window("orders", None, FOREVER))
        stats = client.stats
    assert sorted(ids) == expected and len(ids) == len(set(ids)) == 76
    assert stats["throttled"] == 1 and stats["retries"] == 1
    assert stats["requests"] == 20  # 19 pages and the THROTTLED attempt
    assert stats["pacing_sleep_seconds"] > 0 and fake_time.sleeps
    # The waits are the bucket's: never more than the restore time of one query's requested cost.
    assert max(fake_time.sleeps) <= 946 / 50


def test_throttled_until_the_retries_run_out_is_a_clear_error(server, shop, fake_time) -> None:
    shop.graphql.configure(maximum_available=100, restore_rate=1, timer=fake_time.monotonic)
    client = ShopifyGraphQLClient(
        server.base_url(shop.name),
        shop.spec.access_token,
        api_version=VERSION,
        pacers=CostPacerRegistry(clock=lambda: 0.0),  # a pacer that never sees time pass
        sleep=lambda seconds: None,
        rng=random.Random(7),
        policy=ShopifyClientResource(max_attempts=3).retry_policy(),
    )
    with client, pytest.raises(ShopifyAPIError) as info:
        list(client.iter_window("orders", None, FOREVER))
    assert str(info.value) == (
        f"POST /{shop.name}/admin/api/{VERSION}/graphql.json (orders) -> Throttled (THROTTLED); "
        "gave up after 3 attempts"
    )
    assert client.stats["throttled"] == 3 and client.stats["retries"] == 2


def test_a_graphql_error_names_the_operation_and_the_message(server, shop, fake_time) -> None:
    with open_client(server, shop, fake_time) as client, pytest.raises(ShopifyAPIError) as info:
        client.execute(
            "query { orders(query: \"updated_at:>='not a time'\") { nodes { id } } }", operation="orders"
        )
    assert str(info.value) == (
        f"POST /{shop.name}/admin/api/{VERSION}/graphql.json (orders) -> "
        "you must provide one of first or last"
    )
    assert info.value.status == 200 and info.value.method == "POST"


def test_a_missing_scope_is_a_protected_data_error_like_rests_403(fake_time) -> None:
    shop = tiny_shop(name="gql-no-orders", scopes=("read_products", "read_customers"))
    shop.graphql.configure(timer=fake_time.monotonic)
    with (
        serve({shop.name: shop}) as server,
        open_client(server, shop, fake_time) as client,
        pytest.raises(ShopifyProtectedDataError) as info,
    ):
        list(client.iter_window("orders", None, FOREVER))
    assert info.value.resource == "orders"
    assert "Access denied for orders field. Required access: `read_orders` access scope." in str(info.value)


def test_the_token_is_in_no_error_and_no_log_line(server, shop, fake_time, caplog) -> None:
    wrong = "shpat_wrong_0123456789abcdef_SECRET"
    caplog.set_level(logging.DEBUG)
    shop.graphql.configure(maximum_available=1000, restore_rate=50, timer=fake_time.monotonic)
    # Drained: the walk below is THROTTLED and logs its retry.
    call(shop, q.ORDERS_QUERY, {"first": q.ORDERS_PAGE})
    with open_client(server, shop, fake_time) as client:
        list(client.iter_window("orders", None, FOREVER))
    with open_client(server, shop, fake_time, token=wrong) as client, pytest.raises(ShopifyAuthError) as info:
        client.get_shop()
    assert str(info.value) == (
        f"POST /{shop.name}/admin/api/{VERSION}/graphql.json (shop) -> HTTP 401: "
        "[API] Invalid API key or access token (unrecognized login or wrong password); "
        "the shop refused the token in environment variable GQL_CLIENT_TOKEN"
    )
    assert any("THROTTLED" in record.getMessage() for record in caplog.records)
    for secret in (wrong, shop.spec.access_token):
        assert secret not in str(info.value) and secret not in repr(info.value)
        assert info.value.__cause__ is None and info.value.__context__ is None
        assert all(secret not in record.getMessage() for record in caplog.records)


def test_an_order_with_more_lines_than_a_page_has_them_paged_in(server, shop, fake_time, monkeypatch) -> None:
    one_line = q.ORDER_FIELDS.replace(f"lineItems(first: {q.LINE_ITEMS_PAGE})", "lineItems(first: 1)")
    monkeypatch.setitem(
        graphql_client.WINDOW_QUERIES, "orders", (q.window_query("orders", one_line), "orders", q.ORDERS_PAGE)
    )
    expected = {
        order["id"]: [line["id"] for line in order["line_items"]]
        for order in rest(shop, "orders", "status=any&limit=250")
    }
    with open_client(server, shop, fake_time) as client:
        orders = [order for page in client.iter_window("orders", None, FOREVER) for order in page]
        stats = client.stats
    got = {
        int(order["id"].rsplit("/", 1)[1]): [int(line["id"].rsplit("/", 1)[1]) for line in order["lineItems"]]
        for order in orders
    }
    assert got == expected
    several = sum(1 for lines in expected.values() if len(lines) > 1)
    assert several == 33 and stats["requests"] == 19 + several


def test_a_refund_cut_short_is_an_error_naming_the_order_never_a_short_record(
    server, shop, fake_time, monkeypatch
) -> None:
    no_refund_lines = q.ORDER_FIELDS.replace(
        f"refundLineItems(first: {q.REFUND_LINE_ITEMS_PAGE})", "refundLineItems(first: 0)"
    )
    monkeypatch.setitem(
        graphql_client.WINDOW_QUERIES,
        "orders",
        (q.window_query("orders", no_refund_lines), "orders", q.ORDERS_PAGE),
    )
    with open_client(server, shop, fake_time) as client, pytest.raises(ShopifyAPIError) as info:
        list(client.iter_window("orders", None, FOREVER))
    message = str(info.value)
    assert message.startswith(
        f"POST /{shop.name}/admin/api/{VERSION}/graphql.json (orders) -> gid://shopify/Order/"
    )
    assert message.endswith(
        "has more refunds[0].refundLineItems than one query can bring (a nested connection that cannot be "
        "paged further); not stored short"
    )


def test_unwrapping_turns_every_connection_into_its_list_of_nodes() -> None:
    answer = {
        "id": "gid://shopify/Order/1",
        "lineItems": {
            "pageInfo": {"hasNextPage": True},
            "nodes": [{"id": "a", "taxLines": [{"title": "VAT"}]}],
        },
        "refunds": [{"transactions": {"edges": [{"cursor": "x", "node": {"kind": "REFUND"}}]}}],
        "totalPriceSet": {"shopMoney": {"amount": "1.0"}},
    }
    assert unwrap_connections(answer) == {
        "id": "gid://shopify/Order/1",
        "lineItems": [{"id": "a", "taxLines": [{"title": "VAT"}]}],
        "refunds": [{"transactions": [{"kind": "REFUND"}]}],
        "totalPriceSet": {"shopMoney": {"amount": "1.0"}},
    }
    assert [path for path, _ in truncated_connections(answer)] == ["lineItems"]
