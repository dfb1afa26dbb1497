"""Ground truth: literal figures for hand-built stores, and cross-checks against the rendered JSON and the
brute-force reference (tax-exclusive and tax-inclusive shops)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from sandbox.shopify.generator import OrderGenerator, build_shop
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
from sandbox.shopify.pricing import shipping_option, shipping_tax_rates
from sandbox.shopify.seeding import DayIds

from . import reference
from .conftest import (
    API,
    BERLIN,
    CLOCK,
    NY,
    TAX_INCLUSIVE,
    call,
    fetch_all,
    tax_inclusive_shop,
    tiny_shop,
    tiny_spec,
)

D = Decimal
TAX = D("0.10")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class _Orders:
    """A stand-in generator that serves hand-made orders per local day (of ``zone``)."""

    def __init__(self, orders: list[Order], zone: ZoneInfo = NY) -> None:
        self.by_day: dict[date, list[Order]] = defaultdict(list)
        for order in orders:
            self.by_day[order.created_at.astimezone(zone).date()].append(order)

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
        "sales_exact",  # gross − discounts unrounded, for averages across platforms (not compared)
    }
    for row in ground_truth(shop, date(2026, 3, 1), date(2026, 3, 12)):
        assert row.sales_exact == row.gross_sales - row.discounts  # prices to the cent, no tax inside
    # when the clock reaches the later refund, 12 March gets its returns
    shop.set_clock(datetime(2026, 3, 13, tzinfo=NY))
    later = shop.ground_truth(date(2026, 3, 12), date(2026, 3, 12))
    assert [(f.returns, f.taxes, f.orders) for f in later] == [(D("15.00"), D("-1.50"), 0)]


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


def _line_sales_from_json(line: dict, taxes_included: bool) -> tuple[Decimal, Decimal]:
    """(gross, discounts) of a ``line_items[]`` entry, tax excluded (exact, 4 decimals at most)."""
    gross = D(line["price"]) * line["quantity"]
    allocations = sum((D(a["amount"]) for a in line["discount_allocations"]), D(0))
    if not taxes_included:
        return gross, allocations
    taxes = sum((D(t["price"]) for t in line["tax_lines"]), D(0))
    rates = sum((D(str(t["rate"])) for t in line["tax_lines"]), D(0))
    discount_tax = (allocations * rates / (1 + rates)).quantize(D("0.0001"), ROUND_HALF_UP)
    return gross - taxes - discount_tax, allocations - discount_tax


def _recompute_from_json(orders: list[dict], zone) -> dict[date, dict]:
    """The metric definitions applied by hand to the API payloads (an independent cross-check).

    Gross and discounts are exact sums (4 decimals when taxes are included); the caller rounds them.
    """
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
        included = order["taxes_included"]
        day = days[datetime.fromisoformat(order["processed_at"]).astimezone(zone).date()]
        day["orders"] += 1
        for line in order["line_items"]:
            if line["gift_card"]:
                continue
            gross, discounts = _line_sales_from_json(line, included)
            day["units"] += line["quantity"]
            day["gross"] += gross
            day["disc"] += discounts
        for ship in order["shipping_lines"]:
            day["ship"] += D(ship["price"]) - sum(
                (D(a["amount"]) for a in ship["discount_allocations"]), D(0)
            )
            if included:
                day["ship"] -= sum((D(t["price"]) for t in ship["tax_lines"]), D(0))
        day["tax"] += sum((D(t["price"]) for t in order["tax_lines"]), D(0))
        if identity(order):
            day["who"].add(identity(order))
        for refund in order["refunds"]:
            refund_day = days[datetime.fromisoformat(refund["created_at"]).astimezone(zone).date()]
            for item in refund["refund_line_items"]:
                refund_day["returns"] += D(str(item["subtotal"]))
                refund_day["tax"] -= D(str(item["total_tax"]))
                if included:
                    refund_day["returns"] -= D(str(item["total_tax"]))
            for adjustment in refund["order_adjustments"]:
                if adjustment["kind"] == "shipping_refund":
                    refund_day["ship"] -= abs(D(adjustment["amount"]))
                    refund_day["tax"] -= abs(D(adjustment["tax_amount"]))
                    if included:
                        refund_day["ship"] += abs(D(adjustment["tax_amount"]))
    for day, values in days.items():
        values["new"] = sum(1 for who in values["who"] if first[who].astimezone(zone).date() == day)
    return days


@pytest.mark.parametrize(
    "overrides", [{}, BERLIN, *TAX_INCLUSIVE.values()], ids=["tiny", "tiny-berlin", *TAX_INCLUSIVE]
)
def test_ground_truth_matches_the_rendered_json(overrides):
    shop = build_shop(tiny_spec(**{"bucket_size": 100_000, **overrides}), CLOCK)
    zone = shop.spec.zone
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    expected = _recompute_from_json(orders, zone)
    figures = shop.ground_truth(date(2000, 1, 1), date(2100, 1, 1))
    assert [f.date for f in figures] == sorted(expected)
    assert any(f.returns for f in figures) and any(f.discounts for f in figures)
    for figure in figures:
        hand = expected[figure.date]
        net = _cents(hand["gross"]) - _cents(hand["disc"]) - hand["returns"]
        assert (figure.orders, figure.units) == (hand["orders"], hand["units"]), figure.date
        assert figure.gross_sales == _cents(hand["gross"]) and figure.discounts == _cents(hand["disc"])
        assert figure.returns == hand["returns"] and figure.net_sales == net
        assert figure.shipping == hand["ship"] and figure.taxes == hand["tax"]
        assert figure.total_sales == net + hand["ship"] + hand["tax"]
        assert figure.customers == len(hand["who"]) and figure.new_customers == hand["new"]
        assert figure.returning_customers == figure.customers - figure.new_customers
        if hand["orders"]:
            assert figure.average_order_value == _cents((hand["gross"] - hand["disc"]) / hand["orders"])
        else:
            assert figure.average_order_value is None
        assert figure.currency == shop.spec.currency


# ----- tax-inclusive shops ----------------------------------------------------------------------------------
BERLIN_ZONE = ZoneInfo("Europe/Berlin")


class _FirstChoice:
    """A scripted random stream for the generator: every draw takes the first option (0.0, the lowest
    integer, the leading items), so a discount code is applied (WELCOME10, the first), one unit of the
    first line is refunded and shipping is refunded with it."""

    def random(self) -> float:
        return 0.0

    def randint(self, low: int, high: int) -> int:
        return low

    def sample(self, population: list, k: int) -> list:
        return list(population[:k])

    def choice(self, options):
        return options[0]


def _hand_worked_vat_shop() -> tuple[SandboxShop, Order]:
    """A tax-inclusive Berlin store with one order, priced by the generator's own code.

    On 3 March: 2 × 51.00 (19 % VAT included) with WELCOME10 (10 %), DHL Express 12.90 (VAT included).
    On 5 March: one unit and the shipping are refunded.
    """
    spec = tiny_spec(**TAX_INCLUSIVE["vat-berlin"])
    base = build_shop(spec, CLOCK)
    generator = OrderGenerator(spec, base.catalog, base.people, base.locations)
    script = _FirstChoice()
    ids = DayIds(date(2026, 3, 3))
    order_id = ids.next("order")
    at = _at("2026-03-03T10:00:00+01:00")
    line = _line(ids.next("line_item"), "51.00", 2, at)
    title, code, price = shipping_option("EUR", domestic=True, express=True, goods_total=line.gross)
    ship = ShippingLine(ids.next("shipping_line"), title, code, price)
    discounts = generator._discount(script, [line], [ship])
    generator._tax_line(line, "standard", "DE", None)
    ship.tax_lines = generator._taxes(ship.discounted_price, shipping_tax_rates("DE", "DE", None))
    order = _order(
        order_id,
        "2026-03-03T10:00:00+01:00",
        [line],
        email="kundin@example.de",
        presentment_currency="EUR",
        shipping_lines=[ship],
        discounts=discounts,
        taxes_included=True,
    )
    sale = order.transactions[0]
    generator._refund(script, ids, order, _at("2026-03-05T12:00:00+01:00"), sale, full=False, cancel=False)
    orders = _Orders([order], BERLIN_ZONE)
    shop = SandboxShop(
        spec, CLOCK, base.history_start, base.catalog, base.people, base.locations, orders, base.created_at
    )
    return shop, order


def test_hand_worked_tax_inclusive_order():
    """2 × 51.00 incl. 19 % VAT, 10 % off, express shipping 12.90 incl. VAT; then 1 unit + shipping back.

    Line: A = 102.00 − 10.20 = 91.80, VAT = 91.80 × 0.19 / 1.19 = 14.657… → 14.66.
    Shipping: VAT = 12.90 × 0.19 / 1.19 = 2.0597… → 2.06. Paid 91.80 + 12.90 = 104.70 (VAT inside).
    Refund of 1 unit: 51.00 − 10.20 / 2 = 45.90 incl. 14.66 / 2 = 7.33 VAT; shipping 12.90 incl. 2.06.
    Ground truth: discount_tax = 10.20 × 0.19 / 1.19 = 1.62857… → 1.6286; gross = 102.00 − 14.66 − 1.6286
    = 85.7114 → 85.71; discounts = 10.20 − 1.6286 = 8.5714 → 8.57; shipping 12.90 − 2.06 = 10.84.
    """
    shop, order = _hand_worked_vat_shop()
    status, _headers, body = call(shop, f"{API}/orders/{order.id}.json")
    assert status == 200
    wire = json.loads(body)["order"]
    line, ship, refund = wire["line_items"][0], wire["shipping_lines"][0], wire["refunds"][0]
    vat_19 = {"channel_liable": False, "rate": 0.19, "title": "DE MwSt"}
    assert wire["taxes_included"] is True
    assert (line["price"], line["quantity"]) == ("51.00", 2)
    assert [a["amount"] for a in line["discount_allocations"]] == ["10.20"]
    assert [{k: v for k, v in t.items() if k != "price_set"} for t in line["tax_lines"]] == [
        {**vat_19, "price": "14.66"}
    ]
    assert (ship["title"], ship["price"], ship["discounted_price"]) == ("DHL Express", "12.90", "12.90")
    assert [(t["price"], t["rate"]) for t in ship["tax_lines"]] == [("2.06", 0.19)]
    assert [(t["title"], t["price"]) for t in wire["tax_lines"]] == [("DE MwSt", "16.72")]
    assert wire["discount_codes"] == [{"code": "WELCOME10", "amount": "10.20", "type": "percentage"}]
    assert {
        key: wire[key]
        for key in (
            "total_line_items_price",
            "subtotal_price",
            "total_discounts",
            "total_tax",
            "total_price",
            "current_subtotal_price",
            "current_total_discounts",
            "current_total_tax",
            "current_total_price",
            "financial_status",
        )
    } == {
        "total_line_items_price": "102.00",
        "subtotal_price": "91.80",
        "total_discounts": "10.20",
        "total_tax": "16.72",
        "total_price": "104.70",  # 91.80 + 12.90: no tax on top
        "current_subtotal_price": "45.90",
        "current_total_discounts": "5.10",
        "current_total_tax": "7.33",
        "current_total_price": "45.90",
        "financial_status": "partially_refunded",
    }
    assert wire["total_shipping_price_set"]["shop_money"]["amount"] == "12.90"
    assert [(t["kind"], t["amount"]) for t in _order_transactions(shop, order.id)] == [
        ("sale", "104.70"),
        ("refund", "58.80"),
    ]
    assert [(r["quantity"], r["subtotal"], r["total_tax"]) for r in refund["refund_line_items"]] == [
        (1, 45.9, 7.33)
    ]
    assert [(a["kind"], a["amount"], a["tax_amount"]) for a in refund["order_adjustments"]] == [
        ("shipping_refund", "-12.90", "-2.06")
    ]
    assert [t["amount"] for t in refund["transactions"]] == ["58.80"]  # 45.90 + 12.90, VAT inside

    expected = [
        DailyFigures(
            date=date(2026, 3, 3),
            currency="EUR",
            orders=1,
            units=2,
            gross_sales=D("85.71"),
            discounts=D("8.57"),
            returns=D("0.00"),
            net_sales=D("77.14"),
            shipping=D("10.84"),
            taxes=D("16.72"),
            total_sales=D("104.70"),  # what the customer paid
            average_order_value=D("77.14"),
            customers=1,
            new_customers=1,
            returning_customers=0,
        ),
        DailyFigures(
            date=date(2026, 3, 5),
            currency="EUR",
            orders=0,
            units=0,
            gross_sales=D("0.00"),
            discounts=D("0.00"),
            returns=D("38.57"),  # 45.90 − 7.33
            net_sales=D("-38.57"),
            shipping=D("-10.84"),  # −(12.90 − 2.06)
            taxes=D("-9.39"),  # −(7.33 + 2.06)
            total_sales=D("-58.80"),  # what was paid back
            average_order_value=None,
            customers=0,
            new_customers=0,
            returning_customers=0,
        ),
    ]
    assert shop.ground_truth(date(2026, 3, 1), date(2026, 3, 9)) == expected
    assert reference.ground_truth(shop, date(2026, 3, 1), date(2026, 3, 9)) == expected


def _order_transactions(shop: SandboxShop, order_id: int) -> list[dict]:
    status, _headers, body = call(shop, f"{API}/orders/{order_id}/transactions.json")
    assert status == 200
    return json.loads(body)["transactions"]


@pytest.mark.parametrize("name", sorted(TAX_INCLUSIVE))
def test_tax_inclusive_ground_truth_matches_the_reference_to_the_cent(name):
    shop = tax_inclusive_shop(name)
    start = shop.history_start
    for clock in (CLOCK - timedelta(days=6), CLOCK, CLOCK + timedelta(days=30)):
        shop.set_clock(clock)
        whole = shop.ground_truth(date(2000, 1, 1), date(2100, 1, 1))
        assert whole == reference.ground_truth(shop, date(2000, 1, 1), date(2100, 1, 1))
        assert any(f.discounts for f in whole) and any(f.returns for f in whole)
        for offset, length in ((0, 0), (3, 4), (9, 30)):
            first = start + timedelta(days=offset)
            last = first + timedelta(days=length)
            assert shop.ground_truth(first, last) == reference.ground_truth(shop, first, last)
