"""ShopifyShopClient against a tiny scripted HTTP server (no sandbox needed)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from resources.page_encoding import EncodedPage, PageEncoder
from resources.shopify.client import (
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClientResource,
    ShopifyError,
    ShopifyPaginationLoopError,
    ShopifyProtectedDataError,
    ShopifyShopClient,
)
from tests.resources.conftest import TOKEN
from tests.resources.stub_server import Reply, StubRequest

V = "/admin/api/2026-10"
LIMIT = {"X-Shopify-Shop-Api-Call-Limit": "1/40"}
EST = timezone(timedelta(hours=-5))
AUTH_MSG = "[API] Invalid API key or access token (unrecognized login or wrong password)"
PROTECTED_MSG = (
    "[API] This app is not approved to access REST endpoints with protected customer data. "
    "See https://partners.shopify.com/1/apps/2/customer_data for more details."
)


def ok(body, **headers) -> Reply:
    return Reply(200, body, {**LIMIT, **headers})


# --------------------------------------------------------------------------------------------------
# Pagination and parameters
# --------------------------------------------------------------------------------------------------
def test_iter_orders_follows_link_and_sends_window_params(stub, make_client):
    client = make_client(stub.base_url)
    pages = {
        None: ([{"id": 1}, {"id": 2}], "p2"),
        "p2": ([{"id": 3}, {"id": 4}], "p3"),
        "p3": ([{"id": 5}], None),
    }

    def orders(req: StubRequest) -> Reply:
        records, nxt = pages[req.query.get("page_info")]
        headers = dict(LIMIT)
        if nxt:
            # Deliberately a different host: the client must re-apply the cursor to its own shop URL.
            headers["Link"] = (
                f'<https://elsewhere.example{V}/orders.json?limit=2&page_info={nxt}>; rel="next", '
                f'<https://elsewhere.example{V}/orders.json?limit=2&page_info=prev>; rel="previous"'
            )
        return Reply(200, {"orders": records}, headers)

    stub.route(f"{V}/orders.json", orders)
    start = datetime(2024, 3, 1, 0, 0, tzinfo=EST)
    end = datetime(2024, 3, 1, 23, 59, 59, tzinfo=EST)
    got = list(client.iter_orders(start, end, fields=["id", "updated_at"]))

    assert got == [[{"id": 1}, {"id": 2}], [{"id": 3}, {"id": 4}], [{"id": 5}]]
    first, second, third = stub.hits(f"{V}/orders.json")
    assert first.query == {
        "status": "any",
        "order": "updated_at asc",
        "limit": "250",
        "updated_at_min": "2024-03-01T00:00:00-05:00",
        "updated_at_max": "2024-03-01T23:59:59-05:00",
        "fields": "id,updated_at",
    }
    # With page_info only limit and fields may accompany it.
    assert second.query == {"limit": "2", "page_info": "p2", "fields": "id,updated_at"}
    assert third.query == {"limit": "2", "page_info": "p3", "fields": "id,updated_at"}
    assert first.headers["X-Shopify-Access-Token"] == TOKEN
    assert client.stats["requests"] == 3


def test_iter_pages_is_lazy_and_streams(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(
        f"{V}/customers.json",
        ok({"customers": [{"id": 1}]}, Link=f'<{stub.base_url}{V}/customers.json?page_info=x>; rel="next"'),
        ok({"customers": [{"id": 2}]}),
    )
    pages = client.iter_customers(None, datetime(2024, 1, 1, tzinfo=UTC))
    assert stub.requests == []
    assert next(pages) == [{"id": 1}]
    assert len(stub.requests) == 1
    assert list(pages) == [[{"id": 2}]]
    assert "updated_at_min" not in stub.requests[0].query
    assert stub.requests[0].query["updated_at_max"] == "2024-01-01T00:00:00+00:00"


def test_iter_window_yields_pages_encoded_as_raw_lines(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(
        f"{V}/orders.json",
        ok(
            {"orders": [{"id": 1, "note": "ü"}]},
            Link=f'<{stub.base_url}{V}/orders.json?page_info=x>; rel="next"',
        ),
        ok({"orders": []}),
    )
    start = datetime(2024, 3, 1, 0, 0, tzinfo=EST)
    end = datetime(2024, 3, 1, 23, 59, 59, tzinfo=EST)
    pages = list(client.iter_window("orders", start, end))
    assert pages == [EncodedPage(b'{"id":1,"note":"\\u00fc"}\n', 1), EncodedPage(b"", 0)]
    assert stub.hits(f"{V}/orders.json")[0].query == {
        "status": "any",
        "order": "updated_at asc",
        "limit": "250",
        "updated_at_min": "2024-03-01T00:00:00-05:00",
        "updated_at_max": "2024-03-01T23:59:59-05:00",
    }


def test_iter_window_asks_for_the_next_page_while_a_page_is_encoded_in_a_worker(stub):
    """One page ahead: with pages encoded in worker processes, page 2 is already asked for when page 1 is
    handed over, and the pages still come in order; a page encoded in the calling thread is handed over
    at once."""
    link = f'<{stub.base_url}{V}/orders.json?page_info=p2>; rel="next"'
    first = {"id": 1, "updated_at": "2024-03-01T10:00:00-05:00"}
    second = {"id": 2, "updated_at": "2024-03-01T11:00:00-05:00"}
    start = datetime(2024, 3, 1, 0, 0, tzinfo=EST)
    end = datetime(2024, 3, 1, 23, 59, 59, tzinfo=EST)
    for workers, asked_before_first_page in ((1, 2), (0, 1)):
        stub.requests.clear()
        stub.route(f"{V}/orders.json", ok({"orders": [first]}, Link=link), ok({"orders": [second]}))
        with PageEncoder(workers, min_pool_bytes=0) as encoder:
            client = ShopifyClientResource().for_shop(stub.base_url, TOKEN, encoder=encoder)
            with client:
                pages = client.iter_window("orders", start, end)
                page = next(pages)
                assert len(stub.hits(f"{V}/orders.json")) == asked_before_first_page
                assert page.last_updated_at == "2024-03-01T10:00:00-05:00"
                assert [p.last_updated_at for p in pages] == ["2024-03-01T11:00:00-05:00"]
                assert page.lines == b'{"id":1,"updated_at":"2024-03-01T10:00:00-05:00"}\n'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>maintenance</html>", "response body is not JSON"),
        (b"{}", "response has no list under 'customers'"),
    ],
)
@pytest.mark.parametrize("encoded", [False, True])
def test_a_bad_page_is_an_api_error_naming_the_request(stub, make_client, body, problem, encoded):
    client = make_client(stub.base_url)
    stub.route(f"{V}/customers.json", Reply(200, body, LIMIT))
    day = datetime(2024, 1, 1, tzinfo=UTC)
    pages = client.iter_window("customers", None, day) if encoded else client.iter_customers(None, day)
    with pytest.raises(ShopifyAPIError) as info:
        list(pages)
    assert str(info.value) == f"GET {V}/customers.json -> HTTP 200: {problem}"
    assert info.value.status == 200


def test_repeated_cursor_is_an_error_not_an_endless_loop(stub, make_client):
    """New records on every page, but the second page links to the cursor the first one did."""
    client = make_client(stub.base_url)
    link = f'<{V}/products.json?page_info=a>; rel="next"'
    stub.route(
        f"{V}/products.json",
        ok({"products": [{"id": 1}]}, Link=link),
        ok({"products": [{"id": 2}]}, Link=link),
        ok({"products": [{"id": 3}]}),
    )
    with pytest.raises(ShopifyPaginationLoopError) as info:
        list(client.iter_products(None, datetime(2024, 1, 1, tzinfo=UTC)))
    assert str(info.value) == (
        f"GET {V}/products.json: page 2 links to the same cursor as page 1 did (already followed in this "
        "walk); the API is handing out cursors that loop"
    )
    assert len(stub.hits(f"{V}/products.json")) == 2


def test_count_shop_locations(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(f"{V}/orders/count.json", ok({"count": 1234}))
    stub.route(f"{V}/shop.json", ok({"shop": {"id": 7, "name": "Acme"}}))
    stub.route(f"{V}/locations.json", ok({"locations": [{"id": 1}, {"id": 2}]}))
    end = datetime(2024, 3, 2, tzinfo=UTC)
    assert client.count_orders(None, end) == 1234
    assert stub.hits(f"{V}/orders/count.json")[0].query == {
        "status": "any",
        "updated_at_max": "2024-03-02T00:00:00+00:00",
    }
    assert client.get_shop() == {"id": 7, "name": "Acme"}
    assert client.list_locations() == [{"id": 1}, {"id": 2}]


def test_inventory_levels_are_requested_in_chunks_of_50(stub, make_client):
    client = make_client(stub.base_url, page_size=100)

    def levels(req: StubRequest) -> Reply:
        ids = [int(i) for i in req.query["location_ids"].split(",")]
        return ok({"inventory_levels": [{"location_id": i, "available": 1} for i in ids]})

    stub.route(f"{V}/inventory_levels.json", levels)
    pages = list(client.iter_inventory_levels(list(range(1, 121))))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [r["location_id"] for p in pages for r in p] == list(range(1, 121))
    assert all(r.query["limit"] == "100" for r in stub.requests)


def test_naive_timestamps_are_rejected(stub, make_client):
    client = make_client(stub.base_url)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.iter_orders(None, datetime(2024, 1, 1)))


def test_invalid_configuration():
    with pytest.raises(ValueError, match="page_size"):
        ShopifyClientResource(page_size=251).for_shop("https://acme.myshopify.com", TOKEN)
    with pytest.raises(ValueError, match="shop_url"):
        ShopifyClientResource().for_shop("ftp://acme", TOKEN)
    with pytest.raises(ValueError, match="token"):
        ShopifyClientResource().for_shop("https://acme.myshopify.com", "")


# --------------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------------
def test_retries_5xx_then_succeeds(stub, make_client, fake_time):
    client = make_client(stub.base_url)
    stub.route(
        f"{V}/shop.json",
        Reply(503, {"errors": "Service Unavailable"}),
        Reply(500, {"errors": "Internal Server Error"}),
        Reply(502, "Bad Gateway"),
        ok({"shop": {"id": 1}}),
    )
    assert client.get_shop() == {"id": 1}
    assert client.stats["requests"] == 4
    assert client.stats["retries"] == 3
    assert client.stats["throttled"] == 0
    # Full jitter: retry n waits uniformly in [0, min(30, 0.5 * 2**(n-1))].
    assert len(fake_time.sleeps) == 3
    for n, wait in enumerate(fake_time.sleeps, start=1):
        assert 0 <= wait <= 0.5 * 2 ** (n - 1)
    assert client.stats["retry_sleep_seconds"] == pytest.approx(sum(fake_time.sleeps), abs=1e-5)


def test_429_retry_after_is_honoured(stub, make_client, fake_time):
    client = make_client(stub.base_url)
    stub.route(
        f"{V}/shop.json",
        Reply(
            429,
            {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                "uninterrupted service."
            },
            {"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": "40/40"},
        ),
        ok({"shop": {"id": 1}}),
    )
    assert client.get_shop() == {"id": 1}
    assert fake_time.sleeps == [2.0]
    assert client.stats["throttled"] == 1
    assert client.stats["retries"] == 1


def test_read_timeout_then_success(stub, make_client):
    client = make_client(stub.base_url, read_timeout=0.2)
    stub.route(f"{V}/shop.json", Reply(200, {"shop": {"id": 0}}, LIMIT, delay=1.0), ok({"shop": {"id": 1}}))
    assert client.get_shop() == {"id": 1}
    assert client.stats["retries"] == 1


def test_dropped_connection_then_success(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(f"{V}/shop.json", Reply(drop=True), ok({"shop": {"id": 1}}))
    assert client.get_shop() == {"id": 1}
    assert client.stats["requests"] == 2


def test_exhausted_retries_on_status(stub, make_client, fake_time):
    client = make_client(stub.base_url, max_attempts=3)
    stub.route(f"{V}/orders.json", Reply(503, {"errors": "Service Unavailable"}))
    with pytest.raises(ShopifyAPIError) as info:
        next(client.iter_orders(None, datetime(2024, 1, 1, tzinfo=UTC)))
    exc = info.value
    assert str(exc) == (
        "GET /admin/api/2026-10/orders.json -> HTTP 503: Service Unavailable; gave up after 3 attempts"
    )
    assert (exc.status, exc.attempts, exc.api_message) == (503, 3, "Service Unavailable")
    assert len(stub.requests) == 3
    assert len(fake_time.sleeps) == 2


def test_exhausted_retries_on_network_errors(stub, make_client):
    client = make_client(stub.base_url, max_attempts=2)
    stub.route(f"{V}/shop.json", Reply(drop=True))
    with pytest.raises(ShopifyAPIError) as info:
        client.get_shop()
    assert str(info.value) == (
        "GET /admin/api/2026-10/shop.json -> network error (ConnectionError); gave up after 2 attempts"
    )
    assert info.value.status is None


def test_connect_failure_is_retried_then_reported():
    # Nothing listens on this port (bound then closed), so every attempt is refused.
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    sleeps = []
    client = ShopifyClientResource(max_attempts=3, connect_timeout=0.5).for_shop(
        f"http://127.0.0.1:{port}", TOKEN, sleep=sleeps.append
    )
    with pytest.raises(ShopifyAPIError, match="network error"):
        client.get_shop()
    assert client.stats["requests"] == 3
    assert len(sleeps) == 2


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------
def test_401_raises_auth_error_without_leaking_token(stub, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(stub.base_url + "/")
    stub.route(f"{V}/shop.json", Reply(401, {"errors": AUTH_MSG}))
    with pytest.raises(ShopifyAuthError) as info:
        client.get_shop()
    exc = info.value
    assert str(exc) == f"GET /admin/api/2026-10/shop.json -> HTTP 401: {AUTH_MSG}"
    assert isinstance(exc, ShopifyError) and exc.status == 401 and exc.api_message == AUTH_MSG
    assert len(stub.requests) == 1  # not retried
    for text in (str(exc), repr(exc), repr(client), str(client), caplog.text, repr(vars(exc))):
        assert TOKEN not in text
    assert repr(client) == f"ShopifyShopClient(shop_url='{stub.base_url}', api_version='2026-10')"


def test_token_not_logged_on_retries(stub, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(stub.base_url, max_attempts=2)
    stub.route(f"{V}/orders.json", Reply(503, {"errors": "Service Unavailable"}))
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, datetime(2024, 1, 1, tzinfo=UTC)))
    assert "retrying" in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)
    assert "updated_at_max" not in str(info.value)  # no query string in messages


def test_403_protected_customer_data(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(f"{V}/customers.json", Reply(403, {"errors": PROTECTED_MSG}))
    with pytest.raises(ShopifyProtectedDataError) as info:
        list(client.iter_customers(None, datetime(2024, 1, 1, tzinfo=UTC)))
    exc = info.value
    assert exc.resource == "customers"
    assert exc.api_message == PROTECTED_MSG
    assert str(exc) == f"GET /admin/api/2026-10/customers.json -> HTTP 403: {PROTECTED_MSG}"
    assert len(stub.requests) == 1


def test_other_4xx_are_api_errors_and_not_retried(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(f"{V}/orders.json", Reply(400, {"errors": {"page_info": ["Invalid value."]}}))
    stub.route(f"{V}/orders/count.json", Reply(404, {"errors": "Not Found"}))
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, datetime(2024, 1, 1, tzinfo=UTC)))
    assert str(info.value) == "GET /admin/api/2026-10/orders.json -> HTTP 400: page_info: Invalid value."
    with pytest.raises(ShopifyAPIError) as info:
        client.count_orders(None, datetime(2024, 1, 1, tzinfo=UTC))
    assert str(info.value) == "GET /admin/api/2026-10/orders/count.json -> HTTP 404: Not Found"
    assert info.value.attempts == 1
    assert len(stub.requests) == 2


def test_non_json_body_is_an_api_error(stub, make_client):
    client = make_client(stub.base_url)
    stub.route(f"{V}/shop.json", Reply(200, b"<html>maintenance</html>", LIMIT))
    with pytest.raises(ShopifyAPIError, match="not JSON"):
        client.get_shop()


# --------------------------------------------------------------------------------------------------
# Pacing wiring
# --------------------------------------------------------------------------------------------------
def test_call_limit_header_feeds_the_shared_pacer(stub, fake_time):
    from resources.http import PacerRegistry

    registry = PacerRegistry(clock=fake_time.monotonic)
    resource = ShopifyClientResource()
    a = resource.for_shop(stub.base_url, TOKEN, sleep=fake_time.sleep, pacers=registry)
    b = resource.for_shop(stub.base_url + "/", TOKEN, sleep=fake_time.sleep, pacers=registry)
    assert a.pacer is b.pacer
    stub.route(f"{V}/shop.json", Reply(200, {"shop": {}}, {"X-Shopify-Shop-Api-Call-Limit": "79/80"}))
    a.get_shop()
    assert a.pacer.bucket_size == 80 and a.pacer.leak_rate == 4.0
    # The bucket is nearly full (79/80, one slot headroom): b must wait for it to drain.
    b.get_shop()
    assert b.stats["pacing_sleep_seconds"] > 0
    assert fake_time.sleeps and a.stats["pacing_sleep_seconds"] == 0


def test_isinstance_client(stub, make_client):
    assert isinstance(make_client(stub.base_url), ShopifyShopClient)


def test_clients_share_the_process_wide_pacer_by_default(stub):
    from resources.http import PACERS

    resource = ShopifyClientResource()
    a = resource.for_shop(stub.base_url, TOKEN)
    b = resource.for_shop(stub.base_url.upper().replace("HTTP://", "http://") + "/", "other-token")
    assert a.pacer is b.pacer is PACERS.get(stub.base_url)
