"""The star schema: dimensions and facts, built set-wise in SQL from the conformed staging layer.

Every model rebuilds exactly the entities touched by the partitions being materialised, from all staged
versions of them, so materialising again or backfilling in any order converges on the same tables."""

from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from platform_assets.automation import DERIVED_FRESHNESS, raw_refresh
from platform_assets.conformed.assets import (
    stg_customers,
    stg_inventory_levels,
    stg_locations,
    stg_order_lines,
    stg_orders,
    stg_products,
    stg_refunds,
)
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.sql_assets import SQL_KINDS, WAREHOUSE_POOL, sql_model_asset
from resources.warehouse import WarehouseResource

GROUP = "core"
SQL_DIR = Path(__file__).parent / "sql"


@dg.asset(
    name=t.DIM_DATE.name,
    description="The calendar: one row per date, written for each partition's day.",
    partitions_def=date_tenant_partitions,
    group_name=GROUP,
    kinds=SQL_KINDS,
    owners=["team:data-platform"],
    metadata=t.DIM_DATE.definition_metadata(),
    pool=WAREHOUSE_POOL,
    backfill_policy=BACKFILL_POLICY,
    automation_condition=raw_refresh(),  # a root like the raw assets: it follows the refresh cron
    freshness_policy=DERIVED_FRESHNESS,
)
@holding_warehouse
def dim_date(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
) -> dg.MaterializeResult:
    days = sorted({day for td in tenant_days(context, tenants) for day in td.days})
    rows = [_calendar_row(day) for day in days]
    warehouse.ensure_tables([t.DIM_DATE])
    with warehouse.transaction() as conn:
        conn.execute(
            sa.text("DELETE FROM dim_date WHERE date IN :days").bindparams(
                sa.bindparam("days", expanding=True)
            ),
            {"days": days},
        )
        warehouse.insert_rows(conn, t.DIM_DATE, rows)
    return dg.MaterializeResult(metadata={"rows_written": len(rows), "dates_covered": describe_days(days)})


def _calendar_row(day: date) -> tuple[Any, ...]:
    iso = day.isocalendar()
    return (
        day.year * 10000 + day.month * 100 + day.day,
        day,
        day.year,
        (day.month - 1) // 3 + 1,
        day.month,
        day.strftime("%B"),
        iso.week,
        iso.weekday,
        day.strftime("%A"),
        iso.weekday >= 6,
    )


dim_product = sql_model_asset(
    t.DIM_PRODUCT,
    SQL_DIR / "dim_product.sql",
    deps=[stg_products],
    group_name=GROUP,
    description="Products at variant grain with SCD type 2 history of price, title and sku, so facts join "
    "the attributes in force when the order was placed.",
)
dim_location = sql_model_asset(
    t.DIM_LOCATION,
    SQL_DIR / "dim_location.sql",
    deps=[stg_locations],
    group_name=GROUP,
    description="Store and warehouse locations of every platform as of their newest snapshot, from the "
    "conformed stg_locations.",
)
fact_orders = sql_model_asset(
    t.FACT_ORDERS,
    SQL_DIR / "fact_orders.sql",
    deps=[stg_orders],
    group_name=GROUP,
    description="One row per order in its current state: the newest updated_at across all staged versions "
    "wins. A partition's run merges the orders that changed on its day, however old they are.",
)
fact_order_items = sql_model_asset(
    t.FACT_ORDER_ITEMS,
    SQL_DIR / "fact_order_items.sql",
    deps=[fact_orders, stg_order_lines, dim_product],
    group_name=GROUP,
    description="One row per line of each order's current version, keyed to the product version in force at "
    "order time.",
)
fact_refunds = sql_model_asset(
    t.FACT_REFUNDS,
    SQL_DIR / "fact_refunds.sql",
    deps=[fact_orders, stg_refunds],
    group_name=GROUP,
    description="One row per refund line (returned items, shipping refunds, adjustments), dated on the "
    "refund's business day, not the order's.",
)
dim_customer = sql_model_asset(
    t.DIM_CUSTOMER,
    SQL_DIR / "dim_customer.sql",
    deps=[stg_customers, fact_orders, fact_refunds],
    group_name=GROUP,
    reads=[t.SOURCE_DELETIONS],
    description="One row per customer per tenant (guests keyed by normalised email) with first order date, "
    "lifetime orders, lifetime net spend and segment.",
)
fact_inventory_snapshots = sql_model_asset(
    t.FACT_INVENTORY_SNAPSHOTS,
    SQL_DIR / "fact_inventory_snapshots.sql",
    deps=[stg_inventory_levels],
    group_name=GROUP,
    description="The stock history: units available per variant and location on each business day, from "
    "the day's last inventory snapshot of every platform.",
)

CORE_ASSETS = [
    dim_date,
    dim_product,
    dim_location,
    fact_orders,
    fact_order_items,
    fact_refunds,
    dim_customer,
    fact_inventory_snapshots,
]
