"""A small warehouse of known rows for the reporting API, on each backend, built once per module.

Two tenants: ``acme`` (the figures the tests assert to the cent) and ``globex`` (figures that must never
show through acme's key: the title "Globex secret", amounts 999.99/4242.42). Tables are created from the
specs (WarehouseResource.ensure_tables), rows inserted directly: no Dagster run.

The KPI and report tests (below) use a second set, known mart rows of tenant acme over the two weeks ending
Sunday 2026-12-06, the figures chosen so every KPI and change can be worked out by hand (tests/serving/
test_kpis.py shows the arithmetic). The schema is the pipeline's own (ensure_tables); no pipeline runs."""

from __future__ import annotations

import atexit
import email
import email.policy
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from platform_assets.marts.assets import SQL_DIR as MART_SQL_DIR
from platform_assets.serving.api.app import create_app
from platform_assets.serving.api.routes import tenant_info
from platform_assets.serving.checks import FailingCheck
from platform_assets.serving.keys import KeyStore
from platform_assets.serving.reader import WarehouseReader
from platform_assets.serving.snapshot import publish_snapshot
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import run_file
from resources import notifiers
from resources.warehouse import WarehouseResource
from tests.conftest import fresh_pg_database

D = Decimal
PRODUCT_MART_SQL = MART_SQL_DIR / "agg_daily_product_sales.sql"
SPECS = [
    t.AGG_DAILY_SALES,
    t.AGG_WEEKLY_TRENDS,
    t.AGG_DAILY_PRODUCT_SALES,
    t.FACT_ORDERS,
    t.FACT_ORDER_ITEMS,
    t.FACT_REFUNDS,
    t.DIM_CUSTOMER,
    t.DIM_PRODUCT,
    t.DIM_LOCATION,
    t.FACT_INVENTORY_SNAPSHOTS,
    t.STAGED_PARTITIONS,
    t.DLQ_RECORDS,
]
_FILL = {"text": "x", "int": 0, "bigint": 0, "money": D(0), "cents": D(0), "bool": False}


def row(spec: TableSpec, **values: Any) -> tuple:
    """A row of ``spec`` in column order: the given values, NULL for other nullable columns, a neutral
    value (0, false, 'x', 2026-01-01) for other required ones."""
    unknown = set(values) - set(spec.column_names)
    assert not unknown, unknown
    filled = []
    for column in spec.columns:
        if column.name in values:
            filled.append(values[column.name])
        elif column.nullable:
            filled.append(None)
        elif column.type == "date":
            filled.append(date(2026, 1, 1))
        elif column.type == "timestamp":
            filled.append(datetime(2026, 1, 1))
        else:
            filled.append(_FILL[column.type])
    return tuple(filled)


def daily(tenant: str, day: date, platform: str, **figures: Any) -> tuple:
    return row(t.AGG_DAILY_SALES, tenant_id=tenant, date=day, platform=platform, currency="EUR", **figures)


ACME_DAY = {
    "orders": 2,
    "units": 3,
    "gross_sales": D("100.00"),
    "discounts": D("10.00"),
    "returns": D("0.00"),
    "net_sales": D("90.00"),
    "shipping": D("7.50"),
    "taxes": D("8.25"),
    "total_sales": D("105.75"),
    "average_order_value": D("45.00"),
    "customers": 2,
    "new_customers": 2,
    "returning_customers": 0,
    "is_complete": True,
}
ACME_REFUND_DAY = {
    "orders": 0,
    "returns": D("5.01"),
    "net_sales": D("-5.01"),
    "shipping": D("-1.00"),
    "taxes": D("-0.50"),
    "total_sales": D("-6.51"),
    "is_complete": False,
    "provisional_reason": "orders of 2026-11-03 not ingested",
}


def stock(
    tenant: str,
    day: date,
    platform: str,
    product: str,
    variant: str,
    sku: str | None,
    location: str,
    available: int | None,
) -> tuple:
    """A fact_inventory_snapshots row: ``available`` units of ``variant`` at ``location`` on ``day``."""
    return row(
        t.FACT_INVENTORY_SNAPSHOTS, tenant_id=tenant, platform=platform, snapshot_date=day,
        date_key=day.year * 10000 + day.month * 100 + day.day, product_id=product, variant_id=variant,
        sku=sku, sku_key=sku.strip().upper() if sku else None, location_id=location, available=available,
        updated_at=datetime(day.year, day.month, day.day, 9),
        snapshot_taken_at=datetime(day.year, day.month, day.day, 23) if platform == "shopify" else None,
    )  # fmt: skip


def stock_rows() -> list[tuple]:
    """Acme's stock on 1 and 2 November (Shopify: v1 at two locations, v2 oversold on the 2nd, v3 not
    tracked; WooCommerce: the same SKU as v1, "mug-b ", at its one location on the 2nd) and globex's."""
    nov1, nov2 = date(2026, 11, 1), date(2026, 11, 2)
    return [
        stock("acme", nov1, "shopify", "p1", "v1", "MUG-B", "L1", 10),
        stock("acme", nov1, "shopify", "p1", "v1", "MUG-B", "L2", 5),
        stock("acme", nov1, "shopify", "p1", "v2", "MUG-R", "L1", 3),
        stock("acme", nov1, "shopify", "p2", "v3", "TEA", "L1", None),
        stock("acme", nov2, "shopify", "p1", "v1", "MUG-B", "L1", 8),
        stock("acme", nov2, "shopify", "p1", "v1", "MUG-B", "L2", 5),
        stock("acme", nov2, "shopify", "p1", "v2", "MUG-R", "L1", -1),
        stock("acme", nov2, "shopify", "p2", "v3", "TEA", "L1", None),
        stock("acme", nov2, "woocommerce", "w1", "w1", "mug-b ", "site", 7),
        stock("globex", date(2026, 11, 30), "shopify", "gp", "gv", "GLOBEX", "G1", 4242),
    ]


def build_rows() -> dict[str, list[tuple]]:
    """Every table's rows."""
    nov1, nov2, dec5 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 12, 5)
    order = t.FACT_ORDERS
    item = t.FACT_ORDER_ITEMS
    refund = t.FACT_REFUNDS
    customer = t.DIM_CUSTOMER
    product = t.DIM_PRODUCT
    return {
        t.AGG_DAILY_SALES.name: [
            daily("acme", nov1, "shopify", **ACME_DAY),
            daily("acme", nov1, "all", **ACME_DAY),
            daily("acme", nov2, "shopify", **ACME_REFUND_DAY),
            daily("acme", nov2, "all", **ACME_REFUND_DAY),
            daily(
                "globex",
                nov1,
                "all",
                orders=7,
                net_sales=D("999.99"),
                total_sales=D("4242.42"),
                is_complete=True,
            ),
        ],
        t.AGG_WEEKLY_TRENDS.name: [
            row(
                t.AGG_WEEKLY_TRENDS,
                tenant_id="acme",
                date=nov2,
                platform="all",
                currency="EUR",
                window_start=date(2026, 10, 27),
                orders_7d=2,
                units_7d=3,
                net_sales_7d=D("84.99"),
                total_sales_7d=D("99.24"),
                new_customers_7d=2,
                average_order_value_7d=D("45.00"),
                orders_prev_7d=4,
                net_sales_prev_7d=D("170.00"),
                total_sales_prev_7d=D("200.00"),
                orders_change_pct=D("-50.00"),
                net_sales_change_pct=D("-50.01"),
                total_sales_change_pct=D("-50.38"),
            ),
            row(
                t.AGG_WEEKLY_TRENDS,
                tenant_id="globex",
                date=nov2,
                platform="all",
                currency="EUR",
                window_start=date(2026, 10, 27),
                net_sales_7d=D("999.99"),
            ),
        ],
        order.name: [
            row(
                order,
                tenant_id="acme",
                platform="shopify",
                order_id="o1",
                customer_key="ann@example.com",
                business_date=nov1,
                date_key=20261101,
                currency="EUR",
                is_counted=True,
            ),
            row(
                order,
                tenant_id="acme",
                platform="shopify",
                order_id="o2",
                customer_key="bob@example.com",
                business_date=nov1,
                date_key=20261101,
                currency="EUR",
                is_counted=True,
            ),
            row(
                order,
                tenant_id="acme",
                platform="shopify",
                order_id="o3",
                customer_key="ann@example.com",
                business_date=dec5,
                date_key=20261205,
                currency="EUR",
                is_counted=True,
            ),
            row(
                order,
                tenant_id="acme",
                platform="shopify",
                order_id="o4",
                customer_key="bob@example.com",
                business_date=dec5,
                date_key=20261205,
                currency="EUR",
                is_counted=False,
                is_test=True,
            ),
            row(
                order,
                tenant_id="globex",
                platform="shopify",
                order_id="g1",
                customer_key="gina@globex.test",
                business_date=nov1,
                date_key=20261101,
                currency="EUR",
                is_counted=True,
            ),
        ],
        item.name: [
            # variant v1: 60.0050 → 60.01; v2: 29.9975 → 30.00; product p1: 90.0025 → 90.00 (rounded once)
            row(
                item,
                tenant_id="acme",
                platform="shopify",
                order_id="o1",
                line_id="l1",
                business_date=nov1,
                product_key="shopify:v1:2026",
                product_id="p1",
                variant_id="v1",
                sku="MUG-B",
                quantity=2,
                net_amount=D("60.0050"),
                is_counted=True,
            ),
            row(
                item,
                tenant_id="acme",
                platform="shopify",
                order_id="o2",
                line_id="l2",
                business_date=nov1,
                product_key="shopify:v2:2026",
                product_id="p1",
                variant_id="v2",
                sku="MUG-R",
                quantity=1,
                net_amount=D("29.9975"),
                is_counted=True,
            ),
            row(
                item,
                tenant_id="acme",
                platform="shopify",
                order_id="o2",
                line_id="l3",
                business_date=nov1,
                product_key="shopify:v3:2026",
                product_id="p2",
                variant_id="v3",
                sku="TEA",
                quantity=5,
                net_amount=D("12.5000"),
                is_counted=True,
            ),
            row(
                item,
                tenant_id="acme",
                platform="shopify",
                order_id="o2",
                line_id="l4",
                business_date=nov1,
                product_id="gc",
                variant_id="gc",
                quantity=1,
                net_amount=D("500"),
                is_counted=True,
                is_gift_card=True,
            ),
            row(
                item,
                tenant_id="acme",
                platform="shopify",
                order_id="o4",
                line_id="l5",
                business_date=dec5,
                product_key="shopify:v1:2026",
                product_id="p1",
                variant_id="v1",
                quantity=9,
                net_amount=D("270"),
                is_counted=False,
            ),
            row(
                item,
                tenant_id="globex",
                platform="shopify",
                order_id="g1",
                line_id="g1",
                business_date=nov1,
                product_key="shopify:gv:2026",
                product_id="gp",
                variant_id="gv",
                quantity=1,
                net_amount=D("999.99"),
                is_counted=True,
            ),
        ],
        refund.name: [
            row(
                refund,
                tenant_id="acme",
                platform="shopify",
                order_id="o1",
                refund_id="r1",
                refund_line_id="line:l1",
                line_type="line_item",
                business_date=nov2,
                quantity=1,
                returns_amount=D("5.0050"),
                tax_amount=D("0.50"),
                is_counted=True,
            ),
            row(
                refund,
                tenant_id="acme",
                platform="shopify",
                order_id="o1",
                refund_id="r1",
                refund_line_id="adjustment:a1",
                line_type="shipping",
                business_date=nov2,
                shipping_amount=D("1.00"),
                is_counted=True,
            ),
            row(
                refund,
                tenant_id="acme",
                platform="shopify",
                order_id="o2",
                refund_id="r2",
                refund_line_id="line:l4",
                line_type="line_item",
                business_date=nov2,
                quantity=1,
                returns_amount=D("500"),
                is_counted=True,
                is_gift_card=True,
            ),
            row(
                refund,
                tenant_id="globex",
                platform="shopify",
                order_id="g1",
                refund_id="gr1",
                refund_line_id="line:g1",
                line_type="line_item",
                business_date=nov2,
                quantity=1,
                returns_amount=D("999.99"),
                is_counted=True,
            ),
        ],
        customer.name: [
            row(
                customer,
                tenant_id="acme",
                customer_key="ann@example.com",
                first_order_date=nov1,
                last_order_date=dec5,
                lifetime_orders=2,
                lifetime_net_spend=D("100.0050"),
                segment="returning",
            ),
            row(
                customer,
                tenant_id="acme",
                customer_key="bob@example.com",
                first_order_date=nov1,
                last_order_date=nov1,
                lifetime_orders=1,
                lifetime_net_spend=D("30.0000"),
                segment="new",
            ),
            row(
                customer,
                tenant_id="acme",
                customer_key="cy@example.com",
                lifetime_orders=0,
                lifetime_net_spend=D("0"),
                segment="prospect",
            ),
            row(
                customer,
                tenant_id="globex",
                customer_key="gina@globex.test",
                first_order_date=nov1,
                last_order_date=nov1,
                lifetime_orders=1,
                lifetime_net_spend=D("999.99"),
                segment="new",
            ),
        ],
        product.name: [
            row(
                product,
                tenant_id="acme",
                platform="shopify",
                product_key="shopify:v1:2026",
                variant_id="v1",
                product_id="p1",
                product_title="Mug",
                variant_title="Blue",
                sku="MUG-B",
                is_current=True,
            ),
            row(
                product,
                tenant_id="acme",
                platform="shopify",
                product_key="shopify:v2:2026",
                variant_id="v2",
                product_id="p1",
                product_title="Mug",
                variant_title="Red",
                sku="MUG-R",
                is_current=True,
            ),
            row(
                product,
                tenant_id="acme",
                platform="shopify",
                product_key="shopify:v3:2026",
                variant_id="v3",
                product_id="p2",
                product_title="Tea",
                variant_title="Loose",
                sku="TEA",
                is_current=True,
            ),
            row(
                product,
                tenant_id="globex",
                platform="shopify",
                product_key="shopify:gv:2026",
                variant_id="gv",
                product_id="gp",
                product_title="Globex secret",
                is_current=True,
            ),
        ],
        t.FACT_INVENTORY_SNAPSHOTS.name: stock_rows(),
        t.DIM_LOCATION.name: [
            row(
                t.DIM_LOCATION,
                tenant_id=tenant,
                platform="shopify",
                location_id=location,
                name=name,
                snapshot_date=nov2,
            )
            for tenant, location, name in (
                ("acme", "L1", "Berlin store"),
                ("acme", "L2", "Warehouse"),
                ("globex", "G1", "Globex secret"),
            )
        ],  # fmt: skip
        t.STAGED_PARTITIONS.name: [
            row(
                t.STAGED_PARTITIONS,
                tenant_id="acme",
                platform="shopify",
                entity="orders",
                partition_date=nov1,
                timezone="Europe/Berlin",
                staged_at=datetime(2026, 11, 2, 5),
                whole_day=True,
            ),
            row(
                t.STAGED_PARTITIONS,
                tenant_id="acme",
                platform="shopify",
                entity="orders",
                partition_date=nov2,
                timezone="Europe/Berlin",
                staged_at=datetime(2026, 11, 2, 18),
                whole_day=False,
            ),
            row(
                t.STAGED_PARTITIONS,
                tenant_id="globex",
                platform="shopify",
                entity="orders",
                partition_date=date(2026, 11, 30),
                timezone="UTC",
                staged_at=datetime(2026, 12, 1),
                whole_day=True,
            ),
        ],
        t.DLQ_RECORDS.name: [
            row(
                t.DLQ_RECORDS,
                tenant_id="acme",
                platform="shopify",
                entity="orders",
                partition_date=nov1,
                record_key=str(n),
                reason="bad",
                payload_sha256=str(n),
                raw_payload="{}",
            )
            for n in range(2)
        ]
        + [
            row(
                t.DLQ_RECORDS,
                tenant_id="globex",
                platform="shopify",
                entity="customers",
                partition_date=nov1,
                record_key="g",
                reason="bad",
                payload_sha256="g",
                raw_payload="{}",
            )
        ],
    }


def build_warehouse(url: str) -> None:
    """Create every table the API reads and insert the known rows; agg_daily_product_sales is built from
    the facts by the pipeline's own SQL (every day of each tenant's orders and refunds)."""
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables(SPECS)
    by_name = {spec.name: spec for spec in SPECS}
    with warehouse.transaction() as conn:
        for name, rows in build_rows().items():
            warehouse.insert_rows(conn, by_name[name], rows)
        restate_product_mart(conn)
    warehouse.engine().dispose()


def restate_product_mart(conn: sa.Connection) -> None:
    """agg_daily_product_sales of every tenant and day with an order or a refund, from the facts."""
    orders, refunds = t.FACT_ORDERS.table, t.FACT_REFUNDS.table
    days = sa.union(
        sa.select(orders.c.tenant_id, orders.c.business_date),
        sa.select(refunds.c.tenant_id, refunds.c.business_date),
    )
    by_tenant: dict[str, list[date]] = {}
    for tenant_id, day in conn.execute(days):
        by_tenant.setdefault(tenant_id, []).append(day)
    for tenant_id, tenant_days in sorted(by_tenant.items()):
        params = {"tenant_id": tenant_id, "days": sorted(tenant_days), "all_platforms": t.ALL_PLATFORMS}
        run_file(conn, PRODUCT_MART_SQL, params)


TENANTS = {
    "acme": tenant_info("acme", "Acme Ltd", ["shopify"], "Europe/Berlin"),
    "globex": tenant_info("globex", "Globex Corp", ["shopify", "woocommerce"], None),
}
FAILING = {
    "acme": [
        FailingCheck(
            "agg_daily_sales", "daily_sales_complete", "WARN", "2026-11-02|acme", "provisional", "r1"
        )
    ]
}


@dataclass
class Served:
    """A built warehouse and the API over it, with a key per tenant and an admin key."""

    url: str
    snapshot: Path | None
    keys: KeyStore
    admin: str
    acme: str
    globex: str
    client: TestClient

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def make_client(
    url: str, snapshot: Path | None, keys: KeyStore, rate_limit: str = "100000/minute"
) -> TestClient:
    reader = WarehouseReader(url, snapshot)
    app = create_app(
        reader=reader,
        keys=keys,
        tenants=lambda: TENANTS,
        rate_limit=rate_limit,
        check_reader=lambda tenant_id: FAILING.get(tenant_id, []),
    )
    return TestClient(app, raise_server_exceptions=False)


@cache
def duckdb_template() -> Path:
    """The known warehouse as a DuckDB file, built once per test process (removed at its exit)."""
    folder = Path(tempfile.mkdtemp(prefix="serving-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    build_warehouse(f"duckdb:///{folder / 'warehouse.duckdb'}")
    return folder / "warehouse.duckdb"


@contextmanager
def serving(backend: str, folder: Path) -> Iterator[Served]:
    """The known warehouse on ``backend`` (DuckDB: read through a published snapshot), keys and the API."""
    with fresh_pg_database("serving") if backend == "postgresql" else nullcontext() as pg_url:
        if pg_url:
            url = pg_url
            build_warehouse(url)
        else:  # a copy of the one built per process: creating the tables costs more than every test here
            shutil.copyfile(duckdb_template(), folder / "warehouse.duckdb")
            url = f"duckdb:///{folder / 'warehouse.duckdb'}"
        snapshot = None
        if backend == "duckdb":
            snapshot = folder / "warehouse.snapshot.duckdb"
            publish_snapshot(url, snapshot)
        keys = KeyStore(folder / "api_keys.json")
        admin, _ = keys.create(None)
        acme, _ = keys.create("acme")
        globex, _ = keys.create("globex")
        client = make_client(url, snapshot, keys)
        try:
            yield Served(url, snapshot, keys, admin, acme, globex, client)
        finally:
            client.app.state.reader.dispose()


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request, tmp_path_factory) -> Iterator[Served]:
    """The API over the known warehouse, on each backend, built once per test module."""
    with serving(request.param, tmp_path_factory.mktemp("served")) as built:
        yield built


# ---------------------------------------------------------------------------------------------------------
# The KPI and report tests' marts: tenant acme over the two weeks ending Sunday 2026-12-06
# ---------------------------------------------------------------------------------------------------------
TENANT = "acme"
SUNDAY = date(2026, 12, 6)
SATURDAY = date(2026, 12, 5)
FIRST_DAY = SUNDAY - timedelta(days=13)  # 2026-11-23
DAY_WITHOUT_SALES = date(2026, 11, 25)


@dataclass(frozen=True)
class Row:
    """One agg_daily_sales row (defaults: a plain day of 3 orders)."""

    date: date
    platform: str = t.ALL_PLATFORMS
    orders: int = 3
    units: int = 4
    gross_sales: str = "100.00"
    discounts: str = "5.00"
    returns: str = "2.50"
    shipping: str = "5.00"
    taxes: str = "8.00"
    average_order_value: str | None = "31.67"
    customers: int = 3
    new_customers: int = 1
    is_complete: bool = True
    provisional_reason: str | None = None
    currency: str = "USD"
    extra: dict = field(default_factory=dict)

    def values(self) -> list:
        gross, discounts, returns = Decimal(self.gross_sales), Decimal(self.discounts), Decimal(self.returns)
        net = gross - discounts - returns
        total = net + Decimal(self.shipping) + Decimal(self.taxes)
        aov = None if self.average_order_value is None else Decimal(self.average_order_value)
        return [
            TENANT, self.date, self.platform, self.currency, self.orders, self.units, gross, discounts,
            returns, net, Decimal(self.shipping), Decimal(self.taxes), total, aov, self.customers,
            self.new_customers, self.customers - self.new_customers, self.is_complete,
            self.provisional_reason,
        ]  # fmt: skip


def known_rows() -> list[Row]:
    """14 days of 'all' rows (2026-11-25 without sales), Saturday and Sunday special, and Sunday's two
    platforms (Shopify 150.00 + WooCommerce 88.89 = 238.89 net)."""
    rows = [
        Row(FIRST_DAY + timedelta(days=n))
        for n in range(12)
        if FIRST_DAY + timedelta(days=n) != DAY_WITHOUT_SALES
    ]
    rows.append(
        Row(SATURDAY, orders=4, gross_sales="200.00", discounts="20.00", returns="10.00", shipping="10.00",
            taxes="15.00", average_order_value="45.00", customers=4, new_customers=1)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, orders=5, gross_sales="251.23", discounts="12.34", returns="0.00", shipping="10.00",
            taxes="20.00", average_order_value="47.78", customers=5, new_customers=2)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, platform="shopify", orders=3, gross_sales="150.00", discounts="0.00", returns="0.00",
            shipping="6.00", taxes="12.00", average_order_value="50.00", customers=3, new_customers=1)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, platform="woocommerce", orders=2, gross_sales="101.23", discounts="12.34",
            returns="0.00", shipping="4.00", taxes="8.00", average_order_value="44.45", customers=2,
            new_customers=1)
    )  # fmt: skip
    return rows


#: The regulars: their first counted order was on 2026-11-01 (before the two weeks), so they are returning
#: on every day they buy. r1 and r2 buy on every day with sales; r3 on Saturday (Shopify) and Sunday
#: (WooCommerce) only: several days and several platforms.
REGULARS_FIRST_DAY = date(2026, 11, 1)


def known_orders() -> list[tuple]:
    """fact_orders rows behind :func:`known_rows`' customer figures, one order per person and day: each day
    with sales has its ``new_customers`` new people (first order that day) and its other customers are
    regulars: r1 and r2 on every day (on Shopify), r3 too on Saturday (Shopify) and on Sunday
    (WooCommerce, where Sunday's second new person also buys; Shopify has the first, r1 and r2).

    So a week's distinct people are its new people + the regulars who bought in it: the week ending
    Sunday 8 new + r1, r2, r3 (3 returning), the week before 6 new + r1, r2 (2 returning)."""
    orders: list[tuple] = []

    def order(person: str, day: date, platform: str = "shopify") -> None:
        orders.append(
            row(
                t.FACT_ORDERS, tenant_id=TENANT, platform=platform, order_id=f"{person}-{day}",
                customer_key=f"{person}@acme.test", business_date=day,
                date_key=day.year * 10000 + day.month * 100 + day.day, currency="USD", is_counted=True,
            )
        )  # fmt: skip

    for regular in ("r1", "r2", "r3"):
        order(regular, REGULARS_FIRST_DAY)
    for mart_row in known_rows():
        if mart_row.platform != t.ALL_PLATFORMS:
            continue
        day = mart_row.date
        if day == SUNDAY:
            order(f"new1-{day}", day), order("r1", day), order("r2", day)
            order(f"new2-{day}", day, "woocommerce"), order("r3", day, "woocommerce")
            continue
        for n in range(mart_row.new_customers):
            order(f"new{n + 1}-{day}", day)
        for regular in ("r1", "r2", "r3")[: mart_row.customers - mart_row.new_customers]:
            order(regular, day)
    return orders


def load_marts(url: str, rows: list[Row] | None = None) -> WarehouseResource:
    """A warehouse at ``url`` with the mart tables and ``rows`` (default :func:`known_rows`), and the
    counted orders behind the default rows' customer figures (:func:`known_orders`)."""
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables([t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS, t.FACT_ORDERS])
    with warehouse.transaction() as conn:
        warehouse.insert_rows(conn, t.AGG_DAILY_SALES, [row.values() for row in rows or known_rows()])
        if rows is None:
            warehouse.insert_rows(conn, t.FACT_ORDERS, known_orders())
    return warehouse


def mark_provisional(warehouse: WarehouseResource, day: date, reason: str) -> None:
    table = t.AGG_DAILY_SALES.sqlalchemy_table()
    with warehouse.transaction() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.tenant_id == TENANT, table.c.date == day)
            .values(is_complete=False, provisional_reason=reason)
        )


@pytest.fixture
def marts(warehouse_url: str) -> WarehouseResource:
    """The known rows on each backend (DuckDB; PostgreSQL when STOREHOUSE_TEST_POSTGRES_URL is set)."""
    warehouse = load_marts(warehouse_url)
    yield warehouse
    warehouse.teardown_after_execution(None)  # type: ignore[arg-type]


@pytest.fixture
def duckdb_marts(tmp_path) -> WarehouseResource:
    """The known rows on DuckDB only (the report tests: the reading is the same on both backends)."""
    warehouse = load_marts(f"duckdb:///{tmp_path / 'marts.duckdb'}")
    yield warehouse
    warehouse.teardown_after_execution(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# A loopback SMTP server (aiosmtpd) and the report environment
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Inbox:
    """What the loopback SMTP server received."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        content = envelope.original_content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Inbox:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    receiver = Inbox(port=port)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller = Controller(receiver, hostname=receiver.host, port=port, ready_timeout=5)
        controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@pytest.fixture
def report_env(monkeypatch, tmp_path) -> pytest.MonkeyPatch:
    """No SMTP configured, the data directory under tmp_path."""
    for name in notifiers.ALERT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STOREHOUSE_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.fixture
def smtp_env(report_env, inbox) -> Inbox:
    """The alerts' SMTP settings pointing at the loopback inbox (STOREHOUSE_ALERT_SMTP_TO is not the
    reports' recipients: the tenants file's reports.to are)."""
    report_env.setenv(notifiers.SMTP_HOST_ENV, inbox.host)
    report_env.setenv(notifiers.SMTP_PORT_ENV, str(inbox.port))
    report_env.setenv(notifiers.SMTP_FROM_ENV, "reports@storehouse.test")
    report_env.setenv(notifiers.SMTP_TO_ENV, "data-team@storehouse.test")
    report_env.setenv(notifiers.SMTP_STARTTLS_ENV, "false")
    report_env.setenv(notifiers.TIMEOUT_ENV, "5")
    return inbox


@pytest.fixture(scope="module")
def instance() -> dg.DagsterInstance:
    """One Dagster test instance per module (creating one costs a second or more)."""
    with dg.instance_for_test() as test_instance:
        test_instance.add_dynamic_partitions("tenant", [TENANT])
        yield test_instance
