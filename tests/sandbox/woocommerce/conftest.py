"""A small WooCommerce site with a pinned clock, served in process as ``woosandbox://woo-test``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox.woocommerce import registry
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.inprocess import mount
from sandbox.woocommerce.spec import SiteSpec

CLOCK = datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo("America/New_York"))
BASE = "woosandbox://woo-test/wp-json/wc/v3"


def small_spec(**overrides: object) -> SiteSpec:
    """A few hundred orders over 40 days, many refunds and edits."""
    fields: dict[str, object] = dict(
        name="woo-test",
        seed=5,
        orders_per_day=12,
        history_days=40,
        customers=40,
        products=8,
        refund_share=0.3,
        edit_share=0.2,
    )
    fields.update(overrides)
    return SiteSpec(**fields)  # type: ignore[arg-type]


@pytest.fixture
def site():
    built = build_site(small_spec(), CLOCK)
    registry.register("woo-test", built)
    yield built
    registry.unregister("woo-test")


@pytest.fixture
def session(site):
    """An in-process session authenticated with HTTP Basic (the scheme counts as HTTPS)."""
    s = mount(requests.Session())
    s.auth = (site.spec.consumer_key, site.spec.consumer_secret)
    return s


def walk(session: requests.Session, url: str, **params: object) -> list[dict]:
    """Every item of a listing, following ``Link: rel="next"``."""
    items: list[dict] = []
    response = session.get(url, params={"per_page": 100, **params})
    while True:
        assert response.status_code == 200, response.text
        items += response.json()
        following = response.links.get("next")
        if not following:
            return items
        response = session.get(following["url"])
