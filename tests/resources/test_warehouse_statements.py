"""The warehouse's statements about a table are built with SQLAlchemy Core from its TableSpec: names that
need quoting (a reserved word, a capital, a space) work, and values are bound, never spliced into SQL."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest

from platform_assets.warehouse.schema import BOOL, DATE, MONEY, TEXT, TableSpec, col
from resources.warehouse import WarehouseResource

AWKWARD = TableSpec(
    name="order",  # a reserved word
    description="a table whose names need quoting",
    columns=(
        col("tenant_id", TEXT, "tenant"),
        col("partition_date", DATE, "day"),
        col("group", TEXT, "a reserved word"),
        col("Net Amount", MONEY, "a capital and a space"),
        col("paid", BOOL, "flag"),
    ),
    key=("tenant_id", "group"),
    indexes=(("tenant_id", "partition_date"),),
)

HOSTILE = 'x\'; DROP TABLE "order"; --'


def _warehouses(tmp_path) -> list[WarehouseResource]:
    urls = [f"duckdb:///{tmp_path / 'w.duckdb'}"]
    if os.environ.get("STOREHOUSE_TEST_POSTGRES_URL"):
        urls.append(os.environ["STOREHOUSE_TEST_POSTGRES_URL"])
    return [WarehouseResource(url=url) for url in urls]


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_load_replace_delete_and_analyze_a_table_with_awkward_names(tmp_path, engine):
    warehouses = {w.dialect: w for w in _warehouses(tmp_path)}
    if engine not in warehouses:
        pytest.skip("STOREHOUSE_TEST_POSTGRES_URL is not set")
    warehouse = warehouses[engine]
    with warehouse.transaction() as conn:  # made by an "older version": a narrower amount, no flag yet
        conn.exec_driver_sql('DROP TABLE IF EXISTS "order"')
        conn.exec_driver_sql(
            'CREATE TABLE "order" (tenant_id VARCHAR, partition_date DATE, "group" VARCHAR, '
            '"Net Amount" NUMERIC(18, 2))'
        )
    warehouse.ensure_tables([AWKWARD])  # ALTER TABLE … ADD COLUMN / ALTER COLUMN … TYPE, names quoted
    day1, day2 = date(2026, 1, 1), date(2026, 1, 2)
    rows = [
        (HOSTILE, day1, "a", Decimal("1.2345"), True),
        (HOSTILE, day2, "b", None, False),
        ("other", day1, "c", Decimal("3"), None),
    ]
    with warehouse.transaction() as conn:
        assert warehouse.insert_rows(conn, AWKWARD, rows) == 3
        warehouse.replace_rows(conn, AWKWARD, {"tenant_id": HOSTILE, "partition_date": day1}, [rows[0]])
        warehouse.delete_partitions(conn, AWKWARD, HOSTILE, [day2])
    warehouse.analyze([AWKWARD])
    frame = warehouse.query('SELECT tenant_id, "group", "Net Amount", paid FROM "order" ORDER BY "group"')
    assert frame.values.tolist() == [
        [HOSTILE, "a", Decimal("1.2345"), True],
        ["other", "c", Decimal("3"), None],
    ]
    with warehouse.transaction() as conn:
        conn.exec_driver_sql('DROP TABLE "order"')
