"""Orders deleted at the source: recorded in ``source_deletions``, then taken out of staging and the facts.

A platform's orders endpoints stop returning an order a merchant deleted; nothing else says so. Without
this, the warehouse would keep counting it forever: a raw partition holds the orders *updated* on its day,
so re-fetching a day does not remove an order staged under other days, and the facts are rebuilt only
for the orders a run's partitions hold. A source that can see deletions (its platform's deletion events,
and an id-set comparison of a day window against the source) hands them to :func:`record_deletions`,
then :func:`purge_deleted` removes every row of the deleted orders, in the same transaction:

* from the source's own order staging tables and the conformed ``stg_orders``, ``stg_order_lines`` and
  ``stg_refunds``: every partition for the deletions detected in the run's days, and the run's own
  partitions for every deletion ever recorded (a partition staged again from its raw file cannot bring
  a deleted order back);
* from ``fact_orders``, ``fact_order_items`` and ``fact_refunds``.

The days the deleted orders counted on (and the days of their customers' other orders, whose new or
returning status may change) are restated by the run's aggregates: ``affected_days.sql`` and
``dim_customer.sql`` read the deletions detected in the partitions being materialised. Recording is
idempotent: a deletion already recorded keeps its row (the first detection wins), so a rerun adds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from resources.warehouse import WarehouseResource

ORDER_ENTITY = "order"
#: The platform-neutral tables holding rows of an order (each has tenant_id, platform and order_id).
ORDER_TABLES: tuple[TableSpec, ...] = (
    t.STG_ORDERS,
    t.STG_ORDER_LINES,
    t.STG_REFUNDS,
    t.FACT_ORDERS,
    t.FACT_ORDER_ITEMS,
    t.FACT_REFUNDS,
)
#: What :func:`record_deletions` and :func:`purge_deleted` need to exist.
DELETION_TABLES: tuple[TableSpec, ...] = (t.SOURCE_DELETIONS, *ORDER_TABLES)


@dataclass(frozen=True)
class Deletion:
    """An order found deleted at the source: its id, when it was deleted (None when an id-set comparison
    found it missing: the source no longer says) and how it was found (``event`` or ``id_set``)."""

    source_id: str
    deleted_at: datetime | None
    detected_by: str

    def __post_init__(self) -> None:
        if self.detected_by not in t.DETECTED_BY:
            raise ValueError(f"detected_by must be one of {t.DETECTED_BY}, got {self.detected_by!r}")
        if not self.source_id:
            raise ValueError("a deletion needs the source's id of the deleted order")
        if self.deleted_at is not None and self.deleted_at.utcoffset() is None:
            raise ValueError(f"deleted_at of order {self.source_id} must be timezone-aware")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _recorded(tenant_id: str, platform: str) -> sa.Select:
    deletions = t.SOURCE_DELETIONS.table
    return sa.select(deletions.c.source_id).where(
        deletions.c.tenant_id == tenant_id,
        deletions.c.platform == platform,
        deletions.c.entity == ORDER_ENTITY,
    )


def warehouse_order_ids(
    conn: sa.Connection, tenant_id: str, platform: str, start: date, end: date
) -> set[str]:
    """The ids of the orders the facts hold for the platform on the business days [start, end]."""
    facts = t.FACT_ORDERS.table
    rows = conn.execute(
        sa.select(facts.c.order_id).where(
            facts.c.tenant_id == tenant_id,
            facts.c.platform == platform,
            facts.c.business_date.between(start, end),
        )
    )
    return {str(row[0]) for row in rows}


def recorded_ids(conn: sa.Connection, tenant_id: str, platform: str) -> set[str]:
    """The ids of the platform's orders recorded as deleted for the tenant."""
    return {str(row[0]) for row in conn.execute(_recorded(tenant_id, platform))}


def _where_it_counted(
    conn: sa.Connection, tenant_id: str, platform: str, order_ids: list[str]
) -> dict[str, tuple[date | None, str | None]]:
    """Each order's business day and customer, from its fact row, else its newest conformed version."""
    found: dict[str, tuple[date | None, str | None]] = {}
    for spec, newest_first in (
        (t.FACT_ORDERS, ()),
        (t.STG_ORDERS, (t.STG_ORDERS.table.c.updated_at, t.STG_ORDERS.table.c.partition_date)),
    ):
        table = spec.table
        rows = conn.execute(
            sa.select(table.c.order_id, table.c.business_date, table.c.customer_key)
            .where(
                table.c.tenant_id == tenant_id,
                table.c.platform == platform,
                table.c.order_id.in_([i for i in order_ids if i not in found]),
            )
            .order_by(*(column.desc() for column in newest_first))
        )
        for order_id, business_date, customer_key in rows:
            found.setdefault(str(order_id), (business_date, customer_key))
    return found


def record_deletions(
    conn: sa.Connection,
    warehouse: WarehouseResource,
    *,
    tenant_id: str,
    platform: str,
    deletions: Iterable[Deletion],
    detected_on: date,
    recorded_at: datetime,
) -> list[Deletion]:
    """Record the deletions not recorded yet (the first of an id wins, here and across runs), each with
    the business day and customer of the order as the warehouse knows it. Returns those recorded now."""
    unique: dict[str, Deletion] = {}
    for deletion in deletions:
        unique.setdefault(deletion.source_id, deletion)
    if not unique:
        return []
    new = [d for source_id, d in unique.items() if source_id not in recorded_ids(conn, tenant_id, platform)]
    if not new:
        return []
    where = _where_it_counted(conn, tenant_id, platform, [d.source_id for d in new])
    rows = [
        (
            tenant_id,
            platform,
            ORDER_ENTITY,
            d.source_id,
            *where.get(d.source_id, (None, None)),
            _naive_utc(d.deleted_at) if d.deleted_at is not None else None,
            d.detected_by,
            detected_on,
            _naive_utc(recorded_at),
        )
        for d in new
    ]
    warehouse.insert_rows(conn, t.SOURCE_DELETIONS, rows)
    return new


def _as_text(column: sa.ColumnElement) -> sa.ColumnElement:
    return column if isinstance(column.type, sa.String) else sa.cast(column, sa.String)


def purge_deleted(
    conn: sa.Connection,
    *,
    tenant_id: str,
    platform: str,
    source_tables: Sequence[TableSpec],
    start: date,
    end: date,
) -> dict[str, int]:
    """Delete the rows of the platform's recorded deletions from ``source_tables`` (the source's own order
    staging tables: tenant_id, partition_date, order_id) and the platform-neutral order tables: every
    partition for the deletions detected on [start, end], the partitions [start, end] for all of them.
    Returns the rows deleted per table (tables with none left out)."""
    everything = _recorded(tenant_id, platform)
    detected_now = everything.where(t.SOURCE_DELETIONS.table.c.detected_on.between(start, end))
    any_new = conn.execute(sa.select(sa.func.count()).select_from(detected_now.subquery())).scalar_one() > 0
    purged: dict[str, int] = {}
    for spec in (*source_tables, *ORDER_TABLES):
        table = spec.table
        order_id = _as_text(table.c.order_id)
        scope = [table.c.tenant_id == tenant_id]
        if "platform" in table.c:
            scope.append(table.c.platform == platform)
        deleted = 0
        if "partition_date" in table.c:
            result = conn.execute(
                sa.delete(table).where(
                    *scope, table.c.partition_date.between(start, end), order_id.in_(everything)
                )
            )
            deleted += result.rowcount or 0
        if any_new or "partition_date" not in table.c:
            ids = detected_now if "partition_date" in table.c else everything
            deleted += max(conn.execute(sa.delete(table).where(*scope, order_id.in_(ids))).rowcount or 0, 0)
        if deleted:
            purged[spec.name] = deleted
    return purged
