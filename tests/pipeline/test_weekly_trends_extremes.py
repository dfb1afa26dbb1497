"""agg_weekly_trends keeps a change of any size: a week after a week of a few cents' sales is a change of
millions of percent, which once overflowed the column (found by the heavy-year backfill benchmark)."""

from datetime import date, timedelta
from decimal import Decimal

from platform_assets.marts.assets import SQL_DIR
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

DAY = date(2025, 1, 8)
DEFAULTS = {"int": 0, "bigint": 0, "cents": Decimal("0.00"), "bool": True, "text": "", "date": DAY}


def _daily_row(day: date, orders: int, sales: str) -> list:
    values = {"tenant_id": "t", "date": day, "partition_date": day, "platform": "shopify", "currency": "USD"}
    values |= {"orders": orders, "net_sales": Decimal(sales), "total_sales": Decimal(sales)}
    values |= {"gross_sales": Decimal(sales), "average_order_value": Decimal(sales)}
    return [values.get(c.name, DEFAULTS.get(c.type)) for c in t.AGG_DAILY_SALES.columns]


def test_a_change_of_millions_of_percent_is_kept_to_the_hundredth(tmp_path):
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    warehouse.ensure_tables([t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS])
    with warehouse.transaction() as conn:
        rows = [_daily_row(DAY - timedelta(days=7), 1, "0.01"), _daily_row(DAY, 3, "140610.00")]
        warehouse.insert_rows(conn, t.AGG_DAILY_SALES, rows)
        run_file(conn, SQL_DIR / "agg_weekly_trends.sql", {"tenant_id": "t", "days": [DAY]})
    week = warehouse.query("SELECT * FROM agg_weekly_trends WHERE date = :d", {"d": DAY}).to_dict("records")
    assert len(week) == 1
    assert week[0]["net_sales_change_pct"] == Decimal("1406099900.00")  # (140,610.00 − 0.01) / 0.01
    assert week[0]["total_sales_change_pct"] == Decimal("1406099900.00")
    assert week[0]["orders_change_pct"] == Decimal("200.00")
