"""The source count and the late-change probe through both Shopify APIs, against the in-process sandbox:
REST ``orders/count.json`` and GraphQL ``ordersCount`` give the same exact counts, REST ``orders.json
?fields=`` and GraphQL ``orders(sortKey: UPDATED_AT)`` the same changed orders, and a GraphQL tenant's
count and probe never touch REST.

Expectations come from the sandbox's event model (``Order.updated_at(clock)``), not from its API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from platform_assets.quality.source_counts import distinct_orders
from platform_assets.sources.shopify.changes import changes_since
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.raw_fetch import client_for
from platform_assets.tenants import Tenant
from resources.shopify import graphql_queries as q
from resources.shopify.client import ShopifyAPIError, ShopifyClientResource, ShopifyProtectedDataError
from sandbox.shopify import registry
from sandbox.shopify.model import SandboxShop
from tests.sandbox.conftest import CLOCK, tiny_shop
from tests.sandbox.shopify.graphql.conftest import call

NAME = "counts-probe"
TOKEN_ENV = "COUNTS_PROBE_TOKEN"
#: Windows (both ends inclusive; None: from the beginning) and the orders the tiny shop updated in them.
WINDOWS = [
    (None, CLOCK, 76),
    (CLOCK - timedelta(days=3), CLOCK - timedelta(days=2), 6),
    (CLOCK - timedelta(hours=5), CLOCK, 3),
    (CLOCK - timedelta(days=2), CLOCK - timedelta(days=2), 0),
]


@pytest.fixture(scope="module")
def shop() -> SandboxShop:
    shop = tiny_shop(name=NAME)
    registry.register(NAME, shop)
    yield shop
    registry.unregister(NAME)


def tenant(api: str) -> Tenant:
    connection = ShopifyConnection(shop_url=f"sandbox://{NAME}", token_env=TOKEN_ENV, api=api)
    return Tenant(id=f"t-{api}", name=api, start_date=date(2026, 1, 1), connections={"shopify": connection})


def truth(shop: SandboxShop, low: datetime | None, high: datetime) -> set[int]:
    """The ids of the orders updated in ``[low, high]``, from the sandbox's event model."""
    return {
        order.id
        for order in shop.orders()
        if (low is None or low <= order.updated_at(shop.clock)) and order.updated_at(shop.clock) <= high
    }


@pytest.fixture
def no_rest(monkeypatch):
    """Any REST client opened from here on fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a GraphQL tenant opened a REST client")

    monkeypatch.setattr(ShopifyClientResource, "for_shop", refuse)


@pytest.mark.parametrize(("low", "high", "expected"), WINDOWS)
def test_both_apis_count_a_window_exactly_as_the_shop_holds_it(shop, monkeypatch, low, high, expected):
    monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
    assert len(truth(shop, low, high)) == expected
    with client_for(ShopifyClientResource(), tenant("rest")) as rest:
        assert rest.count_orders(low, high) == expected
    with client_for(ShopifyClientResource(), tenant("graphql")) as graphql:
        assert graphql.api == "graphql"
        assert graphql.count_orders(low, high) == expected


def test_orders_count_follows_shopifys_shape_and_its_default_limit(shop):
    """``ordersCount`` stops at ``limit`` (10,000 unless given) with precision AT_LEAST; ``limit: null``
    counts them all, EXACT."""
    everything = "updated_at:<='2026-03-10T00:00:00-05:00'"
    document = (
        "query C($query: String, $limit: Int) "
        "{ ordersCount(query: $query, limit: $limit) { count precision } }"
    )
    answers = [
        call(shop, document, variables)[2]["data"]["ordersCount"]
        for variables in ({"query": everything}, {"query": everything, "limit": 5}, {"limit": None})
    ]
    assert answers == [
        {"count": 76, "precision": "EXACT"},
        {"count": 5, "precision": "AT_LEAST"},
        {"count": 76, "precision": "EXACT"},
    ]


def test_a_count_that_is_only_a_lower_bound_is_an_error_not_a_figure(shop, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
    monkeypatch.setattr(q, "ORDERS_COUNT_QUERY", q.ORDERS_COUNT_QUERY.replace("limit: null", "limit: 5"))
    graphql = client_for(ShopifyClientResource(), tenant("graphql"))
    with graphql, pytest.raises(ShopifyAPIError) as raised:
        graphql.count_orders(None, CLOCK)
    assert str(raised.value) == (
        "POST /admin/api/2026-10/graphql.json (ordersCount) -> the count is not exact (precision AT_LEAST, "
        "count 5): not usable as the source's count"
    )


def test_counting_without_read_orders_names_the_scope(monkeypatch):
    shop = tiny_shop(name="counts-no-scope", scopes={"read_products"})
    status, _, body = call(shop, q.ORDERS_COUNT_QUERY, {"query": None})
    assert status == 200 and body["data"] == {"ordersCount": None}
    assert [e["message"] for e in body["errors"]] == [
        "Access denied for ordersCount field. Required access: `read_orders` access scope."
    ]
    registry.register(shop.name, shop)
    try:
        connection = ShopifyConnection(shop_url=f"sandbox://{shop.name}", token_env=TOKEN_ENV)
        monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
        scoped = Tenant(
            id="t-scope", name="s", start_date=date(2026, 1, 1), connections={"shopify": connection}
        )
        graphql = client_for(ShopifyClientResource(), scoped)
        with graphql, pytest.raises(ShopifyProtectedDataError) as raised:
            graphql.count_orders(None, CLOCK)
        assert str(raised.value) == (
            "POST /admin/api/2026-10/graphql.json (ordersCount) -> Access denied for ordersCount field. "
            "Required access: `read_orders` access scope."
        )
    finally:
        registry.unregister(shop.name)


def test_the_probe_finds_the_same_changes_through_both_apis(shop, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
    monkeypatch.setattr(q, "ORDER_CHANGES_PAGE", 4)  # several pages
    since = CLOCK - timedelta(days=2)
    rest, graphql = tenant("rest"), tenant("graphql")
    by_rest = changes_since(
        rest, rest.connection("shopify"), since, CLOCK, ShopifyClientResource(page_size=4)
    )
    by_graphql = changes_since(graphql, graphql.connection("shopify"), since, CLOCK, ShopifyClientResource())

    expected = {order.id: order for order in shop.orders() if since < order.updated_at(shop.clock) <= CLOCK}
    assert len(expected) == 21
    assert by_graphql == by_rest  # the same changes (aware datetimes: equal whatever the offset shown)
    assert [change.updated_at for change in by_graphql.changed] == sorted(
        change.updated_at for change in by_graphql.changed
    )
    assert {change.id for change in by_graphql.changed} == set(expected)
    for change in by_graphql.changed:
        order = expected[change.id]
        assert change.updated_at == order.updated_at(shop.clock).astimezone(UTC).replace(microsecond=0)
        assert change.processed_at == order.processed_at.astimezone(UTC).replace(microsecond=0)
    assert by_graphql.platform_timezone == by_rest.platform_timezone == "America/New_York"


def test_a_graphql_tenant_counts_and_probes_without_rest(shop, monkeypatch, no_rest):
    monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
    graphql = tenant("graphql")
    with client_for(ShopifyClientResource(), graphql) as client:
        assert client.count_orders(CLOCK - timedelta(days=3), CLOCK - timedelta(days=2)) == 6
    probe = changes_since(graphql, graphql.connection("shopify"), CLOCK - timedelta(hours=5), CLOCK, None)
    assert len(probe.changed) == 3
    with pytest.raises(AssertionError, match="opened a REST client"):
        changes_since(tenant("rest"), tenant("rest").connection("shopify"), CLOCK, CLOCK, None)


def test_a_page_lost_from_a_graphql_walk_is_what_orders_count_exposes(shop, monkeypatch):
    """The sandbox plants ``missing_page`` in REST walks only, so the GraphQL twin is shown here: a walk
    of 4-order pages (``ORDERS_PAGE``) that loses its 2nd page stores 72 distinct orders where
    ``ordersCount`` says 76, which is the comparison ``raw_orders_match_source_count`` makes."""
    monkeypatch.setenv(TOKEN_ENV, shop.spec.access_token)
    with client_for(ShopifyClientResource(), tenant("graphql")) as graphql:
        pages = list(graphql.iter_window("orders", None, CLOCK))
        kept = [record for number, page in enumerate(pages, 1) if number != 2 for record in page]
        assert (len(pages), distinct_orders(kept), graphql.count_orders(None, CLOCK)) == (19, 72, 76)
