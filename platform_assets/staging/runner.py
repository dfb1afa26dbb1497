"""The generic staging runner: a source's staging multi-asset, from its raw entity, its staging tables
and its function typing one raw partition's records.

Each raw partition is read once and typed by the source; every staging table it feeds is replaced for
that (tenant, day), with the partition's dead letters and its ledger entry, in one transaction per batch
of consecutive days of a tenant (``pool.batches``). Long ranges are staged in worker processes beside the
writes (``pool.staged_days``)."""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import sqlalchemy as sa

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.clock import utc_now
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.business_days import staging_timezone
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import TenantDays, describe_days, each_day, tenant_days
from platform_assets.staging.dead_letters import replace_dead_letters
from platform_assets.staging.declarative import (
    LocalRawFile,
    RawDay,
    SqlStaging,
    closing_duck,
    open_raw_input,
    stage_batch,
)
from platform_assets.staging.ledger import IngestedPartition, record_staged
from platform_assets.staging.pool import BATCH_DAYS, Stager, batches, merged_texts, staged_days
from platform_assets.staging.staged import DeadLetter, Staged
from platform_assets.tenants import Tenant, TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql_assets import ANALYZE_MIN_ROWS, WAREHOUSE_POOL
from platform_assets.warehouse.tables import DLQ_RECORDS, STAGED_PARTITIONS
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource
from resources.worker_processes import preload

GROUP = "staging"
OWNERS = ["team:data-platform"]


@dataclass
class Progress:
    """What a staging step has done so far, for its materialisation's metadata."""

    written: dict[str, int]
    dead_letters: int = 0
    new_fields: Counter[str] = field(default_factory=Counter)
    covered: list[date] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """Where a staging step reads and writes: the source's raw entity and the warehouse."""

    platform: str
    entity: str
    raw_store: RawStoreResource
    warehouse: WarehouseResource

    def present(self, tenant_id: str, day: date) -> bool:
        return self.raw_store.exists(self.platform, self.entity, tenant_id, day)


def _ingested_day(target: Target, tenant: Tenant, day: date) -> IngestedPartition:
    """The ledger's view of a staged day: its business timezone and when its raw partition was fetched."""
    try:
        meta = target.raw_store.read_meta(target.platform, target.entity, tenant.id, day)
    except FileNotFoundError:
        meta = {}
    written = meta.get("written_at")
    fetched_at = datetime.fromisoformat(written).astimezone(UTC) if written else None
    return IngestedPartition(day, staging_timezone(tenant, target.raw_store, day), fetched_at)


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
    @holding_warehouse
    def _asset(
        context: dg.AssetExecutionContext,
        raw_store: RawStoreResource,
        warehouse: WarehouseResource,
        tenants: TenantsResource,
    ):
        progress = Progress({spec.name: 0 for spec in specs})
        warehouse.ensure_tables([*specs, DLQ_RECORDS, STAGED_PARTITIONS])
        days = list(each_day(tenant_days(context, tenants)))
        target = Target(platform, entity, raw_store, warehouse)
        if sql is not None:
            _write_declarative(target, sql, stage, days, progress)
        else:
            _write_python(target, specs, stage, days, progress)
        if sum(progress.written.values()) >= ANALYZE_MIN_ROWS:  # fresh statistics for the models reading them
            warehouse.analyze(specs)
        covered = sorted(progress.covered)
        for spec in specs:
            metadata: dict[str, Any] = {
                "dagster/row_count": dg.MetadataValue.int(progress.written[spec.name]),
                "rows_written": dg.MetadataValue.int(progress.written[spec.name]),
                "dates_covered": describe_days(covered),
                "dead_letters": dg.MetadataValue.int(progress.dead_letters),
            }
            if progress.missing:
                metadata["raw_partitions_missing"] = dg.MetadataValue.json(progress.missing)
            if progress.new_fields:  # schema drift: kept in raw untouched, not staged yet
                metadata["new_fields"] = dg.MetadataValue.json(dict(progress.new_fields.most_common()))
            yield dg.MaterializeResult(asset_key=spec.name, metadata=metadata)

    return _asset


#: Raw bytes (gzipped) of one tenant's days typed together by the SQL: a DuckDB statement costs
#: milliseconds whatever its size, so small days go in batches (up to BATCH_DAYS of them).
SQL_BATCH_BYTES = 12_000_000


def _sql_batches(
    target: Target, days: list[tuple[TenantDays, date]]
) -> Iterator[list[tuple[TenantDays, date]]]:
    """Consecutive days of one tenant, up to ``SQL_BATCH_BYTES`` gzipped raw bytes or ``BATCH_DAYS`` days."""
    batch: list[tuple[TenantDays, date]] = []
    size = 0
    for td, day in days:
        try:
            meta = target.raw_store.read_meta(target.platform, target.entity, td.tenant.id, day)
            day_bytes = int(meta.get("bytes") or 0)
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


def _record_batch(
    target: Target,
    conn: sa.Connection,
    tenant: Tenant,
    dead_letters: Mapping[date, Sequence[DeadLetter]],
    present: Sequence[date],
) -> int:
    """In the batch's transaction: each of its days' dead letters replaced, and its ledger entry (fetched
    and staged, committed with the rows). ``dead_letters`` has every day of the batch."""
    count = 0
    for day, letters in dead_letters.items():
        scope = {
            "tenant_id": tenant.id,
            "partition_date": day,
            "platform": target.platform,
            "entity": target.entity,
        }
        count += replace_dead_letters(target.warehouse, conn, scope, letters, utc_now().replace(tzinfo=None))
    record_staged(
        target.warehouse,
        conn,
        tenant_id=tenant.id,
        platform=target.platform,
        entity=target.entity,
        days=list(dead_letters),
        ingested=[_ingested_day(target, tenant, day) for day in present],
        staged_at=utc_now(),
    )
    return count


def _raw_day(target: Target, tenant: Tenant, day: date) -> RawDay:
    """A present raw day for declarative staging: its local file when the raw store is on this machine
    (DuckDB reads it), else its lines read through the store."""
    raw_store, platform, entity = target.raw_store, target.platform, target.entity
    timezone = staging_timezone(tenant, raw_store, day).key
    path = raw_store.local_file(platform, entity, tenant.id, day)
    records = raw_store.read_meta(platform, entity, tenant.id, day).get("records") if path else None
    if path is None or not isinstance(records, int):
        return RawDay(day, timezone, lines=list(raw_store.read_lines(platform, entity, tenant.id, day)))

    def read_lines() -> Iterable[bytes]:
        return raw_store.read_lines(platform, entity, tenant.id, day)

    return RawDay(day, timezone, file=LocalRawFile(path, records, read_lines))


def _write_declarative(
    target: Target, sql: SqlStaging, stage: Stager, days: list[tuple[TenantDays, date]], progress: Progress
) -> None:
    """Stage the run's days through the entity's SQL, one transaction per batch of a tenant's days (rows,
    dead letters and ledger); the odd records through ``stage``."""
    raw_store, warehouse = target.raw_store, target.warehouse
    with warehouse.connect() as conn, closing_duck(warehouse, conn) as duck:
        for batch in _sql_batches(target, days):
            td = batch[0][0]
            batch_days = [day for _, day in batch]
            present = [day for day in batch_days if target.present(td.tenant.id, day)]
            raw_days = [_raw_day(target, td.tenant, day) for day in present]

            def python_stage(records: list[dict], day: date, td: TenantDays = td) -> Staged:
                return stage(records, td, day, raw_store)

            # DuckDB reads the raw files before the transaction: a file it refuses leaves it intact
            with open_raw_input(sql, duck, raw_days) as raw_input, conn.begin():
                for spec in sql.specs:
                    warehouse.delete_partitions(conn, spec, td.tenant.id, batch_days)
                staged = stage_batch(sql, warehouse, conn, duck, td.tenant.id, raw_input, python_stage)
                for name, count in staged.written.items():
                    progress.written[name] += count
                letters = {day: staged.dead_letters.get(day, []) for day in batch_days}
                progress.dead_letters += _record_batch(target, conn, td.tenant, letters, present)
            for day in batch_days:
                if day not in present:
                    progress.missing.append(f"{td.tenant.id}/{day}")
                progress.new_fields.update(staged.new_fields.get(day, {}))
                progress.covered.append(day)


def _write_python(
    target: Target,
    specs: Sequence[TableSpec],
    stage: Stager,
    days: list[tuple[TenantDays, date]],
    progress: Progress,
) -> None:
    """Stage the run's days with ``stage`` (in worker processes for long ranges), one transaction per batch
    of a tenant's days (rows, dead letters and ledger)."""
    tables = [(spec.name, len(spec.column_names)) for spec in specs]
    staged_run = staged_days(stage, target.platform, target.entity, tables, target.raw_store, days)
    with target.warehouse.connect() as conn:
        for batch in batches(staged_run):
            tenant = batch[0].td.tenant
            with conn.begin():  # several days of one tenant, each replaced whole
                for spec, (name, width) in zip(specs, tables, strict=True):
                    target.warehouse.delete_partitions(conn, spec, tenant.id, [s.day for s in batch])
                    progress.written[name] += target.warehouse.insert_text(
                        conn, spec, merged_texts(batch, name, width)
                    )
                letters = {staged.day: staged.dead_letters for staged in batch}
                present = [staged.day for staged in batch if not staged.missing]
                progress.dead_letters += _record_batch(target, conn, tenant, letters, present)
            for staged in batch:
                if staged.missing:
                    progress.missing.append(f"{tenant.id}/{staged.day}")
                progress.new_fields.update(staged.new_fields)
                progress.covered.append(staged.day)
