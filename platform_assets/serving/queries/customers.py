"""Customers: segments, first-order cohorts with monthly retention, and lifetime value (dim_customer,
fact_orders). A customer is the warehouse's identity (normalised e-mail, else the platform's customer id:
docs/metrics.md), counted once across platforms; no personal data leaves this module, only counts and
sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from platform_assets.serving.queries.common import Page, cents, ratio
from platform_assets.warehouse import tables as t

#: dim_customer's segments, in the order a merchant reads them.
SEGMENTS = ("prospect", "new", "returning", "loyal")


@dataclass(frozen=True)
class Segment:
    """Customers of one segment: prospect (no order), new (1 order), returning (2-4), loyal (5+)."""

    segment: str
    customers: int
    lifetime_orders: int
    lifetime_net_spend: Decimal
    average_lifetime_value: Decimal | None


@dataclass(frozen=True)
class CohortMonth:
    """Of the customers whose first counted order is in ``cohort`` (YYYY-MM), how many ordered again
    ``months_since_first`` months later (0: the first month itself, so retention is 100.00)."""

    cohort: str
    months_since_first: int
    month: str
    cohort_customers: int
    active_customers: int
    retention_pct: Decimal


@dataclass(frozen=True)
class CohortValue:
    """Lifetime value of a first-order cohort: what its customers have spent to date (net of discounts
    and returns, tax excluded), in total and per customer."""

    cohort: str
    customers: int
    lifetime_orders: int
    lifetime_net_spend: Decimal
    average_lifetime_value: Decimal | None


def _month(year: int, month: int) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def segments(conn: sa.Connection, tenant_id: str) -> list[Segment]:
    """Every segment of the tenant's customers (a segment without customers shows zeros)."""
    customers = t.DIM_CUSTOMER.table
    rows = conn.execute(
        sa.select(
            customers.c.segment,
            sa.func.count(),
            sa.func.sum(customers.c.lifetime_orders),
            sa.func.sum(customers.c.lifetime_net_spend),
        )
        .where(customers.c.tenant_id == tenant_id)
        .group_by(customers.c.segment)
    ).all()
    found = {
        segment: (int(count), int(orders or 0), Decimal(spend or 0)) for segment, count, orders, spend in rows
    }
    order = [*SEGMENTS, *sorted(set(found) - set(SEGMENTS))]
    result = []
    for segment in order:
        count, orders, spend = found.get(segment, (0, 0, Decimal(0)))
        result.append(Segment(segment, count, orders, cents(spend), ratio(spend, count)))
    return result


def _cohort_columns(customers: sa.Table) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    return (
        sa.extract("year", customers.c.first_order_date).label("cohort_year"),
        sa.extract("month", customers.c.first_order_date).label("cohort_month"),
    )


def cohort_retention(
    conn: sa.Connection, tenant_id: str, start: date, end: date, offset: int, limit: int
) -> Page[CohortMonth]:
    """Monthly retention of the cohorts whose first order falls in ``start``..``end``: one row per cohort
    and month since the first, up to the newest month with an order."""
    customers, orders = t.DIM_CUSTOMER.table, t.FACT_ORDERS.table
    cohort_year, cohort_month = _cohort_columns(customers)
    in_range = sa.and_(customers.c.tenant_id == tenant_id, customers.c.first_order_date.between(start, end))
    sizes = {
        (int(year), int(month)): int(count)
        for year, month, count in conn.execute(
            sa.select(cohort_year, cohort_month, sa.func.count())
            .where(in_range)
            .group_by(cohort_year, cohort_month)
        ).all()
    }
    order_year = sa.extract("year", orders.c.business_date).label("order_year")
    order_month = sa.extract("month", orders.c.business_date).label("order_month")
    activity = conn.execute(
        sa.select(
            cohort_year,
            cohort_month,
            order_year,
            order_month,
            sa.func.count(sa.distinct(orders.c.customer_key)),
        )
        .select_from(
            customers.join(
                orders,
                sa.and_(
                    orders.c.tenant_id == customers.c.tenant_id,
                    orders.c.customer_key == customers.c.customer_key,
                ),
            )
        )
        .where(in_range, orders.c.is_counted)
        .group_by(cohort_year, cohort_month, order_year, order_month)
    ).all()
    active = {
        (int(cy), int(cm), (int(oy) - int(cy)) * 12 + int(om) - int(cm)): int(count)
        for cy, cm, oy, om, count in activity
    }
    newest = {}
    for cy, cm, since in active:
        newest[(cy, cm)] = max(newest.get((cy, cm), 0), since)
    rows = []
    for (year, month), size in sorted(sizes.items()):
        for since in range(newest.get((year, month), 0) + 1):
            count = active.get((year, month, since), 0)
            absolute = year * 12 + month - 1 + since
            rows.append(
                CohortMonth(
                    cohort=_month(year, month),
                    months_since_first=since,
                    month=_month(absolute // 12, absolute % 12 + 1),
                    cohort_customers=size,
                    active_customers=count,
                    retention_pct=cents(Decimal(count) * 100 / Decimal(size)),
                )
            )
    return Page(rows[offset : offset + limit], offset, limit, len(rows))


def lifetime_value(conn: sa.Connection, tenant_id: str, start: date, end: date) -> list[CohortValue]:
    """Lifetime value per first-order cohort month in ``start``..``end``."""
    customers = t.DIM_CUSTOMER.table
    cohort_year, cohort_month = _cohort_columns(customers)
    rows = conn.execute(
        sa.select(
            cohort_year,
            cohort_month,
            sa.func.count(),
            sa.func.sum(customers.c.lifetime_orders),
            sa.func.sum(customers.c.lifetime_net_spend),
        )
        .where(customers.c.tenant_id == tenant_id, customers.c.first_order_date.between(start, end))
        .group_by(cohort_year, cohort_month)
        .order_by(cohort_year, cohort_month)
    ).all()
    return [
        CohortValue(
            _month(year, month), int(count), int(orders or 0), cents(Decimal(spend or 0)), ratio(spend, count)
        )
        for year, month, count, orders, spend in rows
    ]
