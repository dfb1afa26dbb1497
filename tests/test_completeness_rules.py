"""The completeness rule on a hand-made ledger (no pipeline): which days are provisional and how the reason
names the missing partitions, including a partition fetched before its day ended and today's row."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from platform_assets import clock as pipeline_clock
from platform_assets.marts.completeness import judge_completeness
from platform_assets.staging.ledger import IngestedPartition, record_staged
from platform_assets.tenants import Tenant
from platform_assets.warehouse import tables as t
from resources.warehouse import WarehouseResource

NY = ZoneInfo("America/New_York")
START = date(2026, 5, 1)
NOW = datetime(2026, 5, 11, 9, 0, tzinfo=NY)  # yesterday: 2026-05-10
TENANT = Tenant("acme", "Acme", START, "America/New_York", None)


def sales_row(day: date) -> tuple:
    zero = Decimal("0.00")
    return ("acme", day, "shopify", "USD", 1, 1, zero, zero, zero, zero, zero, zero, zero, zero, 1, 1, 0)


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def judged(request, tmp_path, monkeypatch):
    """Stage the given days (whole or fetched mid-day), write a row per sales day, judge; returns
    {day: (is_complete, provisional_reason)}. The same SQL on DuckDB and on PostgreSQL."""
    monkeypatch.setattr(pipeline_clock, "clock", lambda: NOW)
    url = (
        f"duckdb:///{tmp_path / 'w.duckdb'}"
        if request.param == "duckdb"
        else request.getfixturevalue("pg_database")
    )
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables([t.AGG_DAILY_SALES, t.STAGED_PARTITIONS])

    def judge(staged: list[date], sales_days: list[date], fetched_early: date | None = None) -> dict:
        with warehouse.transaction() as conn:
            ingested = [
                IngestedPartition(
                    day,
                    NY,
                    datetime.combine(day, datetime.min.time(), NY) + timedelta(hours=20)
                    if day == fetched_early
                    else None,
                )
                for day in staged
            ]
            record_staged(
                warehouse,
                conn,
                tenant_id="acme",
                platform="shopify",
                entity="orders",
                days=staged,
                ingested=ingested,
                staged_at=NOW.astimezone(UTC),
            )
            warehouse.insert_rows(
                conn, t.AGG_DAILY_SALES, [(*sales_row(d), False, "not judged yet") for d in sales_days]
            )
            judge_completeness(conn, TENANT)
        frame = warehouse.query(
            "SELECT date, is_complete, provisional_reason FROM agg_daily_sales ORDER BY date"
        )
        return {row.date: (bool(row.is_complete), row.provisional_reason) for row in frame.itertuples()}

    return judge


def days(first: int, last: int) -> list[date]:
    return [date(2026, 5, d) for d in range(first, last + 1)]


def test_every_partition_from_the_start_through_yesterday_makes_a_day_complete(judged):
    assert judged(days(1, 10), [date(2026, 5, 3), date(2026, 5, 10)]) == {
        date(2026, 5, 3): (True, None),
        date(2026, 5, 10): (True, None),
    }


def test_missing_days_are_named_as_ranges_on_each_side_of_the_day(judged):
    result = judged([*days(1, 2), *days(5, 6), date(2026, 5, 9)], [date(2026, 5, 5), date(2026, 5, 11)])
    assert result == {
        date(2026, 5, 5): (
            False,
            "changes since 2026-05-05 not ingested: 2026-05-07…2026-05-08, 2026-05-10; "
            "new/returning customers may be wrong: orders before 2026-05-05 not ingested: "
            "2026-05-03…2026-05-04",
        ),
        date(2026, 5, 11): (
            False,
            "the day is not over yet; new/returning customers may be wrong: orders before 2026-05-11 not "
            "ingested: 2026-05-03…2026-05-04, 2026-05-07…2026-05-08, 2026-05-10",
        ),
    }


def test_a_partition_fetched_before_its_day_ended_does_not_count(judged):
    result = judged(days(1, 10), [date(2026, 5, 9)], fetched_early=date(2026, 5, 10))
    assert result == {date(2026, 5, 9): (False, "changes since 2026-05-09 not ingested: 2026-05-10")}
