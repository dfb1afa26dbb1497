"""Every string the warehouse can store comes back exactly as staged, on DuckDB and on PostgreSQL.

PostgreSQL's bulk load once wrote NULL as ``\\N``, so a real ``\\N`` in a note became NULL there and
stayed text on DuckDB. Now no text can be taken for NULL, and text no warehouse can store (the NUL
character, an unpaired surrogate) is a dead letter naming the column, while the rest of the partition
flows on.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_assets.sources.shopify import staging
from platform_assets.staging.dead_letters import replace_dead_letters
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import BIGINT, TEXT, TableSpec, col
from resources.warehouse import WarehouseResource
from tests.conftest import load_fixture

STRINGS = TableSpec(
    name="test_exact_strings",
    description="One text value per row.",
    columns=(col("k", BIGINT, "Row number.", nullable=False), col("v", TEXT, "The value.")),
    key=("k",),
)

#: Texts a CSV or COPY encoding could mistake for something else.
AWKWARD = [
    "\\N",
    "",
    " ",
    "NULL",
    '"',
    '""',
    "a,b",
    "line 1\nline 2",
    "cr\r\nlf",
    "\r",
    "\t tab",
    "\\",
    "back\\slash\\",
    "\\.",
    "a\n\\.\nb",
    "\\.\n",
    "'single'",
    "é日本語🛒",
    "\u2028\u2029",
    "\x01\x1f\x7f",
    None,
]

#: Arbitrary unicode text: everything but surrogates (not characters) and NUL (PostgreSQL refuses it).
TEXTS = st.one_of(st.none(), st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")))


def _round_trip(warehouse: WarehouseResource, values: list[str | None]) -> list[str | None]:
    rows = [(index, value) for index, value in enumerate(values)]
    with warehouse.transaction() as conn:
        conn.exec_driver_sql(f"DELETE FROM {STRINGS.name}")
        warehouse.insert_rows(conn, STRINGS, rows)
    loaded = warehouse.query(f"SELECT k, v FROM {STRINGS.name} ORDER BY k")
    return list(loaded["v"])


@pytest.fixture
def duckdb_warehouse(tmp_path) -> WarehouseResource:
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'strings.duckdb'}")
    warehouse.ensure_tables([STRINGS])
    return warehouse


@pytest.fixture
def postgres_warehouse(pg_database) -> WarehouseResource:
    warehouse = WarehouseResource(url=pg_database)
    warehouse.ensure_tables([STRINGS])
    return warehouse


def test_awkward_strings_round_trip_on_duckdb(duckdb_warehouse):
    assert _round_trip(duckdb_warehouse, AWKWARD) == AWKWARD


@pytest.mark.postgres
def test_awkward_strings_round_trip_on_postgres(postgres_warehouse):
    assert _round_trip(postgres_warehouse, AWKWARD) == AWKWARD


@pytest.mark.postgres
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(TEXTS, min_size=1, max_size=25))
def test_any_text_round_trips_identically_on_both_warehouses(duckdb_warehouse, postgres_warehouse, values):
    assert _round_trip(postgres_warehouse, values) == values
    assert _round_trip(duckdb_warehouse, values) == values


def _order(order_id: int, note: str) -> dict:
    order = load_fixture("order.json")["order"]
    return {**order, "id": order_id, "name": f"#{order_id}", "note": note}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "call me\x00back",
            "stg_shopify_orders.note contains the NUL character (U+0000), which PostgreSQL cannot store",
        ),
        (
            "half \ud83d of an emoji",
            "stg_shopify_orders.note contains an unpaired surrogate (U+D83D), which is not a character",
        ),
    ],
)
def test_text_no_warehouse_can_store_is_a_dead_letter_and_the_rest_flows(text, reason):
    staged = staging.stage_orders(
        [_order(1001, text), _order(1002, "\\N")], "acme", date(2026, 3, 1), ZoneInfo("UTC")
    )
    assert [(letter.record_key, letter.reason) for letter in staged.dead_letters] == [("1001", reason)]
    assert staged.staged == 1
    note = t.STG_SHOPIFY_ORDERS.column_names.index("note")
    notes = [row[note] for row in staged.rows[t.STG_SHOPIFY_ORDERS.name]]
    assert notes == ["\\N"]


@pytest.mark.postgres
def test_a_dead_letter_is_kept_whatever_text_its_record_held(pg_database):
    warehouse = WarehouseResource(url=pg_database)
    warehouse.ensure_tables([t.DLQ_RECORDS])
    where = {"tenant_id": "acme", "platform": "shopify", "entity": "orders"}
    where["partition_date"] = date(2026, 3, 1)
    payload = {"id": "x\x00y", "note": "\\N"}
    letter = staging.DeadLetter("x\x00y", "stg_shopify_orders.id is 'x\x00y'", payload)
    with warehouse.transaction() as conn:
        written = replace_dead_letters(warehouse, conn, where, [letter], datetime(2026, 3, 2, 12, 0))
    kept = warehouse.query("SELECT record_key, reason, raw_payload FROM dlq_records")
    assert written == 1
    assert kept.to_dict("records") == [
        {
            "record_key": "'x\\x00y'",
            "reason": "\"stg_shopify_orders.id is 'x\\x00y'\"",
            "raw_payload": '{"id":"x\\u0000y","note":"\\\\N"}',
        }
    ]
