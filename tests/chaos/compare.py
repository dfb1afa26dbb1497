"""Counting what a faulty run lost or duplicated: against the sandbox's own orders and ground truth, or
against the tables of a clean run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from platform_assets.ground_truth import compare_with_ground_truth
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource
from sandbox.shopify.model import SandboxShop
from tests.pipeline.harness import CHECKSUM_TABLES, SANDBOX_PLATFORM, _normal


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def expected_order_ids(shop: SandboxShop, start: date, end: date) -> set[str]:
    """Orders the raw partitions of ``start``..``end`` must hold when ``start`` is the tenant's first
    day (whose window has no lower bound): every order last updated on or before ``end``, local time, as
    of the shop's clock. Each is staged once and is one row of fact_orders."""
    clock, zone = shop.clock, shop.spec.zone
    return {
        str(order.id) for order in shop.orders() if order.updated_at(clock).astimezone(zone).date() <= end
    }


def lost_and_duplicated(expected: set[str], found: Iterable[object]) -> tuple[int, int]:
    """Expected ids missing from ``found``; ids found more than once plus ids not expected at all."""
    counted = Counter(str(value) for value in found)
    lost = len(expected - counted.keys())
    duplicated = sum(n - 1 for n in counted.values()) + len(counted.keys() - expected)
    return lost, duplicated


def raw_order_ids(raw_store: RawStoreResource, tenant: str, start: date, end: date) -> list[object]:
    """Every order id in the raw partitions of ``start``..``end`` (one per stored record)."""
    ids: list[object] = []
    for day in days(start, end):
        if raw_store.exists("shopify", "orders", tenant, day):
            ids.extend(record["id"] for record in raw_store.read_partition("shopify", "orders", tenant, day))
    return ids


def table_ids(warehouse: WarehouseResource, table: str, tenant: str) -> list[object]:
    frame = warehouse.query(f"SELECT order_id FROM {table} WHERE tenant_id = :t", {"t": tenant})
    return list(frame["order_id"])


def orders_by_layer(
    shop: SandboxShop,
    raw_store: RawStoreResource,
    warehouse: WarehouseResource,
    tenant: str,
    start: date,
    end: date,
) -> dict[str, tuple[int, int]]:
    """(lost, duplicated) order ids in the raw store, stg_shopify_orders and fact_orders."""
    expected = expected_order_ids(shop, start, end)
    return {
        "raw": lost_and_duplicated(expected, raw_order_ids(raw_store, tenant, start, end)),
        "stg_shopify_orders": lost_and_duplicated(
            expected, table_ids(warehouse, "stg_shopify_orders", tenant)
        ),
        "fact_orders": lost_and_duplicated(expected, table_ids(warehouse, "fact_orders", tenant)),
    }


def sales_days_off(
    shop: SandboxShop, warehouse: WarehouseResource, tenant: str, start: date, end: date
) -> tuple[int, int, list[str]]:
    """Days of agg_daily_sales that differ from the ground truth to the cent: (lost, duplicated, diffs).

    A day counts as duplicated when it shows more orders than the truth, else (fewer orders, a missing
    day, other figures off) as lost.
    """
    rows = warehouse.query(
        "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
        "ORDER BY date",
        {"t": tenant, "p": SANDBOX_PLATFORM, "s": start, "e": end},
    ).to_dict("records")
    truth = shop.ground_truth(start, end)
    diffs = compare_with_ground_truth(rows, truth, platform=SANDBOX_PLATFORM)
    by_day = {str(row["date"])[:10]: row for row in rows if row["platform"] == SANDBOX_PLATFORM}
    lost = duplicated = 0
    for figures in truth:
        day = str(figures.date)
        if not any(diff.startswith(day) for diff in diffs):
            continue
        row = by_day.get(day)
        if row is not None and Decimal(str(row["orders"])) > Decimal(str(figures.orders)):
            duplicated += 1
        else:
            lost += 1
    duplicated += sum(1 for diff in diffs if "not in the ground truth" in diff)
    return lost, duplicated, diffs


def table_rows(url: str) -> dict[str, Counter[str]]:
    """Every checksummed warehouse table (see tests.pipeline.harness) as a multiset of normalised rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                name: Counter(
                    repr(tuple(_normal(v) for v in row))
                    for row in conn.execute(sa.text(f"SELECT * FROM {name}")).fetchall()
                )
                for name in CHECKSUM_TABLES
                if inspector.has_table(name)
            }
    finally:
        engine.dispose()


def table_differences(
    clean: dict[str, Counter[str]], other: dict[str, Counter[str]]
) -> dict[str, tuple[int, int]]:
    """Per table whose rows differ: (rows of the clean run missing, rows beyond the clean run)."""
    differences = {}
    for name in sorted(clean.keys() | other.keys()):
        want, got = clean.get(name, Counter()), other.get(name, Counter())
        missing, extra = sum((want - got).values()), sum((got - want).values())
        if missing or extra:
            differences[name] = (missing, extra)
    return differences
