"""Shopify Admin API versions: the retirement rule (a YYYY-MM version retires on the first of the same month a
year later), and both clients recording the version each shop served and its deprecation reasons, against the
sandbox over HTTP and in-process."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from resources.shopify.client import ShopifyClientResource
from resources.shopify.graphql import ShopifyGraphQLClient
from resources.shopify.versions import ServedVersions, days_until_retirement, retirement_date
from sandbox.shopify import registry
from sandbox.shopify.generator import build_shop
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ShopSpec

CLOCK = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
DOCS = "https://shopify.dev/api/usage/versioning#deprecation-practices"


@pytest.mark.parametrize(
    ("version", "retires"),
    [
        ("2025-01", date(2026, 1, 1)),
        ("2025-04", date(2026, 4, 1)),
        ("2025-07", date(2026, 7, 1)),
        ("2025-10", date(2026, 10, 1)),
        ("2026-10", date(2027, 10, 1)),
        ("2099-01", date(2100, 1, 1)),
        ("unstable", None),
    ],
)
def test_a_version_retires_twelve_months_after_its_release(version, retires):
    assert retirement_date(version) == retires


@pytest.mark.parametrize("version", ["2025-13", "2025-02", "2025-7", "25-07", "", "2025-07-01", "latest"])
def test_a_malformed_version_has_no_retirement_date_and_the_error_names_it(version):
    with pytest.raises(ValueError) as error:
        retirement_date(version)
    assert str(error.value) == (
        f"{version!r} is not a stable Shopify Admin API version (YYYY-01, YYYY-04, YYYY-07 or YYYY-10)"
    )


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (date(2026, 4, 1), 91),
        (date(2026, 4, 2), 90),  # exactly 90 days: the check warns from here on
        (date(2026, 6, 30), 1),
        (date(2026, 7, 1), 0),  # the day itself
        (date(2026, 12, 7), -159),  # past retirement: served as the oldest supported version
    ],
)
def test_days_until_retirement(today, days):
    assert days_until_retirement("2025-07", today) == days
    assert days_until_retirement("unstable", today) is None


def test_served_versions_keep_distinct_values_in_order_and_cut_long_reasons():
    seen = ServedVersions("2026-04")
    assert seen.sidecar() == {"api_version_requested": "2026-04", "api_version_served": None}
    seen.observe({"X-Shopify-API-Version": "2026-04"})
    seen.observe({"X-Shopify-API-Version": "2025-10", "X-Shopify-API-Deprecated-Reason": "old"})
    seen.observe({"X-Shopify-API-Version": "2026-04", "X-Shopify-API-Deprecated-Reason": "x" * 400})
    seen.observe({"Content-Type": "application/json"})
    assert seen.sidecar() == {
        "api_version_requested": "2026-04",
        "api_version_served": "2026-04, 2025-10",
        "api_deprecated_reason": "old | " + "x" * 300,
    }
    other = ServedVersions("2026-04")
    other.observe({"X-Shopify-API-Version": "2026-07", "X-Shopify-API-Deprecated-Reason": "old"})
    seen.absorb(other)
    assert seen.summary() == {
        "requested": "2026-04",
        "served": ["2026-04", "2025-10", "2026-07"],
        "deprecated_reasons": ["old", "x" * 300],
    }


def _shop(name: str):
    spec = ShopSpec(name=name, seed=5, orders_per_day=4.0, history_days=2, customers=10, products=3)
    return build_shop(spec, CLOCK)


def _clients(url: str, token: str, version: str):
    settings = ShopifyClientResource(max_attempts=1)
    rest = settings.for_shop(url, token, api_version=version)
    graphql = ShopifyGraphQLClient.for_shop(settings, url, token, api_version=version)
    return rest, graphql


def _read_a_little(rest, graphql) -> None:
    rest.get_shop()
    graphql.get_shop()


def test_both_clients_record_the_version_served_over_http():
    shop = _shop("t-versions-http")
    with serve({shop.name: shop}) as server:
        url = server.base_url(shop.name)
        rest, graphql = _clients(url, shop.spec.access_token, "2026-04")
        with rest, graphql:
            _read_a_little(rest, graphql)
            assert (
                rest.versions.sidecar()
                == graphql.versions.sidecar()
                == {
                    "api_version_requested": "2026-04",
                    "api_version_served": "2026-04",
                }
            )
            # The shop moves the app onto an older version: served as 2025-10, with the deprecation header.
            shop.graphql.configure(serve_version="2025-10")
            _read_a_little(rest, graphql)
            expected = {
                "api_version_requested": "2026-04",
                "api_version_served": "2026-04, 2025-10",
                "api_deprecated_reason": DOCS,
            }
            assert rest.versions.sidecar() == graphql.versions.sidecar() == expected
        # A retired version is served as the oldest supported one.
        rest, graphql = _clients(url, shop.spec.access_token, "2024-01")
        shop.graphql.configure(serve_version=None)
        with rest, graphql:
            _read_a_little(rest, graphql)
            assert rest.versions.served == graphql.versions.served == ["2025-07"]
            assert rest.versions.deprecated_reasons == graphql.versions.deprecated_reasons == []


def test_the_graphql_client_records_a_deprecated_field_in_process():
    name = f"t-versions-{uuid.uuid4().hex[:8]}"
    shop = _shop(name)
    registry.register(name, shop)
    try:
        rest, graphql = _clients(f"sandbox://{name}", shop.spec.access_token, "2025-10")
        with rest, graphql:
            _read_a_little(rest, graphql)
            assert graphql.versions.deprecated_reasons == []
            graphql.execute("{ orders(first: 1) { nodes { totalPrice } } }", operation="orders")
            assert graphql.versions.sidecar() == {
                "api_version_requested": "2025-10",
                "api_version_served": "2025-10",
                "api_deprecated_reason": DOCS,
            }
            assert rest.versions.sidecar() == {
                "api_version_requested": "2025-10",
                "api_version_served": "2025-10",
            }
            assert shop.spec.access_token not in repr(rest.versions.sidecar())
    finally:
        registry.unregister(name)
