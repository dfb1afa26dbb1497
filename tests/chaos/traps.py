"""Scenario: a pagination trap. The shop's API, served over real HTTP, hands out cursors that loop: from a
seeded page of a seeded day on, the same page again with a fresh ``page_info`` every time
(``looping_cursor``), or a page that links to itself (``repeated_cursor``).

The raw orders run of that day must fail with the client's loop error within a bounded number of requests
(``hung`` counts a walk that did not), write nothing for the day (``left_behind`` counts any file, partial
or temporary), and, once the API is fixed, a rerun must store each of the day's orders exactly once
(``lost``, ``duplicated``).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from resources.shopify.client import ShopifyClientResource
from sandbox.shopify import registry
from sandbox.shopify.defects import Defect
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from tests.chaos.compare import lost_and_duplicated, raw_order_ids
from tests.chaos.counts import Counts
from tests.chaos.registry import scenario
from tests.chaos.wire_faults import point_tenant_at
from tests.pipeline.harness import API_VERSION, make_pipeline, make_spec

NY = ZoneInfo("America/New_York")
START = date(2026, 5, 25)
PAGE_SIZE = 4
TRAPS = ("looping_cursor", "repeated_cursor")
#: Requests to orders.json a trapped walk may make before it counts as hung: the pages before the trap,
#: the trap page, and the page that shows the loop.
ORDERS_PATH = f"/admin/api/{API_VERSION}/orders.json"
RAW_ORDERS = [dg.AssetKey("raw_shopify_orders")]


def run_trap(seed: int, folder: Path) -> Counts:
    """One trapped day: its kind, day and page drawn from ``seed``."""
    rng = random.Random(seed)
    # Not the first day: its window has no lower bound (it holds every earlier order too).
    trap, day = rng.choice(TRAPS), START + timedelta(days=1 + rng.randrange(3))
    counts = Counts(f"seed-{seed}-{trap}")
    clock = datetime.combine(START + timedelta(days=5), datetime.min.time(), tzinfo=NY)
    monkeypatch = pytest.MonkeyPatch()
    try:
        spec = make_spec(f"chaos-trap-{seed}", seed=seed)
        pipeline = make_pipeline(folder, monkeypatch, spec, clock, START)
        pipeline.resources["shopify"] = ShopifyClientResource(page_size=PAGE_SIZE, split_windows=False)
        shop = registry.get_shop(spec.name)
        pages = -(-len(orders_updated_on(shop, day)) // PAGE_SIZE)
        page = rng.randrange(1, max(pages, 1) + 1)
        requests: list[str] = []
        handle = shop.api.handle

        def counting(method, path, *args, **kwargs):
            requests.append(path)
            return handle(method, path, *args, **kwargs)

        shop.api.handle = counting
        with serve({spec.name: shop}) as server:
            point_tenant_at(folder / "tenants.yaml", server.base_url(spec.name))
            shop.defects = [Defect(trap, day=day, page=page)]
            trapped = pipeline.materialise(day, day, selection=RAW_ORDERS, expect_success=False)
            walked = sum(path.endswith(ORDERS_PATH) for path in requests)
            errors = [e.step_failure_data.error.to_string() for e in trapped.get_step_failure_events()]
            stopped = any("ShopifyPaginationLoopError" in text for text in errors)
            counts.hung = int(not stopped or walked > page + 1)
            counts.left_behind = sum(
                1 for p in (folder / "raw").rglob("*") if p.is_file() and str(day) in p.name
            )
            shop.defects = []
            pipeline.materialise(day, day, selection=RAW_ORDERS)
        expected = {str(order.id) for order in orders_updated_on(shop, day)}
        found = raw_order_ids(pipeline.resources["raw_store"], spec.name, day, day)
        counts.lost, counts.duplicated = lost_and_duplicated(expected, found)
        counts.notes.update({"trap": trap, "day": str(day), "page": page, "orders_requests": walked})
    finally:
        monkeypatch.undo()
    return counts


def orders_updated_on(shop: SandboxShop, day: date) -> list:
    """The shop's orders whose last update falls on ``day``, shop time: the day's raw walk."""
    zone = shop.spec.zone
    return [o for o in shop.orders() if o.updated_at(shop.clock).astimezone(zone).date() == day]


@scenario("pagination_trap", timeout=180)
def pagination_trap(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """``rounds`` trapped days, round n drawn from seed ``seed + n``."""
    total = Counts("pagination_trap")
    for n in range(rounds):
        total.add(run_trap(seed + n, workdir / f"round-{n}"))
    return total
