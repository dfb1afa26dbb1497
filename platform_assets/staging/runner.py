"""The generic staging runner: a source's staging multi-asset, from its raw entity, its staging tables
and its function typing one raw partition's records.

Each raw partition is read once and typed by the source; every staging table it feeds is replaced for
that (tenant, day), with the partition's dead letters and its ledger entry, in one transaction per batch
of consecutive days of a tenant (``pool.batches``). Long ranges are staged in worker processes beside the
writes (``pool.staged_days``)."""

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.clock import utc_now
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.business_days import staging_timezone
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import TenantDays, describe_days, each_day, tenant_days
from platform_assets.staging.dead_letters import replace_dead_letters
from platform_assets.staging.declarative import RawDay, SqlStaging, closing_duck, stage_batch
from platform_assets.staging.ledger import IngestedPartition, record_staged
from platform_assets.staging.pool import BATCH_DAYS, StagedDay, Stager, batches, merged_texts, staged_days
from platform_assets.staging.staged import Staged
from platform_assets.tenants import Tenant, TenantsResource
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql_assets import ANALYZE_MIN_ROWS, WAREHOUSE_POOL
from platform_assets.warehouse.tables import DLQ_RECORDS, STAGED_PARTITIONS
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource
from resources.worker_processes import preload

GROUP = "staging"
OWNERS = ["team:data-platform"]


def _ingested(
    raw_store: RawStoreResource, platform: str, entity: str, staged: StagedDay
) -> IngestedPartition:
    return _ingested_day(raw_store, platform, entity, staged.td.tenant, staged.day)


def _ingested_day(
    raw_store: RawStoreResource, platform: str, entity: str, tenant: Tenant, day: date
) -> IngestedPartition:
    """The ledger's view of a staged day: its business timezone and when its raw partition was fetched."""
    try:
        written = raw_store.read_meta(platform, entity, tenant.id, day).get("written_at")
    except FileNotFoundError:
        written = None
    fetched_at = datetime.fromisoformat(written).astimezone(UTC) if written else None
    return IngestedPartition(day, staging_timezone(tenant, raw_store, day), fetched_at)


def staging_assets(
    platform: str,
    name: str,
    raw: Sequence[dg.AssetsDefinition | dg.AssetKey],
    entity: str,
    specs: Sequence[TableSpec],
    stage: Stager,
    sql: SqlStaging | None = None,
) -> dg.AssetsDefinition:
    """A multi-asset writing every staging table fed by one raw entity of ``platform``: each raw
    partition is read once and staged by ``stage`` (the source's own typing of its records), and its
    rows, dead letters and ledger entry are written in one transaction per batch of (tenant, days).

    ``raw`` are the raw assets it reads (the entity's, and any snapshot the staging needs, such as the
    shop's timezone). Every platform-neutral write carries ``platform`` and replaces only its rows.

    With ``sql`` (declarative staging, ``platform_assets/staging/declarative.py``), the records are typed
    by the source's SQL over the raw JSON and only the odd ones by ``stage``."""
    preload(stage.__module__)  # the staging workers run ``stage``: the forkserver imports it once

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                spec.name,
                description=spec.description,
                deps=list(raw),
                group_name=GROUP,
                kinds={"python", "sql"},
                owners=OWNERS,
                metadata=spec.definition_metadata(),
                partitions_def=date_tenant_partitions,
                **DERIVED_AUTOMATION,
            )
            for spec in specs
        ],
        pool=WAREHOUSE_POOL,
        backfill_policy=BACKFILL_POLICY,
    )
    def _asset(
        context: dg.AssetExecutionContext,
        raw_store: RawStoreResource,
        warehouse: WarehouseResource,
        tenants: TenantsResource,
    ):
        written = {spec.name: 0 for spec in specs}
        new_fields: Counter[str] = Counter()
        covered: list[date] = []
        missing: list[str] = []
        warehouse.ensure_tables([*specs, DLQ_RECORDS, STAGED_PARTITIONS])
        days = list(each_day(tenant_days(context, tenants)))
        progress = (written, new_fields, covered, missing)
        if sql is not None:
            dead_letters = _write_declarative(
                sql, stage, platform, entity, raw_store, warehouse, days, *progress
            )
        else:
            dead_letters = _write_python(
                stage, platform, entity, specs, raw_store, warehouse, days, *progress
            )
        if sum(written.values()) >= ANALYZE_MIN_ROWS:  # fresh statistics for the SQL models reading them
            warehouse.analyze(specs)
        covered.sort()
        for spec in specs:
            metadata: dict[str, Any] = {
                "dagster/row_count": dg.MetadataValue.int(written[spec.name]),
                "rows_written": dg.MetadataValue.int(written[spec.name]),
                "dates_covered": describe_days(covered),
                "dead_letters": dg.MetadataValue.int(dead_letters),
            }
            if missing:
                metadata["raw_partitions_missing"] = dg.MetadataValue.json(missing)
            if new_fields:  # schema drift: kept in raw untouched, not staged yet
                metadata["new_fields"] = dg.MetadataValue.json(dict(new_fields.most_common()))
            yield dg.MaterializeResult(asset_key=spec.name, metadata=metadata)

    return _asset


#: Raw bytes (gzipped) of one tenant's days typed together by the SQL: a DuckDB statement costs
#: milliseconds whatever its size, so small days go in batches (up to BATCH_DAYS of them).
SQL_BATCH_BYTES = 12_000_000


def _sql_batches(
    raw_store: RawStoreResource, platform: str, entity: str, days: list[tuple[TenantDays, date]]
) -> Iterator[list[tuple[TenantDays, date]]]:
    """Consecutive days of one tenant, up to ``SQL_BATCH_BYTES`` gzipped raw bytes or ``BATCH_DAYS`` days."""
    batch: list[tuple[TenantDays, date]] = []
    size = 0
    for td, day in days:
        try:
            day_bytes = int(raw_store.read_meta(platform, entity, td.tenant.id, day).get("bytes") or 0)
        except FileNotFoundError:
            day_bytes = 0
        if batch and (
            td.tenant.id != batch[0][0].tenant.id
            or size + day_bytes > SQL_BATCH_BYTES
            or len(batch) >= BATCH_DAYS
        ):
            yield batch
            batch, size = [], 0
        batch.append((td, day))
        size += day_bytes
    if batch:
        yield batch


def _write_declarative(
    sql: SqlStaging,
    stage: Stager,
    platform: str,
    entity: str,
    raw_store: RawStoreResource,
    warehouse: WarehouseResource,
    days: list[tuple[TenantDays, date]],
    written: dict[str, int],
    new_fields: Counter[str],
    covered: list[date],
    missing: list[str],
) -> int:
    """Stage the run's days through the entity's SQL, one transaction per batch of a tenant's days (rows
    replaced, dead letters replaced, ledger written); the odd records through ``stage``. Returns how many
    dead letters were written."""
    dead_letters = 0
    with warehouse.connect() as conn, closing_duck(warehouse, conn) as duck:
        for batch in _sql_batches(raw_store, platform, entity, days):
            td = batch[0][0]
            tenant_id = td.tenant.id
            present = [day for _, day in batch if raw_store.exists(platform, entity, tenant_id, day)]
            raw_days = [
                RawDay(
                    day,
                    staging_timezone(td.tenant, raw_store, day).key,
                    list(raw_store.read_lines(platform, entity, tenant_id, day)),
                )
                for day in present
            ]

            def python_stage(records: list[dict], day: date, td: TenantDays = td) -> Staged:
                return stage(records, td, day, raw_store)

            with conn.begin():  # several days of one tenant, each replaced whole
                for spec in sql.specs:
                    warehouse.delete_partitions(conn, spec, tenant_id, [day for _, day in batch])
                staged = stage_batch(sql, warehouse, conn, duck, tenant_id, raw_days, python_stage)
                for name, count in staged.written.items():
                    written[name] += count
                for _, day in batch:
                    dead_letters += replace_dead_letters(
                        warehouse,
                        conn,
                        {
                            "tenant_id": tenant_id,
                            "partition_date": day,
                            "platform": platform,
                            "entity": entity,
                        },
                        staged.dead_letters.get(day, []),
                        utc_now().replace(tzinfo=None),
                    )
                record_staged(  # "ingested" = fetched and staged, committed with the rows
                    warehouse,
                    conn,
                    tenant_id=tenant_id,
                    platform=platform,
                    entity=entity,
                    days=[day for _, day in batch],
                    ingested=[_ingested_day(raw_store, platform, entity, td.tenant, day) for day in present],
                    staged_at=utc_now(),
                )
            for _, day in batch:
                if day not in present:
                    missing.append(f"{tenant_id}/{day}")
                new_fields.update(staged.new_fields.get(day, {}))
                covered.append(day)
    return dead_letters


def _write_python(
    stage: Stager,
    platform: str,
    entity: str,
    specs: Sequence[TableSpec],
    raw_store: RawStoreResource,
    warehouse: WarehouseResource,
    days: list[tuple[TenantDays, date]],
    written: dict[str, int],
    new_fields: Counter[str],
    covered: list[date],
    missing: list[str],
) -> int:
    """Stage the run's days with ``stage`` (in worker processes for long ranges), one transaction per batch
    of a tenant's days (rows replaced, dead letters replaced, ledger written). Returns how many dead letters
    were written."""
    tables = [(spec.name, len(spec.column_names)) for spec in specs]
    dead_letters = 0
    with warehouse.connect() as conn:
        for batch in batches(staged_days(stage, platform, entity, tables, raw_store, days)):
            tenant_id = batch[0].td.tenant.id
            with conn.begin():  # several days of one tenant, each replaced whole
                for spec, (name, width) in zip(specs, tables, strict=True):
                    warehouse.delete_partitions(conn, spec, tenant_id, [s.day for s in batch])
                    written[name] += warehouse.insert_text(conn, spec, merged_texts(batch, name, width))
                for staged in batch:
                    dead_letters += replace_dead_letters(
                        warehouse,
                        conn,
                        {
                            "tenant_id": tenant_id,
                            "partition_date": staged.day,
                            "platform": platform,
                            "entity": entity,
                        },
                        staged.dead_letters,
                        utc_now().replace(tzinfo=None),
                    )
                record_staged(  # "ingested" = fetched and staged, committed with the rows
                    warehouse,
                    conn,
                    tenant_id=tenant_id,
                    platform=platform,
                    entity=entity,
                    days=[staged.day for staged in batch],
                    ingested=[_ingested(raw_store, platform, entity, s) for s in batch if not s.missing],
                    staged_at=utc_now(),
                )
            for staged in batch:
                if staged.missing:
                    missing.append(f"{tenant_id}/{staged.day}")
                new_fields.update(staged.new_fields)
                covered.append(staged.day)
    return dead_letters
