"""Stock on hand and its history, from fact_inventory_snapshots (docs/metrics.md#inventory).

``available`` is the number of units a location can sell, as the platform reported it in the day's last
snapshot: it may be negative when the platform lets a shop oversell, and it is unknown (null) for an item
whose stock the platform does not track. A total adds up the known levels only. Units are units on every
platform, so totals across platforms are plain sums; a variant belongs to one platform (its id is that
platform's), its ``sku_key`` links it to the same item sold on another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa

from platform_assets.serving.queries.common import Page, paged
from platform_assets.warehouse import tables as t


class LevelGrain(StrEnum):
    """What one row of the levels on a day stands for."""

    #: One variant at one location: the snapshot's own rows.
    level = "level"
    #: One variant, its locations added up.
    variant = "variant"
    #: One location, its variants added up.
    location = "location"


class LevelOrder(StrEnum):
    """Which levels come first: the most units (default) or the fewest (what is running out)."""

    most = "most"
    fewest = "fewest"


@dataclass(frozen=True)
class StockLevel:
    """Units available on ``date`` of a variant at a location (``location_id`` None: every location of the
    variant added up; ``variant_id`` None: every variant of the location added up). ``levels`` is how many
    (variant, location) levels the row adds up, ``untracked`` how many of them have no known stock."""

    date: date
    platform: str
    product_id: str | None
    variant_id: str | None
    sku: str | None
    product_title: str | None
    variant_title: str | None
    location_id: str | None
    location_name: str | None
    available: int
    levels: int
    untracked: int
    updated_at: datetime | None


@dataclass(frozen=True)
class StockTotals:
    """The whole answer added up (every page): units available, levels and levels without known stock."""

    available: int
    levels: int
    untracked: int


@dataclass(frozen=True)
class StockDay:
    """A day's units available on one platform: of one variant (or SKU), at one location, or of the whole
    tenant, as the request narrowed it. ``levels`` counts the (variant, location) levels in the day's
    snapshot that were added up; a day without a snapshot has no row."""

    date: date
    platform: str
    available: int
    levels: int
    untracked: int


def newest_snapshot_day(conn: sa.Connection, tenant_id: str, platform: str | None) -> date | None:
    """The newest day with a stock snapshot of the tenant (on ``platform``, or any when None)."""
    facts = t.FACT_INVENTORY_SNAPSHOTS.table
    statement = sa.select(sa.func.max(facts.c.snapshot_date)).where(facts.c.tenant_id == tenant_id)
    if platform is not None:
        statement = statement.where(facts.c.platform == platform)
    return conn.execute(statement).scalar()


def _filters(
    facts: sa.Table,
    tenant_id: str,
    platform: str | None,
    variant_id: str | None,
    sku: str | None,
    location_id: str | None,
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [facts.c.tenant_id == tenant_id]
    if platform is not None:
        conditions.append(facts.c.platform == platform)
    if variant_id is not None:
        conditions.append(facts.c.variant_id == variant_id)
    if sku is not None:  # the SKU as dim_product normalises it, so the same item matches on every platform
        conditions.append(facts.c.sku_key == sku.strip().upper())
    if location_id is not None:
        conditions.append(facts.c.location_id == location_id)
    return conditions


def _known(facts: sa.Table) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(facts.c.available), 0)


def _untracked(facts: sa.Table) -> sa.ColumnElement:
    return sa.func.sum(sa.case((facts.c.available.is_(None), 1), else_=0))


def stock_levels(
    conn: sa.Connection,
    tenant_id: str,
    day: date,
    platform: str | None,
    grain: LevelGrain,
    variant_id: str | None,
    sku: str | None,
    location_id: str | None,
    offset: int,
    limit: int,
    order: LevelOrder = LevelOrder.most,
) -> tuple[Page[StockLevel], StockTotals]:
    """The units available on ``day`` per variant and location (or per variant, or per location: ``grain``),
    most (or fewest: ``order``) units first, ties by platform and ids, and the totals over every row;
    each platform's rows side by side (every platform when ``platform`` is None). Titles are the variant's
    current ones (dim_product), names the location's newest (dim_location)."""
    facts, products, locations = (
        t.FACT_INVENTORY_SNAPSHOTS.table,
        t.DIM_PRODUCT.table,
        t.DIM_LOCATION.table,
    )
    conditions = [
        *_filters(facts, tenant_id, platform, variant_id, sku, location_id),
        facts.c.snapshot_date == day,
    ]
    by_variant = grain is not LevelGrain.location
    by_location = grain is not LevelGrain.variant
    keys: list[sa.ColumnElement] = [facts.c.platform]
    if by_variant:
        keys += [facts.c.product_id, facts.c.variant_id]
    if by_location:
        keys.append(facts.c.location_id)
    available = _known(facts)
    statement = (
        sa.select(
            *keys,
            (sa.func.max(facts.c.sku) if by_variant else sa.null()).label("sku"),
            (sa.func.max(products.c.product_title) if by_variant else sa.null()).label("product_title"),
            (sa.func.max(products.c.variant_title) if by_variant else sa.null()).label("variant_title"),
            (sa.func.max(locations.c.name) if by_location else sa.null()).label("location_name"),
            available.label("available"),
            sa.func.count().label("levels"),
            _untracked(facts).label("untracked"),
            sa.func.max(facts.c.updated_at).label("updated_at"),
        )
        .select_from(
            facts.outerjoin(
                products,
                sa.and_(
                    products.c.tenant_id == facts.c.tenant_id,
                    products.c.platform == facts.c.platform,
                    products.c.variant_id == facts.c.variant_id,
                    products.c.is_current,
                ),
            ).outerjoin(
                locations,
                sa.and_(
                    locations.c.tenant_id == facts.c.tenant_id,
                    locations.c.platform == facts.c.platform,
                    locations.c.location_id == facts.c.location_id,
                ),
            )
        )
        .where(*conditions)
        .group_by(*keys)
        .order_by(
            available.asc() if order is LevelOrder.fewest else available.desc(), *(key.asc() for key in keys)
        )
    )
    rows, total = paged(conn, statement, offset, limit)
    found = []
    for row in rows:
        mapping = row._mapping
        found.append(
            StockLevel(
                date=day,
                platform=mapping["platform"],
                product_id=mapping["product_id"] if by_variant else None,
                variant_id=mapping["variant_id"] if by_variant else None,
                sku=mapping["sku"],
                product_title=mapping["product_title"],
                variant_title=mapping["variant_title"],
                location_id=mapping["location_id"] if by_location else None,
                location_name=mapping["location_name"],
                available=int(mapping["available"]),
                levels=int(mapping["levels"]),
                untracked=int(mapping["untracked"] or 0),
                updated_at=mapping["updated_at"],
            )
        )
    summed = conn.execute(
        sa.select(available, sa.func.count(), _untracked(facts)).select_from(facts).where(*conditions)
    ).one()
    totals = StockTotals(int(summed[0]), int(summed[1]), int(summed[2] or 0))
    return Page(found, offset, limit, total), totals


def stock_history(
    conn: sa.Connection,
    tenant_id: str,
    start: date,
    end: date,
    platform: str | None,
    variant_id: str | None,
    sku: str | None,
    location_id: str | None,
    offset: int,
    limit: int,
) -> Page[StockDay]:
    """The units available on each day of ``start``..``end`` with a snapshot, per platform (every platform
    when ``platform`` is None): of the tenant's whole stock, or narrowed to a variant, a SKU (on every
    platform selling it) and/or a location. Oldest day first."""
    facts = t.FACT_INVENTORY_SNAPSHOTS.table
    keys = [facts.c.snapshot_date, facts.c.platform]
    statement = (
        sa.select(
            *keys,
            _known(facts).label("available"),
            sa.func.count().label("levels"),
            _untracked(facts).label("untracked"),
        )
        .where(
            *_filters(facts, tenant_id, platform, variant_id, sku, location_id),
            facts.c.snapshot_date.between(start, end),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    rows, total = paged(conn, statement, offset, limit)
    found = [
        StockDay(
            date=row.snapshot_date,
            platform=row.platform,
            available=int(row.available),
            levels=int(row.levels),
            untracked=int(row.untracked or 0),
        )
        for row in rows
    ]
    return Page(found, offset, limit, total)
