"""Staging against real Shopify payloads (../shared/fixtures/shopify): older API versions with missing
processed_at, no *_set money bags, no discount allocations, refund lines without subtotal."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from platform_assets.sources.shopify import staging
from platform_assets.sources.shopify import tables as st
from tests.conftest import load_fixture

NY = ZoneInfo("America/New_York")
DAY = date(2026, 1, 2)


def _as_dict(spec, row):
    assert len(row) == len(spec.columns), (
        f"{spec.name}: row has {len(row)} values for {len(spec.columns)} columns"
    )
    return dict(zip(spec.column_names, row, strict=True))


def test_order_fixture_stages_every_child_table():
    order = load_fixture("order.json")["order"]
    rows = staging.stage_orders([order], "acme", DAY, NY).rows

    (head,) = [_as_dict(st.STG_SHOPIFY_ORDERS, r) for r in rows[st.STG_SHOPIFY_ORDERS.name]]
    assert head["order_id"] == order["id"]
    # processed_at is null in this payload: the order is dated by created_at, in the shop's timezone.
    assert head["processed_at"] == head["created_at"]
    assert head["business_date"] == head["processed_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(NY).date()
    assert head["total_price"] == Decimal(order["total_price"])
    assert head["total_tax"] == Decimal("11.94")
    assert head["is_test"] is False

    lines = [_as_dict(st.STG_SHOPIFY_ORDER_LINES, r) for r in rows[st.STG_SHOPIFY_ORDER_LINES.name]]
    assert [line["sku"] for line in lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert sum(line["price"] * line["quantity"] for line in lines) == Decimal("597.00")
    assert all(line["discount_allocated"] == Decimal("0.00") for line in lines)

    codes = [_as_dict(st.STG_SHOPIFY_DISCOUNT_CODES, r) for r in rows[st.STG_SHOPIFY_DISCOUNT_CODES.name]]
    assert [(c["code"], c["amount"]) for c in codes] == [("TENOFF", Decimal("10.00"))]
    taxes = [_as_dict(st.STG_SHOPIFY_TAX_LINES, r) for r in rows[st.STG_SHOPIFY_TAX_LINES.name]]
    assert [(x["scope"], x["title"], x["rate"], x["amount"]) for x in taxes] == [
        ("order", "State Tax", Decimal("0.06"), Decimal("11.94"))
    ]
    shipping = [_as_dict(st.STG_SHOPIFY_SHIPPING_LINES, r) for r in rows[st.STG_SHOPIFY_SHIPPING_LINES.name]]
    assert [(s["title"], s["price"]) for s in shipping] == [("Free Shipping", Decimal("0.00"))]


def test_refund_fixture_on_an_order_dates_returns_on_the_refund_day():
    order = load_fixture("order.json")["order"]
    refund = load_fixture("refund.json")["refund"]
    rows = staging.stage_orders([{**order, "refunds": [refund]}], "acme", DAY, NY).rows

    (head,) = [_as_dict(st.STG_SHOPIFY_REFUNDS, r) for r in rows[st.STG_SHOPIFY_REFUNDS.name]]
    assert head["refund_id"] == 509562969
    assert head["created_at"] == datetime(2016, 6, 20, 17, 35, 6)  # 13:35:06-04:00 in UTC
    assert head["business_date"] == date(2016, 6, 20)
    assert head["transactions_amount"] == Decimal("209.00")

    refund_lines = [_as_dict(st.STG_SHOPIFY_REFUND_LINES, r) for r in rows[st.STG_SHOPIFY_REFUND_LINES.name]]
    # This older payload has no subtotal/total_tax: price × quantity and the line's tax share are used.
    assert [(r["line_id"], r["quantity"], r["subtotal"], r["total_tax"]) for r in refund_lines] == [
        (703073504, 1, Decimal("199.00"), Decimal("3.98")),
        (466157049, 1, Decimal("199.00"), Decimal("3.98")),
    ]


def test_refund_line_numbers_are_kept_exact():
    order = load_fixture("order.json")["order"]
    refund = load_fixture("refund.json")["refund"]
    refund = {
        **refund,
        "refund_line_items": [{**refund["refund_line_items"][0], "subtotal": 195.66, "total_tax": 3.98}],
    }
    rows = staging.stage_orders([{**order, "refunds": [refund]}], "acme", DAY, NY).rows
    (line,) = [_as_dict(st.STG_SHOPIFY_REFUND_LINES, r) for r in rows[st.STG_SHOPIFY_REFUND_LINES.name]]
    assert (line["subtotal"], line["total_tax"]) == (Decimal("195.66"), Decimal("3.98"))


def test_orders_list_fixture():
    orders = load_fixture("orders.json")["orders"]
    rows = staging.stage_orders(orders, "acme", DAY, NY).rows
    heads = [_as_dict(st.STG_SHOPIFY_ORDERS, r) for r in rows[st.STG_SHOPIFY_ORDERS.name]]
    assert [h["order_id"] for h in heads] == [o["id"] for o in orders]
    assert heads[0]["total_price_presentment"] == Decimal("598.94")
    assert heads[0]["email"] == "bob.norman@hostmail.com"
    assert heads[0]["ship_to_city"] == "Louisville"


def test_customer_fixture_with_addresses():
    customer = load_fixture("customer.json")["customer"]
    rows = staging.stage_customers([customer], "acme", DAY).rows
    (head,) = [_as_dict(st.STG_SHOPIFY_CUSTOMERS, r) for r in rows[st.STG_SHOPIFY_CUSTOMERS.name]]
    assert head["customer_id"] == customer["id"]
    assert head["email"] == customer["email"]
    addresses = rows[st.STG_SHOPIFY_CUSTOMER_ADDRESSES.name]
    assert len(addresses) == len(customer["addresses"])


def test_product_fixture_with_variants_and_tags():
    product = load_fixture("product.json")["product"]
    rows = staging.stage_products([product], "acme", DAY).rows
    variants = [
        _as_dict(st.STG_SHOPIFY_PRODUCT_VARIANTS, r) for r in rows[st.STG_SHOPIFY_PRODUCT_VARIANTS.name]
    ]
    assert [v["variant_id"] for v in variants] == [v["id"] for v in product["variants"]]
    assert [v["price"] for v in variants] == [Decimal(v["price"]) for v in product["variants"]]
    tags = [r[-1] for r in rows[st.STG_SHOPIFY_PRODUCT_TAGS.name]]
    assert tags == [tag.strip() for tag in product["tags"].split(",") if tag.strip()]


def test_locations_and_inventory_fixtures():
    taken = datetime(2026, 1, 2, 12, 0, 0)
    locations = load_fixture("locations.json")["locations"]
    rows = staging.stage_locations(locations, "acme", DAY, taken).rows
    assert [r[2] for r in rows[st.STG_SHOPIFY_LOCATIONS.name]] == [loc["id"] for loc in locations]
    levels = load_fixture("inventory_levels.json")["inventory_levels"]
    rows = staging.stage_inventory_levels(levels, "acme", DAY, taken).rows
    assert [(r[2], r[3], r[4]) for r in rows[st.STG_SHOPIFY_INVENTORY_LEVELS.name]] == [
        (lvl["inventory_item_id"], lvl["location_id"], lvl["available"]) for lvl in levels
    ]


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"id": None}, "id is missing"),
        ({"created_at": "yesterday"}, "created_at is not a timestamp: 'yesterday'"),
        ({"total_price": "12,00"}, "total_price is not an amount: '12,00'"),
        ({"currency": None}, "currency is missing"),
    ],
)
def test_a_bad_order_becomes_a_dead_letter_and_the_good_ones_flow(patch, reason):
    good = {**load_fixture("order.json")["order"], "id": 1001}
    bad = {**load_fixture("order.json")["order"], **patch}
    staged = staging.stage_orders([good, bad], "acme", DAY, NY)
    assert staged.staged == 1
    assert [(d.reason, d.payload) for d in staged.dead_letters] == [(reason, bad)]
    assert [r[2] for r in staged.rows[st.STG_SHOPIFY_ORDERS.name]] == [good["id"]]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "the record is an array, not a JSON object"),
        ("order", "the record is a string, not a JSON object"),
        (7, "the record is a number, not a JSON object"),
        (None, "the record is null, not a JSON object"),
        (True, "the record is true or false, not a JSON object"),
    ],
)
def test_a_record_that_is_json_but_not_an_object_is_a_dead_letter_on_every_platform(record, reason):
    from platform_assets.sources.woocommerce import staging as woo_staging

    good = {**load_fixture("order.json")["order"], "id": 1001}
    staged = staging.stage_orders([good, record], "acme", DAY, NY)
    assert staged.staged == 1
    assert [(d.reason, d.payload) for d in staged.dead_letters] == [(reason, {"record": record})]
    woo = woo_staging.stage_orders([record], "acme", DAY, NY)
    assert woo.staged == 0
    assert [(d.reason, d.payload) for d in woo.dead_letters] == [(reason, {"record": record})]


def test_a_record_failing_halfway_leaves_no_partial_rows():
    order = load_fixture("order.json")["order"]
    lines = [dict(line) for line in order["line_items"]]
    lines[2]["quantity"] = -1  # the order header and the first two lines stage before this fails
    staged = staging.stage_orders([{**order, "line_items": lines}], "acme", DAY, NY)
    assert [d.reason for d in staged.dead_letters] == ["line_items.quantity is negative: -1"]
    assert all(not rows for rows in staged.rows.values())


def test_duplicates_identical_once_newer_wins_conflicting_copies_are_dead():
    order = load_fixture("order.json")["order"]
    newer = {**order, "updated_at": "2008-01-10T12:00:00-05:00", "note": "edited"}
    staged = staging.stage_orders([order, order, newer], "acme", DAY, NY)
    assert (staged.staged, staged.dead_letters) == (1, [])
    assert staged.rows[st.STG_SHOPIFY_ORDERS.name][0][-6] == "edited"

    twin = {**order, "note": "different content, same updated_at"}
    staged = staging.stage_orders([order, twin], "acme", DAY, NY)
    assert staged.staged == 0
    assert [d.reason for d in staged.dead_letters] == ["the same id came twice with different content"] * 2


def test_bad_snapshot_records_become_dead_letters_naming_the_field():
    taken = datetime(2026, 1, 2, 12, 0, 0)
    level = {**load_fixture("inventory_levels.json")["inventory_levels"][0], "location_id": None}
    staged = staging.stage_inventory_levels([level], "acme", DAY, taken)
    item = level["inventory_item_id"]
    assert [(d.record_key, d.reason) for d in staged.dead_letters] == [
        (f"({item}, None)", "location_id is missing")
    ]
    location = {**load_fixture("locations.json")["locations"][0], "updated_at": "later"}
    staged = staging.stage_locations([location], "acme", DAY, taken)
    assert [d.reason for d in staged.dead_letters] == ["updated_at is not a timestamp: 'later'"]


def test_unknown_fields_are_counted_as_schema_drift_and_staging_goes_on():
    orders = load_fixture("orders.json")["orders"]
    assert staging.stage_orders(orders, "acme", DAY, NY).new_fields == {}
    drifted = [{**order, "loyalty_tier": "gold"} for order in orders]
    staged = staging.stage_orders(drifted, "acme", DAY, NY)
    assert staged.new_fields == {"loyalty_tier": len(orders)}
    assert staged.staged == len(orders)
