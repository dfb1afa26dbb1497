"""Order deletions and order-id sets through both Shopify clients, against the in-process sandbox: REST
``events.json?filter=Order&verb=destroy`` paged by Link headers, GraphQL ``deletionEvents`` paged by
cursors, both window ends inclusive, and the ids a ``processed_at`` window holds now (deleted ones gone)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from resources.shopify import graphql_queries as q
from resources.shopify.client import ShopifyClientResource
from resources.shopify.deletions import OrderDeletion, order_id_of
from resources.shopify.graphql import ShopifyGraphQLClient
from sandbox.shopify import registry
from tests.sandbox.conftest import CLOCK, tiny_shop
from tests.sandbox.shopify.graphql.conftest import call

#: Deletions at these offsets before the clock: five, so that pages of two make three pages.
HOURS_BEFORE = (30, 20, 12, 6, 1)


@pytest.fixture(scope="module")
def shop():
    shop = tiny_shop(name="dels-client")
    registry.register(shop.name, shop)
    orders = sorted(shop.orders(), key=lambda order: (order.created_at, order.id))
    victims = orders[20 : 20 + len(HOURS_BEFORE)]
    for order, hours in zip(victims, HOURS_BEFORE, strict=True):
        shop.delete_order(order.id, CLOCK - timedelta(hours=hours))
    shop.victims = [
        (order.id, CLOCK - timedelta(hours=hours)) for order, hours in zip(victims, HOURS_BEFORE, strict=True)
    ]
    return shop


def _rest(shop, page_size: int = 2):
    return ShopifyClientResource(page_size=page_size).for_shop(
        f"sandbox://{shop.name}", shop.spec.access_token
    )


def _graphql(shop):
    return ShopifyGraphQLClient.for_shop(
        ShopifyClientResource(), f"sandbox://{shop.name}", shop.spec.access_token
    )


def _utc(deletions: list[OrderDeletion]) -> list[tuple[int, object]]:
    return [(d.order_id, d.deleted_at.astimezone(UTC)) for d in deletions]


def test_both_apis_list_every_deletion_across_pages(shop, monkeypatch):
    monkeypatch.setattr(q, "DELETION_EVENTS_PAGE", 2)
    expected = [(order_id, at.astimezone(UTC)) for order_id, at in shop.victims]
    with _rest(shop) as rest:
        pages = list(rest.iter_order_deletions(None, CLOCK))
        assert [len(page) for page in pages] == [2, 2, 1]
        assert rest.stats["requests"] == 3
    assert _utc([d for page in pages for d in page]) == expected
    with _graphql(shop) as graphql:
        gql_pages = list(graphql.iter_order_deletions(None, CLOCK))
    assert [len(page) for page in gql_pages] == [2, 2, 1]
    assert _utc([d for page in gql_pages for d in page]) == expected


def test_window_ends_are_inclusive_and_bound_the_list(shop):
    """[30 h before, 6 h before] holds the first four deletions, both ends exactly on a deletion."""
    start, end = CLOCK - timedelta(hours=30), CLOCK - timedelta(hours=6)
    expected = [(order_id, at.astimezone(UTC)) for order_id, at in shop.victims[:4]]
    with _rest(shop, page_size=250) as rest:
        assert _utc([d for p in rest.iter_order_deletions(start, end) for d in p]) == expected
        one_second_in = [d for p in rest.iter_order_deletions(start + timedelta(seconds=1), end) for d in p]
        assert _utc(one_second_in) == expected[1:]
    with _graphql(shop) as graphql:
        assert _utc([d for p in graphql.iter_order_deletions(start, end) for d in p]) == expected
        before = [d for p in graphql.iter_order_deletions(start, end - timedelta(seconds=1)) for d in p]
        assert _utc(before) == expected[:3]


def test_order_ids_of_a_window_miss_the_deleted_orders(shop, monkeypatch):
    monkeypatch.setattr(q, "ORDER_IDS_PAGE", 7)
    start, end = CLOCK - timedelta(days=14), CLOCK - timedelta(seconds=1)
    held = {order.id for order in shop.orders() if start <= order.processed_at <= end}
    deleted = {order_id for order_id, _ in shop.victims}
    assert len(held) == 71 and not held & deleted
    with _rest(shop, page_size=10) as rest:
        assert rest.list_order_ids(start, end) == held
    with _graphql(shop) as graphql:
        assert graphql.list_order_ids(start, end) == held


def test_bad_windows_and_ids_are_refused_naming_what_is_wrong(shop):
    with _rest(shop) as rest, pytest.raises(ValueError, match="timezone-aware"):
        list(rest.iter_order_deletions(None, CLOCK.replace(tzinfo=None)))
    with _graphql(shop) as graphql, pytest.raises(ValueError, match="is after its end"):
        graphql.list_order_ids(CLOCK, CLOCK - timedelta(days=1))
    assert order_id_of("gid://shopify/Order/42", field="x") == 42
    with pytest.raises(
        ValueError, match="subjectId is not an order id or order GID: 'gid://shopify/Product/1'"
    ):
        order_id_of("gid://shopify/Product/1", field="subjectId")


def test_a_page_of_deletions_or_ids_costs_a_quarter_of_the_query_limit(shop):
    costs = [
        call(shop, document, {"first": page})[2]["extensions"]["cost"]["requestedQueryCost"]
        for document, page in (
            (q.DELETION_EVENTS_QUERY, q.DELETION_EVENTS_PAGE),
            (q.ORDER_IDS_QUERY, q.ORDER_IDS_PAGE),
        )
    ]
    assert costs == [252, 252]


def test_an_order_exists_until_it_is_deleted_through_both_apis(shop):
    deleted = shop.victims[0][0]
    kept = next(order.id for order in shop.orders())
    with _rest(shop) as rest, _graphql(shop) as graphql:
        assert [rest.order_exists(kept), rest.order_exists(deleted)] == [True, False]
        assert [graphql.order_exists(kept), graphql.order_exists(deleted)] == [True, False]
