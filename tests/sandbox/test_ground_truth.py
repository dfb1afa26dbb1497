"""Ground truth: literal figures for a hand-built store, and a cross-check against the rendered JSON."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sandbox.shopify.generator import build_shop
from sandbox.shopify.ground_truth import DailyFigures, ground_truth
from sandbox.shopify.model import (
    DiscountAllocation,
    DiscountApplication,
    LineItem,
    Order,
    Refund,
    RefundLine,
    SandboxShop,
    ShippingLine,
    TaxLine,
    Transaction,
)

from .conftest import CLOCK, NY, fetch_all, tiny_shop, tiny_spec

D = Decimal
TAX = D("0.10")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class _Orders:
    """A stand-in generator that serves hand-made orders per local day."""

    def __init__(self, orders: list[Order]) -> None:
        self.by_day: dict[date, list[Order]] = defaultdict(list)
        for order in orders:
            self.by_day[order.created_at.astimezone(NY).date()].append(order)

    def prepare_until(self, day: date) -> None:
        pass

    def generate_day(self, day: date, first_number: int) -> list[Order]:
        return self.by_day.get(day, [])


def _line(line_id: int, price: str, quantity: int, at: datetime, *, discount: str = "0", gift: bool = False):
    line = LineItem(
        id=line_id,
        variant_id=1,
        product_id=1,
        title="Thing",
        variant_title=None,
        sku="T",
        vendor="V",
        price=D(price),
        quantity=quantity,
        grams=100,
        gift_card=gift,
        taxable=not gift,
        requires_shipping=not gift,
        added_at=at,
    )
    if D(discount):
        line.discount_allocations = [DiscountAllocation(D(discount), 0)]
    if not gift:
        line.tax_lines = [TaxLine("Sales Tax", TAX, ((line.gross - line.discount) * TAX).quantize(D("0.01")))]
    return line


def _order(order_id: int, processed: str, lines: list[LineItem], **extra) -> Order:
    at = _at(processed)
    values = dict(
        id=order_id,
        number=1000 + order_id,
        created_at=at,
        processed_at=at,
        test=False,
        source_name="web",
        gateway="bogus",
        token=f"tok{order_id}",
        customer_id=None,
        email=None,
        phone=None,
        billing_address=None,
        shipping_address=None,
        presentment_currency="USD",
        fx_rate=D("1"),
        location_id=None,
        buyer_accepts_marketing=False,
        tags="",
        note=None,
        initial_status="paid",
        lines=lines,
    )
    values.update(extra)
    order = Order(**values)
    if order.initial_status == "paid":
        order.transactions.append(Transaction(order_id * 10, "sale", order.total_price_at(at), at, "bogus"))
    return order


def _hand_built_shop() -> SandboxShop:
    base = tiny_shop()
    customer = base.people.customers[-1]
    assert customer.person.email
    a_time = "2026-03-03T10:00:00-05:00"
    a_lines = [
        _line(11, "50.00", 2, _at(a_time), discount="10.00"),
        _line(12, "20.00", 1, _at(a_time)),
        _line(13, "25.00", 1, _at(a_time), gift=True),  # gift cards never count as sales
    ]
    ship = ShippingLine(14, "Standard", "STD", D("8.00"), tax_lines=[TaxLine("Sales Tax", TAX, D("0.80"))])
    a = _order(
        1,
        a_time,
        a_lines,
        email="Ann@Example.com",
        shipping_lines=[ship],
        discounts=[
            DiscountApplication("TENOFF", "fixed_amount", D("10.00"), "line_item", "across", D("10.00"))
        ],
    )
    a.refunds.append(
        Refund(
            id=15,
            created_at=_at("2026-03-05T12:00:00-05:00"),
            note=None,
            lines=[RefundLine(16, 11, 1, D("45.00"), D("4.50"), "return", None)],
            shipping_amount=D("8.00"),
            shipping_tax=D("0.80"),
            adjustment_id=17,
            transaction=Transaction(18, "refund", D("58.30"), _at("2026-03-05T12:00:00-05:00"), "bogus", 10),
        )
    )
    b = _order(
        2,
        "2026-03-03T11:00:00-05:00",
        [_line(21, "30.00", 1, _at("2026-03-03T11:00:00-05:00"))],
        email="tester@example.com",
        test=True,
    )
    c = _order(
        3,
        "2026-03-03T11:30:00-05:00",
        [_line(31, "40.00", 1, _at("2026-03-03T11:30:00-05:00"))],
        email="void@example.com",
        initial_status="authorized",
        voided_at=_at("2026-03-03T12:00:00-05:00"),
    )
    # 23:58 New York is already 4 March in UTC: still a 3 March order for the store.
    d = _order(
        4,
        "2026-03-03T23:58:00-05:00",
        [_line(41, "10.01", 1, _at("2026-03-03T23:58:00-05:00"))],
        email=" ann@example.com ",
    )
    d.lines[0].tax_lines = []
    e_time = "2026-03-04T00:05:00-05:00"
    e = _order(5, e_time, [_line(51, "15.00", 3, _at(e_time))], customer_id=customer.id, email=None)
    e.refunds.append(  # after the clock: not applied yet
        Refund(
            19,
            _at("2026-03-12T09:00:00-04:00"),
            None,
            [RefundLine(52, 51, 1, D("15.00"), D("1.50"), "return", None)],
            D("0"),
            D("0"),
            None,
            Transaction(53, "refund", D("16.50"), _at("2026-03-12T09:00:00-04:00"), "bogus", 50),
        )
    )
    f = _order(6, "2026-03-04T08:00:00-05:00", [_line(61, "12.00", 1, _at("2026-03-04T08:00:00-05:00"))])
    f.lines[0].tax_lines = []
    g = _order(
        7,
        "2026-03-04T09:00:00-05:00",
        [_line(71, "30.00", 1, _at("2026-03-04T09:00:00-05:00"))],
        email="ANN@example.com",
    )
    g.lines[0].tax_lines = []
    return SandboxShop(
        base.spec,
        CLOCK,
        base.history_start,
        base.catalog,
        base.people,
        base.locations,
        _Orders([a, b, c, d, e, f, g]),
        base.created_at,
    )


def test_hand_built_store_figures_to_the_cent():
    shop = _hand_built_shop()
    figures = shop.ground_truth(date(2026, 3, 1), date(2026, 3, 9))
    assert figures == [
        DailyFigures(
            date=date(2026, 3, 3),
            currency="USD",
            orders=2,
            units=4,
            gross_sales=D("130.01"),
            discounts=D("10.00"),
            returns=D("0.00"),
            net_sales=D("120.01"),
            shipping=D("8.00"),
            taxes=D("11.80"),
            total_sales=D("139.81"),
            average_order_value=D("60.01"),  # 60.005 half-up
            customers=1,
            new_customers=1,
            returning_customers=0,
        ),
        DailyFigures(
            date=date(2026, 3, 4),
            currency="USD",
            orders=3,
            units=5,
            gross_sales=D("87.00"),
            discounts=D("0.00"),
            returns=D("0.00"),
            net_sales=D("87.00"),
            shipping=D("0.00"),
            taxes=D("4.50"),
            total_sales=D("91.50"),
            average_order_value=D("29.00"),
            customers=2,
            new_customers=1,
            returning_customers=1,
        ),
        DailyFigures(
            date=date(2026, 3, 5),
            currency="USD",
            orders=0,
            units=0,
            gross_sales=D("0.00"),
            discounts=D("0.00"),
            returns=D("45.00"),
            net_sales=D("-45.00"),
            shipping=D("-8.00"),
            taxes=D("-5.30"),
            total_sales=D("-58.30"),
            average_order_value=None,
            customers=0,
            new_customers=0,
            returning_customers=0,
        ),
    ]
    assert ground_truth(shop, date(2026, 3, 4), date(2026, 3, 4)) == figures[1:2]
    assert set(asdict(figures[0])) == {
        "date",
        "currency",
        "orders",
        "units",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "shipping",
        "taxes",
        "total_sales",
        "average_order_value",
        "customers",
        "new_customers",
        "returning_customers",
    }
    # when the clock reaches the later refund, 12 March gets its returns
    shop.set_clock(datetime(2026, 3, 13, tzinfo=NY))
    later = shop.ground_truth(date(2026, 3, 12), date(2026, 3, 12))
    assert [(f.returns, f.taxes, f.orders) for f in later] == [(D("15.00"), D("-1.50"), 0)]


def _recompute_from_json(orders: list[dict], zone) -> dict[date, dict]:
    """The metric definitions applied by hand to the API payloads (an independent cross-check)."""
    days: dict[date, dict] = defaultdict(
        lambda: dict(orders=0, units=0, gross=D(0), disc=D(0), returns=D(0), ship=D(0), tax=D(0), who=set())
    )
    first: dict[str, datetime] = {}
    counted = [o for o in orders if not o["test"] and o["financial_status"] != "voided"]

    def identity(order: dict) -> str | None:
        email = (order["email"] or "").strip().lower()
        customer = order["customer"]
        if not email and customer:
            email = (customer["email"] or "").strip().lower() or f"id:{customer['id']}"
        return email or None

    for order in counted:
        processed = datetime.fromisoformat(order["processed_at"])
        who = identity(order)
        if who and (who not in first or processed < first[who]):
            first[who] = processed
    for order in counted:
        day = days[datetime.fromisoformat(order["processed_at"]).astimezone(zone).date()]
        day["orders"] += 1
        for line in order["line_items"]:
            if line["gift_card"]:
                continue
            day["units"] += line["quantity"]
            day["gross"] += D(line["price"]) * line["quantity"]
            day["disc"] += sum((D(a["amount"]) for a in line["discount_allocations"]), D(0))
        for ship in order["shipping_lines"]:
            day["ship"] += D(ship["price"]) - sum(
                (D(a["amount"]) for a in ship["discount_allocations"]), D(0)
            )
        day["tax"] += sum((D(t["price"]) for t in order["tax_lines"]), D(0))
        if identity(order):
            day["who"].add(identity(order))
        for refund in order["refunds"]:
            refund_day = days[datetime.fromisoformat(refund["created_at"]).astimezone(zone).date()]
            for item in refund["refund_line_items"]:
                refund_day["returns"] += D(str(item["subtotal"]))
                refund_day["tax"] -= D(str(item["total_tax"]))
            for adjustment in refund["order_adjustments"]:
                if adjustment["kind"] == "shipping_refund":
                    refund_day["ship"] -= abs(D(adjustment["amount"]))
                    refund_day["tax"] -= abs(D(adjustment["tax_amount"]))
    for day, values in days.items():
        values["new"] = sum(1 for who in values["who"] if first[who].astimezone(zone).date() == day)
    return days


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "name": "tiny-berlin",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "country_code": "DE",
            "catalog": "coffee",
            "presentment_currencies": ["EUR", "USD", "GBP", "CHF"],
            "seed": 3,
        },
    ],
)
def test_ground_truth_matches_the_rendered_json(overrides):
    shop = build_shop(tiny_spec(**overrides), CLOCK)
    zone = shop.spec.zone
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    expected = _recompute_from_json(orders, zone)
    figures = shop.ground_truth(date(2000, 1, 1), date(2100, 1, 1))
    assert [f.date for f in figures] == sorted(expected)
    assert any(f.returns for f in figures) and any(f.discounts for f in figures)
    for figure in figures:
        hand = expected[figure.date]
        net = hand["gross"] - hand["disc"] - hand["returns"]
        assert (figure.orders, figure.units) == (hand["orders"], hand["units"]), figure.date
        assert figure.gross_sales == hand["gross"] and figure.discounts == hand["disc"]
        assert figure.returns == hand["returns"] and figure.net_sales == net
        assert figure.shipping == hand["ship"] and figure.taxes == hand["tax"]
        assert figure.total_sales == net + hand["ship"] + hand["tax"]
        assert figure.customers == len(hand["who"]) and figure.new_customers == hand["new"]
        assert figure.returning_customers == figure.customers - figure.new_customers
        if hand["orders"]:
            aov = ((hand["gross"] - hand["disc"]) / hand["orders"]).quantize(D("0.01"), ROUND_HALF_UP)
            assert figure.average_order_value == aov
        else:
            assert figure.average_order_value is None
        assert figure.currency == shop.spec.currency
