"""ShopifyShopClient against the Shopify sandbox: over HTTP (sandbox.shopify.server) and in-process (sandbox://)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from resources.http import PacerRegistry
from resources.raw_store import RawStoreResource
from resources.shopify.client import (
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClientResource,
    ShopifyProtectedDataError,
)
from sandbox.shopify import registry
from sandbox.shopify.generator import build_shop
from sandbox.shopify.presets import PRESETS
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ALL_READ_SCOPES, ShopSpec

CLOCK = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # midnight in New York
END = CLOCK
AUTH_MSG = "[API] Invalid API key or access token (unrecognized login or wrong password)"
PROTECTED_MSG = (
    "[API] This app is not approved to access REST endpoints with protected customer data. "
    "See https://partners.shopify.com/1/apps/1/customer_data for more details."
)


def small_spec(name: str = "t-shop", **overrides) -> ShopSpec:
    values = {
        "name": name,
        "seed": 7,
        "orders_per_day": 30.0,
        "history_days": 10,
        "customers": 60,
        "products": 12,
        "locations": 2,
        "plan": "plus",
    }
    return ShopSpec(**{**values, **overrides})


@pytest.fixture
def shop():
    return build_shop(small_spec(), CLOCK)


@pytest.fixture
def server(shop):
    with serve({"t-shop": shop}) as srv:
        yield srv


@pytest.fixture
def inprocess_shop():
    name = f"t-inproc-{uuid.uuid4().hex[:8]}"
    shop = build_shop(small_spec(name), CLOCK)
    registry.register(name, shop)
    yield name, shop
    registry.unregister(name)


def all_ids(pages) -> list[int]:
    return [record["id"] for page in pages for record in page]


def test_presets_are_there():
    assert {"demo-ny", "demo-berlin"} <= set(PRESETS)


# --------------------------------------------------------------------------------------------------
# Pagination
# --------------------------------------------------------------------------------------------------
def test_pagination_walks_all_orders_exactly_once(server, shop, make_client):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, page_size=37)
    expected = sorted(order.id for order in shop.orders())
    assert len(expected) > 200

    pages = list(client.iter_orders(None, END))
    ids = all_ids(pages)
    assert len(ids) == len(set(ids))  # nothing twice
    assert sorted(ids) == expected  # nothing missed, cancelled and closed orders included (status=any)
    assert client.count_orders(None, END) == len(ids)
    assert all(len(page) <= 37 for page in pages) and len(pages) == -(-len(ids) // 37)

    # Without status=any Shopify (and the sandbox) only returns open orders.
    open_only = all_ids(client.iter_pages("orders", {"limit": 250}))
    assert 0 < len(open_only) < len(ids)


def test_windows_are_inclusive_and_fields_are_kept_across_pages(server, shop, make_client):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, page_size=10)
    start, end = CLOCK - timedelta(days=3), CLOCK - timedelta(days=2)
    pages = list(client.iter_orders(start, end, fields=["id", "updated_at"]))
    records = [r for p in pages for r in p]
    assert len(pages) > 2
    assert all(set(r) == {"id", "updated_at"} for r in records)
    assert len(records) == client.count_orders(start, end) > 0
    for r in records:
        assert start <= datetime.fromisoformat(r["updated_at"]) <= end


def test_customers_products_locations_inventory(server, shop, make_client):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, page_size=25)
    customers = all_ids(client.iter_customers(None, END))
    products = all_ids(client.iter_products(None, END))
    assert len(customers) == len(set(customers)) > 25
    assert len(products) == 12
    assert client.get_shop()["iana_timezone"] == "America/New_York"
    locations = client.list_locations()
    assert len(locations) == 2
    levels = [r for p in client.iter_inventory_levels([loc["id"] for loc in locations]) for r in p]
    assert levels and {r["location_id"] for r in levels} == {loc["id"] for loc in locations}


# --------------------------------------------------------------------------------------------------
# Pacing under a tiny bucket, several threads, real time
# --------------------------------------------------------------------------------------------------
def test_pacing_keeps_concurrent_windows_under_a_tiny_bucket():
    spec = small_spec("tiny", bucket_size=10, leak_rate=20.0)
    shop = build_shop(spec, CLOCK)
    resource = ShopifyClientResource(page_size=4, leak_rate_per_second=20.0)
    pacers = PacerRegistry()  # real clock, shared by the four clients below (as PACERS is in production)
    windows = [
        (CLOCK - timedelta(days=d + 1), CLOCK - timedelta(days=d) - timedelta(seconds=1)) for d in range(4)
    ]
    results: dict[int, list[int]] = {}
    stats = []
    with serve({"tiny": shop}) as srv:
        base = srv.base_url("tiny")

        def fetch(i: int) -> None:
            with resource.for_shop(base, spec.access_token, pacers=pacers) as client:
                results[i] = all_ids(client.iter_orders(*windows[i]))
                stats.append(client.stats)

        started = time.monotonic()
        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        elapsed = time.monotonic() - started
        counter = resource.for_shop(base, spec.access_token, pacers=pacers)
        counts = [counter.count_orders(*w) for w in windows]

    requests_made = sum(s["requests"] for s in stats)
    throttled = sum(s["throttled"] for s in stats)
    assert [len(results[i]) for i in range(4)] == counts
    assert sum(counts) > 90
    fetched = [oid for i in range(4) for oid in results[i]]
    assert len(fetched) == len(set(fetched))
    assert requests_made >= 40
    assert throttled <= 2, stats
    # The pacer really held the threads back: 10 calls of burst, then 20/s.
    assert elapsed >= (requests_made - 10) / 20.0 * 0.8
    assert sum(s["pacing_sleep_seconds"] for s in stats) > 0


# --------------------------------------------------------------------------------------------------
# Resilience (fake sleep: waiting is not the point)
# --------------------------------------------------------------------------------------------------
def test_injected_5xx_mid_pagination_are_retried(server, shop, make_client, fake_time):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, page_size=50)
    shop.faults.add("page_info", "status", status=503, times=2)
    shop.faults.add("page_info", "status", status=500, times=1)
    ids = all_ids(client.iter_orders(None, END))
    assert sorted(ids) == sorted(o.id for o in shop.orders())
    assert client.stats["retries"] == 3
    assert len(fake_time.sleeps) == 3
    assert shop.faults.pending() == []


def test_429_retry_after_is_honoured(server, shop, make_client, fake_time):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token)
    shop.faults.add("shop.json", "status", status=429)
    assert client.get_shop()["id"]
    assert fake_time.sleeps == [2.0]  # the sandbox's Retry-After: 2.0
    assert client.stats["throttled"] == 1 and client.stats["retries"] == 1


def test_read_timeout_then_success(server, shop, make_client):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, read_timeout=0.2)
    shop.faults.add("shop.json", "delay", delay=1.0)
    assert client.get_shop()["id"]
    assert client.stats["retries"] == 1 and client.stats["requests"] == 2


def test_dropped_connection_then_success(server, shop, make_client):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token)
    shop.faults.add("orders/count.json", "drop", times=2)
    assert client.count_orders(None, END) == len(shop.orders())
    assert client.stats["retries"] == 2


def test_exhausted_retries(server, shop, make_client, fake_time):
    client = make_client(server.base_url("t-shop"), shop.spec.access_token, max_attempts=4)
    shop.faults.add("orders.json", "status", status=503, times=10)
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, END))
    assert str(info.value) == (
        "GET /t-shop/admin/api/2026-10/orders.json -> HTTP 503: Service Unavailable; gave up after 4 attempts"
    )
    assert info.value.attempts == 4 and info.value.status == 503
    assert len(fake_time.sleeps) == 3
    for n, wait in enumerate(fake_time.sleeps, start=1):
        assert 0 <= wait <= 0.5 * 2 ** (n - 1)


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------
def test_401_bad_token(server, shop, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "shpat_wrong_token_VERYSECRET"
    client = make_client(server.base_url("t-shop"), bad)
    with pytest.raises(ShopifyAuthError) as info:
        list(client.iter_orders(None, END))
    exc = info.value
    assert str(exc) == f"GET /t-shop/admin/api/2026-10/orders.json -> HTTP 401: {AUTH_MSG}"
    assert exc.status == 401
    for text in (str(exc), repr(exc), repr(client), caplog.text, repr(vars(exc)), repr(client.stats)):
        assert bad not in text
    # and the good token never shows either, even while retrying
    good = make_client(server.base_url("t-shop"), shop.spec.access_token)
    shop.faults.add("shop.json", "status", status=502)
    good.get_shop()
    assert "retrying" in caplog.text and shop.spec.access_token not in caplog.text + repr(good)


def test_403_protected_customer_data_and_missing_scope(make_client):
    spec = small_spec(
        "locked", forbidden_resources={"customers"}, scopes=set(ALL_READ_SCOPES) - {"read_products"}
    )
    shop = build_shop(spec, CLOCK)
    with serve({"locked": shop}) as srv:
        client = make_client(srv.base_url("locked"), spec.access_token)
        with pytest.raises(ShopifyProtectedDataError) as info:
            list(client.iter_customers(None, END))
        assert info.value.resource == "customers"
        assert info.value.api_message == PROTECTED_MSG
        assert str(info.value) == f"GET /locked/admin/api/2026-10/customers.json -> HTTP 403: {PROTECTED_MSG}"
        with pytest.raises(ShopifyProtectedDataError) as info:
            list(client.iter_products(None, END))
        assert info.value.resource == "products"
        scope_msg = "[API] This action requires merchant approval for read_products scope."
        assert info.value.api_message == scope_msg
        assert all_ids(client.iter_orders(None, END))  # other entities still work
        assert client.stats["retries"] == 0


# --------------------------------------------------------------------------------------------------
# In-process sandbox:// URLs
# --------------------------------------------------------------------------------------------------
def test_inprocess_sandbox_urls(inprocess_shop, make_client, fake_time):
    name, shop = inprocess_shop
    client = make_client(f"sandbox://{name}", shop.spec.access_token, page_size=40, read_timeout=0.1)
    shop.faults.add("page_info", "status", status=503)
    shop.faults.add("page_info", "drop")
    shop.faults.add("orders/count.json", "delay", delay=5.0)
    ids = all_ids(client.iter_orders(None, END))
    assert sorted(ids) == sorted(o.id for o in shop.orders())
    assert client.count_orders(None, END) == len(ids)
    assert client.stats["retries"] == 3
    with pytest.raises(ShopifyAuthError, match="HTTP 401"):
        make_client(f"sandbox://{name}", "nope").get_shop()


def test_inprocess_raw_round_trip(inprocess_shop, make_client):
    name, shop = inprocess_shop
    client = make_client(f"sandbox://{name}", shop.spec.access_token, page_size=50)
    store = RawStoreResource(base_url=f"memory://raw-{uuid.uuid4().hex}")
    day = date(2026, 2, 27)
    fetched = [r for p in client.iter_orders(None, END) for r in p]
    result = store.write_partition(
        "shopify", "orders", name, day, client.iter_orders(None, END), extra_meta={"window_end": END}
    )
    assert result.records == len(fetched)
    assert list(store.read_partition("shopify", "orders", name, day)) == fetched
    assert store.read_meta("shopify", "orders", name, day)["window_end"] == END.isoformat()
