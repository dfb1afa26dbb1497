"""Invariants that hold for any small store: money adds up, discounts and taxes are consistent."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.shopify.generator import build_shop
from sandbox.shopify.spec import ShopSpec

from .conftest import fetch_all

D = Decimal
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham", "UTC"]

specs = st.builds(
    ShopSpec,
    name=st.just("prop"),
    seed=st.integers(0, 10**6),
    timezone=st.sampled_from(ZONES),
    currency=st.sampled_from(["USD", "EUR"]),
    presentment_currencies=st.sampled_from([["USD"], ["EUR"], ["EUR", "USD", "GBP", "CHF"], ["USD", "CAD"]]),
    orders_per_day=st.floats(0.5, 6.0),
    history_days=st.integers(1, 12),
    customers=st.integers(1, 30),
    products=st.integers(1, 25),
    locations=st.integers(1, 3),
    guest_share=st.floats(0, 1),
    test_share=st.floats(0, 0.3),
    void_share=st.floats(0, 0.3),
    cancel_share=st.floats(0, 0.3),
    refund_share=st.floats(0, 0.6),
    edit_share=st.floats(0, 0.6),
    country_code=st.sampled_from(["US", "DE"]),
    catalog=st.sampled_from(["outdoor", "coffee"]),
    taxes_included=st.booleans(),
)
clocks = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)).map(
    lambda naive: naive.replace(microsecond=0)
)


def _sum(values) -> Decimal:
    return sum((D(str(v)) for v in values), D("0"))


@settings(
    max_examples=int(os.environ.get("SANDBOX_PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(spec=specs, naive_clock=clocks)
def test_money_invariants(spec: ShopSpec, naive_clock: datetime):
    shop = build_shop(spec, naive_clock.replace(tzinfo=spec.zone))
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    assert len(orders) == len(shop.orders())
    for order in orders:
        lines = order["line_items"]
        # every discount code's amount is exactly what its allocations add up to
        for index, code in enumerate(order["discount_codes"]):
            allocated = _sum(
                a["amount"]
                for item in lines + order["shipping_lines"]
                for a in item["discount_allocations"]
                if a["discount_application_index"] == index
            )
            assert allocated == D(code["amount"])
        assert not any(a for line in lines if line["gift_card"] for a in line["discount_allocations"])
        # taxes: order total = its tax lines = line taxes + shipping taxes
        total_tax = D(order["total_tax"])
        assert total_tax == _sum(t["price"] for t in order["tax_lines"])
        assert total_tax == _sum(
            t["price"] for item in lines + order["shipping_lines"] for t in item["tax_lines"]
        )
        line_gross = _sum(D(line["price"]) * line["quantity"] for line in lines)
        line_disc = _sum(a["amount"] for line in lines for a in line["discount_allocations"])
        ship = _sum(s["discounted_price"] for s in order["shipping_lines"])
        assert D(order["total_line_items_price"]) == line_gross
        assert D(order["subtotal_price"]) == line_gross - line_disc
        assert order["taxes_included"] is spec.taxes_included
        taxes_on_top = D(0) if spec.taxes_included else total_tax
        assert D(order["total_price"]) == line_gross - line_disc + ship + taxes_on_top
        assert D(order["total_shipping_price_set"]["shop_money"]["amount"]) == _sum(
            s["price"] for s in order["shipping_lines"]
        )
        # refunds: never gift cards, never more than bought, current total nets them out
        refunded = D("0")
        quantities = {line["id"]: line["quantity"] for line in lines}
        taken: dict[int, int] = {}
        for refund in order["refunds"]:
            for item in refund["refund_line_items"]:
                assert not item["line_item"]["gift_card"]
                assert isinstance(item["subtotal"], float) and isinstance(item["total_tax"], float)
                taken[item["line_item_id"]] = taken.get(item["line_item_id"], 0) + item["quantity"]
            for adjustment in refund["order_adjustments"]:
                assert adjustment["kind"] == "shipping_refund" and D(adjustment["amount"]) < 0
            refunded += _sum(t["amount"] for t in refund["transactions"])  # presentment currency
        assert all(taken[line_id] <= quantities[line_id] for line_id in taken)
        if order["presentment_currency"] == order["currency"]:
            assert D(order["current_total_price"]) == D(order["total_price"]) - refunded
        assert D(order["current_total_price"]) >= 0

    figures = shop.ground_truth(date(2000, 1, 1), date(2100, 1, 1))
    gross = sum((f.gross_sales for f in figures), D(0))
    discounts = sum((f.discounts for f in figures), D(0))
    returns = sum((f.returns for f in figures), D(0))
    assert sum((f.net_sales for f in figures), D(0)) == gross - discounts - returns
    for f in figures:
        assert f.total_sales == f.net_sales + f.shipping + f.taxes
        assert f.customers == f.new_customers + f.returning_customers
    # gross − discounts over all days is the counted orders' non-gift lines in the model (less their
    # taxes when prices include them), to within the rounding of each day's figures
    clock = shop.clock
    counted_lines = [
        line
        for o in shop.orders()
        if not o.test and o.financial_status_at(clock) != "voided"
        for line in o.lines_at(clock)
        if not line.gift_card
    ]
    model_sales = sum((line.gross - line.discount for line in counted_lines), D(0))
    if spec.taxes_included:
        model_sales -= sum((line.tax for line in counted_lines), D(0))
        assert abs(gross - discounts - model_sales) <= D("0.01") * len(figures)
    else:
        assert gross == sum((line.gross for line in counted_lines), D(0))
        assert gross - discounts == model_sales
