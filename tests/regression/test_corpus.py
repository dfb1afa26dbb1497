"""The regression corpus: orders that once came out wrong, kept as payloads with their expected outcome.

Each file in corpus/ holds one case: why it is there, the orders as the Shopify Admin API sends them, and
what must become of them: the measures of each order in fact_orders and fact_refunds (to 4 decimal
places: amounts are exact until a figure rounds them), or a dead letter with its exact reason. All the
cases go into one raw orders partition of one tenant and run through the real asset graph together, so
the test also proves that the bad orders never block the good ones: the day's figures are the sum of the
good cases, to the cent.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from resources.raw_store import RawStoreResource
from tests.pipeline.harness import SANDBOX_PLATFORM, Pipeline, make_pipeline, make_spec
from tests.pipeline.test_checks import RAW
from tests.pipeline.test_whole_graph import NY

CORPUS = Path(__file__).parent / "corpus"
DAY = date(2026, 5, 29)
CLOCK = datetime(2026, 5, 31, 0, 0, tzinfo=NY)
CASES = {path.stem: json.loads(path.read_text()) for path in sorted(CORPUS.glob("*.json"))}

# The day's figures: the sum of the good cases, each figure rounded once (see each case's "why").
# gross 85.00 + 115.7114 + 24.69 + 12.345 + 20.00 + 20.00 + 20.00 + 10.00 = 307.7464
# discounts 11.5714 + 20.00 = 31.5714; returns 38.57 + 15.00; taxes 17.00 + 17.33 − 7.33
EXPECTED_DAY = {
    "orders": 8,
    "units": 14,
    "gross_sales": Decimal("307.75"),
    "discounts": Decimal("31.57"),
    "returns": Decimal("53.57"),
    "net_sales": Decimal("222.61"),
    "shipping": Decimal("4.12"),
    "taxes": Decimal("27.00"),
    "total_sales": Decimal("253.73"),
    "average_order_value": Decimal("34.52"),  # (307.7464 − 31.5714) / 8 = 34.521875
    "customers": 8,
}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, request) -> tuple[Pipeline, dg.ExecuteInProcessResult]:
    monkeypatch = pytest.MonkeyPatch()
    request.addfinalizer(monkeypatch.undo)
    tmp_path = tmp_path_factory.mktemp("corpus")
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec("test-corpus"), CLOCK, DAY)
    pipeline.materialise(DAY, DAY, selection=RAW)
    orders = [order for case in CASES.values() for order in case["orders"]]
    RawStoreResource(base_url=str(tmp_path / "raw")).write_partition(
        "shopify", "orders", pipeline.tenant_id, DAY, [orders]
    )
    result = pipeline.materialise(DAY, DAY, selection=dg.AssetSelection.all() - RAW)
    return pipeline, result


def _rows(pipeline: Pipeline, sql: str) -> list[dict]:
    return pipeline.warehouse.query(sql, {"t": pipeline.tenant_id}).to_dict("records")


def test_every_case_says_why_and_what_must_happen():
    assert set(CASES) >= {
        "tax_inclusive_vat20",
        "tax_inclusive_discount_refund",
        "sub_cent_prices",
        "duplicate_line_ids",
        "malformed_amounts",
        "full_discount",
        "jpy_presentment",
        "gift_card",
        "refund_larger_than_line",
    }
    for name, case in CASES.items():
        assert case["why"] and case["orders"] and case["expect"], name


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_ends_as_specified(corpus_run, name):
    pipeline, result = corpus_run
    expect = CASES[name]["expect"]
    facts = {
        row["order_id"]: row
        for row in _rows(pipeline, "SELECT * FROM fact_orders WHERE tenant_id = :t AND is_counted")
    }
    for order_id, measures in expect.get("fact_orders", {}).items():
        assert order_id in facts, f"{name}: order {order_id} is not in fact_orders"
        for measure, value in measures.items():
            assert facts[order_id][measure] == (Decimal(value) if isinstance(value, str) else value), (
                f"{name}: {order_id}.{measure}"
            )
    refunds = _rows(pipeline, "SELECT * FROM fact_refunds WHERE tenant_id = :t")
    for order_id, measures in expect.get("fact_refunds", {}).items():
        mine = [row for row in refunds if row["order_id"] == order_id]
        for measure, value in measures.items():
            assert sum(row[measure] for row in mine) == Decimal(value), f"{name}: {order_id}.{measure}"
    dead = {
        (row["record_key"], row["reason"])
        for row in _rows(pipeline, "SELECT record_key, reason FROM dlq_records WHERE tenant_id = :t")
    }
    for letter in expect.get("dead_letters", []):
        assert (letter["record_key"], letter["reason"]) in dead
        assert letter["record_key"] not in facts, f"{name}: a dead letter's order reached the facts"
    for check, named in expect.get("failed_checks", {}).items():
        (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == check]
        assert not evaluation.passed and not evaluation.blocking
        assert named in str(evaluation.metadata), f"{check} does not name {named}"


def test_the_good_orders_flow_and_the_day_adds_up_to_the_cent(corpus_run):
    pipeline, result = corpus_run
    assert result.success
    (day,) = pipeline.agg_daily_sales(DAY, DAY, platform=SANDBOX_PLATFORM)
    assert {key: day[key] for key in EXPECTED_DAY} == EXPECTED_DAY
    dead = _rows(pipeline, "SELECT record_key FROM dlq_records WHERE tenant_id = :t")
    expected_dead = [d for case in CASES.values() for d in case["expect"].get("dead_letters", [])]
    assert len(dead) == len(expected_dead) == 7


def test_no_blocking_check_failed(corpus_run):
    _, result = corpus_run
    blocking_failures = [
        e.check_name
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.check_name.endswith("_schema")
    ]
    assert blocking_failures == []
