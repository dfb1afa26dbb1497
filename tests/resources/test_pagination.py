"""Page walks always end: the guard's rules (resources/pagination.py), and the Shopify client stopped by
the sandbox's looping APIs, in-process and over HTTP, within a bounded number of requests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from resources.pagination import PageWalk, PaginationLoopError, count_slack, record_versions
from resources.shopify.client import (
    ShopifyAPIError,
    ShopifyClientResource,
    ShopifyPaginationLoopError,
)
from sandbox.shopify import registry
from sandbox.shopify.defects import Defect
from sandbox.shopify.generator import build_shop
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ShopSpec
from tests.resources.stub_server import Reply, StubRequest

V = "/admin/api/2026-10"
LIMIT = {"X-Shopify-Shop-Api-Call-Limit": "1/40"}
REQUEST = f"GET {V}/orders.json"
CLOCK = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
PAGE_SIZE = 5
LOOP = "the API is handing out cursors that loop"


def versions(*pairs: tuple[int, str]) -> list[tuple[int, str]]:
    return list(pairs)


# --------------------------------------------------------------------------------------------------
# The guard's rules
# --------------------------------------------------------------------------------------------------
def test_a_page_of_record_versions_all_served_before_is_a_loop():
    walk = PageWalk(REQUEST, page_size=2)
    walk.page(1, versions((1, "a"), (2, "a")))
    walk.follow("c2")
    walk.page(2, versions((3, "a"), (4, "a")))
    walk.follow("c3")
    with pytest.raises(PaginationLoopError) as info:
        walk.page(3, versions((3, "a"), (4, "a")))
    assert str(info.value) == (
        f"{REQUEST}: page 3 repeats 2 record ids already seen in this walk (same updated_at; first: 3); "
        f"{LOOP}"
    )


def test_records_updated_mid_walk_come_back_without_error():
    """An order updated while the walk runs moves behind the cursor and is served again with its new
    updated_at: a page may repeat ids, even only ids, as long as their versions are new."""
    walk = PageWalk(REQUEST, page_size=2)
    walk.page(1, versions((1, "10:00"), (2, "10:01")))
    walk.follow("c2")
    walk.page(2, versions((3, "10:02"), (1, "10:05")))  # order 1 updated mid-walk
    walk.follow("c3")
    walk.page(3, versions((2, "10:06"), (1, "10:07")))  # both seen ids, both updated again
    walk.follow("c4")
    walk.page(4, versions((3, "10:02"), (4, "10:08")))  # one record served twice: not a whole page
    assert (walk.pages, walk.records) == (4, 8)


def test_records_without_ids_are_not_judged_by_repeats():
    walk = PageWalk(REQUEST, page_size=2)
    levels = [{"inventory_item_id": 1, "location_id": 2, "updated_at": "a"}] * 2
    assert record_versions(levels) == [None, None]
    walk.page(1, record_versions(levels))
    walk.follow("c2")
    walk.page(2, record_versions(levels))
    walk.follow("c3")
    walk.page(3, [])  # an empty page says nothing either
    assert record_versions([{"id": 7, "updated_at": {"odd": 1}}, {"id": [1]}, "x"]) == [(7, None), None, None]


def test_a_cursor_followed_before_is_a_loop():
    walk = PageWalk(REQUEST, page_size=2)
    walk.follow("a")
    walk.follow("b")
    with pytest.raises(PaginationLoopError) as info:
        walk.follow("a")
    assert str(info.value) == (
        f"{REQUEST}: page 3 links to the same cursor as page 1 did (already followed in this walk); {LOOP}"
    )


def test_a_walk_may_bring_the_count_plus_slack_and_no_more():
    assert count_slack(40, 250) == 250 and count_slack(10_000, 250) == 1_000 and count_slack(0, 5) == 5
    walk = PageWalk(REQUEST, page_size=5, expected_records=40)  # slack: max(5, 4) = 5
    number = 1
    for number in range(1, 10):
        walk.page(number, [(number * 10 + i, "a") for i in range(5)])  # 45 records: the count plus slack
        walk.follow(f"c{number + 1}")
    with pytest.raises(PaginationLoopError) as info:
        walk.page(number + 1, [(999, "a")])
    assert str(info.value) == (
        f"{REQUEST}: page 10 brings the walk to 46 records, more than the 40 the API counted plus 5 of "
        "slack; the pages do not end"
    )


def test_a_counted_walk_of_empty_pages_stops_after_the_pages_the_count_fills():
    walk = PageWalk(REQUEST, page_size=5, expected_records=7)  # 7 + 5 records fill 3 pages; one more
    for number in range(1, 5):
        walk.page(number, [])
        if number < 4:
            walk.follow(f"c{number + 1}")
    with pytest.raises(PaginationLoopError) as info:
        walk.follow("c5")
    assert str(info.value) == (
        f"{REQUEST}: page 4 links to another page, but the 7 records the API counted (plus slack) fill at "
        "most 4 pages of 5; the pages do not end"
    )


def test_without_a_count_max_pages_caps_the_walk():
    walk = PageWalk(REQUEST, page_size=5, max_pages=3)
    walk.follow("c2")
    walk.follow("c3")
    with pytest.raises(PaginationLoopError) as info:
        walk.follow("c4")
    assert str(info.value) == (
        f"{REQUEST}: page 3 links to another page, but a walk may take at most 3 pages (max_pages); "
        "the pages do not end"
    )
    with pytest.raises(ValueError, match="^max_pages must be >= 1, got 0$"):
        PageWalk(REQUEST, page_size=5, max_pages=0)


# --------------------------------------------------------------------------------------------------
# The client against endless APIs (stub server)
# --------------------------------------------------------------------------------------------------
def endless(stub, fresh_records: bool):
    """Orders with a fresh page_info every page; fresh records too, or the same ones."""

    def orders(request: StubRequest) -> Reply:
        number = int(request.query.get("page_info", "p1")[1:])
        first = number * 10 if fresh_records else 10
        link = f'<{stub.base_url}{V}/orders.json?limit=2&page_info=p{number + 1}>; rel="next"'
        return Reply(200, {"orders": [{"id": first}, {"id": first + 1}]}, {**LIMIT, "Link": link})

    stub.route(f"{V}/orders.json", orders)


def test_an_endless_walk_of_new_records_stops_at_the_count_plus_slack(stub, make_client):
    endless(stub, fresh_records=True)
    client = make_client(stub.base_url, page_size=2)
    pages = client.iter_orders(None, CLOCK, expected_records=5)  # slack: max(2, 1) = 2 records
    with pytest.raises(ShopifyPaginationLoopError) as info:
        list(pages)
    assert str(info.value) == (
        f"{REQUEST}: page 4 brings the walk to 8 records, more than the 5 the API counted plus 2 of slack; "
        "the pages do not end"
    )
    assert isinstance(info.value, ShopifyAPIError) and info.value.status == 200
    assert client.stats["requests"] == 4


@pytest.mark.parametrize("encoded", [False, True])
def test_an_endless_walk_of_new_records_stops_at_max_pages(stub, make_client, encoded):
    endless(stub, fresh_records=True)
    client = make_client(stub.base_url, page_size=2, max_pages=6)
    pages = client.iter_window("orders", None, CLOCK) if encoded else client.iter_orders(None, CLOCK)
    with pytest.raises(ShopifyPaginationLoopError, match="a walk may take at most 6 pages"):
        list(pages)
    assert client.stats["requests"] == 6


def test_the_same_records_with_fresh_cursors_stop_on_the_second_page(stub, make_client):
    endless(stub, fresh_records=False)
    client = make_client(stub.base_url, page_size=2)
    with pytest.raises(ShopifyPaginationLoopError) as info:
        list(client.iter_window("orders", None, CLOCK))
    assert str(info.value) == (
        f"{REQUEST}: page 2 repeats 2 record ids already seen in this walk (same updated_at; first: 10); "
        f"{LOOP}"
    )
    assert client.stats["requests"] == 2


def test_a_walk_where_an_order_moves_behind_the_cursor_ends_normally(stub, make_client):
    """Order 1 is updated between page 1 and page 2: it comes again at the end, with its new updated_at."""
    pages = {
        None: ([{"id": 1, "updated_at": "10:00"}, {"id": 2, "updated_at": "10:01"}], "p2"),
        "p2": ([{"id": 3, "updated_at": "10:02"}, {"id": 4, "updated_at": "10:03"}], "p3"),
        "p3": ([{"id": 1, "updated_at": "10:04"}], None),
    }

    def orders(request: StubRequest) -> Reply:
        records, following = pages[request.query.get("page_info")]
        headers = dict(LIMIT)
        if following:
            headers["Link"] = f'<{stub.base_url}{V}/orders.json?page_info={following}>; rel="next"'
        return Reply(200, {"orders": records}, headers)

    stub.route(f"{V}/orders.json", orders)
    client = make_client(stub.base_url, page_size=2)
    got = [[r["id"] for r in page] for page in client.iter_orders(None, CLOCK, expected_records=4)]
    assert got == [[1, 2], [3, 4], [1]]


# --------------------------------------------------------------------------------------------------
# The client against the sandbox's looping APIs
# --------------------------------------------------------------------------------------------------
def trap_shop(name: str, kind: str) -> tuple[SandboxShop, list[int]]:
    """A shop whose every orders walk loops from page 2 on, and its orders' ids in walk order."""
    spec = ShopSpec(name=name, seed=7, orders_per_day=30.0, history_days=10, customers=60, products=12)
    shop = build_shop(spec, CLOCK)
    truth = [o.id for o in sorted(shop.orders(), key=lambda o: (o.updated_at(CLOCK), o.id))]
    shop.defects = [Defect(kind, page=2)]
    return shop, truth


@contextlib.contextmanager
def shop_url(transport: str, name: str, shop) -> Iterator[str]:
    """The shop's URL over HTTP (a sandbox server on 127.0.0.1) or in-process (sandbox://)."""
    if transport == "http":
        with serve({name: shop}) as server:
            yield server.base_url(name)
    else:
        registry.register(name, shop)
        try:
            yield f"sandbox://{name}"
        finally:
            registry.unregister(name)


@pytest.mark.parametrize("transport", ["inprocess", "http"])
@pytest.mark.parametrize("encoded", [False, True])
def test_the_client_stops_the_sandbox_looping_cursor_on_the_first_repeat(transport, encoded):
    name = f"t-loop-{uuid.uuid4().hex[:8]}"
    shop, truth = trap_shop(name, "looping_cursor")
    resource = ShopifyClientResource(page_size=PAGE_SIZE)
    with shop_url(transport, name, shop) as url, resource.for_shop(url, shop.spec.access_token) as client:
        pages = client.iter_window("orders", None, CLOCK) if encoded else client.iter_orders(None, CLOCK)
        with pytest.raises(ShopifyPaginationLoopError) as info:
            list(pages)
        requests = client.stats["requests"]
    prefix = f"/{name}" if transport == "http" else ""  # the sandbox server serves shops under /{name}
    assert str(info.value) == (
        f"GET {prefix}{V}/orders.json: page 3 repeats 5 record ids already seen in this walk "
        f"(same updated_at; first: {truth[PAGE_SIZE]}); {LOOP}"
    )
    assert requests == 3  # pages 1 and 2, then page 2 again


def test_the_client_stops_the_sandbox_repeated_cursor_over_http():
    name = f"t-repeat-{uuid.uuid4().hex[:8]}"
    shop, truth = trap_shop(name, "repeated_cursor")
    resource = ShopifyClientResource(page_size=PAGE_SIZE)
    with shop_url("http", name, shop) as url, resource.for_shop(url, shop.spec.access_token) as client:
        with pytest.raises(ShopifyPaginationLoopError) as info:
            list(client.iter_orders(None, CLOCK))
        assert client.stats["requests"] == 3  # page 2 links to itself: page 2 comes twice
    assert str(info.value) == (
        f"GET /{name}{V}/orders.json: page 3 repeats 5 record ids already seen in this walk "
        f"(same updated_at; first: {truth[PAGE_SIZE]}); {LOOP}"
    )


def counted(stub, count: int) -> list[dict]:
    """A count route for the orders, answering ``count``; returns the queries it was asked."""
    asked: list[dict] = []

    def orders_count(request: StubRequest) -> Reply:
        asked.append(dict(request.query))
        return Reply(200, {"count": count}, LIMIT)

    stub.route(f"{V}/orders/count.json", orders_count)
    return asked


@pytest.mark.parametrize("encoded", [False, True])
def test_a_long_walk_asks_its_count_once_and_an_endless_one_stops_at_it(stub, make_client, encoded):
    endless(stub, fresh_records=True)
    asked = counted(stub, 30)
    client = make_client(stub.base_url, page_size=2)
    pages = client.iter_window("orders", None, CLOCK) if encoded else client.iter_orders(None, CLOCK)
    with pytest.raises(ShopifyPaginationLoopError) as info:
        list(pages)
    assert str(info.value) == (
        f"{REQUEST}: page 20 brings the walk to 40 records, more than the 30 the API counted plus 3 of "
        "slack; the pages do not end"
    )
    assert client.stats["requests"] == 21  # 20 pages and one count
    assert asked == [{"status": "any", "updated_at_max": "2026-03-01T05:00:00+00:00"}]


def test_a_long_walk_within_its_count_ends_normally(stub, make_client):
    def orders(request: StubRequest) -> Reply:
        number = int(request.query.get("page_info", "p1")[1:])
        headers = dict(LIMIT)
        if number < 25:
            headers["Link"] = f'<{stub.base_url}{V}/orders.json?limit=2&page_info=p{number + 1}>; rel="next"'
        return Reply(200, {"orders": [{"id": number * 10}, {"id": number * 10 + 1}]}, headers)

    stub.route(f"{V}/orders.json", orders)
    asked = counted(stub, 50)
    client = make_client(stub.base_url, page_size=2)
    records = [record for page in client.iter_orders(None, CLOCK) for record in page]
    assert len(records) == 50
    assert len(asked) == 1 and client.stats["requests"] == 26
