"""agg_weekly_trends keeps a change of any size: a week after a week of a few cents' sales is a change of
millions of percent, which once overflowed the column (found by the heavy-year backfill benchmark). Its
changes are exact and round halves away from zero on DuckDB and PostgreSQL alike (PostgreSQL once rounded
40.625 % to 40.62 where DuckDB gave 40.63: found by the WooCommerce whole graph on both backends)."""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from platform_assets.marts.assets import SQL_DIR
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

DAY = date(2025, 1, 8)
DEFAULTS = {"int": 0, "bigint": 0, "cents": Decimal("0.00"), "bool": True, "text": "", "date": DAY}


def _daily_row(day: date, orders: int, sales: str, total_sales: str | None = None) -> list:
    values = {"tenant_id": "t", "date": day, "partition_date": day, "platform": "shopify", "currency": "USD"}
    values |= {"orders": orders, "net_sales": Decimal(sales), "total_sales": Decimal(total_sales or sales)}
    values |= {"gross_sales": Decimal(sales), "average_order_value": Decimal(sales)}
    return [values.get(c.name, DEFAULTS.get(c.type)) for c in t.AGG_DAILY_SALES.columns]


def _week(warehouse_url: str, before: list, now: list) -> dict:
    """agg_weekly_trends of DAY, from one day of sales in the week before and one on DAY."""
    warehouse = WarehouseResource(url=warehouse_url)
    warehouse.ensure_tables([t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS])
    with warehouse.transaction() as conn:
        conn.execute(t.AGG_DAILY_SALES.table.delete())
        rows = [_daily_row(DAY - timedelta(days=7), *before), _daily_row(DAY, *now)]
        warehouse.insert_rows(conn, t.AGG_DAILY_SALES, rows)
        run_file(conn, SQL_DIR / "agg_weekly_trends.sql", {"tenant_id": "t", "days": [DAY]})
    week = warehouse.query("SELECT * FROM agg_weekly_trends WHERE date = :d", {"d": DAY}).to_dict("records")
    warehouse.engine().dispose()
    assert len(week) == 1
    return week[0]


def test_a_change_of_millions_of_percent_is_kept_to_the_hundredth(warehouse_url):
    week = _week(warehouse_url, [1, "0.01"], [3, "140610.00"])
    assert week["net_sales_change_pct"] == Decimal("1406099900.00")  # (140,610.00 − 0.01) / 0.01
    assert week["total_sales_change_pct"] == Decimal("1406099900.00")
    assert week["orders_change_pct"] == Decimal("200.00")


def test_a_change_ending_in_half_a_hundredth_rounds_away_from_zero_on_both_backends(warehouse_url):
    """32 → 45 orders is +40.625 %: 40.63 (PostgreSQL's round of a double gave 40.62, half to even);
    200.00 → 202.01 is +1.005 %, 200.00 → 197.99 is −1.005 %: ±1.01 (in floating point 1.005 is
    1.00499…, so both engines gave 1.00)."""
    week = _week(warehouse_url, [32, "200.00"], [45, "202.01", "197.99"])
    assert week["orders_change_pct"] == Decimal("40.63")
    assert week["net_sales_change_pct"] == Decimal("1.01")
    assert week["total_sales_change_pct"] == Decimal("-1.01")
    # Other changes round to the nearest hundredth: 3 → 2 orders is −33.33… %, 300.00 → 299.99 −0.0033… %
    week = _week(warehouse_url, [3, "300.00"], [2, "299.99"])
    assert week["orders_change_pct"] == Decimal("-33.33")
    assert week["net_sales_change_pct"] == Decimal("0.00")  # −0.00333… %


#: Dropping percent_change, as in a warehouse made before it existed (money_ratio alone).
DROP_PERCENT_CHANGE = {
    "duckdb": "DROP MACRO percent_change",
    "postgresql": "DROP FUNCTION percent_change(NUMERIC, NUMERIC)",
}


def test_a_warehouse_made_before_percent_change_gets_it(warehouse_url):
    old = WarehouseResource(url=warehouse_url)
    old.ensure_tables([t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS])
    with old.transaction() as conn:
        conn.execute(sa.text(DROP_PERCENT_CHANGE[old.dialect]))
    old.engine().dispose()
    week = _week(warehouse_url, [32, "200.00"], [45, "202.01", "197.99"])  # a new resource: ensure_tables
    assert week["orders_change_pct"] == Decimal("40.63")
