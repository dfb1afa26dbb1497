"""Every staging, fact and aggregate table gets its schema check. Staging checks block: downstream assets
do not run on bad data. Fact and aggregate checks report without blocking."""

from platform_assets.quality.bridge import AGGREGATE_ROWS, FACT_ROWS, STAGED_ROWS, schema_check
from platform_assets.warehouse import tables as t

STAGING_TABLES = [spec for spec in t.ALL_TABLES if spec.name.startswith("stg_")]
FACT_TABLES = [t.FACT_ORDERS, t.FACT_ORDER_ITEMS, t.FACT_REFUNDS]
AGGREGATE_TABLES = [t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS]

SCHEMA_CHECKS = [
    *(schema_check(spec, STAGED_ROWS, blocking=True) for spec in STAGING_TABLES),
    *(schema_check(spec, FACT_ROWS, blocking=False) for spec in FACT_TABLES),
    *(schema_check(spec, AGGREGATE_ROWS, blocking=False) for spec in AGGREGATE_TABLES),
]
