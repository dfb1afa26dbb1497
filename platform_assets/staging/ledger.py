"""The ingestion ledger (``staged_partitions``): which raw partitions of which tenant, platform and entity
were fetched and staged. Every source's staging writes it, in the same transaction as the staged rows,
so "ingested" means exactly "its rows are in the warehouse". The aggregates read it to tell complete
days from provisional ones (docs/metrics.md#completeness)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from platform_assets.clock import day_window
from platform_assets.warehouse.tables import STAGED_PARTITIONS
from resources.warehouse import WarehouseResource

LEDGER = STAGED_PARTITIONS.sqlalchemy_table()


@dataclass(frozen=True)
class IngestedPartition:
    """One raw partition just staged: its business day, the timezone the day was cut in, and when the
    raw partition was fetched (None when the raw store does not say)."""

    day: date
    timezone: ZoneInfo
    fetched_at: datetime | None

    def whole_day(self, staged_at: datetime) -> bool:
        """Fetched (and staged) once the business day was over, so it holds every change of the day."""
        _, end = day_window(self.day, self.timezone)
        return min(self.fetched_at or staged_at, staged_at) >= end


def record_staged(
    warehouse: WarehouseResource,
    conn: sa.Connection,
    *,
    tenant_id: str,
    platform: str,
    entity: str,
    days: Sequence[date],
    ingested: Sequence[IngestedPartition],
    staged_at: datetime,
) -> int:
    """In the staging transaction: the ledger rows of ``days`` become those of ``ingested`` (a day whose
    raw partition was missing, staged as nothing, loses its row). ``staged_at`` is aware."""
    conn.execute(
        sa.delete(LEDGER).where(
            LEDGER.c.tenant_id == tenant_id,
            LEDGER.c.platform == platform,
            LEDGER.c.entity == entity,
            LEDGER.c.partition_date.in_(list(days)),
        )
    )
    naive = staged_at.astimezone(UTC).replace(tzinfo=None)
    rows = [
        (
            tenant_id,
            platform,
            entity,
            partition.day,
            str(partition.timezone),
            partition.fetched_at.astimezone(UTC).replace(tzinfo=None) if partition.fetched_at else None,
            naive,
            partition.whole_day(staged_at),
        )
        for partition in ingested
    ]
    return warehouse.insert_rows(conn, STAGED_PARTITIONS, rows)


def newest_timezone(conn: sa.Connection, tenant_id: str, entity: str) -> ZoneInfo | None:
    """The timezone the tenant's newest staged partition of ``entity`` was cut in (None: none staged)."""
    name = conn.execute(
        sa.select(LEDGER.c.timezone)
        .where(LEDGER.c.tenant_id == tenant_id, LEDGER.c.entity == entity)
        .order_by(LEDGER.c.partition_date.desc(), LEDGER.c.staged_at.desc())
        .limit(1)
    ).scalar()
    return ZoneInfo(name) if name else None
