"""Relational and reconciliation checks: the numbers hold together across tables and agree with the
source. Each SQL check is a query returning the offending rows of the run's partitions (none = pass);
a silent loss anywhere turns one of them red."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.ingest.partitions import CHECK_PARTITIONS
from platform_assets.ingest.runs import tenant_days
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.sql import statements
from platform_assets.warehouse.tables import ALL_PLATFORMS
from resources.warehouse import WarehouseResource

SQL_DIR = Path(__file__).parent / "sql"
SAMPLE = 20


#: What a check says about its offending rows: the one-line description and extra metadata.
Summary = Callable[[pd.DataFrame], tuple[str, dict[str, Any]]]


def sql_check(
    asset: str,
    name: str,
    sql_file: str | Path,
    description: str,
    *,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    summary: Summary | None = None,
) -> dg.AssetChecksDefinition:
    """A non-blocking check that does not pass (with ``severity``) when ``sql_file`` returns rows for the
    run's partitions (parameters :tenant_id, :start_date, :end_date and :all_platforms, the platform of
    the aggregate rows across platforms); ``summary`` words the result (default: how many rows break the
    rule). A bare file name is one of this layer's sql/ files; a source passes the path of its own."""
    (query,) = statements(SQL_DIR / sql_file)

    @dg.asset_check(
        partitions_def=CHECK_PARTITIONS,
        asset=dg.AssetKey(asset),
        name=name,
        blocking=False,
        description=description,
    )
    @holding_warehouse
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.AssetCheckResult:
        frames = []
        for td in tenant_days(context, tenants):
            for start, end in td.ranges():
                params = {
                    "tenant_id": td.tenant.id,
                    "start_date": start,
                    "end_date": end,
                    "all_platforms": ALL_PLATFORMS,
                }
                used = {name: value for name, value in params.items() if f":{name}" in query}
                frames.append(warehouse.query(query, used).assign(tenant_id=td.tenant.id))
        offending = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        metadata: dict[str, Any] = {"offending_rows": dg.MetadataValue.int(len(offending))}
        if offending.empty:
            return dg.AssetCheckResult(passed=True, metadata=metadata)
        metadata["sample"] = dg.MetadataValue.md(
            offending.head(SAMPLE).astype(str).to_markdown(index=False, disable_numparse=True)
        )
        text = f"{len(offending)} rows break the rule: {description}"
        if summary is not None:
            text, extra = summary(offending)
            metadata.update(extra)
        return dg.AssetCheckResult(passed=False, severity=severity, description=text, metadata=metadata)

    return _check


RECONCILIATION_CHECKS = [
    sql_check(
        "fact_order_items",
        "items_join_product_version",
        "item_product_versions.sql",
        "every order item joins the dim_product version in force at order time",
    ),
    sql_check(
        "fact_refunds",
        "refunds_within_charged",
        "refunds_within_charged.sql",
        "an order's refunds never exceed what it charged",
    ),
    sql_check(
        "agg_daily_sales",
        "daily_sales_match_facts",
        "daily_sales_reconcile.sql",
        "agg_daily_sales equals the facts' totals for each day, its platforms' rows and its rows across "
        "platforms each",
    ),
]
