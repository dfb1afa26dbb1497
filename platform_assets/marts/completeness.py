"""Completeness of agg_daily_sales (docs/metrics.md#completeness).

A raw orders partition holds what changed on its business day, so the figures of day D are final only
once every partition from D through yesterday is ingested (edits, voids and refunds of D's orders land
there), and new vs returning customers on D need every partition from the tenant's start date up to D
(their first orders). A row is written provisional and judged in the same transaction against the
ingestion ledger (staged_partitions); rows still provisional are judged again whenever the tenant's
aggregates are restated, so backfilling the missing days flips them to complete."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from platform_assets.clock import utc_now
from platform_assets.staging.ledger import newest_timezone
from platform_assets.tenants import Tenant
from platform_assets.warehouse.sql import run_file
from platform_assets.warehouse.tables import ALL_PLATFORMS

SQL_FILE = Path(__file__).parent / "sql" / "agg_daily_sales_completeness.sql"
#: The raw entity whose partitions the daily sales figures are built from.
ORDERS = "orders"


def last_complete_day(conn: sa.Connection, tenant: Tenant) -> date:
    """Yesterday in the tenant's timezone (its override, else the one its orders were last staged in), by
    the pipeline's clock: the last day whose changes a complete figure must include."""
    zone = ZoneInfo(tenant.timezone) if tenant.timezone else newest_timezone(conn, tenant.id, ORDERS)
    return utc_now().astimezone(zone or ZoneInfo("UTC")).date() - timedelta(days=1)


def judge_completeness(conn: sa.Connection, tenant: Tenant) -> None:
    """Set is_complete and provisional_reason on every row of the tenant not known complete yet. A row
    across platforms ('all') is complete when every platform of the tenant has the partitions it needs."""
    params = {
        "tenant_id": tenant.id,
        "start_date": tenant.start_date,
        "yesterday": last_complete_day(conn, tenant),
        "all_platforms": ALL_PLATFORMS,
    }
    run_file(conn, SQL_FILE, params)
