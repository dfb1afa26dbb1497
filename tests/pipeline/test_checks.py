"""Data-quality checks on the real graph: an order that would break a blocking staging check (an unknown
financial status, a negative price) becomes a dead letter and the rest flow; the blocking checks stay as
the last guard and keep everything downstream from bad data that no dead letter explains."""

import gzip
import json
from datetime import date, datetime, time, timedelta

import dagster as dg
import pytest

from platform_assets.sources.shopify import staging
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, NY, START

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

DAY = date(2026, 5, 13)
RAW = dg.AssetSelection.assets(
    "raw_shopify_shop",
    "raw_shopify_orders",
    "raw_shopify_customers",
    "raw_shopify_products",
    "raw_shopify_locations",
    "raw_shopify_inventory_levels",
)
#: The orders' staging multi-asset (every table it writes) and its checks: enough for a test about what
#: staging keeps aside, at a fraction of the whole graph's steps.
STAGED_ORDERS = dg.AssetSelection.assets("stg_shopify_orders").required_multi_asset_neighbors()


def corrupt_raw_orders(path, mutate) -> None:
    with gzip.open(path, "rt") as lines:
        records = [json.loads(line) for line in lines]
    records = mutate(records)
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(r) + "\n" for r in records)


def _mystery_status_and_negative_price(records):
    records[0]["financial_status"] = "mystery"
    records[1]["line_items"][0]["price"] = "-5.00"
    return records


def test_orders_that_would_fail_a_blocking_check_are_dead_letters_and_the_rest_flow(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    pipeline.materialise(START, DAY, selection=RAW)
    raw_day = tmp_path / "raw" / "shopify" / "orders" / "test-ny" / f"{DAY}.jsonl.gz"
    with gzip.open(raw_day, "rt") as lines:
        first, second = [json.loads(line)["id"] for line in lines][:2]
    corrupt_raw_orders(raw_day, _mystery_status_and_negative_price)
    # Everything the daily sales are built from: the rest flows through to them.
    result = pipeline.materialise(
        START, DAY, selection=dg.AssetSelection.assets("agg_daily_sales").upstream() - RAW
    )

    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert not [name for name in failed if name.endswith("_schema")]
    assert failed["orders_dead_letters"].severity == dg.AssetCheckSeverity.WARN
    dead = pipeline.warehouse.query(
        "SELECT record_key, reason FROM dlq_records WHERE tenant_id = 'test-ny' ORDER BY reason"
    ).to_dict("records")
    assert dead == [
        {"record_key": str(second), "reason": "stg_shopify_order_lines.price is -5.00: below 0"},
        {
            "record_key": str(first),
            "reason": "stg_shopify_orders.financial_status is 'mystery': not one of authorized, paid, "
            "partially_paid, partially_refunded, pending, refunded, voided",
        },
    ]
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"stg_orders", "fact_orders", "agg_daily_sales"} <= materialised
    facts = pipeline.warehouse.query("SELECT order_id FROM fact_orders")["order_id"].tolist()
    assert str(first) not in facts and str(second) not in facts
    assert len(facts) > 0


def test_blocking_checks_stay_the_last_guard_for_what_no_dead_letter_explains(tmp_path, monkeypatch):
    """Were staging to let a bad row through (a regression in its record rules), the blocking schema
    check still turns red, names what is wrong and keeps everything downstream from running."""
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    pipeline.materialise(START, DAY, selection=RAW)
    corrupt_raw_orders(
        tmp_path / "raw" / "shopify" / "orders" / "test-ny" / f"{DAY}.jsonl.gz",
        _mystery_status_and_negative_price,
    )
    monkeypatch.setattr(staging.RULES, "check", lambda rows: None)
    result = pipeline.materialise(START, DAY, selection=dg.AssetSelection.all() - RAW, expect_success=False)

    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    # The negative line also no longer adds up to the order's total (a non-blocking reconciliation check).
    assert set(failed) == {
        "stg_shopify_orders_schema",
        "stg_shopify_order_lines_schema",
        "order_lines_add_up",
    }
    orders = failed["stg_shopify_orders_schema"]
    assert (
        orders.description == "1 failures in stg_shopify_orders, e.g. financial_status: isin(['pending', "
        "'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided'])"
    )
    assert orders.metadata["failures"].value == 1
    assert "mystery" in orders.metadata["failure_cases"].value
    lines = failed["stg_shopify_order_lines_schema"]
    # the negative price, and the line's gross sales computed from it
    assert lines.description == "2 failures in stg_shopify_order_lines, e.g. gross_sales: >= 0"
    assert "-5.0000" in lines.metadata["failure_cases"].value

    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "stg_shopify_orders" in materialised
    for downstream in ("stg_orders", "fact_orders", "agg_daily_sales"):
        assert downstream not in materialised, f"{downstream} ran on bad data"


def test_a_corrupt_order_is_kept_aside_and_cleared_after_the_source_is_fixed(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    pipeline.materialise(START, DAY, selection=RAW)
    raw_file = tmp_path / "raw" / "shopify" / "orders" / "test-ny" / f"{DAY}.jsonl.gz"
    with gzip.open(raw_file, "rt") as lines:
        total = sum(1 for _ in lines)
    corrupt = {}

    def mutate(records):
        records[0]["total_price"] = "12,50"
        corrupt.update(records[0])
        return records

    corrupt_raw_orders(raw_file, mutate)
    result = pipeline.materialise(START, DAY, selection=STAGED_ORDERS)  # succeeds: non-blocking

    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "orders_dead_letters"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert (
        check.description
        == "1 orders records could not be staged, e.g. 1 × total_price is not an amount: '12,50'"
    )
    dead = pipeline.warehouse.query("SELECT * FROM dlq_records")
    assert len(dead) == 1
    row = dead.iloc[0]
    assert (row["tenant_id"], row["platform"], row["entity"], row["partition_date"], row["record_key"]) == (
        "test-ny",
        "shopify",
        "orders",
        DAY,
        str(corrupt["id"]),
    )
    assert json.loads(row["raw_payload"]) == corrupt
    staged = pipeline.warehouse.query(
        "SELECT COUNT(*) AS n FROM stg_shopify_orders WHERE partition_date = :d", {"d": DAY}
    )["n"][0]
    assert staged == total - 1, "every good order of the partition flowed on"

    pipeline.materialise(DAY, DAY)  # the raw partition is fetched again from the (fixed) source
    assert pipeline.warehouse.query("SELECT COUNT(*) AS n FROM dlq_records")["n"][0] == 0
    staged_now = pipeline.warehouse.query(
        "SELECT COUNT(*) AS n FROM stg_shopify_orders WHERE partition_date = :d", {"d": DAY}
    )["n"][0]
    assert staged_now == total


def test_a_lost_page_and_lines_that_do_not_add_up_turn_reconciliation_checks_red(tmp_path, monkeypatch):
    from platform_assets.sources.shopify.checks import raw_orders_match_source_count

    # The sandbox's clock at the end of DAY: every product the orders sell is staged by then.
    clock = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=NY)
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), clock, START)
    pipeline.materialise(START, DAY, selection=RAW)
    raw_file = tmp_path / "raw" / "shopify" / "orders" / "test-ny" / f"{DAY}.jsonl.gz"
    changed = {}

    def lose_records_and_reprice_a_line(records):
        changed["total"], changed["lost"] = len(records), 2
        records[0]["line_items"][0]["price"] = "999.00"
        changed["repriced"] = records[0]["id"]
        return records[:-2]

    corrupt_raw_orders(raw_file, lose_records_and_reprice_a_line)
    everything_but_raw = (dg.AssetSelection.all() - RAW) | dg.AssetSelection.checks(
        raw_orders_match_source_count
    )
    result = pipeline.materialise(START, DAY, selection=everything_but_raw)

    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert set(failed) == {"raw_orders_match_source_count", "order_lines_add_up"}
    count = failed["raw_orders_match_source_count"]
    total = changed["total"]
    assert count.description == (
        f"1 partitions differ from the source, e.g. test-ny/{DAY}: {total - changed['lost']} orders stored, "
        f"{total} reported by orders/count.json"
    )
    lines = failed["order_lines_add_up"]
    assert lines.metadata["offending_rows"].value == 1
    assert str(changed["repriced"]) in lines.metadata["sample"].value


def test_schema_drift_new_field_listed_and_missing_required_field_fails_naming_it(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    pipeline.materialise(START, DAY, selection=RAW)
    raw_file = tmp_path / "raw" / "shopify" / "orders" / "test-ny" / f"{DAY}.jsonl.gz"

    def drift(records):
        return [
            {**{k: v for k, v in r.items() if k != "created_at"}, "loyalty_tier": "gold"} for r in records
        ]

    corrupt_raw_orders(raw_file, drift)
    result = pipeline.materialise(START, DAY, selection=STAGED_ORDERS)

    staged = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "stg_shopify_orders"
    ][0]
    with gzip.open(raw_file, "rt") as lines:
        drifted = sum(1 for _ in lines)
    assert staged.metadata["new_fields"].value == {"loyalty_tier": drifted}
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "orders_dead_letters"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.description == (
        f"{drifted} orders records could not be staged, e.g. {drifted} × created_at is missing"
    )
