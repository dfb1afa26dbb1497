"""Aggregates: agg_daily_sales holds the one definition of every sales metric (docs/metrics.md);
agg_weekly_trends compares trailing 7-day windows; agg_daily_product_sales keeps each day's sales and
refunds per product and variant, what the reporting API adds up over a range.

A partition's run restates every business day its changes touch: the days of the orders that changed
(however old), the days of their refunds, and the order days of the customers involved. So a refund
arriving weeks later corrects the original day without a manual backfill."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.core.assets import dim_product, fact_order_items, fact_orders, fact_refunds
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.marts.completeness import judge_completeness
from platform_assets.tenants import Tenant, TenantsResource
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import query_file, run_file
from platform_assets.warehouse.sql_assets import SQL_KINDS, WAREHOUSE_POOL
from resources.warehouse import WarehouseResource

GROUP = "marts"
SQL_DIR = Path(__file__).parent / "sql"
WEEKLY_WINDOW_DAYS = 14  # a day's figures feed the 7-day window and the 7 days before it


def affected_days(conn: sa.Connection, tenant_id: str, start: date, end: date) -> list[date]:
    """The business days whose aggregates the partitions [start, end] can change (see affected_days.sql)."""
    rows = query_file(
        conn, SQL_DIR / "affected_days.sql", {"tenant_id": tenant_id, "start_date": start, "end_date": end}
    )
    days = {row[0] for row in rows if row[0] is not None}
    days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return sorted(days)


def _restating_asset(
    spec: TableSpec,
    sql_file: Path,
    deps: list[Any],
    description: str,
    expand_days: int,
    sales_totals: bool = False,
    after_restating: Callable[[sa.Connection, Tenant], None] | None = None,
):
    """An aggregate restating the days its partitions touch; ``after_restating`` runs in the same
    transaction, once per tenant range (agg_daily_sales judges its completeness there)."""

    @dg.asset(
        name=spec.name,
        description=description,
        partitions_def=date_tenant_partitions,
        deps=deps,
        group_name=GROUP,
        kinds=SQL_KINDS,
        owners=["team:data-platform"],
        metadata=spec.definition_metadata(),
        pool=WAREHOUSE_POOL,
        backfill_policy=BACKFILL_POLICY,
        **DERIVED_AUTOMATION,
    )
    @holding_warehouse
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.MaterializeResult:
        restated: list[date] = []
        partition_days: list[date] = []
        run_tenants = tenant_days(context, tenants)
        # affected_days.sql reads source_deletions (orders deleted at the source restate their days).
        extra = [t.STAGED_PARTITIONS] if after_restating else []
        warehouse.ensure_tables([spec, t.SOURCE_DELETIONS, *extra])
        for td in run_tenants:
            for start, end in td.ranges():
                with warehouse.transaction() as conn:
                    days = affected_days(conn, td.tenant.id, start, end)
                    if expand_days:
                        days = sorted({d + timedelta(days=n) for d in days for n in range(expand_days)})
                    run_file(
                        conn,
                        sql_file,
                        {"tenant_id": td.tenant.id, "days": days, "all_platforms": t.ALL_PLATFORMS},
                    )
                    if after_restating is not None:
                        after_restating(conn, td.tenant)
                restated.extend(days)
            partition_days.extend(td.days)
        return dg.MaterializeResult(
            metadata=_summary(
                warehouse,
                [td.tenant.id for td in run_tenants],
                sorted(set(restated)),
                partition_days,
                sales_totals,
            )
        )

    return _asset


def _summary(
    warehouse: WarehouseResource,
    tenant_ids: list[str],
    restated: list[date],
    partition_days: list[date],
    sales_totals: bool,
) -> dict[str, Any]:
    """Which days were restated (those outside the run's partitions are late changes being corrected)."""
    partition_days = sorted(set(partition_days))
    outside = [d for d in restated if d not in set(partition_days)]
    metadata: dict[str, Any] = {
        "dates_covered": describe_days(partition_days),
        "days_restated": dg.MetadataValue.int(len(restated)),
        "other_days_restated": dg.MetadataValue.json([d.isoformat() for d in outside][:200]),
    }
    if sales_totals and partition_days:
        metadata.update(_totals(warehouse, tenant_ids, partition_days[0], partition_days[-1]))
    return metadata


def _totals(warehouse: WarehouseResource, tenants: list[str], start: date, end: date) -> dict[str, Any]:
    """Revenue and orders over the partitions' days, across platforms (the 'all' rows, never the sum of
    every row, which would count each platform twice): plotted over time in the Dagster UI."""
    with warehouse.transaction() as conn:
        row = conn.execute(
            sa.text(
                "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(net_sales), 0), COALESCE(SUM(total_sales), 0) "
                "FROM agg_daily_sales WHERE tenant_id IN :tenants AND date BETWEEN :start AND :end "
                "AND platform = :all_platforms"
            ).bindparams(sa.bindparam("tenants", expanding=True)),
            {"tenants": tenants, "start": start, "end": end, "all_platforms": t.ALL_PLATFORMS},
        ).one()
    return {
        "orders": dg.MetadataValue.int(int(row[0])),
        "net_sales": dg.MetadataValue.float(float(row[1])),
        "total_sales": dg.MetadataValue.float(float(row[2])),
    }


agg_daily_sales = _restating_asset(
    t.AGG_DAILY_SALES,
    SQL_DIR / "agg_daily_sales.sql",
    [fact_orders, fact_refunds],
    "Daily sales per tenant, platform and currency, plus each day's total across platforms (platform "
    "'all'; customers counted once), with the one definition of orders, units, gross sales, "
    "discounts, returns, net sales, shipping, taxes, total sales, AOV and new/returning customers. "
    "Restates every earlier day a late change touches. is_complete/provisional_reason say whether every raw "
    "orders partition the day depends on was ingested (docs/metrics.md#completeness).",
    expand_days=0,
    sales_totals=True,
    after_restating=judge_completeness,
)
agg_weekly_trends = _restating_asset(
    t.AGG_WEEKLY_TRENDS,
    SQL_DIR / "agg_weekly_trends.sql",
    [agg_daily_sales],
    "Trailing 7-day windows ending on each day with sales, with the change against the 7 days before.",
    expand_days=WEEKLY_WINDOW_DAYS,
)

agg_daily_product_sales = _restating_asset(
    t.AGG_DAILY_PRODUCT_SALES,
    SQL_DIR / "agg_daily_product_sales.sql",
    [fact_order_items, fact_refunds, fact_orders, dim_product],
    "Daily sales (on the order's day) and refunds (on the refund's day) per tenant, platform, currency, "
    "product and variant, gift cards left out, amounts exact: what the reporting API's top products and "
    "refunds add up over a range instead of the order lines (docs/metrics.md#agg_daily_product_sales). "
    "Restates the same days as agg_daily_sales.",
    expand_days=0,
)

MART_ASSETS = [agg_daily_sales, agg_weekly_trends, agg_daily_product_sales]
