"""Every staging, fact and aggregate table gets its schema check. Staging checks block: downstream assets
do not run on bad data. Fact and aggregate checks report without blocking."""

from platform_assets.conformed.assets import CONFORMED_TABLES
from platform_assets.quality.bridge import (
    AGGREGATE_ROWS,
    FACT_ROWS,
    SNAPSHOT_ROWS,
    STAGED_ROWS,
    schema_check,
)
from platform_assets.sources.registry import sources
from platform_assets.warehouse import tables as t

STAGING_TABLES = [*(spec for source in sources() for spec in source.staging_tables), *CONFORMED_TABLES]
FACT_TABLES = [t.FACT_ORDERS, t.FACT_ORDER_ITEMS, t.FACT_REFUNDS]
AGGREGATE_TABLES = [t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS, t.AGG_DAILY_PRODUCT_SALES]
#: Facts dated by their snapshot's day rather than by an order.
SNAPSHOT_TABLES = [t.FACT_INVENTORY_SNAPSHOTS]

SCHEMA_CHECKS = [
    *(schema_check(spec, STAGED_ROWS, blocking=True) for spec in STAGING_TABLES),
    *(schema_check(spec, FACT_ROWS, blocking=False) for spec in FACT_TABLES),
    *(schema_check(spec, AGGREGATE_ROWS, blocking=False) for spec in AGGREGATE_TABLES),
    *(schema_check(spec, SNAPSHOT_ROWS, blocking=False) for spec in SNAPSHOT_TABLES),
]
