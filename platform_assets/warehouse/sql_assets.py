"""The shape shared by every SQL-pushdown asset: for each tenant and contiguous range of business days
in the run, one transaction runs the model's .sql file against the warehouse."""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.tenants import Tenant, TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

WAREHOUSE_POOL = "warehouse"
SQL_KINDS = {"sql"}
#: A step that wrote at least this many rows refreshes the table's planner statistics (PostgreSQL).
ANALYZE_MIN_ROWS = 10_000


def table_metadata(conn: sa.Connection, spec: TableSpec, tenant_id: str) -> dict[str, Any]:
    table = spec.table
    rows = conn.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
    ).scalar()
    return {f"table_rows[{tenant_id}]": dg.MetadataValue.int(int(rows or 0))}


#: The SQL files a model runs for a tenant, in order, each with its fixed parameters.
ModelFiles = Callable[[Tenant], Sequence[tuple[Path, Mapping[str, Any]]]]


def sql_model_asset(
    spec: TableSpec,
    sql_file: Path | ModelFiles,
    *,
    deps: Sequence[Any],
    group_name: str,
    description: str,
    reads: Sequence[TableSpec] = (),
    **asset_kwargs: Any,
) -> dg.AssetsDefinition:
    """An asset running ``sql_file`` per tenant and day range, each range in one transaction.

    The file gets :tenant_id, :start_date and :end_date. ``sql_file`` may instead give, per tenant, the
    files to run in that transaction with fixed parameters of their own: the conformed layer runs each
    connected source's model with its :platform, so that a source replaces only its own rows. ``reads``:
    tables the SQL reads that no upstream asset of it may have created yet (they are created empty)."""
    files_for: ModelFiles = sql_file if callable(sql_file) else (lambda tenant: [(sql_file, {})])

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
    @holding_warehouse
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.MaterializeResult:
        metadata: dict[str, Any] = {}
        counts: Counter[str] = Counter()
        covered: list[date] = []
        warehouse.ensure_tables([spec, *reads])
        with warehouse.connect() as conn:
            for td in tenant_days(context, tenants):
                files = files_for(td.tenant)
                for start, end in td.ranges():
                    window = {"tenant_id": td.tenant.id, "start_date": start, "end_date": end}
                    with conn.begin():
                        for path, fixed in files:
                            counts += run_file(conn, path, {**fixed, **window})
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
