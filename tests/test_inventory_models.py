"""The stock models at the SQL level, on a small DuckDB warehouse: each source's contribution to the
conformed stg_inventory_levels (Shopify's levels keyed by the variant owning the inventory item;
WooCommerce's simple products' stock carried to every staged products day, at its one location) and the
core fact_inventory_snapshots over both platforms, a range rewriting its own days only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from platform_assets.core.assets import SQL_DIR as CORE_SQL
from platform_assets.sources.registry import sources
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

TENANT = "two"
DAY1, DAY2, DAY3 = date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)
STAMP = datetime(2026, 5, 1, 12)


def contribution(platform: str) -> tuple[Path, list]:
    """The platform's stg_inventory_levels SQL file and its staging table specs."""
    (source,) = [source for source in sources() if source.platform == platform]
    model = source.conformed_for(t.STG_INVENTORY_LEVELS)
    assert model is not None
    return model.sql_file, {spec.name: spec for spec in source.staging_tables}


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    yield warehouse
    warehouse.engine().dispose()


def run(warehouse: WarehouseResource, path: Path, start: date, end: date, **fixed) -> None:
    with warehouse.transaction() as conn:
        run_file(conn, path, {"tenant_id": TENANT, "start_date": start, "end_date": end, **fixed})


def rows(warehouse: WarehouseResource, sql: str) -> list[tuple]:
    with warehouse.transaction() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql))]


def test_shopify_levels_take_the_variant_owning_the_inventory_item(warehouse):
    sql_file, specs = contribution("shopify")
    levels, variants = specs["stg_shopify_inventory_levels"], specs["stg_shopify_product_variants"]
    warehouse.ensure_tables([levels, variants, t.STG_INVENTORY_LEVELS])
    variant = [c.name for c in variants.columns]

    def version(day: date, variant_id: int, item: int, sku: str) -> tuple:
        values = {"tenant_id": TENANT, "partition_date": day, "variant_id": variant_id, "product_id": 7,
                  "sku": sku, "price": Decimal("1.00"), "inventory_item_id": item, "created_at": STAMP,
                  "updated_at": STAMP}  # fmt: skip
        return tuple(values.get(name) for name in variant)

    with warehouse.transaction() as conn:
        # variant 70 renames its SKU on DAY2; variant 71 is created on DAY3, after the DAY1 snapshot
        warehouse.insert_rows(
            conn,
            variants,
            [version(DAY1, 70, 900, "A-1"), version(DAY2, 70, 900, "A-2"), version(DAY3, 71, 901, "B")],
        )
        warehouse.insert_rows(
            conn,
            levels,
            [
                (TENANT, day, item, location, units, STAMP, STAMP)
                for day in (DAY1, DAY2)
                for item, location, units in ((900, 1, 5), (900, 2, -2), (901, 1, None), (999, 1, 4))
            ],
        )
    run(warehouse, sql_file, DAY1, DAY2, platform="shopify")
    assert rows(
        warehouse,
        "SELECT partition_date, platform, product_id, variant_id, sku, location_id, available "
        "FROM stg_inventory_levels ORDER BY partition_date, variant_id, location_id",
    ) == [
        (DAY1, "shopify", "7", "70", "A-1", "1", 5),
        (DAY1, "shopify", "7", "70", "A-1", "2", -2),
        (DAY1, "shopify", "7", "71", "B", "1", None),  # its first later version: it is in the snapshot
        (DAY2, "shopify", "7", "70", "A-2", "1", 5),  # the version staged on or before the day
        (DAY2, "shopify", "7", "70", "A-2", "2", -2),
        (DAY2, "shopify", "7", "71", "B", "1", None),
    ]  # inventory item 999 belongs to no staged variant: left out


def test_woocommerce_stock_is_carried_to_every_staged_products_day_at_one_location(warehouse):
    sql_file, specs = contribution("woocommerce")
    products = specs["stg_woocommerce_products"]
    warehouse.ensure_tables([products, t.STAGED_PARTITIONS, t.STG_INVENTORY_LEVELS])
    columns = [c.name for c in products.columns]

    def product(day: date, product_id: int, kind: str, stock: int | None, sku: str = "S") -> tuple:
        values = {"tenant_id": TENANT, "partition_date": day, "product_id": product_id, "type": kind,
                  "sku": sku, "stock_quantity": stock, "created_at": STAMP, "updated_at": STAMP}  # fmt: skip
        return tuple(values.get(name) for name in columns)

    ledger = [c.name for c in t.STAGED_PARTITIONS.columns]
    with warehouse.transaction() as conn:
        warehouse.insert_rows(
            conn,
            products,
            [
                product(DAY1, 10, "simple", 12),
                product(DAY1, 11, "variable", 40),  # its variations are what sells: left out
                product(DAY1, 12, "simple", None),  # stock not managed
                product(DAY3, 10, "simple", 9),  # modified on DAY3: its new stock from then on
                product(DAY3, 13, "simple", 3, "N"),
            ],
        )
        warehouse.insert_rows(
            conn,
            t.STAGED_PARTITIONS,
            [
                tuple(
                    {
                        "tenant_id": TENANT,
                        "platform": platform,
                        "entity": entity,
                        "partition_date": day,
                        "timezone": "UTC",
                        "staged_at": STAMP,
                        "whole_day": True,
                    }.get(name)
                    for name in ledger
                )  # fmt: skip
                for day in (DAY1, DAY2, DAY3)
                for platform, entity in (
                    ("woocommerce", "products"),
                    ("woocommerce", "orders"),
                    ("shopify", "products"),
                )
            ],
        )
    run(warehouse, sql_file, DAY1, DAY3, platform="woocommerce")
    assert rows(
        warehouse,
        "SELECT partition_date, product_id, variant_id, sku, location_id, available, snapshot_taken_at "
        "FROM stg_inventory_levels ORDER BY partition_date, variant_id",
    ) == [
        (DAY1, "10", "10", "S", "site", 12, None),
        (DAY2, "10", "10", "S", "site", 12, None),  # no change on DAY2: the level last reported
        (DAY3, "10", "10", "S", "site", 9, None),
        (DAY3, "13", "13", "N", "site", 3, None),
    ]


def test_the_fact_keeps_each_platforms_day_and_links_skus(warehouse):
    warehouse.ensure_tables([t.STG_INVENTORY_LEVELS, t.FACT_INVENTORY_SNAPSHOTS])
    names = [c.name for c in t.STG_INVENTORY_LEVELS.columns]

    def level(day: date, platform: str, variant: str, sku: str | None, location: str, units: int | None):
        values = {"tenant_id": TENANT, "platform": platform, "partition_date": day, "product_id": "p",
                  "variant_id": variant, "sku": sku, "location_id": location, "available": units,
                  "updated_at": STAMP}  # fmt: skip
        return tuple(values.get(name) for name in names)

    conformed = [
        level(DAY1, "shopify", "70", " ab-1 ", "1", 5),
        level(DAY1, "woocommerce", "10", "AB-1", "site", 12),
        level(DAY2, "shopify", "70", "AB-1", "1", 4),
        level(DAY2, "shopify", "71", "", "1", None),
    ]
    with warehouse.transaction() as conn:
        warehouse.insert_rows(conn, t.STG_INVENTORY_LEVELS, conformed)
    fact = CORE_SQL / "fact_inventory_snapshots.sql"
    run(warehouse, fact, DAY1, DAY2)
    query = (
        "SELECT snapshot_date, date_key, platform, variant_id, sku_key, location_id, available "
        "FROM fact_inventory_snapshots ORDER BY snapshot_date, platform, variant_id"
    )
    expected = [
        (DAY1, 20260501, "shopify", "70", "AB-1", "1", 5),
        (DAY1, 20260501, "woocommerce", "10", "AB-1", "site", 12),
        (DAY2, 20260502, "shopify", "70", "AB-1", "1", 4),
        (DAY2, 20260502, "shopify", "71", None, "1", None),
    ]
    assert rows(warehouse, query) == expected
    # A range rewrites its own days: DAY2 again, after its snapshot lost variant 71, leaves DAY1 alone.
    with warehouse.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM stg_inventory_levels WHERE variant_id = '71'")
    run(warehouse, fact, DAY2, DAY2)
    assert rows(warehouse, query) == expected[:3]
