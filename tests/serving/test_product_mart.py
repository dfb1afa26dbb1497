"""agg_daily_product_sales (platform_assets/marts/sql/agg_daily_product_sales.sql) on a few hand-made facts,
and the top products and refunds answers that add its days up: each order counted once per variant and
once per product, each refund and each refunded order once per day, amounts exact until the answer rounds.

Day 1 (2026-11-01), shopify, EUR: order A has two lines of p1/v1 (a1: 1 × 10.0050, a2: 2 × 20.0000) and one
of p1/v2 (a3: 1 × 5.0025); order B one line of p1/v2 (b1: 3 × 15.0000) and a gift card (left out); order C
is not counted. Day 2: refund R1 of A (a1 and a3, plus shipping 4.00 with tax 0.80) and refund R2 of A (a2);
day 3: refund R3 of B (b1).

So p1 has 2 orders (A once, though it has 3 lines of 2 variants), 7 units, net 10.0050 + 20 + 5.0025 + 15
= 50.0075 → 50.01 (once; the variants' 30.01 + 20.00 would be 50.01 too, v1 30.0050 → 30.01 and v2
20.0025 → 20.00); v1 has 1 order, v2 has 2. Day 2 has 2 refunds of 1 order, day 3 1 of 1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from platform_assets.serving.queries import products, refunds
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource
from tests.serving.conftest import PRODUCT_MART_SQL, row

D = Decimal
DAY1, DAY2, DAY3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
SPECS = [t.FACT_ORDERS, t.FACT_ORDER_ITEMS, t.FACT_REFUNDS, t.DIM_PRODUCT, t.AGG_DAILY_PRODUCT_SALES]


def order(order_id: str, counted: bool = True) -> tuple:
    return row(
        t.FACT_ORDERS, tenant_id="acme", platform="shopify", order_id=order_id, business_date=DAY1,
        date_key=20261101, currency="EUR", is_counted=counted,
    )  # fmt: skip


def line(order_id: str, line_id: str, variant: str | None, quantity: int, net: str, **more) -> tuple:
    return row(
        t.FACT_ORDER_ITEMS, tenant_id="acme", platform="shopify", order_id=order_id, line_id=line_id,
        business_date=DAY1, product_key=f"shopify:{variant}:2026" if variant else None,
        product_id="p1" if variant in ("v1", "v2") else variant, variant_id=variant,
        sku=variant.upper() if variant else None, quantity=quantity, net_amount=D(net),
        is_counted=more.pop("is_counted", True), **more,
    )  # fmt: skip


def refund_line(order_id: str, refund_id: str, line_id: str | None, day: date, **amounts) -> tuple:
    return row(
        t.FACT_REFUNDS, tenant_id="acme", platform="shopify", order_id=order_id, refund_id=refund_id,
        refund_line_id=f"{refund_id}:{line_id or 'shipping'}", line_id=line_id,
        line_type="line_item" if line_id else "shipping", business_date=day, is_counted=True, **amounts,
    )  # fmt: skip


def product(variant: str, title: str) -> tuple:
    return row(
        t.DIM_PRODUCT, tenant_id="acme", platform="shopify", product_key=f"shopify:{variant}:2026",
        variant_id=variant, product_id="p1", product_title="Mug", variant_title=title,
    )  # fmt: skip


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    warehouse.ensure_tables(SPECS)
    facts = {
        t.FACT_ORDERS: [order("A"), order("B"), order("C", counted=False)],
        t.FACT_ORDER_ITEMS: [
            line("A", "a1", "v1", 1, "10.0050"),
            line("A", "a2", "v1", 2, "20.0000"),
            line("A", "a3", "v2", 1, "5.0025"),
            line("B", "b1", "v2", 3, "15.0000"),
            line("B", "b2", "gift", 1, "50.0000", is_gift_card=True),
            line("C", "c1", "v1", 9, "90.0000", is_counted=False),
        ],
        t.FACT_REFUNDS: [
            refund_line(
                "A", "R1", "a1", DAY2, quantity=1, returns_amount=D("10.0050"), tax_amount=D("1.0005")
            ),
            refund_line("A", "R1", "a3", DAY2, quantity=1, returns_amount=D("5.0025")),
            refund_line("A", "R1", None, DAY2, shipping_amount=D("4.00"), tax_amount=D("0.80")),
            refund_line("A", "R2", "a2", DAY2, quantity=1, returns_amount=D("10.0000")),
            refund_line("B", "R3", "b1", DAY3, quantity=3, returns_amount=D("15.0000")),
        ],
        t.DIM_PRODUCT: [product("v1", "Blue"), product("v2", "Red")],
    }
    with warehouse.transaction() as conn:
        for spec, rows in facts.items():
            warehouse.insert_rows(conn, spec, rows)
    yield warehouse
    warehouse.teardown_after_execution(None)  # type: ignore[arg-type]


def restate(warehouse: WarehouseResource, days: list[date]) -> None:
    with warehouse.transaction() as conn:
        run_file(
            conn, PRODUCT_MART_SQL, {"tenant_id": "acme", "days": days, "all_platforms": t.ALL_PLATFORMS}
        )


MART_COLUMNS = (
    "date", "product_id", "variant_id", "sku", "variant_title", "orders", "product_orders", "units",
    "net_sales", "refunds", "refunded_orders", "units_refunded", "returns", "shipping_refunded",
    "taxes_refunded",
)  # fmt: skip


def mart_rows(warehouse: WarehouseResource) -> list[tuple]:
    mart = t.AGG_DAILY_PRODUCT_SALES.table
    query = sa.select(*(mart.c[name] for name in MART_COLUMNS)).order_by(
        mart.c.date, mart.c.variant_id.asc().nulls_last()
    )
    with warehouse.connect() as conn:
        return [tuple(found) for found in conn.execute(query)]


def test_each_order_and_refund_counts_once_per_row_and_restating_changes_nothing(warehouse):
    restate(warehouse, [DAY1, DAY2, DAY3])
    expected = [
        (DAY1, "p1", "v1", "V1", "Blue", 1, 1, 3, D("30.0050"), 0, 0, 0, D("0"), D("0"), D("0")),
        (DAY1, "p1", "v2", "V2", "Red", 2, 1, 4, D("20.0025"), 0, 0, 0, D("0"), D("0"), D("0")),
        # R1's first line (by refund_line_id "R1:a1") is v1's; R2's too; the order counted once, on v1
        (DAY2, "p1", "v1", None, None, 0, 0, 0, D("0"), 2, 1, 2, D("20.0050"), D("0"), D("1.0005")),
        (DAY2, "p1", "v2", None, None, 0, 0, 0, D("0"), 0, 0, 1, D("5.0025"), D("0"), D("0")),
        (DAY2, None, None, None, None, 0, 0, 0, D("0"), 0, 0, 0, D("0"), D("4.00"), D("0.80")),
        (DAY3, "p1", "v2", None, None, 0, 0, 0, D("0"), 1, 1, 3, D("15.0000"), D("0"), D("0")),
    ]
    assert mart_rows(warehouse) == expected
    restate(warehouse, [DAY2])  # a day restated again: replaced, not added
    assert mart_rows(warehouse) == expected


def test_top_products_and_refunds_add_the_days_up(warehouse):
    restate(warehouse, [DAY1, DAY2, DAY3])
    with warehouse.connect() as conn:
        by_product = products.top_products(
            conn, "acme", DAY1, DAY3, None, products.Grain.product, products.Measure.net_sales, 0, 10
        )
        by_variant = products.top_products(
            conn, "acme", DAY1, DAY3, "shopify", products.Grain.variant, products.Measure.units, 0, 10
        )
        days = refunds.daily_refunds(conn, "acme", DAY1, DAY3, None, 0, 10)
    assert [(p.product_id, p.product_title, p.orders, p.units, p.net_sales) for p in by_product.rows] == [
        ("p1", "Mug", 2, 7, D("50.01"))
    ]
    assert [
        (v.variant_id, v.sku, v.variant_title, v.orders, v.units, v.net_sales) for v in by_variant.rows
    ] == [
        ("v2", "V2", "Red", 2, 4, D("20.00")),
        ("v1", "V1", "Blue", 1, 3, D("30.01")),
    ]
    assert [
        (d.date, d.refunds, d.refunded_orders, d.units, d.returns, d.shipping_refunded, d.taxes_refunded)
        for d in days.rows
    ] == [
        (DAY2, 2, 1, 3, D("25.01"), D("4.00"), D("1.80")),  # 20.0050 + 5.0025 = 25.0075; 1.0005 + 0.80
        (DAY3, 1, 1, 3, D("15.00"), D("0.00"), D("0.00")),
    ]
