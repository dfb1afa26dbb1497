"""agg_daily_product_sales as the whole graph builds it (the shared reference run: the default shop over
three weeks, with refunds, discounts and several variants per order) adds up to the facts: per variant and
per product over the run, per refund day, and per day to agg_daily_sales' returns. Reads the reference run's
warehouse; no run of its own."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from platform_assets.serving.queries.common import cents
from platform_assets.warehouse import tables as t

MART, ITEMS, ORDERS = t.AGG_DAILY_PRODUCT_SALES.table, t.FACT_ORDER_ITEMS.table, t.FACT_ORDERS.table
REFUNDS, DAILY = t.FACT_REFUNDS.table, t.AGG_DAILY_SALES.table


def _same_order(table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.and_(
        ORDERS.c.tenant_id == table.c.tenant_id,
        ORDERS.c.platform == table.c.platform,
        ORDERS.c.order_id == table.c.order_id,
    )


def _rows(conn: sa.Connection, query: sa.Select) -> dict[tuple, tuple]:
    """Rows by their key (all but the last three columns), figures as exact Decimals/ints."""
    found = {}
    for row in conn.execute(query):
        *key, a, b, c = row
        found[tuple(key)] = (int(a), int(b), Decimal(c))
    return found


def test_the_product_mart_adds_up_to_the_facts(reference_run):
    engine = sa.create_engine(f"duckdb:///{reference_run.folder / 'warehouse.duckdb'}")
    try:
        with engine.connect() as conn:
            sold = sa.and_(ITEMS.c.is_counted, sa.not_(ITEMS.c.is_gift_card))
            for grain, orders in (("variant", MART.c.orders), ("product", MART.c.product_orders)):
                mart_keys = [MART.c.tenant_id, MART.c.platform, MART.c.currency, MART.c.product_id]
                fact_keys = [ITEMS.c.tenant_id, ITEMS.c.platform, ORDERS.c.currency, ITEMS.c.product_id]
                if grain == "variant":
                    mart_keys.append(MART.c.variant_id)
                    fact_keys.append(ITEMS.c.variant_id)
                from_mart = sa.select(
                    *mart_keys, sa.func.sum(orders), sa.func.sum(MART.c.units), sa.func.sum(MART.c.net_sales)
                ).where(MART.c.orders > 0).group_by(*mart_keys)  # fmt: skip
                from_facts = (
                    sa.select(
                        *fact_keys,
                        sa.func.count(sa.distinct(ITEMS.c.order_id)),
                        sa.func.sum(ITEMS.c.quantity),
                        sa.func.sum(ITEMS.c.net_amount),
                    )
                    .select_from(ITEMS.join(ORDERS, _same_order(ITEMS)))
                    .where(sold)
                    .group_by(*fact_keys)
                )
                expected = _rows(conn, from_facts)
                assert len(expected) >= 5, grain
                assert _rows(conn, from_mart) == expected, grain

            day_keys = [MART.c.tenant_id, MART.c.date, MART.c.platform, MART.c.currency]
            refunds_in_mart = (
                sa.select(
                    *day_keys,
                    sa.func.sum(MART.c.refunds),
                    sa.func.sum(MART.c.refunded_orders),
                    sa.func.sum(MART.c.returns),
                )
                .group_by(*day_keys)
                .having(sa.func.sum(MART.c.refunds) > 0)
            )
            refund_keys = [
                REFUNDS.c.tenant_id,
                REFUNDS.c.business_date,
                REFUNDS.c.platform,
                ORDERS.c.currency,
            ]
            refunds_in_facts = (
                sa.select(
                    *refund_keys,
                    sa.func.count(sa.distinct(REFUNDS.c.refund_id)),
                    sa.func.count(sa.distinct(REFUNDS.c.order_id)),
                    sa.func.sum(REFUNDS.c.returns_amount),
                )
                .select_from(REFUNDS.join(ORDERS, _same_order(REFUNDS)))
                .where(REFUNDS.c.is_counted, sa.not_(REFUNDS.c.is_gift_card))
                .group_by(*refund_keys)
            )
            expected_refunds = _rows(conn, refunds_in_facts)
            assert (
                len(expected_refunds) > 3 and any(n > 1 for _, n, _ in expected_refunds.values()) is not None
            )
            assert _rows(conn, refunds_in_mart) == expected_refunds

            # a day's returns, rounded once, are agg_daily_sales' returns of the platform's row
            returns = {key: cents(value) for key, (_, _, value) in expected_refunds.items()}
            mart_returns = {key: cents(value) for key, (_, _, value) in _rows(conn, refunds_in_mart).items()}
            daily = conn.execute(
                sa.select(
                    DAILY.c.tenant_id, DAILY.c.date, DAILY.c.platform, DAILY.c.currency, DAILY.c.returns
                ).where(DAILY.c.platform != t.ALL_PLATFORMS, DAILY.c.returns > 0)
            ).all()
            assert {tuple(row[:4]): Decimal(row[4]) for row in daily} == returns == mart_returns
    finally:
        engine.dispose()
