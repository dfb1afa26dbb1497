"""The WooCommerce REST API v3 client (resources/woocommerce/client.py) against a routed fake REST API
(``responses``): paging with X-WP-Total/X-WP-TotalPages and Link, the filters sent, parallel pages in
order, lists that change under a walk, retries and pacing, the three ways keys travel (the OAuth 1.0a
signature recomputed here independently), the errors, and secrets kept out of every text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
import traceback
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses

from resources.secrets import SecretValueError
from resources.transports import register_transport, unregister_transport
from resources.woocommerce.client import (
    StoreSettings,
    WooCommerceAPIError,
    WooCommerceAuthError,
    WooCommerceClientResource,
    WooCommerceInvalidParamError,
    WooCommerceNotFoundError,
    WooCommercePermissionError,
    redact,
)

SITE = "https://shop.example"
API = f"{SITE}/wp-json/wc/v3"
#: Canary credentials: neither may turn up in any text the client makes.
KEY = "ck_canary_4f1e2d3c4b5a69788796a5b4"
SECRET = "cs_canary_SECRET_0a1b2c3d4e5f60718293"
KEY_ENV, SECRET_ENV = "ACME_WC_KEY", "ACME_WC_SECRET"


class Site:
    """Connection settings as the tenants file gives them (the client reads only these attributes)."""

    def __init__(self, site_url: str = SITE, auth: str = "auto", **options: object) -> None:
        self.site_url = site_url
        self.consumer_key_env = KEY_ENV
        self.consumer_secret_env = SECRET_ENV
        self.auth = auth
        self.request_interval_seconds = options.get("request_interval_seconds")
        self.page_concurrency = options.get("page_concurrency")


@pytest.fixture
def client_for(monkeypatch, open_client):
    """A client factory for a tenant connection, keys in the environment, fake sleep and clock."""
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv(SECRET_ENV, SECRET + "\n")  # a secret file's trailing newline is stripped

    def make(site: Site | None = None, **config: object):
        return open_client(WooCommerceClientResource(**config).for_connection, site or Site())

    return make


class FakeWoo:
    """A WooCommerce list endpoint: ``page``/``per_page`` over ``records`` (a list the test may change
    between requests through ``on_request``), X-WP-Total, X-WP-TotalPages and Link headers."""

    def __init__(self, records: list[dict], *, headers: bool = True, delay: bool = False) -> None:
        self.records = records
        self.headers = headers
        self.delay = delay
        self.queries: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.auth_headers: list[str | None] = []
        self.threads: set[str] = set()
        self.on_request = None
        self._lock = threading.Lock()

    def __call__(self, request: requests.PreparedRequest):
        query = dict(parse_qsl(urlsplit(request.url).query))
        with self._lock:
            self.queries.append(query)
            self.urls.append(request.url)
            self.auth_headers.append(request.headers.get("Authorization"))
            self.threads.add(threading.current_thread().name)
            if self.on_request is not None:
                self.on_request(len(self.queries))
            records = list(self.records)
        if self.delay:  # pages answer out of order
            time.sleep(random.Random(int(query["page"])).uniform(0, 0.02))
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 10))
        body = records[(page - 1) * per_page : page * per_page]
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if self.headers:
            pages = -(-len(records) // per_page)
            headers["X-WP-Total"] = str(len(records))
            headers["X-WP-TotalPages"] = str(pages)
            base = urlsplit(request.url)._replace(query="").geturl()
            links = [f'<{base}?page={page + 1}>; rel="next"'] if page < pages else []
            links += [f'<{base}?page={page - 1}>; rel="prev"'] if page > 1 else []
            headers["Link"] = ", ".join(links)
        return 200, headers, json.dumps(body)


def orders(ids) -> list[dict]:
    return [{"id": i, "date_modified_gmt": f"2026-03-01T10:{i % 60:02d}:00"} for i in ids]


def route(fake: FakeWoo, resource: str = "orders", site_api: str = API) -> None:
    responses.add_callback(responses.GET, f"{site_api}/{resource}", callback=fake)


def ids_of(pages) -> list[int]:
    return [record["id"] for page in pages for record in page]


# -- paging and filters -----------------------------------------------------------------------------------
@responses.activate
def test_orders_walk_every_page_with_the_window_filters(client_for):
    fake = FakeWoo(orders(range(1, 251)))
    route(fake)
    client = client_for()
    new_york = ZoneInfo("America/New_York")

    pages = list(
        client.iter_orders(
            datetime(2026, 3, 1, tzinfo=new_york), datetime(2026, 3, 2, tzinfo=new_york), concurrency=1
        )
    )

    assert [len(page) for page in pages] == [100, 100, 50]
    assert ids_of(pages) == list(range(1, 251))
    window = {
        "status": "any",
        "orderby": "id",
        "order": "asc",
        "modified_after": "2026-03-01T04:59:59",  # exclusive: one second before the window's start
        "modified_before": "2026-03-02T05:00:00",
        "dates_are_gmt": "true",
        "per_page": "100",
    }
    assert fake.queries == [{**window, "page": str(page)} for page in (1, 2, 3)]
    assert client.stats["requests"] == 3
    assert client.stats["rewalks"] == 0


@responses.activate
def test_without_total_headers_a_short_page_ends_the_walk(client_for):
    fake = FakeWoo(orders(range(1, 201)), headers=False)
    route(fake)

    pages = list(client_for().iter_orders(None, None))

    assert [len(page) for page in pages] == [100, 100]
    assert [query["page"] for query in fake.queries] == ["1", "2", "3"]  # the third is empty
    assert "modified_after" not in fake.queries[0] and "dates_are_gmt" not in fake.queries[0]


def test_naive_datetimes_are_refused(client_for):
    with pytest.raises(ValueError, match="timestamp must be timezone-aware"):
        client_for().orders_query(datetime(2026, 3, 1), None)


def test_per_page_is_never_above_100(client_for):
    with pytest.raises(ValueError, match=r"^per_page must be between 1 and 100, got 101$"):
        client_for(per_page=101)


@responses.activate
def test_pages_in_parallel_come_in_order_and_lose_nothing(client_for):
    fake = FakeWoo(orders(range(1, 1051)), delay=True)
    route(fake)

    pages = list(client_for(page_concurrency=4).iter_orders(None, None))

    assert ids_of(pages) == list(range(1, 1051))
    assert [len(page) for page in pages] == [100] * 10 + [50]
    assert sorted(int(query["page"]) for query in fake.queries) == list(range(1, 12))
    assert len(fake.threads) > 1  # pages 2.. were fetched by the pool's threads


@responses.activate
def test_a_list_that_shrinks_mid_walk_is_walked_again_for_the_skipped_record(client_for):
    """Order 50 leaves the list after page 1 was served: every later order moves one place up and order
    101 would fall between pages 1 and 2. The smaller X-WP-Total on page 2 says so; the walk is repeated
    and only order 101 is handed over again."""
    fake = FakeWoo(orders(range(1, 301)))

    def delete_50(request_number: int) -> None:
        if request_number == 2:
            fake.records = [r for r in fake.records if r["id"] != 50]

    fake.on_request = delete_50
    route(fake)
    client = client_for()

    pages = list(client.iter_orders(None, None, concurrency=1))

    assert ids_of(pages) == list(range(1, 101)) + list(range(102, 301)) + [101]
    assert len(fake.queries) == 6  # 3 pages, then 3 again
    assert client.stats["rewalks"] == 1
    assert client.stats["unsettled_walks"] == 0


@responses.activate
def test_a_record_entering_ahead_of_the_walk_is_served_once_and_not_missed(client_for):
    """Order 40 enters the window after page 1 (it was modified): order 100 moves onto page 2 and would
    be served twice, while order 40 sits behind the walk. The duplicate is dropped; the walk brought
    fewer distinct orders than the last total, so it is repeated for order 40."""
    fake = FakeWoo(orders([i for i in range(1, 301) if i != 40]))

    def enter_40(request_number: int) -> None:
        if request_number == 2:
            fake.records = orders(range(1, 301))

    fake.on_request = enter_40
    route(fake)
    client = client_for()

    served = ids_of(client.iter_orders(None, None, concurrency=1))

    assert sorted(served) == list(range(1, 301))
    assert len(served) == 300
    assert served[-1] == 40
    assert client.stats["duplicates_dropped"] == 1
    assert client.stats["rewalks"] == 1


@responses.activate
def test_the_other_lists_send_their_queries(client_for):
    fakes = {name: FakeWoo(orders(range(1, 4))) for name in ("customers", "orders/7/refunds", "coupons")}
    fakes["products"] = FakeWoo(orders(range(1, 4)))
    fakes["products/9/variations"] = FakeWoo(orders(range(1, 3)))
    for resource, fake in fakes.items():
        route(fake, resource)
    client = client_for()

    assert ids_of(client.iter_customers()) == [1, 2, 3]
    assert ids_of(client.iter_refunds(7)) == [1, 2, 3]
    assert ids_of(client.iter_coupons()) == [1, 2, 3]
    assert ids_of(client.iter_products(datetime(2026, 3, 1, tzinfo=UTC), None)) == [1, 2, 3]
    assert ids_of(client.iter_variations(9)) == [1, 2]

    by_id = {"orderby": "id", "order": "asc", "page": "1", "per_page": "100"}
    assert fakes["customers"].queries == [{"role": "all", **by_id}]
    assert fakes["orders/7/refunds"].queries == [by_id]
    assert fakes["coupons"].queries == [by_id]
    assert fakes["products"].queries == [
        {"status": "any", **by_id, "modified_after": "2026-02-28T23:59:59", "dates_are_gmt": "true"}
    ]
    assert fakes["products/9/variations"].queries == [by_id]


@responses.activate
def test_store_settings_come_from_system_status_the_index_and_the_tax_setting(client_for):
    responses.add(
        responses.GET,
        f"{API}/system_status",
        json={
            "environment": {"version": "9.4.1", "default_timezone": "UTC"},
            "settings": {"currency": "EUR", "number_of_decimals": 2, "currency_symbol": "&euro;"},
        },
    )
    responses.add(
        responses.GET,
        f"{SITE}/wp-json/",
        json={"name": "Acme", "gmt_offset": "1", "timezone_string": "Europe/Berlin"},
    )
    responses.add(
        responses.GET,
        f"{API}/settings/tax/woocommerce_prices_include_tax",
        json={"id": "woocommerce_prices_include_tax", "value": "yes"},
    )

    settings = client_for().get_store_settings()

    assert settings == StoreSettings(
        currency="EUR",
        number_of_decimals=2,
        timezone="Europe/Berlin",
        gmt_offset=1.0,
        prices_include_tax=True,
        wc_version="9.4.1",
    )


# -- retries and pacing -----------------------------------------------------------------------------------
@responses.activate
def test_a_429_and_a_firewall_503_are_retried_after_their_retry_after(client_for, fake_time):
    responses.add(responses.GET, f"{API}/orders", status=429, headers={"Retry-After": "7"}, body="")
    responses.add(
        responses.GET,
        f"{API}/orders",
        status=503,
        headers={"Retry-After": "3", "Content-Type": "text/html"},
        body="<html><title>Slow down</title></html>",
    )
    fake = FakeWoo(orders(range(1, 4)))
    route(fake)
    client = client_for()

    assert ids_of(client.iter_orders(None, None)) == [1, 2, 3]
    assert fake_time.sleeps == [7.0, 3.0]
    assert client.stats["retries"] == 2
    assert client.stats["throttled"] == 1
    assert client.stats["requests"] == 3


@responses.activate
def test_retries_exhausted_name_the_status(client_for):
    responses.add(responses.GET, f"{API}/orders", status=503, body="")

    with pytest.raises(WooCommerceAPIError) as caught:
        list(client_for(max_attempts=3).iter_orders(None, None))

    assert str(caught.value) == "GET /wp-json/wc/v3/orders -> HTTP 503: empty body; gave up after 3 attempts"
    assert caught.value.attempts == 3


@responses.activate
def test_a_minimum_interval_spaces_the_requests(client_for, fake_time):
    route(FakeWoo(orders(range(1, 301))))
    client = client_for(Site(request_interval_seconds=0.5))

    assert len(ids_of(client.iter_orders(None, None, concurrency=1))) == 300
    assert fake_time.sleeps == [0.5, 0.5]
    assert client.stats["pacing_sleep_seconds"] == 1.0


# -- authentication -----------------------------------------------------------------------------------
@responses.activate
def test_basic_auth_over_https(client_for):
    fake = FakeWoo(orders([1]))
    route(fake)
    client = client_for()

    assert client.auth_scheme == "basic"
    assert ids_of(client.iter_orders(None, None)) == [1]
    assert fake.auth_headers == ["Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()]
    assert "consumer_key" not in fake.queries[0]


@responses.activate
def test_query_string_auth_sends_the_keys_as_parameters(client_for):
    fake = FakeWoo(orders([1]))
    route(fake)

    assert ids_of(client_for(Site(auth="query")).iter_orders(None, None)) == [1]
    assert fake.queries[0]["consumer_key"] == KEY
    assert fake.queries[0]["consumer_secret"] == SECRET
    assert fake.auth_headers == [None]


def _percent(text: str) -> str:
    """RFC 3986 percent-encoding, as WooCommerce's ``wc_rest_urlencode_rfc3986`` (PHP ``rawurlencode``)."""
    return quote(text, safe="-._~")


def woocommerce_signature(method: str, url: str, consumer_secret: str) -> tuple[str, str]:
    """What WooCommerce computes for a signed request: (base string, base64 HMAC-SHA256 with key
    ``secret&``), over every query parameter but ``oauth_signature``, sorted by key."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    params.pop("oauth_signature")
    normalized = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    base = f"{method}&{_percent(base_url)}&{_percent(normalized)}"
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return base, base64.b64encode(digest).decode()


@responses.activate
def test_oauth1_over_http_is_signed_as_woocommerce_verifies(client_for):
    site = "http://127.0.0.1:8080/shop"
    fake = FakeWoo(orders(range(1, 151)))
    route(fake, site_api=f"{site}/wp-json/wc/v3")
    client = client_for(Site(site_url=site))

    assert client.auth_scheme == "oauth1"
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert ids_of(client.iter_orders(*window, concurrency=1)) == list(range(1, 151))

    assert fake.auth_headers == [None, None]
    nonces = set()
    for url in fake.urls:
        query = dict(parse_qsl(urlsplit(url).query))
        base, expected = woocommerce_signature("GET", url, SECRET)
        assert query["oauth_signature"] == expected
        assert base.startswith("GET&http%3A%2F%2F127.0.0.1%3A8080%2Fshop%2Fwp-json%2Fwc%2Fv3%2Forders&")
        assert "modified_after%3D2026-02-28T23%253A59%253A59" in base  # the filters are signed too
        assert query["oauth_consumer_key"] == KEY
        assert query["oauth_signature_method"] == "HMAC-SHA256"
        assert abs(int(query["oauth_timestamp"]) - time.time()) < 60
        assert "consumer_secret" not in query
        nonces.add(query["oauth_nonce"])
    assert len(nonces) == 2  # each request signed anew

    # A signature made with another secret does not verify.
    assert (
        woocommerce_signature("GET", fake.urls[0], "cs_other")[1]
        != dict(parse_qsl(urlsplit(fake.urls[0]).query))["oauth_signature"]
    )


class _InProcessAdapter(requests.adapters.BaseAdapter):
    """A simulator's transport: answers in the process, records the Authorization header."""

    def __init__(self) -> None:
        super().__init__()
        self.authorization: list[str | None] = []

    def send(self, request, **kwargs):
        self.authorization.append(request.headers.get("Authorization"))
        response = requests.Response()
        response.status_code = 200
        response.headers["X-WP-Total"] = "1"
        response.headers["X-WP-TotalPages"] = "1"
        response._content = json.dumps(orders([5])).encode()
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_an_in_process_scheme_uses_its_registered_transport_and_basic_auth(client_for):
    adapter = _InProcessAdapter()
    register_transport("woosandboxtest", lambda session: session.mount("woosandboxtest://", adapter))
    try:
        client = client_for(Site(site_url="woosandboxtest://demo"))
        assert client.auth_scheme == "basic"
        assert ids_of(client.iter_orders(None, None)) == [5]
    finally:
        unregister_transport("woosandboxtest")
    assert adapter.authorization == ["Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()]


# -- errors -------------------------------------------------------------------------------------------------
def _error(code: str, message: str, status: int, **data: object) -> dict:
    return {"code": code, "message": message, "data": {"status": status, **data}}


@responses.activate
def test_a_rejected_key_names_the_site_and_the_variable(client_for):
    responses.add(
        responses.GET,
        f"{API}/orders",
        status=401,
        json=_error("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401),
    )

    with pytest.raises(WooCommerceAuthError) as caught:
        list(client_for().iter_orders(None, None))

    assert str(caught.value) == (
        "WooCommerce rejected the consumer key for https://shop.example (check the variable ACME_WC_KEY): "
        "GET /wp-json/wc/v3/orders -> HTTP 401 woocommerce_rest_authentication_error: "
        "Consumer key is invalid."
    )
    assert (caught.value.status, caught.value.code) == (401, "woocommerce_rest_authentication_error")


@responses.activate
def test_a_bad_signature_names_the_secret_variable(client_for):
    responses.add(
        responses.GET,
        "http://127.0.0.1:8080/wp-json/wc/v3/orders",
        status=401,
        json=_error(
            "woocommerce_rest_authentication_error",
            "Invalid signature - provided signature does not match.",
            401,
        ),
    )

    with pytest.raises(WooCommerceAuthError) as caught:
        list(client_for(Site(site_url="http://127.0.0.1:8080")).iter_orders(None, None))

    assert str(caught.value) == (
        "WooCommerce rejected the consumer secret for http://127.0.0.1:8080 (check the variable "
        "ACME_WC_SECRET): GET /wp-json/wc/v3/orders -> HTTP 401 woocommerce_rest_authentication_error: "
        "Invalid signature - provided signature does not match."
    )


@responses.activate
def test_permission_route_and_parameter_errors_say_what_is_wrong(client_for):
    client = client_for()
    responses.add(
        responses.GET,
        f"{API}/customers",
        status=403,
        json=_error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 403),
    )
    responses.add(
        responses.GET,
        f"{API}/orders",
        status=404,
        json=_error("rest_no_route", "No route was found matching the URL and request method.", 404),
    )
    responses.add(
        responses.GET,
        f"{API}/coupons",
        status=400,
        json=_error(
            "rest_invalid_param",
            "Invalid parameter(s): per_page",
            400,
            params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
        ),
    )

    with pytest.raises(WooCommercePermissionError) as denied:
        list(client.iter_customers())
    assert str(denied.value) == (
        "the consumer key for https://shop.example may not read customers: its WordPress user lacks the "
        "capability or the key lacks Read access (give the key Read access for a user who can manage "
        "WooCommerce): GET /wp-json/wc/v3/customers -> HTTP 403 woocommerce_rest_cannot_view: Sorry, you "
        "cannot list resources."
    )
    with pytest.raises(WooCommerceNotFoundError) as no_route:
        list(client.iter_orders(None, None))
    assert str(no_route.value) == (
        "https://shop.example has no WooCommerce REST route /wp-json/wc/v3/orders: WordPress permalinks must "
        "not be 'Plain' (Settings > Permalinks), WooCommerce must be active and its REST API reachable under "
        "https://shop.example/wp-json/: GET /wp-json/wc/v3/orders -> HTTP 404 rest_no_route: No route was "
        "found matching the URL and request method."
    )
    with pytest.raises(WooCommerceInvalidParamError) as invalid:
        list(client.iter_coupons())
    assert invalid.value.params == ("per_page",)
    assert str(invalid.value) == (
        "WooCommerce refused the parameter per_page of GET /wp-json/wc/v3/coupons: per_page must be "
        "between 1 (inclusive) and 100 (inclusive) (GET /wp-json/wc/v3/coupons -> HTTP 400 "
        "rest_invalid_param: Invalid parameter(s): per_page)"
    )


@responses.activate
def test_an_html_page_instead_of_json_is_named_as_such(client_for):
    responses.add(
        responses.GET,
        f"{API}/orders",
        status=200,
        content_type="text/html",
        body="<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking</body></html>",
    )

    with pytest.raises(WooCommerceAPIError) as caught:
        list(client_for().iter_orders(None, None))

    assert str(caught.value) == (
        "GET /wp-json/wc/v3/orders -> HTTP 200: the response is an HTML page, not WooCommerce JSON (title: "
        "'Just a moment...'); a firewall, security plugin, maintenance or login page answered instead of the "
        "REST API"
    )


def test_a_missing_variable_is_named(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.delenv(SECRET_ENV, raising=False)

    with pytest.raises(SecretValueError) as caught:
        WooCommerceClientResource().for_connection(Site())

    assert str(caught.value) == (
        "environment variable ACME_WC_SECRET is not set (the WooCommerce REST API key for https://shop.example)"
    )


# -- secrets ------------------------------------------------------------------------------------------------
def _texts(exc: BaseException) -> str:
    return "\n".join(
        [str(exc), repr(exc), getattr(exc, "api_message", ""), "".join(traceback.format_exception(exc))]
    )


@responses.activate
def test_the_keys_are_in_no_error_repr_or_log(client_for, caplog):
    caplog.set_level(logging.DEBUG)
    site = Site(auth="query")
    leaked_url = f"{API}/orders?consumer_key={KEY}&consumer_secret={SECRET}"
    responses.add(
        responses.GET,
        f"{API}/orders",
        body=requests.ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: {leaked_url}"),
    )
    responses.add(
        responses.GET,
        f"{API}/customers",
        status=401,
        json=_error("woocommerce_rest_authentication_error", f"Consumer key is invalid: {KEY}", 401),
    )
    client = client_for(site, max_attempts=2)

    with pytest.raises(WooCommerceAPIError) as network:
        list(client.iter_orders(None, None))
    with pytest.raises(WooCommerceAuthError) as refused:
        list(client.iter_customers())
    oauth = client_for(Site(site_url="http://127.0.0.1:8080"))
    responses.add(responses.GET, "http://127.0.0.1:8080/wp-json/wc/v3/coupons", json=[])
    list(oauth.iter_coupons())

    assert (
        str(network.value)
        == "GET /wp-json/wc/v3/orders -> network error (ConnectionError); gave up after 2 attempts"
    )
    assert network.value.__cause__ is None and network.value.__context__ is None
    texts = "\n".join(
        [
            _texts(network.value),
            _texts(refused.value),
            repr(client),
            repr(oauth),
            caplog.text,
            str(client.stats),
        ]
    )
    assert "WooCommerce rejected the consumer key" in texts and "retrying" in caplog.text
    assert KEY not in texts
    assert SECRET not in texts


def test_urls_with_query_credentials_are_redacted_whatever_their_value():
    url = "https://shop.example/wp-json/wc/v3/orders?page=2&consumer_key=ck_x&consumer_secret=cs_y&oauth_signature=a%2Bb"

    assert redact(url) == (
        "https://shop.example/wp-json/wc/v3/orders?page=2&consumer_key=[REDACTED]&consumer_secret=[REDACTED]"
        "&oauth_signature=[REDACTED]"
    )
    assert re.search("cs_y|ck_x", redact(f"GET {url} failed")) is None


@responses.activate
def test_walks_reuse_the_page_threads_and_their_sessions(client_for):
    fake = FakeWoo(orders(range(1, 501)))
    route(fake)
    client = client_for(page_concurrency=3)

    for _ in range(3):
        assert ids_of(client.iter_orders(None, None)) == list(range(1, 501))

    assert len(fake.threads) <= 4  # the caller's thread and the pool's three
    assert client.sessions == len(fake.threads)
    client.close()
    assert client.sessions == 0


@responses.activate
def test_an_anonymous_401_says_the_authorization_header_may_be_stripped(client_for):
    responses.add(
        responses.GET,
        f"{API}/orders",
        status=401,
        json=_error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401),
    )

    with pytest.raises(WooCommerceAuthError) as caught:
        list(client_for().iter_orders(None, None))

    assert str(caught.value) == (
        "WooCommerce received no consumer key from https://shop.example: the web server may strip the "
        "Authorization header (set the connection's auth to 'query'); check the variable ACME_WC_KEY: "
        "GET /wp-json/wc/v3/orders -> HTTP 401 woocommerce_rest_cannot_view: "
        "Sorry, you cannot list resources."
    )
