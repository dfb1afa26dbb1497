"""A raw orders run against an API whose cursors loop fails with the client's pagination error, within a
few requests, and leaves no raw file for the day (not even a partial or temporary one)."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from resources.shopify.client import ShopifyClientResource
from sandbox.shopify import registry
from sandbox.shopify.defects import Defect
from tests.pipeline.harness import API_VERSION, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import NY

START, DAY = date(2026, 5, 28), date(2026, 5, 29)
CLOCK = datetime(2026, 5, 31, 0, 0, tzinfo=NY)
PAGE_SIZE = 4
TENANT = "test-loop"


def test_raw_orders_against_a_looping_api_fail_with_the_loop_error_and_write_nothing(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(TENANT, history_days=4), CLOCK, START)
    pipeline.resources["shopify"] = ShopifyClientResource(page_size=PAGE_SIZE, split_windows=False)
    shop = registry.get_shop(TENANT)
    on_day = [o for o in shop.orders() if o.updated_at(shop.clock).astimezone(NY).date() == DAY]
    walk_order = [o.id for o in sorted(on_day, key=lambda o: (o.updated_at(shop.clock), o.id))]
    assert len(walk_order) > 2 * PAGE_SIZE  # the day's walk has at least three pages
    requests = []
    handle = shop.api.handle

    def counting(method, path, *args, **kwargs):
        requests.append(path)
        return handle(method, path, *args, **kwargs)

    shop.api.handle = counting
    shop.defects = [Defect("looping_cursor", day=DAY, page=2)]

    raw_orders = [dg.AssetKey("raw_shopify_orders")]
    result = pipeline.materialise(DAY, DAY, selection=raw_orders, expect_success=False)

    (failure,) = result.get_step_failure_events()
    error = failure.step_failure_data.error
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause
    assert messages[1:] == [
        "resources.shopify.client.ShopifyPaginationLoopError: "
        f"GET /admin/api/{API_VERSION}/orders.json: page 3 "
        "repeats 4 record ids already seen in this walk "
        f"(same updated_at; first: {walk_order[PAGE_SIZE]}); the API is handing out cursors that loop"
    ]
    assert requests.count(f"/admin/api/{API_VERSION}/orders.json") == 3  # pages 1 and 2, then page 2 again
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file() and str(DAY) in p.name]
