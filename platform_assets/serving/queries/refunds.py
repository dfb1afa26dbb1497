"""Refunds per business day of the refund, counted orders only, as the marts count them: the refund lines
of fact_refunds as agg_daily_product_sales adds them up per day.

``returns`` is the refunded item value, tax excluded, gift-card lines left out: the same definition and
rounding as agg_daily_sales.returns, so a day's platform row here equals the mart's ``returns``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from platform_assets.serving.queries.common import Page, cents, paged
from platform_assets.warehouse import tables as t


@dataclass(frozen=True)
class DailyRefunds:
    """The refunds created on one business day on one platform, in one currency."""

    date: date
    platform: str
    currency: str
    refunds: int
    refunded_orders: int
    units: int
    returns: Decimal
    shipping_refunded: Decimal
    taxes_refunded: Decimal


def daily_refunds(
    conn: sa.Connection,
    tenant_id: str,
    start: date,
    end: date,
    platform: str | None,
    offset: int,
    limit: int,
) -> Page[DailyRefunds]:
    """Refund totals per refund day and platform over ``start``..``end`` (every platform when None), added
    up from agg_daily_product_sales' rows of the day (each refund and each refunded order counted on one
    row of its day, so the sums are the distinct counts; amounts exact, rounded once per day)."""
    mart = t.AGG_DAILY_PRODUCT_SALES.table
    keys = (mart.c.date, mart.c.platform, mart.c.currency)
    refund_count = sa.func.sum(mart.c.refunds)
    statement = (
        sa.select(
            *keys,
            refund_count,
            sa.func.sum(mart.c.refunded_orders),
            sa.func.sum(mart.c.units_refunded),
            sa.func.sum(mart.c.returns),
            sa.func.sum(mart.c.shipping_refunded),
            sa.func.sum(mart.c.taxes_refunded),
        )
        .where(mart.c.tenant_id == tenant_id, mart.c.date.between(start, end))
        .group_by(*keys)
        .having(refund_count > 0)  # days with a refund (a day of sales only has none)
        .order_by(*keys)
    )
    if platform is not None:
        statement = statement.where(mart.c.platform == platform)
    rows, total = paged(conn, statement, offset, limit)
    found = [
        DailyRefunds(
            day,
            platform_name,
            currency,
            int(count),
            int(orders_refunded),
            int(units or 0),
            cents(returns or Decimal(0)),
            cents(shipping or Decimal(0)),
            cents(taxes or Decimal(0)),
        )
        for day, platform_name, currency, count, orders_refunded, units, returns, shipping, taxes in rows
    ]
    return Page(found, offset, limit, total)
