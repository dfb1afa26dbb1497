"""The demo presets look like the stores the README promises."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from sandbox.shopify.generator import build_shop
from sandbox.shopify.presets import PRESETS, preset
from sandbox.shopify.render import Renderer


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_store(name):
    spec = preset(name)
    assert spec.plan == "plus" and spec.history_days == 75 and spec.bucket_capacity == 400
    shop = build_shop(spec, datetime(2026, 3, 1, tzinfo=spec.zone))
    orders = shop.orders()
    per_day = len(orders) / 75
    assert spec.orders_per_day * 0.8 < per_day < spec.orders_per_day * 1.25
    assert 200 <= len(shop.people.customers) <= 400
    assert len(shop.catalog.products) == 20
    assert all(1 <= len(product.variants) <= 4 for product in shop.catalog.products)
    assert len(shop.locations) == 2
    renderer = Renderer(shop)
    window_start = shop.clock - timedelta(days=75)
    untouched = [
        c
        for c in shop.people.customers
        if c.created_at < window_start - timedelta(days=365)
        and renderer.customer_updated_at(c) == c.created_at
    ]
    assert len(untouched) >= 10
    foreign = sum(1 for order in orders if order.presentment_currency != spec.currency) / len(orders)
    if name == "demo-berlin":
        assert 0.2 < foreign < 0.4
        assert {o.presentment_currency for o in orders} == {"EUR", "USD", "GBP", "CHF"}
        assert spec.taxes_included and all(order.taxes_included for order in orders)  # prices incl. VAT
        rates = {tax.rate for order in orders for line in order.lines for tax in line.tax_lines}
        assert rates == {Decimal("0.07"), Decimal("0.19")}
    else:
        assert foreign == 0
        assert not spec.taxes_included and not any(order.taxes_included for order in orders)
