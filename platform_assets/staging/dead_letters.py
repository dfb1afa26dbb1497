"""Dead letters: records that cannot be staged are kept in dlq_records (tenant, platform, entity,
partition, reason, raw payload, first and last seen) while the good records flow on. A partition's dead
letters are replaced whenever it is staged again, so fixing the source and re-materialising clears them.
A non-blocking check per source and entity warns while the run's partitions have dead letters, and fails
when most of a partition's records are dead (the source changed shape, or a whole page is corrupt). Every
read and write is keyed by platform as well as entity: one source's 'orders' are not another's."""

import hashlib
import json
from datetime import datetime
from typing import Any

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from platform_assets.ingest.partitions import CHECK_PARTITIONS
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.staging.staged import DeadLetter
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.record_rules import storable
from platform_assets.warehouse.tables import DLQ_RECORDS
from resources.warehouse import WarehouseResource

SAMPLE = 20


def replace_dead_letters(
    warehouse: WarehouseResource,
    conn: sa.Connection,
    where: dict[str, Any],
    dead_letters: list[DeadLetter],
    seen_at: datetime,
) -> int:
    """Replace one partition's dead letters (``where``: tenant_id, platform, entity, partition_date),
    keeping first_seen for the ones seen before."""
    dlq = DLQ_RECORDS.table
    earlier = {
        (key, reason, digest): first
        for key, reason, digest, first in conn.execute(
            sa.select(dlq.c.record_key, dlq.c.reason, dlq.c.payload_sha256, dlq.c.first_seen).where(
                *(dlq.c[column] == value for column, value in where.items())
            )
        )
    }
    rows = {}
    for letter in dead_letters:
        payload = json.dumps(letter.payload, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        key, reason = storable(letter.record_key), storable(letter.reason)
        first = earlier.get((key, reason, digest), seen_at)
        rows[(key, reason, digest)] = (
            where["tenant_id"],
            where["platform"],
            where["entity"],
            where["partition_date"],
            key,
            reason,
            digest,
            payload,
            first,
            seen_at,
        )
    return warehouse.replace_rows(conn, DLQ_RECORDS, where, list(rows.values()))


def dead_letter_check(platform: str, asset: str, entity: str, staged_table: str) -> dg.AssetChecksDefinition:
    """Warns while the run's partitions of ``platform``'s ``entity`` have dead letters; fails when, in any
    partition, they outnumber the records staged into ``staged_table`` (that platform's own staging)."""

    staged_rows = sa.table(staged_table, sa.column("tenant_id"), sa.column("partition_date"))
    staged_counts = (
        sa.select(staged_rows.c.partition_date, sa.func.count().label("n"))
        .where(
            staged_rows.c.tenant_id == sa.bindparam("tenant_id"),
            staged_rows.c.partition_date.between(sa.bindparam("start"), sa.bindparam("end")),
        )
        .group_by(staged_rows.c.partition_date)
    )

    @dg.asset_check(
        partitions_def=CHECK_PARTITIONS,
        asset=dg.AssetKey(asset),
        name=f"{entity}_dead_letters",
        blocking=False,
        description=(
            f"Warns while raw {platform} {entity} records of the run's partitions sit in dlq_records; fails "
            "when, in a partition, they outnumber the records staged. Re-materialising a fixed source "
            "clears them."
        ),
    )
    @holding_warehouse
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.AssetCheckResult:
        frames, staged_by_partition, days = [], {}, []
        for td in tenant_days(context, tenants):
            days.extend(td.days)
            for start, end in td.ranges():
                params = {
                    "tenant_id": td.tenant.id,
                    "platform": platform,
                    "entity": entity,
                    "start": start,
                    "end": end,
                }
                frames.append(
                    warehouse.query(
                        "SELECT tenant_id, partition_date, record_key, reason FROM dlq_records "
                        "WHERE tenant_id = :tenant_id AND platform = :platform AND entity = :entity "
                        "AND partition_date BETWEEN :start AND :end "
                        "ORDER BY partition_date, record_key",
                        params,
                    )
                )
                counts = warehouse.query(staged_counts, params)
                for day, n in zip(counts["partition_date"], counts["n"], strict=True):
                    staged_by_partition[(td.tenant.id, day)] = int(n)
        staged = sum(staged_by_partition.values())
        dead = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        metadata: dict[str, Any] = {
            "dead_letters": dg.MetadataValue.int(len(dead)),
            "records_staged": dg.MetadataValue.int(staged),
            "dates_checked": describe_days(sorted(set(days))),
        }
        if dead.empty:
            return dg.AssetCheckResult(passed=True, metadata=metadata)
        by_reason = (
            dead.groupby("reason").size().reset_index(name="count").sort_values("count", ascending=False)
        )
        metadata["dead_letters_by_reason"] = dg.MetadataValue.md(by_reason.to_markdown(index=False))
        metadata["sample"] = dg.MetadataValue.md(
            dead.head(SAMPLE).astype(str).to_markdown(index=False, disable_numparse=True)
        )
        top = by_reason.iloc[0]
        dead_by_partition = dead.groupby(["tenant_id", "partition_date"]).size()
        mostly_dead = any(n > staged_by_partition.get(key, 0) for key, n in dead_by_partition.items())
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR if mostly_dead else dg.AssetCheckSeverity.WARN,
            description=f"{len(dead)} {entity} records could not be staged, e.g. {top['count']} × "
            f"{top['reason']}",
            metadata=metadata,
        )

    return _check
