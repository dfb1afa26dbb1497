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
