"""Daily sales and weekly trends: the marts' rows as they are (agg_daily_sales, agg_weekly_trends).

The marts hold a row per platform and one across platforms (``platform = 'all'``): a query asks for one
kind, never both, so no sale is counted twice (docs/metrics.md#across-platforms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from platform_assets.serving.queries.common import Page, paged
from platform_assets.warehouse import tables as t


@dataclass(frozen=True)
class DailySales:
    """One business day's sales of a tenant on a platform (or across platforms) in one currency."""

    date: date
    platform: str
    currency: str
    orders: int
    units: int
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    shipping: Decimal
    taxes: Decimal
    total_sales: Decimal
    average_order_value: Decimal | None
    customers: int
    new_customers: int
    returning_customers: int
    is_complete: bool
    provisional_reason: str | None


@dataclass(frozen=True)
class WeeklyTrend:
    """The trailing 7 days ending on ``date`` against the 7 days before them."""

    date: date
    window_start: date
    platform: str
    currency: str
    orders_7d: int
    units_7d: int
    net_sales_7d: Decimal
    total_sales_7d: Decimal
    new_customers_7d: int
    average_order_value_7d: Decimal | None
    orders_prev_7d: int
    net_sales_prev_7d: Decimal
    total_sales_prev_7d: Decimal
    orders_change_pct: Decimal | None
    net_sales_change_pct: Decimal | None
    total_sales_change_pct: Decimal | None


def _mart_rows(
    conn: sa.Connection,
    table: sa.Table,
    fields: tuple[str, ...],
    tenant_id: str,
    start: date,
    end: date,
    platform: str,
    currency: str | None,
    offset: int,
    limit: int,
) -> tuple[list, int]:
    statement = (
        sa.select(*(table.c[name] for name in fields))
        .where(
            table.c.tenant_id == tenant_id,
            table.c.date.between(start, end),
            table.c.platform == platform,
        )
        .order_by(table.c.date, table.c.currency)
    )
    if currency is not None:
        statement = statement.where(table.c.currency == currency)
    return paged(conn, statement, offset, limit)


def daily_sales(
    conn: sa.Connection,
    tenant_id: str,
    start: date,
    end: date,
    platform: str,
    currency: str | None,
    offset: int,
    limit: int,
) -> Page[DailySales]:
    """agg_daily_sales of the tenant's days ``start``..``end`` for one platform, or ``'all'`` (the rows
    across platforms), optionally one currency; by date, then currency."""
    fields = tuple(DailySales.__dataclass_fields__)
    rows, total = _mart_rows(
        conn, t.AGG_DAILY_SALES.table, fields, tenant_id, start, end, platform, currency, offset, limit
    )
    return Page([DailySales(*row) for row in rows], offset, limit, total)


def weekly_trends(
    conn: sa.Connection,
    tenant_id: str,
    start: date,
    end: date,
    platform: str,
    currency: str | None,
    offset: int,
    limit: int,
) -> Page[WeeklyTrend]:
    """agg_weekly_trends of the windows ending ``start``..``end``, for one platform or ``'all'``."""
    fields = tuple(WeeklyTrend.__dataclass_fields__)
    rows, total = _mart_rows(
        conn, t.AGG_WEEKLY_TRENDS.table, fields, tenant_id, start, end, platform, currency, offset, limit
    )
    return Page([WeeklyTrend(*row) for row in rows], offset, limit, total)
