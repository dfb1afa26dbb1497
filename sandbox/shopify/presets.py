"""The ready-made demo stores and the default sandbox clock.

* ``demo-ny``: "Demo Outdoor Supply", New York, USD, ~40 orders/day, shoppers pay in USD only.
* ``demo-berlin``: "Demo Kaffeehaus", Berlin, EUR, ~30 orders/day; about 30 % of orders are presented in
  USD, GBP or CHF (customers in the US, UK and Switzerland). Prices include VAT (``taxes_included``:
  19 %, 7 % on coffee and food; none on exports outside the EU), as German shops show them.

Both are Shopify Plus stores (bucket 400 calls @ 20/s) with 75 days of order history.
"""

from __future__ import annotations

import copy
import os
from datetime import datetime, time

from sandbox.shopify.defects import defects_from_env
from sandbox.shopify.spec import ShopSpec

#: Environment variable that pins the sandbox clock (ISO 8601 with offset), e.g. for reproducible demos.
CLOCK_ENV = "STOREHOUSE_SANDBOX_CLOCK"

PRESETS: dict[str, ShopSpec] = {
    "demo-ny": ShopSpec(
        name="demo-ny",
        display_name="Demo Outdoor Supply",
        seed=1101,
        timezone="America/New_York",
        currency="USD",
        presentment_currencies=["USD"],
        orders_per_day=40.0,
        history_days=75,
        customers=320,
        products=20,
        locations=2,
        plan="plus",
        access_token="shpat_sandbox_demo_ny",
        country_code="US",
        catalog="outdoor",
    ),
    "demo-berlin": ShopSpec(
        name="demo-berlin",
        display_name="Demo Kaffeehaus",
        seed=2202,
        timezone="Europe/Berlin",
        currency="EUR",
        presentment_currencies=["EUR", "USD", "GBP", "CHF"],
        orders_per_day=30.0,
        history_days=75,
        customers=260,
        products=20,
        locations=2,
        plan="plus",
        access_token="shpat_sandbox_demo_berlin",
        country_code="DE",
        catalog="coffee",
        foreign_presentment_share=0.3,
        taxes_included=True,
    ),
}


def preset(name: str) -> ShopSpec:
    """A copy of a preset spec (safe to modify), with the defects ``STOREHOUSE_SANDBOX_DEFECTS`` plants on
    it (see ``defects.py``). Raises ``KeyError`` for an unknown name."""
    spec = copy.deepcopy(PRESETS[name])
    spec.defects = [*spec.defects, *defects_from_env(name)]
    return spec


def default_clock(spec: ShopSpec) -> datetime:
    """The sandbox's present: the start of today in the shop's timezone (tz-aware).

    ``STOREHOUSE_SANDBOX_CLOCK`` (ISO 8601 with offset, e.g. ``2026-03-01T00:00:00-05:00``) overrides it.
    """
    pinned = os.environ.get(CLOCK_ENV)
    if pinned:
        value = datetime.fromisoformat(pinned.strip())
        if value.tzinfo is None:
            raise ValueError(f"{CLOCK_ENV}={pinned!r} needs a UTC offset")
        return value
    zone = spec.zone
    return datetime.combine(datetime.now(zone).date(), time(0), tzinfo=zone)
