"""The accepted amount syntax, the record rules that turn would-be blocking-check failures into dead letters,
and the tax taken out of tax-inclusive lines, on single payloads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from platform_assets.sources.shopify import staging
from platform_assets.sources.shopify.parse import money, rate
from platform_assets.warehouse import tables as t
from resources.warehouse import WarehouseResource
from tests.conftest import load_fixture

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 1, 2)


@pytest.mark.parametrize(
    ("value", "amount"),
    [("12.50", "12.50"), ("-5", "-5"), ("12.345", "12.345"), ("0.0001", "0.0001"), (12.5, "12.5"), (3, "3")],
)
def test_accepted_amounts_keep_their_precision(value, amount):
    parsed = money(value, "price")
    assert parsed == Decimal(amount) and str(parsed) == amount


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e3", "price is not an amount: '1e3'"),
        (" 12.00 ", "price is not an amount: ' 12.00 '"),
        ("12,50", "price is not an amount: '12,50'"),
        ("+1.00", "price is not an amount: '+1.00'"),
        ("12.", "price is not an amount: '12.'"),
        ("NaN", "price is not an amount: 'NaN'"),
        ("Infinity", "price is not an amount: 'Infinity'"),
        (float("nan"), "price is not an amount: nan"),
        (float("inf"), "price is not an amount: inf"),
        (True, "price is not an amount: True"),
        ({"amount": "1"}, "price is not an amount: {'amount': '1'}"),
        ("１２", "price is not an amount: '１２'"),
        ("9.99999", "price has more than 4 decimal places: '9.99999'"),
        (1e-05, "price has more than 4 decimal places: 1e-05"),
    ],
)
def test_refused_amounts_name_the_field_and_the_value(value, reason):
    with pytest.raises(ValueError) as error:
        money(value, "price")
    assert str(error.value) == reason


def test_rates_keep_six_places():
    assert rate("0.08875", "rate") == Decimal("0.08875")
    assert rate(None, "rate") is None
    with pytest.raises(ValueError, match="rate has more than 6 decimal places"):
        rate("0.1234567", "rate")


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_any_four_place_decimal_round_trips_exactly(amount):
    assert money(format(amount, "f"), "price") == amount


def _order(**changes) -> dict:
    return {**load_fixture("order.json")["order"], **changes}


def _lines(staged: staging.Staged) -> list[dict]:
    names = t.STG_SHOPIFY_ORDER_LINES.column_names
    return [dict(zip(names, row, strict=True)) for row in staged.rows[t.STG_SHOPIFY_ORDER_LINES.name]]


def test_tax_inclusive_line_splits_its_tax_between_gross_and_discount():
    line = {
        "id": 1,
        "quantity": 2,
        "price": "51.00",
        "discount_allocations": [{"amount": "10.20"}],
        "tax_lines": [{"title": "DE MwSt", "rate": 0.19, "price": "14.66"}],
    }
    staged = staging.stage_orders(
        [_order(taxes_included=True, line_items=[line], refunds=[])], "acme", DAY, BERLIN
    )
    (row,) = _lines(staged)
    assert (row["discount_tax"], row["gross_sales"], row["discounts"]) == (
        Decimal("1.6286"),
        Decimal("85.7114"),
        Decimal("8.5714"),
    )
    assert row["gross_sales"] - row["discounts"] == Decimal("102.00") - Decimal("10.20") - Decimal("14.66")


def test_tax_exclusive_line_keeps_price_times_quantity():
    staged = staging.stage_orders([_order(refunds=[])], "acme", DAY, BERLIN)
    assert [(r["gross_sales"], r["discounts"], r["discount_tax"]) for r in _lines(staged)] == [
        (Decimal("199.00"), Decimal("0.00"), Decimal("0"))
    ] * 3


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"taxes_included": "yes"}, "taxes_included is not true or false: 'yes'"),
        ({"financial_status": "mystery"}, None),
        ({"currency": "euro"}, "stg_shopify_orders.currency is 'euro': does not match ^[A-Z]{3}$"),
        ({"total_price": "-1.00"}, "stg_shopify_orders.total_price is -1.00: below 0"),
    ],
)
def test_a_record_breaking_a_staging_rule_is_a_dead_letter_naming_it(changes, reason):
    good = _order(id=1001, refunds=[])
    bad = _order(refunds=[], **changes)
    staged = staging.stage_orders([good, bad], "acme", DAY, BERLIN)
    assert staged.staged == 1
    (letter,) = staged.dead_letters
    expected = reason or (
        "stg_shopify_orders.financial_status is 'mystery': not one of authorized, paid, partially_paid, "
        "partially_refunded, pending, refunded, voided"
    )
    assert letter.reason == expected and letter.payload == bad


def test_a_refund_of_a_line_the_order_does_not_have_is_a_dead_letter():
    refund = load_fixture("refund.json")["refund"]
    item = {**refund["refund_line_items"][0], "line_item_id": 42, "line_item": {}}
    staged = staging.stage_orders(
        [_order(refunds=[{**refund, "refund_line_items": [item]}])], "acme", DAY, BERLIN
    )
    assert [d.reason for d in staged.dead_letters] == [
        "refund_line_items.line_item_id 42 is not a line of this order"
    ]


def test_a_warehouse_made_by_an_older_version_is_upgraded_in_place(tmp_path):
    """Money columns at 2 decimals are widened and missing columns added; existing rows are kept."""
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'old.duckdb'}")
    spec = t.STG_SHOPIFY_SHIPPING_LINES
    old_columns = [c for c in spec.sqlalchemy_table().columns if c.name != "net_amount"]
    with warehouse.transaction() as conn:
        old = sa.Table(spec.name, sa.MetaData(), *(sa.Column(c.name, c.type) for c in old_columns))
        for column in old.columns:
            if isinstance(column.type, sa.Numeric):
                column.type = sa.Numeric(18, 2)
        old.create(conn)
        for index in spec.sqlalchemy_table().indexes:
            conn.execute(sa.schema.CreateIndex(index))
        conn.execute(
            sa.text(
                f"INSERT INTO {spec.name} (tenant_id, partition_date, order_id, shipping_line_id, price, "
                "discount_allocated, tax_amount) VALUES ('acme', DATE '2026-01-01', 1, 1, 4.90, 0, 0.78)"
            )
        )
    warehouse.ensure_tables([spec])
    with warehouse.transaction() as conn:
        conn.execute(sa.text(f"UPDATE {spec.name} SET price = 4.9051, net_amount = 4.1251"))
        row = conn.execute(sa.text(f"SELECT price, net_amount, tax_amount FROM {spec.name}")).one()
    assert row == (Decimal("4.9051"), Decimal("4.1251"), Decimal("0.78"))
