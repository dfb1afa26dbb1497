"""The whole asset graph on the in-process Shopify sandbox: aggregates equal the sandbox's ground truth
to the cent, re-runs leave identical tables, and late refunds restate old days. (A backfill in another order
leaving identical tables is tests/pipeline/test_completeness.py's, which shares its runs.)"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.pipeline.harness import SANDBOX_PLATFORM, make_pipeline, make_vat_spec

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

NY = ZoneInfo("America/New_York")
CLOCK = datetime(2026, 6, 1, 0, 0, tzinfo=NY)  # the sandbox's "now": the start of 2026-06-01 in New York
START = date(2026, 5, 12)
END = date(2026, 5, 31)


# The ranged run of START … END on the default shop is the session's shared reference run
# (tests/pipeline/conftest.py: built once, its warehouse and raw store copied into each test using it).


def test_whole_graph_equals_ground_truth_and_is_idempotent(reference_run, tmp_path, monkeypatch):
    assert len(set(reference_run.materialised)) == 43
    evaluations = reference_run.evaluations
    assert len(evaluations) == 45
    assert [name for name, passed in evaluations if not passed] == []
    pipeline = reference_run.copy_into(tmp_path, monkeypatch)
    assert pipeline.checksums() == reference_run.checksums

    assert pipeline.ground_truth_diffs(START, END) == []
    rows = pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)
    assert len(rows) == 20
    assert {(r["is_complete"], r["provisional_reason"]) for r in rows} == {(True, None)}
    assert sum(r["orders"] for r in rows) > 100

    first = pipeline.checksums()
    pipeline.materialise(START, END)
    assert pipeline.checksums() == first


def test_stock_history_equals_the_sandbox_inventory_on_every_day(reference_run, tmp_path, monkeypatch):
    """Every day's stock is the sandbox shop's inventory levels as of the snapshot (the run's clock: a
    ranged run takes one snapshot for all its days), keyed by the variant owning each inventory item."""
    from sandbox.shopify import registry
    from sandbox.shopify.inventory import inventory_levels

    pipeline = reference_run.copy_into(tmp_path, monkeypatch)
    shop = registry.get_shop(pipeline.shop_name)
    variants = {variant.inventory_item_id: variant for variant in shop.catalog.variants}
    expected = {
        (str(variants[level.inventory_item_id].id), str(level.location_id)): level.available
        for level in inventory_levels(shop)
    }
    assert len(expected) == 24 and len({location for _, location in expected}) == 2
    facts = pipeline.warehouse.query(
        "SELECT snapshot_date, date_key, platform, product_id, variant_id, location_id, available "
        "FROM fact_inventory_snapshots"
    )
    assert sorted({str(day)[:10] for day in facts["snapshot_date"]}) == [
        (START + timedelta(days=n)).isoformat() for n in range((END - START).days + 1)
    ]
    assert set(facts["platform"]) == {SANDBOX_PLATFORM}
    for day, rows in facts.groupby("snapshot_date"):
        got = {
            (v, loc): int(n)
            for v, loc, n in zip(rows["variant_id"], rows["location_id"], rows["available"], strict=True)
        }
        assert got == expected, day
        assert set(rows["date_key"]) == {int(str(day)[:10].replace("-", ""))}
    products = {str(variant.id): str(variant.product_id) for variant in shop.catalog.variants}
    assert all(products[v] == p for v, p in zip(facts["variant_id"], facts["product_id"], strict=True))
    conformed = pipeline.warehouse.query("SELECT COUNT(*) AS n FROM stg_inventory_levels")
    assert conformed["n"][0] == len(facts) == len(expected) * ((END - START).days + 1)


def test_a_shop_whose_prices_include_vat_equals_ground_truth_taxes_and_totals_included(tmp_path, monkeypatch):
    berlin_clock = datetime(2026, 6, 1, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    pipeline = make_pipeline(tmp_path, monkeypatch, make_vat_spec(), berlin_clock, date(2026, 5, 22))
    result = pipeline.materialise(date(2026, 5, 22), END)
    assert [e.check_name for e in result.get_asset_check_evaluations() if not e.passed] == []
    assert pipeline.ground_truth_diffs(date(2026, 5, 22), END) == []
    rows = pipeline.agg_daily_sales(date(2026, 5, 22), END, platform=SANDBOX_PLATFORM)
    assert len(rows) == 10 and sum(r["returns"] for r in rows) > 0
    facts = pipeline.warehouse.query("SELECT taxes_included FROM fact_orders")
    assert len(facts) > 0 and facts["taxes_included"].all()


def test_refund_arriving_weeks_later_restates_the_refund_day_and_the_order_day(
    tmp_path, monkeypatch, reference_run
):
    from sandbox.shopify import registry

    pipeline = reference_run.copy_into(tmp_path, monkeypatch)  # START … END materialised at CLOCK
    before = {r["date"]: r for r in pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)}

    later = CLOCK + timedelta(days=21)
    registry.get_shop("test-ny").set_clock(later)
    pipeline.materialise(date(2026, 6, 1), date(2026, 6, 21))

    assert pipeline.ground_truth_diffs(START, date(2026, 6, 21)) == []
    after = {r["date"]: r for r in pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)}
    changed = [d for d in before if before[d] != after.get(d)]
    assert changed, "refunds, edits and voids after the clock moved must restate some of the original days"
