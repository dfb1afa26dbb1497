"""WooCommerce typing on single payloads: the _gmt dates (never the site-time twins), a line's price as a
JSON number next to string totals, refunds sent negative stored positive with the rest of a full refund
split into shipping and its tax, exact money, and dead letters naming the field and the value."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from platform_assets.sources.woocommerce import staging
from platform_assets.sources.woocommerce import tables as wt
from platform_assets.sources.woocommerce.raw_fetch import settings_zone_name
from tests.sources.woocommerce.test_same_sale_both_platforms import _woocommerce_order

NY = ZoneInfo("America/New_York")
DAY = date(2026, 2, 13)


def _rows(staged: staging.Staged, spec) -> list[dict]:
    return [dict(zip(spec.column_names, row, strict=True)) for row in staged.rows[spec.name]]


def test_an_order_is_dated_by_its_gmt_fields_in_the_business_timezone():
    order = _woocommerce_order(False)
    order["date_paid_gmt"] = "2026-02-11T04:30:00"  # 23:30 on the 10th in New York
    order["date_paid"] = "2026-02-11T04:30:00"  # a site-time twin that would say the 11th: never read
    staged = staging.stage_orders([order], "t1", DAY, NY)
    (row,) = _rows(staged, wt.STG_WOOCOMMERCE_ORDERS)
    assert row["sold_at"] == datetime(2026, 2, 11, 4, 30) and row["business_date"] == date(2026, 2, 10)
    assert row["created_at"] == datetime(2026, 2, 10, 20, 0)
    assert row["refunded_total"] == Decimal("24.30") and row["customer_id"] is None


def test_unpaid_orders_count_on_their_creation_day():
    order = {**_woocommerce_order(False), "date_paid_gmt": None, "status": "on-hold"}
    (row,) = _rows(staging.stage_orders([order], "t1", DAY, NY), wt.STG_WOOCOMMERCE_ORDERS)
    assert row["paid_at"] is None and row["sold_at"] == row["created_at"]


def test_line_price_is_a_number_totals_are_strings_and_money_stays_exact():
    order = _woocommerce_order(False)
    # WooCommerce serves price as PHP's unrounded float division (10.00 / 3 = 3.3333333333333335)
    order["line_items"][0].update(quantity=3, subtotal="10.00", total="10.00", price=10.0 / 3)
    (line, _) = _rows(staging.stage_orders([order], "t1", DAY, NY), wt.STG_WOOCOMMERCE_ORDER_LINES)
    assert line["price"] == Decimal("3.333333") and line["unit_price"] == Decimal("3.3333")
    assert line["subtotal"] == Decimal("10.00") and line["discount"] == Decimal("0")
    order["line_items"][0].update(quantity=3, subtotal="2.00", total="2.00", price=2.0 / 3)
    (line, _) = _rows(staging.stage_orders([order], "t1", DAY, NY), wt.STG_WOOCOMMERCE_ORDER_LINES)
    assert line["price"] == Decimal("0.666667")


def test_a_full_refund_gives_back_shipping_and_its_tax_beyond_its_lines():
    order = _woocommerce_order(False)
    refund = order["storehouse_refunds"][0]
    refund["amount"] = "66.96"  # everything: lines 55.00 + tax 4.40, shipping 7.00 + tax 0.56
    refund["line_items"] = [
        {
            **refund["line_items"][0],
            "quantity": -2,
            "total": "-45.00",
            "subtotal": "-45.00",
            "total_tax": "-3.60",
        },
        {
            "id": 702,
            "quantity": -1,
            "total": "-10.00",
            "subtotal": "-10.00",
            "total_tax": "-0.80",
            "meta_data": [{"key": "_refunded_item_id", "value": "2"}],
        },
    ]
    order["refunds"] = [{"id": 70, "total": "-66.96"}]
    staged = staging.stage_orders([order], "t1", DAY, NY)
    (row,) = _rows(staged, wt.STG_WOOCOMMERCE_REFUNDS)
    assert (row["amount"], row["items_amount"], row["items_tax"], row["other_amount"], row["other_tax"]) == (
        Decimal("66.96"),
        Decimal("55.00"),
        Decimal("4.40"),
        Decimal("7.00"),
        Decimal("0.56"),
    )
    lines = _rows(staged, wt.STG_WOOCOMMERCE_REFUND_LINES)
    assert [(r["line_id"], r["quantity"], r["total"]) for r in lines] == [
        (1, 2, Decimal("45.00")),
        (2, 1, Decimal("10.00")),
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"total": "12,50"}, "total is not an amount: '12,50'"),
        (
            {"date_created_gmt": "0000-00-00T00:00:00"},
            "date_created_gmt is not a timestamp: '0000-00-00T00:00:00'",
        ),
        ({"date_modified_gmt": None}, "date_modified_gmt is missing"),
        ({"status": "shipped"}, "stg_woocommerce_orders.status"),
        (
            {"refunds": [{"id": 70, "total": "-24.30"}, {"id": 71, "total": "-1.00"}]},
            "refunds ['71'] are listed",
        ),
    ],
)
def test_a_bad_order_is_a_dead_letter_naming_the_field_and_the_good_ones_flow(change, reason):
    good = _woocommerce_order(False)
    bad = {**_woocommerce_order(False), "id": 9002, **change}
    staged = staging.stage_orders([good, bad], "t1", DAY, NY)
    assert staged.staged == 1 and [r["order_id"] for r in _rows(staged, wt.STG_WOOCOMMERCE_ORDERS)] == [9001]
    (letter,) = staged.dead_letters
    assert letter.record_key == "9002" and reason in letter.reason


def test_the_same_order_twice_is_staged_once():
    staged = staging.stage_orders([_woocommerce_order(False), _woocommerce_order(False)], "t1", DAY, NY)
    assert staged.staged == 1 and staged.dead_letters == []


def test_the_site_timezone_comes_from_its_name_else_a_whole_hour_offset():
    assert settings_zone_name("Europe/London", 0.0) == "Europe/London"
    assert settings_zone_name(None, 2.0) == "Etc/GMT-2"
    assert settings_zone_name(None, -5.0) == "Etc/GMT+5"
    assert settings_zone_name(None, 0.0) == "Etc/UTC"
    assert settings_zone_name(None, 5.5) is None
