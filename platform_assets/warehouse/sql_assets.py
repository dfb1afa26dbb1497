"""The shape shared by every SQL-pushdown asset: for each tenant and contiguous range of business days
in the run, one transaction runs the model's .sql file against the warehouse."""

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

WAREHOUSE_POOL = "warehouse"
SQL_KINDS = {"sql"}
#: A step that wrote at least this many rows refreshes the table's planner statistics (PostgreSQL).
ANALYZE_MIN_ROWS = 10_000


def table_metadata(conn: sa.Connection, spec: TableSpec, tenant_id: str) -> dict[str, Any]:
    rows = conn.execute(
        sa.text(f"SELECT COUNT(*) FROM {spec.name} WHERE tenant_id = :t"), {"t": tenant_id}
    ).scalar()
    return {f"table_rows[{tenant_id}]": dg.MetadataValue.int(int(rows or 0))}


def sql_model_asset(
    spec: TableSpec,
    sql_file: Path,
    *,
    deps: Sequence[Any],
    group_name: str,
    description: str,
    params: Mapping[str, Any] | None = None,
    **asset_kwargs: Any,
) -> dg.AssetsDefinition:
    """An asset running ``sql_file`` per tenant and day range, each range in one transaction.

    The file gets :tenant_id, :start_date and :end_date, and ``params``: fixed values such as a source's
    :platform, so that a source's conformed model replaces only its own rows of a shared table."""
    fixed = dict(params or {})

    @dg.asset(
        name=spec.name,
        description=description,
        partitions_def=date_tenant_partitions,
        deps=deps,
        group_name=group_name,
        kinds=SQL_KINDS,
        owners=["team:data-platform"],
        metadata=spec.definition_metadata(),
        pool=WAREHOUSE_POOL,
        backfill_policy=BACKFILL_POLICY,
        **DERIVED_AUTOMATION,
        **asset_kwargs,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        metadata: dict[str, Any] = {}
        counts: Counter[str] = Counter()
        covered: list[date] = []
        warehouse.ensure_tables([spec])
        with warehouse.connect() as conn:
            for td in tenant_days(context):
                for start, end in td.ranges():
                    with conn.begin():
                        params = {**fixed, "tenant_id": td.tenant.id, "start_date": start, "end_date": end}
                        counts += run_file(conn, sql_file, params)
                metadata.update(table_metadata(conn, spec, td.tenant.id))
                covered.extend(td.days)
        if counts["INSERT"] >= ANALYZE_MIN_ROWS:  # fresh statistics for the models reading it next
            warehouse.analyze([spec])
        covered.sort()
        metadata.update(
            {f"rows_{verb.lower()}d": dg.MetadataValue.int(n) for verb, n in sorted(counts.items())}
        )
        metadata["dates_covered"] = describe_days(covered)
        return dg.MaterializeResult(metadata=metadata)

    return _asset
