"""What WooCommerce itself never lets happen, on every generated order of big sites (rare cases show only at
scale; the 1M-order benchmark found them): a negative fee never takes an order's total below zero, and no
refund is zero, negative or more than is left to refund."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.presets import preset

CLOCK = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", ["woo-ny", "woo-london", "demo-ny-wholesale"])
def test_no_order_total_below_zero_and_no_refund_beyond_what_is_left(name):
    spec = preset(name, orders_per_day=300, history_days=30, refund_share=0.5, fee_share=0.5)
    site = build_site(spec, CLOCK)
    orders = site.orders()
    assert len(orders) > 8_000
    credited = [o for o in orders if any(f.total < 0 for f in o.fees)]
    refunded = [o for o in orders if o.refunds]
    assert credited and refunded
    for order in orders:
        assert order.total >= 0, order.id
        left = order.total
        for refund in order.refunds:
            assert Decimal("0") < refund.amount <= left, (order.id, refund.amount, left)
            left -= refund.amount
