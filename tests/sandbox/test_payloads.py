"""Payload shapes follow Shopify's: fixture field types, timestamps with the shop offset, money strings."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sandbox.shopify.spec import FX_RATES_PER_USD
from tests.conftest import load_fixture

from .conftest import API, TAX_INCLUSIVE, call, fetch_all, tax_inclusive_shop, tiny_shop

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")
ORDER_FIELDS = [
    "id",
    "admin_graphql_api_id",
    "name",
    "order_number",
    "number",
    "email",
    "contact_email",
    "phone",
    "created_at",
    "updated_at",
    "processed_at",
    "cancelled_at",
    "cancel_reason",
    "closed_at",
    "currency",
    "presentment_currency",
    "test",
    "source_name",
    "financial_status",
    "fulfillment_status",
    "tags",
    "note",
    "taxes_included",
    "total_price",
    "subtotal_price",
    "total_tax",
    "total_discounts",
    "total_line_items_price",
    "total_price_set",
    "subtotal_price_set",
    "total_tax_set",
    "total_discounts_set",
    "total_line_items_price_set",
    "total_shipping_price_set",
    "current_total_price",
    "customer",
    "billing_address",
    "shipping_address",
    "line_items",
    "discount_codes",
    "discount_applications",
    "tax_lines",
    "shipping_lines",
    "refunds",
]
LINE_FIELDS = [
    "id",
    "admin_graphql_api_id",
    "product_id",
    "variant_id",
    "sku",
    "title",
    "variant_title",
    "name",
    "vendor",
    "quantity",
    "price",
    "price_set",
    "total_discount",
    "total_discount_set",
    "gift_card",
    "taxable",
    "requires_shipping",
    "fulfillable_quantity",
    "tax_lines",
    "discount_allocations",
]


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
            yield f"{path}.{key}", key, item
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, f"{path}[]")


def _same_types(ours: dict, theirs: dict, where: str) -> None:
    for key, expected in theirs.items():
        if key not in ours or ours[key] is None or expected is None:
            continue
        actual = ours[key]
        if isinstance(expected, bool) or isinstance(actual, bool):
            assert isinstance(actual, bool) == isinstance(expected, bool), f"{where}.{key}"
        elif isinstance(expected, int | float) and isinstance(actual, int | float):
            continue
        else:
            assert type(actual) is type(expected), f"{where}.{key}: {actual!r} vs fixture {expected!r}"
        if isinstance(expected, dict):
            _same_types(actual, expected, f"{where}.{key}")
        if isinstance(expected, list) and expected and actual and isinstance(expected[0], dict):
            _same_types(actual[0], expected[0], f"{where}.{key}[0]")


@pytest.fixture(scope="module")
def payloads():
    shop = tiny_shop(bucket_size=10_000)
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    loc_ids = ",".join(str(loc.id) for loc in shop.locations)
    return shop, {
        "orders": orders,
        "customers": fetch_all(shop, "customers", "limit=250"),
        "products": fetch_all(shop, "products", "limit=250"),
        "locations": json.loads(call(shop, f"{API}/locations.json")[2])["locations"],
        "inventory_levels": fetch_all(shop, "inventory_levels", f"location_ids={loc_ids}&limit=250"),
        "shop": json.loads(call(shop, f"{API}/shop.json")[2])["shop"],
    }


def test_field_types_match_the_real_fixtures(payloads):
    _shop, data = payloads
    fixture = load_fixture("order.json")["order"]
    refunded = next(o for o in data["orders"] if o["refunds"])
    _same_types(refunded, fixture, "order")
    refund_fixture = load_fixture("refund.json")["refund"]
    _same_types(refunded["refunds"][0], refund_fixture, "refund")
    for name, ours in (
        ("customer", data["customers"][0]),
        ("product", data["products"][0]),
        ("location", data["locations"][0]),
        ("inventory_level", data["inventory_levels"][0]),
        ("shop", data["shop"]),
    ):
        _same_types(ours, load_fixture(f"{name}.json")[name], name)


def test_required_fields_are_present(payloads):
    _shop, data = payloads
    for order in data["orders"]:
        assert set(ORDER_FIELDS) <= set(order)
        for line in order["line_items"]:
            assert set(LINE_FIELDS) <= set(line)
    shop_fields = [
        "id",
        "name",
        "email",
        "domain",
        "myshopify_domain",
        "iana_timezone",
        "timezone",
        "currency",
        "enabled_presentment_currencies",
        "plan_name",
        "country_code",
        "money_format",
        "created_at",
        "updated_at",
    ]
    assert set(shop_fields) <= set(data["shop"])
    assert data["shop"]["timezone"] == "(GMT-05:00) America/New_York"
    assert set(
        ["inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"]
    ) == set(data["inventory_levels"][0])


def test_timestamps_carry_the_shop_offset_of_their_instant(payloads):
    shop, data = payloads
    offsets = set()
    for value in data.values():
        for path, key, item in _walk(value):
            if key.endswith("_at") and isinstance(item, str):
                assert TIMESTAMP.match(item), (path, item)
                stamp = datetime.fromisoformat(item)
                assert stamp.utcoffset() == stamp.astimezone(shop.spec.zone).utcoffset(), (path, item)
                offsets.add(item[-6:])
    assert offsets == {"-05:00", "-04:00"}  # the history spans the switch to daylight saving time


def test_money_is_strings_except_the_refund_line_quirk(payloads):
    _shop, data = payloads
    for order in data["orders"]:
        for path, key, item in _walk(order):
            if (
                key
                in {
                    "amount",
                    "price",
                    "total_price",
                    "subtotal_price",
                    "total_tax",
                    "total_discounts",
                    "discounted_price",
                    "tax_amount",
                }
                and "refund_line_items" not in path
            ):
                assert isinstance(item, str) and MONEY.match(item), (path, item)
            if key == "id":
                assert isinstance(item, int) and 0 < item < 2**53, (path, item)
        for refund in order["refunds"]:
            for item in refund["refund_line_items"]:
                assert isinstance(item["subtotal"], float) and isinstance(item["total_tax"], float)
                assert MONEY.match(item["subtotal_set"]["shop_money"]["amount"])
            for adjustment in refund["order_adjustments"]:
                assert adjustment["amount"].startswith("-") and adjustment["kind"] == "shipping_refund"
                assert adjustment["tax_amount"].startswith("-") or adjustment["tax_amount"] == "0.00"
                assert adjustment["tax_amount"] != "-0.00"
            assert [t["kind"] for t in refund["transactions"]] == ["refund"]


def test_guests_have_no_customer_but_an_email(payloads):
    _shop, data = payloads
    guests = [o for o in data["orders"] if o["customer"] is None and o["email"]]
    registered = [o for o in data["orders"] if o["customer"] is not None]
    assert guests and registered
    for order in registered:
        assert {
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "created_at",
            "updated_at",
            "tags",
            "state",
            "default_address",
        } <= set(order["customer"])
    assert all(
        o["name"] == f"#{o['order_number']}" and o["number"] == o["order_number"] - 1000
        for o in data["orders"]
    )
    for order in data["orders"]:
        assert isinstance(order["tags"], str)
        assert all(tag == tag.strip() and tag for tag in order["tags"].split(", ")) or order["tags"] == ""


def test_presentment_money_uses_the_fixed_rate():
    shop = tiny_shop(
        name="tiny-eu",
        timezone="Europe/Berlin",
        currency="EUR",
        country_code="DE",
        catalog="coffee",
        presentment_currencies=["EUR", "USD", "GBP", "CHF"],
        foreign_presentment_share=0.5,
    )
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    foreign = [o for o in orders if o["presentment_currency"] != "EUR"]
    assert foreign and len(foreign) < len(orders)
    for order in foreign:
        currency = order["presentment_currency"]
        rate = FX_RATES_PER_USD[currency] / FX_RATES_PER_USD["EUR"]
        money = order["total_price_set"]
        assert money["shop_money"] == {"amount": order["total_price"], "currency_code": "EUR"}
        converted = (Decimal(order["total_price"]) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert money["presentment_money"] == {"amount": f"{converted:.2f}", "currency_code": currency}
        for line in order["line_items"]:
            assert line["price"] == line["price_set"]["shop_money"]["amount"]


# ----- tax-inclusive shops ----------------------------------------------------------------------------------
CENT = Decimal("0.01")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def _money(values) -> Decimal:
    return sum((Decimal(str(value)) for value in values), Decimal(0))


def _in_presentment(amount: Decimal, order: dict) -> str:
    """Shop money converted to the order's presentment currency (fixed rate, half-up), as the wire says it."""
    rate = FX_RATES_PER_USD[order["presentment_currency"]] / FX_RATES_PER_USD[order["currency"]]
    return f"{_cents(amount * rate):.2f}"


def _assert_taxes_inside(item: dict, amount: Decimal) -> None:
    """Each tax line of a line or shipping line is its rate's part of the tax-inclusive ``amount``."""
    rates = _money(tax["rate"] for tax in item["tax_lines"])
    for tax in item["tax_lines"]:
        rate = Decimal(str(tax["rate"]))
        assert Decimal(tax["price"]) == _cents(amount * rate / (1 + rates)), (item["id"], tax)


@pytest.fixture(scope="module")
def tax_inclusive_orders() -> dict[str, tuple[dict, list[dict], dict[int, list[dict]]]]:
    """Per tax-inclusive test shop: its shop.json, its orders, and each order's transactions."""
    stores = {}
    for name in TAX_INCLUSIVE:
        shop = tax_inclusive_shop(name)
        orders = fetch_all(shop, "orders", "status=any&limit=250")
        transactions = {
            order["id"]: json.loads(call(shop, f"{API}/orders/{order['id']}/transactions.json")[2])[
                "transactions"
            ]
            for order in orders
        }
        stores[name] = (json.loads(call(shop, f"{API}/shop.json")[2])["shop"], orders, transactions)
    return stores


def test_taxes_included_flag_follows_the_shop(payloads, tax_inclusive_orders):
    _shop, data = payloads
    assert data["shop"]["taxes_included"] is False
    assert all(order["taxes_included"] is False for order in data["orders"])
    for shop_json, orders, _transactions in tax_inclusive_orders.values():
        assert shop_json["taxes_included"] is True
        assert orders and all(order["taxes_included"] is True for order in orders)


@pytest.mark.parametrize("name", sorted(TAX_INCLUSIVE))
def test_tax_inclusive_orders_add_up(name, tax_inclusive_orders):
    """Prices include tax: tax lines are the part of each charge that is tax, totals add none on top,
    refunds give back tax-inclusive subtotals and shipping."""
    _shop_json, orders, transactions = tax_inclusive_orders[name]
    refunded_shipping = 0
    for order in orders:
        lines, ships = order["line_items"], order["shipping_lines"]
        charged = {}
        for item in lines:
            charged[item["id"]] = Decimal(item["price"]) * item["quantity"] - _money(
                a["amount"] for a in item["discount_allocations"]
            )
            _assert_taxes_inside(item, charged[item["id"]])
        ship_charged = Decimal(0)
        for ship in ships:
            amount = Decimal(ship["price"]) - _money(a["amount"] for a in ship["discount_allocations"])
            assert Decimal(ship["discounted_price"]) == amount
            _assert_taxes_inside(ship, amount)
            ship_charged += amount
        total_tax = Decimal(order["total_tax"])
        assert total_tax == _money(t["price"] for t in order["tax_lines"])
        assert total_tax == _money(t["price"] for item in lines + ships for t in item["tax_lines"])
        assert Decimal(order["total_line_items_price"]) == _money(
            Decimal(item["price"]) * item["quantity"] for item in lines
        )
        assert Decimal(order["subtotal_price"]) == sum(charged.values(), Decimal(0))
        assert Decimal(order["total_price"]) == Decimal(order["subtotal_price"]) + ship_charged
        sales = [t for t in transactions[order["id"]] if t["kind"] == "sale"]
        if sales and order["presentment_currency"] == order["currency"]:
            assert _money(t["amount"] for t in sales) == Decimal(order["total_price"])
        given_back = Decimal(0)
        subtotals: dict[int, Decimal] = {}
        taxes: dict[int, Decimal] = {}
        for refund in order["refunds"]:
            items, adjustments = refund["refund_line_items"], refund["order_adjustments"]
            for item in items:
                subtotals[item["line_item_id"]] = subtotals.get(item["line_item_id"], 0) + _money(
                    [item["subtotal"]]
                )
                taxes[item["line_item_id"]] = taxes.get(item["line_item_id"], 0) + _money([item["total_tax"]])
            shipping_back = -_money(a["amount"] for a in adjustments)
            amount = _money(item["subtotal"] for item in items) + shipping_back
            assert [t["amount"] for t in refund["transactions"]] == [_in_presentment(amount, order)]
            given_back += amount
            if adjustments:  # the whole shipping charge (tax included) and the tax inside it
                refunded_shipping += 1
                assert shipping_back == ship_charged
                assert -_money(a["tax_amount"] for a in adjustments) == _money(
                    t["price"] for ship in ships for t in ship["tax_lines"]
                )
        for item in lines:  # a line given back in full returns exactly its charge and its taxes
            if item["current_quantity"] == 0 and item["id"] in subtotals:
                assert subtotals[item["id"]] == charged[item["id"]]
                assert taxes[item["id"]] == _money(t["price"] for t in item["tax_lines"])
        assert Decimal(order["current_total_price"]) == Decimal(order["total_price"]) - given_back
    assert refunded_shipping
