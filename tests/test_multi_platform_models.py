"""The shared layers for a tenant selling on two platforms, at the SQL-model level: conformed rows of
'shopify' and 'woocommerce' are inserted directly, then the core and marts SQL run as their assets run them.

The tenant (two days, USD):

* alice@example.com, registered on shopify: first order S1 on shopify on day 1 (14:00), W1 on woocommerce
  later that day, W2 on woocommerce on day 2; S1 is refunded on day 2. New on shopify on day 1, returning
  on woocommerce the same day and on day 2.
* bob@example.com, registered on woocommerce (customer id 1, the same id as alice's on shopify): first order
  W3 on woocommerce on day 1; on day 2 a guest checkout S2 on shopify with the same email: one customer,
  returning on shopify.
* carol@example.com, a woocommerce guest, first and only order W4 on day 2.

Amounts to 4 decimals make the rounding visible: shopify's day-1 gross is 10.005 → 10.01 and
woocommerce's 25.005 → 25.01, so the day's gross across platforms is their sum 35.02, not round(35.01)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from platform_assets import clock as pipeline_clock
from platform_assets.core.assets import SQL_DIR as CORE_SQL
from platform_assets.marts.assets import SQL_DIR as MARTS_SQL
from platform_assets.marts.completeness import judge_completeness
from platform_assets.quality.reconciliation import SQL_DIR as QUALITY_SQL
from platform_assets.staging.ledger import IngestedPartition, record_staged
from platform_assets.tenants import Tenant
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import run_file, statements
from resources.warehouse import WarehouseResource

TENANT = "acme"
SHOPIFY, WOO, ALL = "shopify", "woocommerce", t.ALL_PLATFORMS
DAY1, DAY2 = date(2026, 5, 1), date(2026, 5, 2)
MODELS = [
    t.STG_ORDERS,
    t.STG_ORDER_LINES,
    t.STG_REFUNDS,
    t.STG_CUSTOMERS,
    t.STG_PRODUCTS,
    t.DIM_PRODUCT,
    t.FACT_ORDERS,
    t.FACT_ORDER_ITEMS,
    t.FACT_REFUNDS,
    t.DIM_CUSTOMER,
    t.AGG_DAILY_SALES,
    t.AGG_WEEKLY_TRENDS,
    t.SOURCE_DELETIONS,  # dim_customer.sql reads it (orders deleted at the source)
]
CORE_ORDER = ["dim_product", "fact_orders", "fact_order_items", "fact_refunds", "dim_customer"]


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def row(spec: TableSpec, **values: Any) -> tuple:
    """A row in the spec's column order: the given values, the tenant, null elsewhere."""
    values.setdefault("tenant_id", TENANT)
    unknown = set(values) - set(spec.column_names)
    assert not unknown, unknown
    return tuple(values.get(name) for name in spec.column_names)


def order(
    platform: str,
    order_id: str,
    key: str,
    day: date,
    hour: int,
    gross: str,
    discounts: str,
    shipping: str,
    taxes: str,
    units: int,
    *,
    customer_id: str | None,
    partition: date | None = None,
    updated: datetime | None = None,
) -> tuple:
    return row(
        t.STG_ORDERS,
        platform=platform,
        partition_date=partition or day,
        order_id=order_id,
        customer_id=customer_id,
        email=key,
        customer_key=key,
        processed_at=at(day, hour),
        updated_at=updated or at(day, hour),
        business_date=day,
        currency="USD",
        financial_status="paid",
        is_test=False,
        is_cancelled=False,
        is_counted=True,
        taxes_included=False,
        units=units,
        line_count=1,
        gross_sales=Decimal(gross),
        discounts=Decimal(discounts),
        shipping=Decimal(shipping),
        taxes=Decimal(taxes),
        total_price=Decimal(gross) - Decimal(discounts) + Decimal(shipping) + Decimal(taxes),
    )


def line(
    platform: str, order_id: str, variant_id: str, partition: date, updated: datetime, gross: str
) -> tuple:
    return row(
        t.STG_ORDER_LINES,
        platform=platform,
        partition_date=partition,
        order_id=order_id,
        line_id=f"{order_id}-1",
        product_id="P1",
        variant_id=variant_id,
        sku=None,
        quantity=1,
        price=Decimal(gross),
        gross_amount=Decimal(gross),
        discount_amount=Decimal(0),
        tax_amount=Decimal(0),
        is_gift_card=False,
        updated_at=updated,
    )


def product(platform: str, variant_id: str, sku: str | None, price: str) -> tuple:
    return row(
        t.STG_PRODUCTS,
        platform=platform,
        partition_date=DAY1,
        product_id="P1",
        variant_id=variant_id,
        product_title="Mug",
        variant_title="Blue",
        sku=sku,
        price=Decimal(price),
        created_at=at(date(2026, 4, 1), 0),
        updated_at=at(date(2026, 4, 1), 0),
    )


def customer(platform: str, customer_id: str, email: str) -> tuple:
    return row(
        t.STG_CUSTOMERS,
        platform=platform,
        partition_date=DAY1,
        customer_id=customer_id,
        email=email,
        customer_key=email.strip().lower(),
        first_name=email.split("@")[0].strip().title(),
        created_at=at(date(2026, 4, 1), 0),
        updated_at=at(date(2026, 4, 1), 0),
    )


S1_REFUNDED = at(DAY2, 18)
CONFORMED = {
    t.STG_ORDERS: [
        order(
            SHOPIFY,
            "S1",
            "alice@example.com",
            DAY1,
            14,
            "10.0050",
            "1.0000",
            "5.0000",
            "0.8000",
            1,
            customer_id="1",
        ),
        # S1's version after its refund, staged on day 2
        order(
            SHOPIFY,
            "S1",
            "alice@example.com",
            DAY1,
            14,
            "10.0050",
            "1.0000",
            "5.0000",
            "0.8000",
            1,
            customer_id="1",
            partition=DAY2,
            updated=S1_REFUNDED,
        ),
        order(WOO, "W1", "alice@example.com", DAY1, 16, "20.0050", "0", "0", "1.6000", 2, customer_id=None),
        order(
            WOO, "W3", "bob@example.com", DAY1, 15, "5.0000", "0.5000", "2.5000", "0.3600", 1, customer_id="1"
        ),
        order(SHOPIFY, "S2", "bob@example.com", DAY2, 14, "30.0000", "0", "0", "2.4000", 3, customer_id=None),
        order(
            WOO, "W2", "alice@example.com", DAY2, 15, "12.0000", "2.0000", "0", "0.8000", 1, customer_id=None
        ),
        order(
            WOO, "W4", "carol@example.com", DAY2, 16, "8.0000", "0", "4.0000", "0.6400", 1, customer_id=None
        ),
    ],
    t.STG_ORDER_LINES: [
        line(SHOPIFY, "S1", "100", DAY1, at(DAY1, 14), "10.0050"),
        line(SHOPIFY, "S1", "100", DAY2, S1_REFUNDED, "10.0050"),
        line(WOO, "W1", "100", DAY1, at(DAY1, 16), "20.0050"),
    ],
    t.STG_REFUNDS: [
        row(
            t.STG_REFUNDS,
            platform=SHOPIFY,
            partition_date=DAY2,
            order_id="S1",
            refund_id="R1",
            refund_line_id="R1-1",
            line_type="line_item",
            line_id="S1-1",
            refunded_at=S1_REFUNDED,
            business_date=DAY2,
            quantity=1,
            returns_amount=Decimal("5.0000"),
            shipping_amount=Decimal(0),
            tax_amount=Decimal("0.4000"),
            is_gift_card=False,
            updated_at=S1_REFUNDED,
        )
    ],
    t.STG_CUSTOMERS: [
        customer(SHOPIFY, "1", "alice@example.com"),
        customer(WOO, "1", "BOB@example.com "),
    ],
    t.STG_PRODUCTS: [
        # the same variant id on both platforms, one SKU written two ways: two variants, one sku_key
        product(SHOPIFY, "100", " ab-1 ", "10.0050"),
        product(WOO, "100", "AB-1", "10.0025"),
        product(SHOPIFY, "200", None, "3.0000"),
        product(WOO, "300", "  ", "4.0000"),
    ],
}

#: (date, platform) → the figures of agg_daily_sales, to the cent.
FIGURES = [
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
]
EXPECTED = {
    (DAY1, SHOPIFY): (1, 1, "10.01", "1.00", "0.00", "9.01", "5.00", "0.80", "14.81", "9.01", 1, 1, 0),
    (DAY1, WOO): (2, 3, "25.01", "0.50", "0.00", "24.51", "2.50", "1.96", "28.97", "12.25", 2, 1, 1),
    # sums of the platforms (gross 10.01 + 25.01), customers once: alice and bob, both new
    (DAY1, ALL): (3, 4, "35.02", "1.50", "0.00", "33.52", "7.50", "2.76", "43.78", "11.17", 2, 2, 0),
    (DAY2, SHOPIFY): (1, 3, "30.00", "0.00", "5.00", "25.00", "0.00", "2.00", "27.00", "30.00", 1, 0, 1),
    (DAY2, WOO): (2, 2, "20.00", "2.00", "0.00", "18.00", "4.00", "1.44", "23.44", "9.00", 2, 1, 1),
    (DAY2, ALL): (3, 5, "50.00", "2.00", "5.00", "43.00", "4.00", "3.44", "50.44", "16.00", 3, 1, 2),
}


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path) -> WarehouseResource:
    """The two-platform tenant's conformed rows, with the core and marts models run over both days the way
    their assets run them (one range, one transaction each)."""
    url = (
        f"duckdb:///{tmp_path / 'w.duckdb'}"
        if request.param == "duckdb"
        else request.getfixturevalue("pg_database")
    )
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables(MODELS)
    window = {"tenant_id": TENANT, "start_date": DAY1, "end_date": DAY2}
    with warehouse.transaction() as conn:
        for spec, rows in CONFORMED.items():
            warehouse.insert_rows(conn, spec, rows)
    for model in CORE_ORDER:
        with warehouse.transaction() as conn:
            run_file(conn, CORE_SQL / f"{model}.sql", window)
    days = {"tenant_id": TENANT, "days": [DAY1, DAY2], "all_platforms": ALL}
    for model in ("agg_daily_sales", "agg_weekly_trends"):
        with warehouse.transaction() as conn:
            run_file(conn, MARTS_SQL / f"{model}.sql", days)
    return warehouse


def records(warehouse: WarehouseResource, sql: str) -> list[dict]:
    return warehouse.query(sql, {"t": TENANT}).to_dict("records")


def normal(value: Any) -> Any:
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return int(value) if hasattr(value, "__int__") and not isinstance(value, str) else value


def test_daily_sales_per_platform_and_across_platforms_to_the_cent(warehouse):
    rows = records(warehouse, "SELECT * FROM agg_daily_sales WHERE tenant_id = :t ORDER BY date, platform")
    actual = {(r["date"], r["platform"]): tuple(normal(r[f]) for f in FIGURES) for r in rows}
    expected = {
        key: tuple(Decimal(v) if isinstance(v, str) else v for v in figures)
        for key, figures in EXPECTED.items()
    }
    assert actual == expected


def test_the_across_platforms_row_sums_every_additive_figure_and_counts_people_once(warehouse):
    rows = records(warehouse, "SELECT * FROM agg_daily_sales WHERE tenant_id = :t")
    additive = [
        "orders",
        "units",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "shipping",
        "taxes",
        "total_sales",
    ]
    for day in (DAY1, DAY2):
        total = next(r for r in rows if r["date"] == day and r["platform"] == ALL)
        platforms = [r for r in rows if r["date"] == day and r["platform"] != ALL]
        for figure in additive:
            assert normal(total[figure]) == sum(normal(r[figure]) for r in platforms), (day, figure)
        # alice buys on both platforms on day 1: the platforms count 3 customers, the tenant 2
        assert total["customers"] <= sum(r["customers"] for r in platforms)
    day1 = [r for r in rows if r["date"] == DAY1]
    assert sum(r["customers"] for r in day1 if r["platform"] != ALL) == 3
    assert next(r["customers"] for r in day1 if r["platform"] == ALL) == 2


def test_a_customer_first_on_shopify_is_returning_on_woocommerce(warehouse):
    (alice,) = records(
        warehouse, "SELECT * FROM dim_customer WHERE tenant_id = :t AND customer_key = 'alice@example.com'"
    )
    assert alice["platform"] == SHOPIFY  # her first order, S1, whatever platform sorts first
    assert (alice["first_order_date"], alice["last_order_date"], alice["lifetime_orders"]) == (DAY1, DAY2, 3)
    # Σ (gross − discounts) of S1, W1, W2 − S1's returns: 9.005 + 20.005 + 10 − 5
    assert normal(alice["lifetime_net_spend"]) == Decimal("34.01")
    assert (alice["customer_id"], bool(alice["is_guest"]), alice["segment"]) == ("1", False, "returning")
    # new on shopify's day-1 row only; returning on woocommerce's (day 1 with W1, day 2 with W2)
    assert EXPECTED[(DAY1, SHOPIFY)][FIGURES.index("new_customers")] == 1
    assert EXPECTED[(DAY1, WOO)][FIGURES.index("returning_customers")] == 1


def test_a_guest_on_one_platform_merges_with_the_registered_customer_of_the_other(warehouse):
    customers = records(warehouse, "SELECT * FROM dim_customer WHERE tenant_id = :t ORDER BY customer_key")
    assert [c["customer_key"] for c in customers] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    bob = customers[1]
    # bob: registered on woocommerce (id 1, like alice's shopify id: keyed by email, never by that id),
    # a guest checkout on shopify: one customer, not a guest, first seen on woocommerce
    assert (bob["platform"], bob["customer_id"], bool(bob["is_guest"])) == (WOO, "1", False)
    assert (bob["first_order_date"], bob["lifetime_orders"], bob["segment"]) == (DAY1, 2, "returning")
    assert normal(bob["lifetime_net_spend"]) == Decimal("34.50")
    carol = customers[2]
    assert (carol["platform"], carol["customer_id"], bool(carol["is_guest"])) == (WOO, None, True)


def test_dim_product_keeps_the_same_variant_id_apart_per_platform_and_links_them_by_sku(warehouse):
    products = records(
        warehouse,
        "SELECT platform, variant_id, product_key, sku, sku_key, price FROM dim_product "
        "WHERE tenant_id = :t ORDER BY platform, variant_id",
    )
    assert [(p["platform"], p["variant_id"], p["sku_key"]) for p in products] == [
        (SHOPIFY, "100", "AB-1"),
        (SHOPIFY, "200", None),
        (WOO, "100", "AB-1"),
        (WOO, "300", None),
    ]
    assert len({p["product_key"] for p in products}) == 4
    prices = [Decimal(str(p["price"])) for p in products if p["variant_id"] == "100"]
    assert prices == [Decimal("10.0050"), Decimal("10.0025")]  # each platform's own version
    items = records(
        warehouse,
        "SELECT i.platform, i.order_id, i.product_key, p.platform AS product_platform "
        "FROM fact_order_items i "
        "JOIN dim_product p ON p.tenant_id = i.tenant_id AND p.product_key = i.product_key "
        "WHERE i.tenant_id = :t ORDER BY i.platform, i.order_id",
    )
    # each platform's line of variant 100 joins its own platform's variant
    assert [(i["platform"], i["order_id"], i["product_platform"]) for i in items] == [
        (SHOPIFY, "S1", SHOPIFY),
        (WOO, "W1", WOO),
    ]


def test_weekly_trends_have_the_across_platforms_row_from_its_daily_rows(warehouse):
    weekly = records(
        warehouse,
        "SELECT date, platform, orders_7d, net_sales_7d, new_customers_7d FROM agg_weekly_trends "
        "WHERE tenant_id = :t ORDER BY date, platform",
    )
    by_key = {(w["date"], w["platform"]): w for w in weekly}
    assert set(by_key) == set(EXPECTED)
    total = by_key[(DAY2, ALL)]
    assert (total["orders_7d"], normal(total["net_sales_7d"]), total["new_customers_7d"]) == (
        6,
        Decimal("76.52"),
        3,  # alice, bob, carol: each once
    )
    platforms = [by_key[(DAY2, p)] for p in (SHOPIFY, WOO)]
    assert sum(w["new_customers_7d"] for w in platforms) == 3  # new on their first order's platform only


def test_the_reconciliation_check_checks_each_kind_of_row_on_its_own(warehouse):
    (query,) = statements(QUALITY_SQL / "daily_sales_reconcile.sql")
    params = {"tenant_id": TENANT, "start_date": DAY1, "end_date": DAY2, "all_platforms": ALL}
    assert warehouse.query(query, params).empty
    with warehouse.transaction() as conn:
        conn.execute(
            sa.text("UPDATE agg_daily_sales SET orders = orders + 1 WHERE platform = :p AND date = :d"),
            {"p": ALL, "d": DAY2},
        )
    offending = warehouse.query(query, params).to_dict("records")
    assert [(r["day"], r["rows_kind"]) for r in offending] == [(DAY2, "across platforms")]


def test_the_across_platforms_row_is_complete_only_when_every_platform_is_ingested(warehouse, monkeypatch):
    """Shopify's orders partitions of both days are ingested, woocommerce's of day 2 is not: shopify's
    rows are complete, woocommerce's and the rows across platforms name the missing day."""
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 5, 3, 9, 0, tzinfo=ny)  # yesterday: DAY2
    monkeypatch.setattr(pipeline_clock, "clock", lambda: now)
    tenant = Tenant(id=TENANT, name="Acme", start_date=DAY1, timezone="America/New_York")
    warehouse.ensure_tables([t.STAGED_PARTITIONS])
    with warehouse.transaction() as conn:
        for platform, staged in ((SHOPIFY, [DAY1, DAY2]), (WOO, [DAY1])):
            record_staged(
                warehouse,
                conn,
                tenant_id=TENANT,
                platform=platform,
                entity="orders",
                days=staged,
                ingested=[IngestedPartition(day, ny, None) for day in staged],
                staged_at=now.astimezone(UTC),
            )
        judge_completeness(conn, tenant)
    rows = records(warehouse, "SELECT date, platform, is_complete, provisional_reason FROM agg_daily_sales")
    verdicts = {(r["date"], r["platform"]): (bool(r["is_complete"]), r["provisional_reason"]) for r in rows}
    missing = "changes since {day} not ingested: 2026-05-02"
    assert verdicts == {
        (DAY1, SHOPIFY): (True, None),
        (DAY2, SHOPIFY): (True, None),
        (DAY1, WOO): (False, missing.format(day=DAY1)),
        (DAY2, WOO): (False, missing.format(day=DAY2)),
        (DAY1, ALL): (False, missing.format(day=DAY1)),
        (DAY2, ALL): (False, missing.format(day=DAY2)),
    }
    (query,) = statements(QUALITY_SQL / "daily_sales_provisional.sql")
    params = {"tenant_id": TENANT, "start_date": DAY1, "end_date": DAY2, "all_platforms": ALL}
    flagged = warehouse.query(query, params).to_dict("records")
    assert [(r["day"], r["platform"]) for r in flagged] == [(DAY1, ALL), (DAY2, ALL)]  # each day once
