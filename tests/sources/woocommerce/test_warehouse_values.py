"""WooCommerce's staged values come back exactly from either warehouse, and its conformed SQL gives the same
rows on both: text a CSV or COPY load could take for something else (``\\N``, quotes, commas, line breaks,
backslashes), non-ASCII names and emails, an id beyond a float's precision, amounts to 4 decimals and a
line price to 6, timestamps and booleans. An order with text no warehouse stores (NUL) is a dead letter
naming the column, written to dlq_records with its payload on both backends, and the other orders flow on."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from platform_assets.sources.registry import source
from platform_assets.sources.woocommerce import staging
from platform_assets.sources.woocommerce import tables as wt
from platform_assets.staging.dead_letters import replace_dead_letters
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource
from tests.sources.woocommerce.test_same_sale_both_platforms import _woocommerce_order

TENANT = "acme"
DAY = date(2026, 2, 13)
BIG_ID = 2**53 + 1  # not a float: an id read through a float would come back as 2**53


def _awkward_order() -> dict:
    """The tax-exclusive sale of test_same_sale_both_platforms, with awkward text everywhere."""
    order = copy.deepcopy(_woocommerce_order(False))
    order["id"] = BIG_ID
    order["number"] = "\\N"
    order["customer_id"] = 4_000_000_001  # beyond INT
    order["customer_note"] = 'Leave it "by the door", please\nor\\and\r\n\\.\n'
    order["billing"] = {"email": "  Zoë.Ünal@Example.COM ", "first_name": "O'Brien", "last_name": "NULL"}
    order["shipping"] = {"city": "São Paulo, SP", "postcode": " ", "country": "BR"}
    order["line_items"][0] |= {"name": 'Mug "XL", blue\\red', "sku": "\\.", "parent_name": "日本語🛒"}
    order["line_items"][1] |= {"price": 9.999999, "sku": "a,b\tc"}
    order["coupon_lines"][0]["code"] = "tab\there"
    order["discount_total"] = "5.0001"
    order["total"] = "66.9601"
    return order


def _nul_order() -> dict:
    order = copy.deepcopy(_woocommerce_order(False))
    order["id"] = 9002
    order["customer_note"] = "call me\x00back"
    return order


def _rows(conn: sa.Connection, spec: TableSpec) -> list[tuple]:
    return sorted(
        (tuple(row) for row in conn.execute(sa.select(spec.sqlalchemy_table()))),
        key=repr,
    )


def _staged_and_conformed(url: str) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]], list[Any]]:
    """The awkward order and the NUL one staged into the warehouse at url and conformed: each staging
    table's rows as read back, each conformed table's rows, and the dead letters as read back."""
    staged = staging.stage_orders([_awkward_order(), _nul_order()], TENANT, DAY, ZoneInfo("America/New_York"))
    woo = source("woocommerce")
    conformed = [t.STG_ORDERS, t.STG_ORDER_LINES, t.STG_REFUNDS]
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables([*woo.staging_tables, *conformed, t.DLQ_RECORDS])
    specs = {spec.name: spec for spec in woo.staging_tables}
    where = {"tenant_id": TENANT, "platform": "woocommerce", "entity": "orders", "partition_date": DAY}
    with warehouse.transaction() as conn:
        for name, rows in staged.rows.items():
            warehouse.insert_rows(conn, specs[name], rows)
        replace_dead_letters(warehouse, conn, where, staged.dead_letters, datetime(2026, 2, 14, 3, 0))
        params = {"platform": "woocommerce", "tenant_id": TENANT, "start_date": DAY, "end_date": DAY}
        for spec in conformed:
            model = woo.conformed_for(spec)
            assert model is not None
            run_file(conn, model.sql_file, params)
    with warehouse.transaction() as conn:
        back = {name: _rows(conn, specs[name]) for name in staged.rows}
        out = {spec.name: _rows(conn, spec) for spec in conformed}
        dlq = t.DLQ_RECORDS.sqlalchemy_table()
        letters = list(conn.execute(sa.select(dlq.c.record_key, dlq.c.reason, dlq.c.raw_payload)).one())
    warehouse.engine().dispose()
    expected = {name: sorted(rows, key=repr) for name, rows in staged.rows.items()}
    assert back == expected  # exactly as staged (a Decimal equals its value at any scale)
    return back, out, letters


def test_awkward_values_round_trip_and_conform_alike(new_warehouse_url):
    back, conformed, (key, reason, payload) = _staged_and_conformed(new_warehouse_url("woo"))
    (order,) = back[wt.STG_WOOCOMMERCE_ORDERS.name]
    columns = wt.STG_WOOCOMMERCE_ORDERS.column_names
    sent = _awkward_order()
    assert order[columns.index("order_id")] == BIG_ID
    assert order[columns.index("customer_note")] == sent["customer_note"]
    assert order[columns.index("ship_to_city")] == "São Paulo, SP"
    assert order[columns.index("ship_to_postcode")] == " "
    assert order[columns.index("total")] == Decimal("66.9601")
    lines = {row[3]: row for row in back[wt.STG_WOOCOMMERCE_ORDER_LINES.name]}  # by line_id
    line_columns = wt.STG_WOOCOMMERCE_ORDER_LINES.column_names
    assert lines[1][line_columns.index("name")] == 'Mug "XL", blue\\red'
    assert lines[2][line_columns.index("price")] == Decimal("9.999999")
    assert (key, reason) == (
        "9002",
        "stg_woocommerce_orders.customer_note contains the NUL character (U+0000), which PostgreSQL "
        "cannot store",
    )
    assert "call me" in payload
    (conformed_order,) = conformed[t.STG_ORDERS.name]
    names = t.STG_ORDERS.column_names
    assert conformed_order[names.index("order_id")] == str(BIG_ID)
    # LOWER() of non-ASCII text follows the database's collation on PostgreSQL: a database created with
    # the C or POSIX locale keeps "Ü" (CI's and the default C.UTF-8 lowercase it like DuckDB).
    assert conformed_order[names.index("customer_key")] == "zoë.ünal@example.com"
    assert conformed_order[names.index("order_number")] == "\\N"
    assert len(conformed[t.STG_ORDER_LINES.name]) == 2


@pytest.mark.postgres
def test_both_warehouses_conform_the_awkward_order_to_the_same_rows(tmp_path, pg_database):
    """Row for row: the conformed tables on PostgreSQL equal DuckDB's (marked by pg_database's skip)."""
    on_duckdb = _staged_and_conformed(f"duckdb:///{tmp_path / 'w.duckdb'}")
    on_pg = _staged_and_conformed(pg_database)
    assert on_pg[1] == on_duckdb[1]
    assert on_pg[2] == on_duckdb[2]
