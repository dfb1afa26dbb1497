"""Refunds per business day of the refund (fact_refunds), counted orders only, as the marts count them.

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
    """Refund totals per refund day and platform over ``start``..``end`` (every platform when None)."""
    refunds, orders = t.FACT_REFUNDS.table, t.FACT_ORDERS.table
    keys = (refunds.c.business_date, refunds.c.platform, orders.c.currency)
    statement = (
        sa.select(
            *keys,
            sa.func.count(sa.distinct(refunds.c.refund_id)),
            sa.func.count(sa.distinct(refunds.c.order_id)),
            sa.func.sum(refunds.c.quantity),
            sa.func.sum(refunds.c.returns_amount),
            sa.func.sum(refunds.c.shipping_amount),
            sa.func.sum(refunds.c.tax_amount),
        )
        .select_from(
            refunds.join(
                orders,
                sa.and_(
                    orders.c.tenant_id == refunds.c.tenant_id,
                    orders.c.platform == refunds.c.platform,
                    orders.c.order_id == refunds.c.order_id,
                ),
            )
        )
        .where(
            refunds.c.tenant_id == tenant_id,
            refunds.c.business_date.between(start, end),
            refunds.c.is_counted,
            sa.not_(refunds.c.is_gift_card),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    if platform is not None:
        statement = statement.where(refunds.c.platform == platform)
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
