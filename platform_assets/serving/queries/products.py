"""Top products and variants over a range of business days: the order lines of counted orders, as the
daily product mart (agg_daily_product_sales) adds them up per day.

``net_sales`` here is a line's ``gross − discounts`` (fact_order_items.net_amount, tax excluded) summed
over the range and rounded once to the cent; returns are not taken off (they are dated on the refund's
day, not the sale's: see the refunds endpoint). Gift-card lines are not products and are left out, as in
every sales figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa

from platform_assets.serving.queries.common import Page, cents, paged
from platform_assets.warehouse import tables as t


class Grain(StrEnum):
    """What is ranked: a product (its variants together) or each variant."""

    product = "product"
    variant = "variant"


class Measure(StrEnum):
    """What ranks them."""

    net_sales = "net_sales"
    units = "units"


@dataclass(frozen=True)
class TopProduct:
    """A product's (or variant's) sales over the range on one platform, in one currency."""

    rank: int
    platform: str
    product_id: str | None
    variant_id: str | None
    sku: str | None
    product_title: str | None
    variant_title: str | None
    currency: str
    orders: int
    units: int
    net_sales: Decimal


def top_products(
    conn: sa.Connection,
    tenant_id: str,
    start: date,
    end: date,
    platform: str | None,
    grain: Grain,
    measure: Measure,
    offset: int,
    limit: int,
) -> Page[TopProduct]:
    """Products or variants ranked by net sales or units over ``start``..``end`` (every platform when
    ``platform`` is None; a variant belongs to one platform, so each platform's are ranked side by side).
    Adds up agg_daily_product_sales' days (a row per day and variant), not the order lines: ``orders`` is
    Σ ``orders`` for a variant, Σ ``product_orders`` for a product (each order counted once per product),
    the net sales summed exact and rounded once."""
    mart = t.AGG_DAILY_PRODUCT_SALES.table
    keys = [mart.c.platform, mart.c.product_id, mart.c.currency]
    if grain is Grain.variant:
        keys.insert(2, mart.c.variant_id)
    net_sales = sa.func.sum(mart.c.net_sales)
    units = sa.func.sum(mart.c.units)
    orders = sa.func.sum(mart.c.orders if grain is Grain.variant else mart.c.product_orders)
    ranked_by = net_sales if measure is Measure.net_sales else units
    statement = (
        sa.select(
            *keys,
            sa.func.max(mart.c.sku).label("sku") if grain is Grain.variant else sa.null().label("sku"),
            sa.func.max(mart.c.product_title).label("product_title"),
            sa.func.max(mart.c.variant_title).label("variant_title")
            if grain is Grain.variant
            else sa.null().label("variant_title"),
            orders.label("orders"),
            units.label("units"),
            net_sales.label("net_sales"),
        )
        .where(
            mart.c.tenant_id == tenant_id,
            mart.c.date.between(start, end),
            mart.c.orders > 0,  # rows with sales (a row of refunds only has none)
        )
        .group_by(*keys)
        .order_by(ranked_by.desc(), *(key.asc().nulls_last() for key in keys))
    )
    if platform is not None:
        statement = statement.where(mart.c.platform == platform)
    rows, total = paged(conn, statement, offset, limit)
    found = []
    for position, row in enumerate(rows, start=offset + 1):
        mapping = row._mapping
        found.append(
            TopProduct(
                rank=position,
                platform=mapping["platform"],
                product_id=mapping["product_id"],
                variant_id=mapping["variant_id"] if grain is Grain.variant else None,
                sku=mapping["sku"],
                product_title=mapping["product_title"],
                variant_title=mapping["variant_title"],
                currency=mapping["currency"],
                orders=int(mapping["orders"]),
                units=int(mapping["units"] or 0),
                net_sales=cents(mapping["net_sales"] or Decimal(0)),
            )
        )
    return Page(found, offset, limit, total)
