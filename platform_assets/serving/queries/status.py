"""Data status of a tenant: can its figures be trusted right now?

* freshness: per platform and raw entity, the newest business day staged (staged_partitions), when it was
  staged and whether that day was fetched whole (after it ended); and the newest day of agg_daily_sales;
* dead letters: raw records that could not be staged (dlq_records), per platform and entity;
* provisional days: days whose figures may still change (agg_daily_sales.is_complete false on the rows
  across platforms), with the reason the marts give (platform_assets/marts/completeness.py).

Failing checks live in the Dagster instance, not the warehouse: :mod:`platform_assets.serving.checks`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from platform_assets.warehouse import tables as t

#: At most this many provisional days are listed (the count is always whole).
PROVISIONAL_LISTED = 100


@dataclass(frozen=True)
class Freshness:
    """The newest partition of one raw entity of one platform that was staged."""

    platform: str
    entity: str
    newest_day: date
    newest_whole_day: date | None
    staged_at: datetime


@dataclass(frozen=True)
class DeadLetters:
    """Raw records of one platform and entity kept as dead letters."""

    platform: str
    entity: str
    records: int


@dataclass(frozen=True)
class ProvisionalDay:
    """A day whose figures may still change, and why."""

    date: date
    reason: str | None


@dataclass(frozen=True)
class DataStatus:
    """Everything the warehouse says about how far a tenant's figures can be trusted."""

    newest_sales_day: date | None
    freshness: list[Freshness]
    dead_letters: list[DeadLetters]
    provisional_days_count: int
    provisional_days: list[ProvisionalDay]


def data_status(conn: sa.Connection, tenant_id: str, all_platforms: str) -> DataStatus:
    """The tenant's data status (``all_platforms`` is the marts' across-platforms ``platform`` value)."""
    ledger, dead, sales = t.STAGED_PARTITIONS.table, t.DLQ_RECORDS.table, t.AGG_DAILY_SALES.table
    whole_day = sa.case((ledger.c.whole_day, ledger.c.partition_date))
    freshness = [
        Freshness(platform, entity, newest, newest_whole, staged_at)
        for platform, entity, newest, newest_whole, staged_at in conn.execute(
            sa.select(
                ledger.c.platform,
                ledger.c.entity,
                sa.func.max(ledger.c.partition_date),
                sa.func.max(whole_day),
                sa.func.max(ledger.c.staged_at),
            )
            .where(ledger.c.tenant_id == tenant_id)
            .group_by(ledger.c.platform, ledger.c.entity)
            .order_by(ledger.c.platform, ledger.c.entity)
        ).all()
    ]
    dead_letters = [
        DeadLetters(platform, entity, int(count))
        for platform, entity, count in conn.execute(
            sa.select(dead.c.platform, dead.c.entity, sa.func.count())
            .where(dead.c.tenant_id == tenant_id)
            .group_by(dead.c.platform, dead.c.entity)
            .order_by(dead.c.platform, dead.c.entity)
        ).all()
    ]
    provisional = sa.and_(
        sales.c.tenant_id == tenant_id, sales.c.platform == all_platforms, sa.not_(sales.c.is_complete)
    )
    count = conn.execute(sa.select(sa.func.count(sa.distinct(sales.c.date))).where(provisional)).scalar()
    listed = [
        ProvisionalDay(day, reason)
        for day, reason in conn.execute(
            sa.select(sales.c.date, sa.func.max(sales.c.provisional_reason))
            .where(provisional)
            .group_by(sales.c.date)
            .order_by(sales.c.date.desc())
            .limit(PROVISIONAL_LISTED)
        ).all()
    ]
    newest = conn.execute(
        sa.select(sa.func.max(sales.c.date)).where(
            sales.c.tenant_id == tenant_id, sales.c.platform == all_platforms
        )
    ).scalar()
    return DataStatus(newest, freshness, dead_letters, int(count or 0), listed)
