"""The WooCommerce client (resources/woocommerce/client.py) against the WooCommerce sandbox
(sandbox/woocommerce): in process (``woosandbox://``, HTTP Basic, as on https) and over the sandbox's real
HTTP server on 127.0.0.1 (plain http, OAuth 1.0a verified the way ``WC_REST_Authentication`` does). What the
client hands over is compared with the site's own records: no loss, no duplicates, across many pages, with
host-firewall faults and planted API defects."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resources.http import PacerRegistry
from resources.woocommerce.client import WooCommerceAuthError, WooCommerceClientResource
from sandbox.woocommerce import registry
from sandbox.woocommerce.defects import Defect
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.presets import preset
from sandbox.woocommerce.server import serve
from sandbox.woocommerce.spec import SiteSpec

CLOCK = datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo("America/New_York"))
NAME = "woo-int"
#: The window walked: 30 local days ending a day before the clock (> 300 orders modified in it).
WINDOW_FROM = datetime(2026, 1, 29, 0, 0, tzinfo=ZoneInfo("America/New_York"))
WINDOW_TO = datetime(2026, 2, 28, 0, 0, tzinfo=ZoneInfo("America/New_York"))
#: A canary: a wrong consumer secret that must never turn up in any text.
WRONG_SECRET = "cs_canary_WRONG_9f8e7d6c5b4a39281706"
KEY_ENV, SECRET_ENV = "INT_WC_KEY", "INT_WC_SECRET"


class Connection:
    """A tenant's WooCommerce connection, as the client reads it."""

    def __init__(self, site_url: str) -> None:
        self.site_url = site_url
        self.consumer_key_env = KEY_ENV
        self.consumer_secret_env = SECRET_ENV
        self.auth = "auto"
        self.request_interval_seconds = None
        self.page_concurrency = None


@pytest.fixture
def site():
    built = build_site(
        SiteSpec(
            name=NAME,
            seed=11,
            orders_per_day=14,
            history_days=40,
            customers=130,
            products=9,
            refund_share=0.3,
            edit_share=0.2,
        ),
        CLOCK,
    )
    registry.register(NAME, built)
    yield built
    registry.unregister(NAME)


@pytest.fixture
def slept():
    return []


@pytest.fixture
def make_client(slept):
    clients = []

    def make(site: WooSite, site_url: str = f"woosandbox://{NAME}", secret: str | None = None, **options):
        client = WooCommerceClientResource(**options).for_site(
            site_url,
            site.spec.consumer_key,
            site.spec.consumer_secret if secret is None else secret,
            sleep=slept.append,
            pacers=PacerRegistry(),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def expected_order_ids(site: WooSite, start: datetime, end: datetime) -> list[int]:
    """The site's own orders modified in ``[start, end)`` (to the second), of every status ``any`` covers
    (WooCommerce's ``any`` is every status but ``trash``)."""
    low, high = int(start.timestamp()), int(end.timestamp())
    return sorted(
        o.id
        for o in site.orders()
        if low <= int(o.modified_at(site.clock).timestamp()) < high and o.status_at(site.clock) != "trash"
    )


def walked_ids(pages) -> list[int]:
    return [record["id"] for page in pages for record in page]


# ---------------------------------------------------------------------------------------------------------
# In process: woosandbox://, HTTP Basic
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_windowed_order_walk_returns_exactly_the_sites_orders(site, make_client, concurrency):
    expected = expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    assert len(expected) > 300  # more than three pages of 100
    client = make_client(site)
    assert client.auth_scheme == "basic"
    pages = list(client.iter_orders(WINDOW_FROM, WINDOW_TO, concurrency=concurrency))
    ids = walked_ids(pages)
    assert len(pages) == -(-len(expected) // 100)
    assert len(ids) == len(set(ids))
    assert ids == expected
    assert client.count_orders(WINDOW_FROM, WINDOW_TO) == len(expected)
    assert client.stats["duplicates_dropped"] == 0 and client.stats["rewalks"] == 0


def test_adjacent_windows_partition_the_orders(site, make_client):
    """Windows that share an edge neither lose nor repeat the orders modified exactly at it."""
    client = make_client(site)
    middle = WINDOW_FROM + timedelta(days=13, hours=7, minutes=41, seconds=17)
    first = walked_ids(client.iter_orders(WINDOW_FROM, middle))
    second = walked_ids(client.iter_orders(middle, WINDOW_TO))
    assert not set(first) & set(second)
    assert sorted(first + second) == expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    # An order modified exactly at an edge is in the window starting there.
    edge = next(
        o
        for o in site.orders()
        if WINDOW_FROM < o.modified_at(site.clock) < WINDOW_TO and o.status_at(site.clock) != "trash"
    )
    at = edge.modified_at(site.clock).replace(microsecond=0)
    assert edge.id in walked_ids(client.iter_orders(at, at + timedelta(seconds=1)))
    assert edge.id not in walked_ids(client.iter_orders(at - timedelta(hours=1), at))


def test_customers_products_variations_coupons_and_refunds(site, make_client):
    client = make_client(site)
    clock = site.clock
    customers = walked_ids(client.iter_customers())
    expected_customers = sorted(c.id for c in site.catalog.customers if c.date_created <= clock)
    assert len(expected_customers) > 100  # more than one page
    assert customers == expected_customers
    assert {c.role for c in site.catalog.customers} - {"customer"}  # role=all brings the staff too

    products = [p for page in client.iter_products() for p in page]
    expected_products = [p for p in site.catalog.products if p.date_created <= clock]
    assert [p["id"] for p in products] == sorted(p.id for p in expected_products)
    variable = [p for p in expected_products if p.variations]
    assert variable
    for product in variable:
        variations = walked_ids(client.iter_variations(product.id))
        assert variations == sorted(v.id for v in product.variations)

    assert walked_ids(client.iter_coupons()) == sorted(c.id for c in site.catalog.coupons)
    created = site.catalog.coupons[0].date_created  # the sandbox's coupons are all made at once
    second = timedelta(seconds=1)
    assert walked_ids(client.iter_coupons(created, created + second)) == sorted(
        c.id for c in site.catalog.coupons
    )
    assert walked_ids(client.iter_coupons(created - timedelta(days=1), created)) == []

    refunded = [o for o in site.orders() if len(o.refunds_at(clock)) > 1]
    assert refunded
    for order in refunded[:5]:
        refunds = [r for page in client.iter_refunds(order.id) for r in page]
        assert [r["id"] for r in refunds] == sorted(r.id for r in order.refunds_at(clock))
        assert all(float(r["amount"]) > 0 for r in refunds)


@pytest.mark.parametrize(
    ("name", "timezone", "includes_tax", "currency"),
    [("woo-london", "Europe/London", True, "GBP"), ("woo-ny", "America/New_York", False, "USD")],
)
def test_store_settings_of_a_tax_inclusive_and_a_tax_exclusive_preset(
    make_client, name, timezone, includes_tax, currency
):
    built = build_site(preset(name, defects=()), CLOCK)
    registry.register(name, built)
    try:
        settings = make_client(built, f"woosandbox://{name}").get_store_settings()
    finally:
        registry.unregister(name)
    assert settings.timezone == timezone
    assert settings.prices_include_tax is includes_tax
    assert settings.currency == currency
    assert settings.number_of_decimals == 2


# ---------------------------------------------------------------------------------------------------------
# Over the wire: http://127.0.0.1, OAuth 1.0a
# ---------------------------------------------------------------------------------------------------------
def test_an_oauth1_walk_over_http_equals_the_in_process_walk(site, make_client):
    in_process = walked_ids(make_client(site).iter_orders(WINDOW_FROM, WINDOW_TO))
    with serve({NAME: site}) as server:
        client = make_client(site, server.base_url(NAME))
        assert client.auth_scheme == "oauth1"
        over_http = walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO, concurrency=2))
        assert client.stats["retries"] == 0  # every signature (date filters included) verified first time
        customers = walked_ids(client.iter_customers())
        settings = client.get_store_settings()
    assert over_http == in_process == expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    assert len(customers) == sum(1 for c in site.catalog.customers if c.date_created <= site.clock)
    assert settings.timezone == "America/New_York"


def test_a_wrong_secret_over_http_gets_the_plugins_401_and_names_the_variable_only(
    site, monkeypatch, caplog, slept
):
    monkeypatch.setenv(KEY_ENV, site.spec.consumer_key)
    monkeypatch.setenv(SECRET_ENV, WRONG_SECRET)
    caplog.set_level(logging.DEBUG)
    with serve({NAME: site}) as server:
        url = server.base_url(NAME)
        client = WooCommerceClientResource().for_connection(
            Connection(url), sleep=slept.append, pacers=PacerRegistry()
        )
        try:
            with pytest.raises(WooCommerceAuthError) as caught:
                list(client.iter_orders(WINDOW_FROM, WINDOW_TO))
        finally:
            client.close()
    error = caught.value
    assert error.status == 401
    assert error.code == "woocommerce_rest_authentication_error"
    assert error.api_message == "Invalid signature - provided signature does not match."
    assert url in str(error) and SECRET_ENV in str(error)
    for text in (str(error), repr(error), repr(error.args), caplog.text, repr(client)):
        assert WRONG_SECRET not in text
        assert site.spec.consumer_secret not in text


# ---------------------------------------------------------------------------------------------------------
# Faults and planted defects
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("over_http", [False, True])
def test_firewall_429_and_503_are_retried_and_nothing_is_lost(site, make_client, slept, over_http):
    site.faults.add("/orders", status=429, retry_after=2, times=2)
    site.faults.add("/orders", status=503, times=2)
    expected = expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    if over_http:
        with serve({NAME: site}) as server:
            client = make_client(site, server.base_url(NAME))
            ids = walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO))
    else:
        client = make_client(site)
        ids = walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO))
    assert ids == expected
    assert client.stats["throttled"] == 2 and client.stats["retries"] == 4
    assert slept.count(2) >= 2  # Retry-After honoured


def test_a_firewall_refusing_a_share_of_requests_loses_nothing(make_client):
    built = build_site(
        SiteSpec(name=NAME, seed=11, orders_per_day=14, history_days=40, firewall_rate=0.2), CLOCK
    )
    registry.register(NAME, built)
    try:
        client = make_client(built, max_attempts=12)
        ids = walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO, concurrency=2))
    finally:
        registry.unregister(NAME)
    assert ids == expected_order_ids(built, WINDOW_FROM, WINDOW_TO)
    assert client.stats["retries"] > 0


def test_a_missing_page_500_is_retried(site, make_client):
    expected = expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    site.defects.append(Defect("missing_page", page=2, mode="error"))
    client = make_client(site)
    assert walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO)) == expected
    assert client.stats["retries"] == 1


def test_a_duplicated_order_is_handed_over_once(site, make_client):
    expected = expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    site.defects.append(Defect("duplicate_order", order_id=expected[150]))
    client = make_client(site)
    assert walked_ids(client.iter_orders(WINDOW_FROM, WINDOW_TO)) == expected
    assert client.stats["duplicates_dropped"] == 1


def test_a_corrupt_order_reaches_the_output_unchanged(site, make_client):
    expected = expected_order_ids(site, WINDOW_FROM, WINDOW_TO)
    target = expected[42]
    site.defects.append(Defect("corrupt_order", order_id=target))
    client = make_client(site)
    orders = [o for page in client.iter_orders(WINDOW_FROM, WINDOW_TO) for o in page]
    assert [o["id"] for o in orders] == expected
    assert next(o for o in orders if o["id"] == target)["total"] == "12,50"
