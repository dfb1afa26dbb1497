"""Defects planted in the WooCommerce sandbox, through the graph up to the conformed orders (the raw and
staging layers and ``stg_orders``, with their checks: what the defects touch; the layers above only read
``stg_orders``): a corrupt order becomes a dead letter with a clear reason (and the orders dead-letter
check warns), an order served twice is staged once (and the raw count check stays green), and no good
order is lost; on DuckDB and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from sandbox.woocommerce import registry
from sandbox.woocommerce.defects import parse_defect
from sandbox.woocommerce.presets import PRESETS
from tests.sources.woocommerce.harness import SELECTION, make_woo_pipeline

#: The WooCommerce raw and staging assets and the conformed orders, with their checks.
UP_TO_CONFORMED_ORDERS = SELECTION & (
    dg.AssetSelection.groups("raw", "staging") | dg.AssetSelection.assets("stg_orders")
)


def test_a_corrupt_order_is_a_dead_letter_a_duplicate_is_staged_once_and_no_good_order_is_lost(
    tmp_path, monkeypatch, warehouse_url
):
    spec = replace(
        PRESETS["woo-ny"], name="t-woo-defects", orders_per_day=6, history_days=6, customers=20, products=5
    )
    clock = datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo(spec.timezone))
    try:
        pipeline = make_woo_pipeline(tmp_path, monkeypatch, spec, clock, warehouse_url=warehouse_url)
        site = pipeline.site
        listed = [
            order
            for day in site.days
            for order in site.day_orders(day)
            if order.created <= clock and order.status_at(clock) != "trash"
        ]
        corrupt, duplicate = listed[3].id, listed[7].id
        site.defects = [
            parse_defect(f"corrupt_order@{corrupt}"),
            parse_defect(f"duplicate_order@{duplicate}"),
        ]
        start, end = site.history_start, clock.date() - timedelta(days=1)

        result = pipeline.materialise(start, end, selection=UP_TO_CONFORMED_ORDERS)

        dead = pipeline.warehouse.query(
            "SELECT platform, entity, record_key, reason FROM dlq_records ORDER BY record_key"
        ).to_dict("records")
        assert dead == [
            {
                "platform": "woocommerce",
                "entity": "orders",
                "record_key": str(corrupt),
                "reason": "total is not an amount: '12,50'",
            }
        ]
        staged = pipeline.warehouse.query(
            "SELECT order_id, COUNT(*) AS n FROM stg_woocommerce_orders GROUP BY order_id"
        )
        assert sorted(staged["order_id"]) == sorted(o.id for o in listed if o.id != corrupt)
        assert set(staged["n"]) == {1}
        conformed = pipeline.warehouse.query(
            "SELECT COUNT(*) AS n FROM stg_orders WHERE platform = 'woocommerce' AND order_id = :id",
            {"id": str(duplicate)},
        )
        assert conformed["n"][0] == 1
        checks = {
            (e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()
        }
        dead_letters = checks[("stg_woocommerce_orders", "orders_dead_letters")]
        assert (
            not dead_letters.passed
        )  # WARN, or ERROR where the bad order outnumbers its partition's good ones
        assert "total is not an amount: '12,50'" in (dead_letters.description or "")
        assert checks[("raw_woocommerce_orders", "raw_orders_match_source_count")].passed
    finally:
        registry.unregister(spec.name)
