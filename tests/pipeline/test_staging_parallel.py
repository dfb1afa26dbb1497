"""Staging a long range in worker processes and in batches of days writes exactly what staging each day
in this process, one transaction per day, writes; and the bulk-load text is the same value by value."""

import gzip
import pickle
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import staging_assets
from platform_assets.staging import pool as staging_pool
from platform_assets.staging import runner
from platform_assets.tenants import Tenant
from platform_assets.warehouse import sql_assets
from resources.raw_store import RawStoreResource
from resources.warehouse import _to_text, text_columns
from tests.conftest import load_fixture
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START


def test_text_columns_are_the_text_of_each_value():
    rows = [
        ("a", None, 3, Decimal("1.50"), True, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, 6)),
        ("", 7, -1, Decimal("-0.00"), False, None, datetime(2026, 1, 2)),
    ]
    expected = [[None if v is None else _to_text(v) for v in column] for column in zip(*rows, strict=True)]
    assert text_columns(rows, 7) == expected
    assert text_columns([], 3) == [[], [], []]


@given(st.lists(st.none() | st.text()))
def test_a_staged_day_crosses_a_process_boundary_unchanged(column):
    """Text columns are packed into one string each for pickling; any text (separators, empty strings,
    NULLs) comes back the same."""
    td = TenantDays(Tenant(id="a", name="a", start_date=date(2026, 1, 1)), [date(2026, 1, 2)])
    staged = staging_pool.StagedDay(td, date(2026, 1, 2), texts={"t": [column, ["x", None, "", "\x1f"]]})
    assert pickle.loads(pickle.dumps(staged)) == staged


def test_text_columns_are_packed_into_one_string_each():
    assert staging_pool.pack_column(["a", None, ""]) == "a\x1f\x1e\x1f"
    assert staging_pool.pack_column(["a\x1fb"]) == ["a\x1fb"]  # a separator inside: left as it is
    assert staging_pool.pack_column(["\x1e"]) == ["\x1e"]
    assert staging_pool.unpack_column("a\x1f\x1e\x1f") == ["a", None, ""]


def _staged(tenant: str, day: int, rows: int) -> staging_pool.StagedDay:
    td = TenantDays(Tenant(id=tenant, name=tenant, start_date=date(2026, 1, 1)), [date(2026, 1, day)])
    return staging_pool.StagedDay(td, date(2026, 1, day), texts={"t": [[str(n) for n in range(rows)]]})


def test_batches_keep_to_one_tenant_and_a_bounded_size(monkeypatch):
    monkeypatch.setattr(staging_pool, "BATCH_ROWS", 10)
    days = [
        _staged("a", 1, 4),
        _staged("a", 2, 4),
        _staged("a", 3, 4),
        _staged("a", 4, 1),
        _staged("b", 5, 1),
    ]
    grouped = [[s.day.day for s in batch] for batch in staging_pool.batches(days)]
    assert grouped == [[1, 2, 3], [4], [5]]
    merged = staging_pool.merged_texts(days[:3], "t", 1)
    assert merged == [["0", "1", "2", "3"] * 3]
    assert staging_pool.merged_texts(days[:1], "missing", 2) == [[], []]


def test_workers_and_batches_write_the_same_tables(tmp_path, monkeypatch, reference_run):
    # The serial run is the session's reference run (tests/pipeline/conftest.py), with the default pool.

    monkeypatch.setattr(staging_pool, "PARALLEL_MIN_BYTES", 0)  # every range in worker processes
    monkeypatch.setattr(staging_pool, "SPLIT_MIN_BYTES", 0)  # every day in shares staged side by side
    monkeypatch.setattr(staging_pool, "BATCH_ROWS", 50)  # several transactions of a few days
    parallel = make_pipeline(tmp_path / "parallel", monkeypatch, make_spec(), CLOCK, START)
    parallel.materialise(START, END)

    assert parallel.checksums() == reference_run.checksums
    assert parallel.ground_truth_diffs(START, END) == []


@pytest.mark.postgres
def test_workers_batches_and_statistics_on_postgres(tmp_path, monkeypatch, pg_database):  # noqa: F811
    monkeypatch.setattr(staging_pool, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(staging_pool, "BATCH_ROWS", 50)
    monkeypatch.setattr(runner, "ANALYZE_MIN_ROWS", 0)  # ANALYZE after every step
    monkeypatch.setattr(sql_assets, "ANALYZE_MIN_ROWS", 0)
    on_pg = make_pipeline(tmp_path / "pg", monkeypatch, make_spec(), CLOCK, START, warehouse_url=pg_database)
    on_pg.materialise(START, END)
    assert on_pg.ground_truth_diffs(START, END) == []


def test_a_day_staged_in_shares_is_the_day_staged_whole(tmp_path):
    """Real order payloads, made into 40 orders with an identical duplicate, a conflicting duplicate, an
    order without id and one whose id is not its first field: the shares, merged, stage exactly the rows
    and dead letters of the whole day."""
    base = load_fixture("orders.json")["orders"][0]
    orders = [{**base, "id": 1000 + n, "name": f"#{1000 + n}"} for n in range(40)]
    orders.append(dict(orders[3]))  # the same record twice: counts once
    orders.append({**orders[5], "note": "changed under the same updated_at"})  # conflicting: dead letters
    orders.append({key: value for key, value in base.items() if key != "id"})  # no id: a dead letter
    late_id = {key: value for key, value in base.items() if key != "id"}
    orders.append({**late_id, "id": 2000})  # the id is the last field of its line
    day = date(2026, 1, 5)
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    raw_store.write_partition("shopify", "orders", "acme", day, [orders])
    td = TenantDays(Tenant(id="acme", name="acme", start_date=day, timezone="America/New_York"), [day])
    tables = [(spec.name, len(spec.column_names)) for spec in staging_assets.ORDER_TABLES]

    def stage(part: int, parts: int) -> staging_pool.StagedDay:
        return staging_pool.stage_day(
            staging_assets._stage_orders, "shopify", "orders", tables, raw_store, td, day, part, parts
        )

    whole = stage(0, 1)
    shares = [stage(part, 3) for part in range(3)]
    merged = staging_pool.merged_day(shares)

    def rows(staged: staging_pool.StagedDay) -> dict[str, list[tuple]]:
        return {table: sorted(zip(*columns, strict=True), key=str) for table, columns in staged.texts.items()}

    def dead(staged: staging_pool.StagedDay) -> list[tuple[str, str]]:
        return sorted((letter.record_key, letter.reason) for letter in staged.dead_letters)

    assert len(rows(whole)["stg_shopify_orders"]) == 40  # 39 good + the late id; id 1005 is a dead letter
    assert all(share.texts["stg_shopify_orders"][0] for share in shares)  # every share has orders
    assert rows(merged) == rows(whole)
    assert (
        dead(merged)
        == dead(whole)
        == [
            ("", "id is missing"),
            ("1005", "the same id came twice with different content"),
            ("1005", "the same id came twice with different content"),
        ]
    )
    assert merged.new_fields == whole.new_fields


def test_a_raw_line_that_is_not_json_is_a_dead_letter_and_the_others_are_staged(tmp_path):
    """A raw partition with a line that is not JSON and one that is not UTF-8 (a damaged file): both are
    kept aside with the line they are on, every other record is staged, whole or in shares."""
    base = load_fixture("orders.json")["orders"][0]
    orders = [{**base, "id": 3000 + n, "name": f"#{3000 + n}"} for n in range(6)]
    day = date(2026, 1, 6)
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    raw_store.write_partition("shopify", "orders", "acme", day, [orders])
    path = Path(raw_store.partition_path("shopify", "orders", "acme", day))
    with gzip.open(path, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    damaged = [*lines[:2], b'{"id": 3100, "name": "#3100",\n', *lines[2:4], b'{"id": 3101, "note": "\xff"}\n']
    with gzip.open(path, "wb") as handle:
        handle.write(b"".join([*damaged, *lines[4:]]))
    td = TenantDays(Tenant(id="acme", name="acme", start_date=day, timezone="America/New_York"), [day])
    tables = [(spec.name, len(spec.column_names)) for spec in staging_assets.ORDER_TABLES]

    def stage(part: int, parts: int) -> staging_pool.StagedDay:
        return staging_pool.stage_day(
            staging_assets._stage_orders, "shopify", "orders", tables, raw_store, td, day, part, parts
        )

    expected = [
        (
            "line 3",
            "raw line 3 is not JSON (JSONDecodeError: Expecting property name enclosed in double "
            "quotes: line 2 column 1 (char 30))",
        ),
        (
            "line 6",
            "raw line 6 is not JSON (UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in "
            "position 22: invalid start byte)",
        ),
    ]
    for staged in (stage(0, 1), staging_pool.merged_day([stage(part, 3) for part in range(3)])):
        assert sorted((letter.record_key, letter.reason) for letter in staged.dead_letters) == expected
        order_ids = sorted(staged.texts["stg_shopify_orders"][2])  # tenant, day, order id
        assert order_ids == [str(3000 + n) for n in range(6)]
