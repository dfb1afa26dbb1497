"""Staging a long range in worker processes and in batches of days writes exactly what staging each day
in this process, one transaction per day, writes; and the bulk-load text is the same value by value."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from platform_assets import sql_assets
from platform_assets.runs import TenantDays
from platform_assets.shopify import staging_assets, staging_pool
from platform_assets.tenants import Tenant
from resources.warehouse import _to_text, text_columns
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_postgres import pg_database  # noqa: F401, F811 - the fixture
from tests.pipeline.test_whole_graph import CLOCK, END, START


def test_text_columns_are_the_text_of_each_value():
    rows = [
        ("a", None, 3, Decimal("1.50"), True, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, 6)),
        ("", 7, -1, Decimal("-0.00"), False, None, datetime(2026, 1, 2)),
    ]
    expected = [[None if v is None else _to_text(v) for v in column] for column in zip(*rows, strict=True)]
    assert text_columns(rows, 7) == expected
    assert text_columns([], 3) == [[], [], []]


def _staged(tenant: str, day: int, rows: int) -> staging_pool.StagedDay:
    td = TenantDays(Tenant(tenant, tenant, date(2026, 1, 1), None, None), [date(2026, 1, day)])
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


def test_workers_and_batches_write_the_same_tables(tmp_path, monkeypatch):
    serial = make_pipeline(tmp_path / "serial", monkeypatch, make_spec(), CLOCK, START)
    serial.materialise(START, END)

    monkeypatch.setattr(staging_pool, "PARALLEL_MIN_BYTES", 0)  # every range in worker processes
    monkeypatch.setattr(staging_pool, "BATCH_ROWS", 50)  # several transactions of a few days
    parallel = make_pipeline(tmp_path / "parallel", monkeypatch, make_spec(), CLOCK, START)
    parallel.materialise(START, END)

    assert parallel.checksums() == serial.checksums()
    assert parallel.ground_truth_diffs(START, END) == []


@pytest.mark.postgres
def test_workers_batches_and_statistics_on_postgres(tmp_path, monkeypatch, pg_database):  # noqa: F811
    monkeypatch.setattr(staging_pool, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(staging_pool, "BATCH_ROWS", 50)
    monkeypatch.setattr(staging_assets, "ANALYZE_MIN_ROWS", 0)  # ANALYZE after every step
    monkeypatch.setattr(sql_assets, "ANALYZE_MIN_ROWS", 0)
    on_pg = make_pipeline(tmp_path / "pg", monkeypatch, make_spec(), CLOCK, START, warehouse_url=pg_database)
    on_pg.materialise(START, END)
    assert on_pg.ground_truth_diffs(START, END) == []
