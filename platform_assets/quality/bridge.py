"""The bridge from pandera to Dagster asset checks, written once: a check validates (lazily) the rows that
the run's partitions wrote to one table and reports the counts and up to 20 failure cases.

dagster-pandera only turns schemas into Dagster types of returned DataFrames; our tables are written by
SQL, so the check reads them back from the warehouse."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from platform_assets.ingest.partitions import CHECK_PARTITIONS
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.quality.schemas import failure_cases, schema_for
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.schema import TableSpec
from resources.warehouse import WarehouseResource

MAX_FAILURE_CASES = 20

# Which rows "the partitions just materialised" wrote, per kind of table.
STAGED_ROWS = "tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date"
FACT_ROWS = (
    "tenant_id = :tenant_id AND (platform, order_id) IN (SELECT platform, order_id FROM stg_orders "
    "WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)"
)
AGGREGATE_ROWS = "tenant_id = :tenant_id AND date BETWEEN :start_date AND :end_date"
SNAPSHOT_ROWS = "tenant_id = :tenant_id AND snapshot_date BETWEEN :start_date AND :end_date"


def _scoped_rows(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    tenants: TenantsResource,
    spec: TableSpec,
    scope: str,
) -> Iterator[tuple[str, pd.DataFrame]]:
    for td in tenant_days(context, tenants):
        for start, end in td.ranges():
            params = {"tenant_id": td.tenant.id, "start_date": start, "end_date": end}
            yield td.tenant.id, warehouse.query(sa.select(spec.table).where(sa.text(scope)), params)


def schema_check(spec: TableSpec, scope: str, *, blocking: bool) -> dg.AssetChecksDefinition:
    """An asset check validating ``spec``'s pandera schema on the rows the run's partitions wrote."""
    rules = [c.name for c in spec.columns if c.ge is not None or c.isin or c.pattern]

    @dg.asset_check(
        partitions_def=CHECK_PARTITIONS,
        asset=dg.AssetKey(spec.name),
        name=f"{spec.name}_schema",
        blocking=blocking,
        description=(
            f"Types, nullability, unique grain ({', '.join(spec.key)}) and value rules"
            f"{' on ' + ', '.join(rules) if rules else ''} of the rows this run wrote."
            + (" Blocking: downstream assets do not run on bad data." if blocking else "")
        ),
    )
    @holding_warehouse
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.AssetCheckResult:
        checked = 0
        failures: list[pd.DataFrame] = []
        for tenant_id, frame in _scoped_rows(context, warehouse, tenants, spec, scope):
            checked += len(frame)
            cases = failure_cases(schema_for(spec), frame)
            if len(cases):
                failures.append(cases.assign(tenant_id=tenant_id))
        days = sorted({day for td in tenant_days(context, tenants) for day in td.days})
        metadata: dict[str, Any] = {
            "rows_checked": dg.MetadataValue.int(checked),
            "dates_checked": describe_days(days),
        }
        if not failures:
            return dg.AssetCheckResult(
                passed=True, metadata={**metadata, "failures": dg.MetadataValue.int(0)}
            )
        cases = pd.concat(failures, ignore_index=True)
        summary = cases.groupby(["column", "check"]).size().reset_index(name="count")
        metadata.update(
            {
                "failures": dg.MetadataValue.int(len(cases)),
                "failures_by_column": dg.MetadataValue.md(
                    summary.to_markdown(index=False, disable_numparse=True)
                ),
                "failure_cases": dg.MetadataValue.md(
                    cases.head(MAX_FAILURE_CASES).to_markdown(index=False, disable_numparse=True)
                ),
            }
        )
        first = summary.iloc[0]
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{len(cases)} failures in {spec.name}, e.g. {first['column']}: {first['check']}",
            metadata=metadata,
        )

    return _check
