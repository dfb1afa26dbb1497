"""Named sites for tests and the demo, and the default clock.

``woo-ny``: America/New_York, USD, prices exclusive of tax (state + city tax, shipping taxed).
``woo-london``: Europe/London, GBP, prices inclusive of 20 % / 5 % VAT.
``demo-ny-wholesale``: the wholesale site of the Shopify demo shop ``demo-ny`` (the same business, the
tenant ``demo-ny`` of the demo): America/New_York, USD, prices exclusive of tax, a few large orders a day
(every line a whole number of 6-unit cases; pallet handling fees and volume rebates), mostly registered
trade accounts. About 30 % of its customers are demo-ny's Shopify customers (the same e-mails) and some of
its products carry demo-ny's SKUs; both are derived from the Shopify preset with the site's clock
(``shares_with``, ``sandbox/demo_world.py``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, time

from sandbox.woocommerce.spec import SiteSpec

#: Pins every preset's clock: ISO 8601 with offset (same variable as the Shopify sandbox).
CLOCK_ENV = "STOREHOUSE_SANDBOX_CLOCK"

PRESETS: dict[str, SiteSpec] = {
    "woo-ny": SiteSpec(
        name="woo-ny",
        seed=7101,
        timezone="America/New_York",
        currency="USD",
        country="US",
        prices_include_tax=False,
        orders_per_day=25,
        history_days=60,
        customers=200,
        products=14,
        display_name="Woo Outdoor Outlet",
    ),
    "woo-london": SiteSpec(
        name="woo-london",
        seed=7202,
        timezone="Europe/London",
        currency="GBP",
        country="GB",
        prices_include_tax=True,
        orders_per_day=18,
        history_days=60,
        customers=150,
        products=12,
        display_name="Woo Tea Room",
    ),
    "demo-ny-wholesale": SiteSpec(
        name="demo-ny-wholesale",
        seed=1151,
        timezone="America/New_York",
        currency="USD",
        country="US",
        prices_include_tax=False,
        orders_per_day=5,
        history_days=75,
        customers=40,
        products=10,
        case_size=6,
        guest_share=0.1,
        coupon_share=0.1,
        fee_share=0.35,
        refund_share=0.12,
        shares_with="demo-ny",
        consumer_key="ck_sandbox_demo_ny_wholesale",
        consumer_secret="cs_sandbox_demo_ny_wholesale",
        display_name="Demo Outdoor Supply Wholesale",
    ),
}


def preset(name: str, **overrides: object) -> SiteSpec:
    """A copy of the preset ``name`` (``KeyError`` if unknown), with field overrides, and the defects of
    ``STOREHOUSE_WOO_SANDBOX_DEFECTS`` planted on it."""
    from sandbox.woocommerce.defects import defects_from_env

    spec = replace(PRESETS[name], **overrides)  # type: ignore[arg-type]
    planted = defects_from_env(name)
    if planted and "defects" not in overrides:
        spec = replace(spec, defects=tuple(planted))
    return spec


def default_clock(spec: SiteSpec) -> datetime:
    """``STOREHOUSE_SANDBOX_CLOCK`` if set, else the start of today in the site timezone."""
    raw = os.environ.get(CLOCK_ENV)
    if raw:
        clock = datetime.fromisoformat(raw)
        if clock.tzinfo is None:
            raise ValueError(f"{CLOCK_ENV} needs a UTC offset, got {raw!r}")
        return clock
    today = datetime.now(spec.zone).date()
    return datetime.combine(today, time(0), spec.zone)
