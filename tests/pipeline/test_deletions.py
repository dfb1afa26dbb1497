"""Orders deleted at the source after a run: the next day's run finds them (deletion events, and the
id-set comparison for one no event of its window reports), records them in source_deletions, takes them
out of staging and the facts, and restates the days they counted on, so agg_daily_sales equals the
sandbox's ground truth again to the cent. A rerun records nothing twice. Both Admin APIs.

Each test copies the shared reference run (START … END at CLOCK) and runs the one next day of what the
daily sales are built from."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.sources.shopify.deletions import ASSET_NAME, CHECK_NAME
from sandbox.shopify import registry
from tests.pipeline.harness import SANDBOX_PLATFORM
from tests.pipeline.test_whole_graph import CLOCK, END, NY, START

pytestmark = pytest.mark.spread

NEXT_DAY = END + timedelta(days=1)  # 2026-06-01: the day the deletions happen and the run that sees them
#: What the daily sales are built from (the deletions asset among them), not the whole graph.
DAILY_SALES = dg.AssetSelection.assets("agg_daily_sales").upstream()


def _counted_order_of(shop, day: date):
    """The first order counted in sales whose business day (New York) is ``day``."""
    orders = sorted(shop.orders(), key=lambda order: (order.processed_at, order.id))
    return next(
        order
        for order in orders
        if order.processed_at.astimezone(NY).date() == day and not order.test and order.voided_at is None
    )


def _deletions(pipeline) -> list[tuple]:
    with pipeline.warehouse.transaction() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT source_id, entity, business_date, detected_by, detected_on, deleted_at, recorded_at "
                "FROM source_deletions ORDER BY source_id"
            )
        ).fetchall()
    return [tuple(row) for row in rows]


def _present(pipeline, table: str, ids: list[str]) -> int:
    """How many rows of ``table`` belong to the orders ``ids``."""
    rows = sa.table(table, sa.column("order_id"))
    statement = sa.select(sa.func.count()).where(sa.cast(rows.c.order_id, sa.String).in_(ids))
    with pipeline.warehouse.transaction() as conn:
        return int(conn.execute(statement).scalar_one())


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_deleted_orders_leave_the_facts_restate_their_days_and_are_recorded_once(
    reference_run, tmp_path, monkeypatch, api
):
    pipeline = reference_run.copy_into(tmp_path, monkeypatch, api=api)
    shop = registry.get_shop(pipeline.shop_name)
    old, recent, unseen = (_counted_order_of(shop, date(2026, 5, d)) for d in (15, 30, 29))
    ids = [str(order.id) for order in (old, recent, unseen)]
    assert _present(pipeline, "fact_orders", ids) == 3
    before = {r["date"]: r for r in pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)}

    # The merchant deletes two orders on 1 June (their destroy events fall in that day's window) and one
    # at 23:00 on 31 May, after the reference run: no event of 1 June's window reports it.
    shop.set_clock(CLOCK + timedelta(days=1))
    shop.delete_order(old.id, datetime(2026, 6, 1, 9, 0, tzinfo=NY))
    shop.delete_order(recent.id, datetime(2026, 6, 1, 15, 30, tzinfo=NY))
    shop.delete_order(unseen.id, datetime(2026, 5, 31, 23, 0, tzinfo=NY))

    result = pipeline.materialise(NEXT_DAY, NEXT_DAY, selection=DAILY_SALES)

    assert pipeline.ground_truth_diffs(START, NEXT_DAY) == []
    after = {r["date"]: r for r in pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)}
    for day in (date(2026, 5, 15), date(2026, 5, 30), date(2026, 5, 29)):
        assert after[day]["orders"] == before[day]["orders"] - 1, day
    for table in ("stg_shopify_orders", "stg_shopify_order_lines", "stg_orders", "stg_order_lines"):
        assert _present(pipeline, table, ids) == 0, table
    for table in ("fact_orders", "fact_order_items", "fact_refunds"):
        assert _present(pipeline, table, ids) == 0, table

    recorded_at = datetime(2026, 6, 2, 4, 0)  # the run's clock (the shop's), naive UTC
    deleted_old, deleted_recent = (
        datetime(2026, 6, 1, 9, 0, tzinfo=NY),
        datetime(2026, 6, 1, 15, 30, tzinfo=NY),
    )
    got = _deletions(pipeline)
    assert got == sorted(
        [
            (ids[0], "order", date(2026, 5, 15), "event", NEXT_DAY, _utc(deleted_old), recorded_at),
            (ids[1], "order", date(2026, 5, 30), "event", NEXT_DAY, _utc(deleted_recent), recorded_at),
            (ids[2], "order", date(2026, 5, 29), "id_set", NEXT_DAY, None, recorded_at),
        ]
    )

    materialised = result.asset_materializations_for_node(ASSET_NAME)
    assert len(materialised) == 1
    metadata = {key: value.value for key, value in materialised[0].metadata.items()}
    assert metadata["deleted_by_event"] == 2 and metadata["deleted_by_id_set"] == 1
    assert metadata["missing_at_source"] == 1 and metadata["recorded_by_id_set"] == 1
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == CHECK_NAME]
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert evaluation.metadata["recorded_by_id_set"].value == 1

    if api == "rest":  # a rerun of the same day records nothing twice and leaves the same tables
        first = pipeline.checksums()
        rerun = pipeline.materialise(NEXT_DAY, NEXT_DAY, selection=DAILY_SALES)
        assert _deletions(pipeline) == got
        assert pipeline.checksums() == first
        assert pipeline.ground_truth_diffs(START, NEXT_DAY) == []
        (evaluation,) = [e for e in rerun.get_asset_check_evaluations() if e.check_name == CHECK_NAME]
        assert evaluation.passed
