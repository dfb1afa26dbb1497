"""The star schema's own promises, checked the way production runs: the sandbox clock advances one day at
a time and each business day is materialised as it ends. Product versions in force at order time (SCD2),
the customer dimension against the facts, weekly windows against the daily figures. Three business days
(a busier shop than the default, so they carry over a hundred items) hold every one of these promises:
each day is a whole-graph run, and the runs, not the orders, are what the suite pays for."""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from platform_assets.warehouse.tables import ALL_PLATFORMS
from sandbox.shopify import registry
from tests.pipeline.harness import SANDBOX_PLATFORM, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import NY

START = date(2026, 5, 26)  # the sandbox reprices variant 44000007000052 on 2026-05-27 and others after
END = date(2026, 5, 28)
ORDERS_PER_DAY = 25


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    first_clock = datetime.combine(START + timedelta(days=1), time(0), tzinfo=NY)
    spec = make_spec(orders_per_day=ORDERS_PER_DAY)
    built = make_pipeline(tmp_path_factory.mktemp("star"), monkeypatch, spec, first_clock, START)
    day = START
    while day <= END:
        registry.get_shop(built.shop_name).set_clock(
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=NY)
        )
        built.materialise(day, day)
        day += timedelta(days=1)
    yield built
    monkeypatch.undo()


def test_daily_runs_equal_ground_truth(pipeline):
    assert pipeline.ground_truth_diffs(START, END) == []


def test_product_versions_change_with_price_and_items_join_the_version_in_force(pipeline):
    versions = pipeline.warehouse.query(
        "SELECT variant_id, COUNT(*) AS n, SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS current "
        "FROM dim_product GROUP BY variant_id"
    )
    assert (versions["current"] == 1).all(), "every variant has exactly one current version"
    assert (versions["n"] > 1).sum() >= 1, "the sandbox changes some prices, so some variants have versions"

    overlaps = pipeline.warehouse.query(
        "SELECT COUNT(*) AS n FROM dim_product a JOIN dim_product b ON a.variant_id = b.variant_id "
        "AND a.product_key < b.product_key AND a.valid_from < COALESCE(b.valid_to, TIMESTAMP '9999-12-31') "
        "AND b.valid_from < COALESCE(a.valid_to, TIMESTAMP '9999-12-31')"
    )
    assert overlaps["n"][0] == 0, "a variant's versions never overlap in time"

    items = pipeline.warehouse.query(
        "SELECT i.price AS sold_at, p.price AS version_price, i.business_date, "
        "p.valid_from = (SELECT MIN(valid_from) FROM dim_product e WHERE e.variant_id = p.variant_id) "
        "AS earliest "
        "FROM fact_order_items i JOIN dim_product p ON p.product_key = i.product_key WHERE NOT i.is_gift_card"
    )
    unkeyed = pipeline.warehouse.query(
        "SELECT COUNT(*) AS n FROM fact_order_items WHERE product_key IS NULL AND variant_id IS NOT NULL"
    )
    assert unkeyed["n"][0] == 0
    since_start = items[items["business_date"] >= START]
    assert len(since_start) > 100
    # The sandbox sells at the variant's price in force, so the joined version must carry that price.
    mismatched = since_start[since_start["sold_at"] != since_start["version_price"]]
    assert mismatched.empty, mismatched.head().to_string()
    # Before the first snapshot (the start date) no history is known: older orders join the earliest version.
    assert items[items["business_date"] < START]["earliest"].all()


def test_customer_dimension_agrees_with_the_facts(pipeline):
    dims = pipeline.warehouse.query("SELECT * FROM dim_customer")
    facts = pipeline.warehouse.query(
        "SELECT customer_key, COUNT(*) AS orders, MIN(business_date) AS first_day FROM fact_orders "
        "WHERE is_counted AND customer_key IS NOT NULL GROUP BY customer_key"
    )
    assert dims["customer_key"].is_unique
    merged = facts.merge(dims, on="customer_key", how="left", validate="one_to_one")
    assert merged["lifetime_orders"].notna().all(), "every ordering customer is in dim_customer"
    assert (merged["orders"] == merged["lifetime_orders"]).all()
    assert (merged["first_day"] == merged["first_order_date"]).all()
    expected_segment = merged["orders"].map(lambda n: "new" if n == 1 else "returning" if n < 5 else "loyal")
    assert (expected_segment == merged["segment"]).all()
    prospects = dims[dims["lifetime_orders"] == 0]
    assert (prospects["segment"] == "prospect").all() and prospects["customer_id"].notna().all()

    daily = pipeline.agg_daily_sales(START, END, platform=ALL_PLATFORMS)  # each person once a day
    first_days_in_range = (facts["first_day"] >= START) & (facts["first_day"] <= END)
    assert sum(r["new_customers"] for r in daily) == int(first_days_in_range.sum())


@pytest.mark.parametrize("platform", [SANDBOX_PLATFORM, ALL_PLATFORMS])
def test_weekly_trends_equal_the_daily_figures_over_each_window(pipeline, platform):
    daily = {
        r["date"]: r for r in pipeline.agg_daily_sales(START - timedelta(days=400), END, platform=platform)
    }
    assert len(daily) > 8, "earlier days restated by late refunds are in the table too"
    weekly = pipeline.warehouse.query(
        "SELECT * FROM agg_weekly_trends WHERE platform = :p AND date BETWEEN :s AND :e ORDER BY date",
        {"p": platform, "s": START, "e": END},
    ).to_dict("records")
    assert [w["date"] for w in weekly] == sorted(d for d in daily if START <= d <= END)

    def window(end, days_back):
        return [daily[d] for d in (end - timedelta(days=n) for n in days_back) if d in daily]

    for week in weekly:
        current, previous = window(week["date"], range(7)), window(week["date"], range(7, 14))
        assert week["window_start"] == week["date"] - timedelta(days=6)
        assert week["orders_7d"] == sum(r["orders"] for r in current)
        assert week["net_sales_7d"] == sum(r["net_sales"] for r in current)
        assert week["total_sales_7d"] == sum(r["total_sales"] for r in current)
        assert week["orders_prev_7d"] == sum(r["orders"] for r in previous)
        assert week["net_sales_prev_7d"] == sum((r["net_sales"] for r in previous), Decimal(0))
        sales = sum(r["gross_sales"] - r["discounts"] for r in current)
        expected_aov = (sales / week["orders_7d"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert week["average_order_value_7d"] == expected_aov
        if week["orders_prev_7d"]:
            change = Decimal(week["orders_7d"] - week["orders_prev_7d"]) * 100 / week["orders_prev_7d"]
            assert week["orders_change_pct"] == change.quantize(Decimal("0.01"), ROUND_HALF_UP)
        else:
            assert week["orders_change_pct"] is None
