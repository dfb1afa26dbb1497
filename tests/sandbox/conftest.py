"""Shared helpers for the Shopify sandbox tests: tiny shops and API calls that follow Link headers."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from sandbox.shopify.generator import build_shop
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.spec import ShopSpec

NY = ZoneInfo("America/New_York")
#: Two days after the 2026 US switch to daylight saving time (8 March), so the history spans it.
CLOCK = datetime(2026, 3, 10, 0, 0, tzinfo=NY)
API = "/admin/api/2025-07"


def tiny_spec(**overrides: object) -> ShopSpec:
    """A small store with lots of edge cases (high void/cancel/refund/edit/test shares)."""
    values: dict = {
        "name": "tiny",
        "seed": 2,
        "timezone": "America/New_York",
        "currency": "USD",
        "presentment_currencies": ["USD"],
        "orders_per_day": 5.0,
        "history_days": 14,
        "customers": 25,
        "products": 6,
        "locations": 2,
        "refund_share": 0.3,
        "cancel_share": 0.1,
        "void_share": 0.08,
        "edit_share": 0.3,
        "test_share": 0.08,
        "plan": "plus",
    }
    values.update(overrides)
    return ShopSpec(**values)


def tiny_shop(clock: datetime = CLOCK, **overrides: object) -> SandboxShop:
    return build_shop(tiny_spec(**overrides), clock)


#: A tiny German coffee shop (VAT 19 %, 7 % on coffee; no VAT on exports outside the EU), tax exclusive.
BERLIN: dict[str, object] = {
    "name": "tiny-berlin",
    "timezone": "Europe/Berlin",
    "currency": "EUR",
    "country_code": "DE",
    "catalog": "coffee",
    "presentment_currencies": ["EUR", "USD", "GBP", "CHF"],
    "seed": 3,
}
#: Tax-inclusive test shops (``taxes_included``): German ones with 7 % and 19 % VAT, untaxed exports,
#: percentage, fixed and free-shipping codes, partial and shipping refunds; and a New York one whose lines
#: carry three rates at once (state, city, MCTD) or New Jersey's.
TAX_INCLUSIVE: dict[str, dict[str, object]] = {
    "vat-berlin": {**BERLIN, "name": "vat-berlin", "products": 12, "taxes_included": True},
    "vat-busy": {
        **BERLIN,
        "name": "vat-busy",
        "seed": 11,
        "orders_per_day": 12.0,
        "history_days": 20,
        "products": 20,
        "refund_share": 0.5,
        "foreign_presentment_share": 0.5,
        "taxes_included": True,
    },
    "vat-ny": {"name": "vat-ny", "seed": 5, "orders_per_day": 8.0, "taxes_included": True},
}


def tax_inclusive_shop(name: str, clock: datetime = CLOCK) -> SandboxShop:
    """One of the ``TAX_INCLUSIVE`` test shops, with a bucket big enough for whole-store walks."""
    return tiny_shop(clock, bucket_size=100_000, **TAX_INCLUSIVE[name])


def call(
    shop: SandboxShop, path: str, query: str = "", token: str | None = None, base: str = "sandbox://tiny"
) -> tuple[int, dict[str, str], bytes]:
    """One request straight to the shop's API object (no transport)."""
    headers = {"X-Shopify-Access-Token": shop.spec.access_token if token is None else token}
    return shop.api.handle("GET", path, query, headers, base)


def next_url(headers: dict[str, str], rel: str = "next") -> str | None:
    """The URL of the ``rel`` link in a Link header, if any."""
    link = headers.get("Link")
    if not link:
        return None
    for part in link.split(", "):
        url, _, relation = part.partition("; ")
        if relation == f'rel="{rel}"':
            return url.strip("<>")
    return None


def fetch_all(shop: SandboxShop, resource: str, query: str) -> list[dict]:
    """Every item of a list endpoint, following ``rel="next"`` links."""
    items: list[dict] = []
    path = f"{API}/{resource}.json"
    while True:
        status, headers, body = call(shop, path, query)
        assert status == 200, body
        items.extend(json.loads(body)[resource])
        url = next_url(headers)
        if url is None:
            return items
        parts = urlsplit(url)
        path, query = parts.path, parts.query


@pytest.fixture
def shop() -> SandboxShop:
    return tiny_shop()
