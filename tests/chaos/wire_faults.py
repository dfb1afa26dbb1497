"""Scenario: faults on the wire at a seeded rate (10 %, 30 %).

A sandbox shop is served over real HTTP; a tenant points at the fault proxy in front of it, with a short
read timeout so stalls time out. The whole graph runs for a week (three days when quick); the raw
orders, stg_shopify_orders and fact_orders must hold each of the shop's orders updated up to the last day
exactly once, and agg_daily_sales must equal the ground truth to the cent. A run that gives up (the
client's retries exhausted on one request) is rerun, up to :data:`MAX_RUNS` runs in all; it counts as
neither lost nor duplicated if a rerun converges, and the number of runs is reported.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from platform_assets.definitions import ALL_ASSETS, ALL_CHECKS
from platform_assets.tags import partition_range_tags
from resources.shopify.client import ShopifyClientResource
from sandbox.shopify import registry
from sandbox.shopify.server import serve
from tests.chaos.compare import expected_order_ids, orders_by_layer, sales_days_off
from tests.chaos.counts import Counts
from tests.chaos.proxy import FaultProxy
from tests.chaos.registry import scenario
from tests.chaos.waits import wait_until
from tests.pipeline.harness import make_pipeline, make_spec, shopify_graph

NY = ZoneInfo("America/New_York")
START = date(2026, 5, 25)
#: The client's read timeout for the scenario; the proxy's stalls last longer.
READ_TIMEOUT = 2.5
STALL_SECONDS = 3.0
#: Small pages, so a week is many requests (and cursors) for the faults to hit.
PAGE_SIZE = 20
#: Runs of the graph allowed before the scenario gives up (the first and its reruns).
MAX_RUNS = 3
#: How long the run's connections to the shop may take to close after it ended.
CLOSE_GRACE_SECONDS = 3.0


def point_tenant_at(tenants_file: Path, shop_url: str) -> None:
    """Rewrite the (single-tenant) tenants file so the tenant's shop is at ``shop_url``."""
    tenants = yaml.safe_load(tenants_file.read_text())
    for tenant in tenants["tenants"]:
        tenant["shopify"]["shop_url"] = shop_url
    tenants_file.write_text(yaml.safe_dump(tenants))


def run_wire_faults(rate: float, seed: int, folder: Path, days: int = 7) -> Counts:
    """``days`` days of the whole graph through the proxy at ``rate`` (the shop's clock at the end of the
    last day, so every day is over); the counts of one round."""
    counts = Counts(f"seed-{seed}")
    end = START + timedelta(days=days - 1)
    clock = datetime.combine(end + timedelta(days=1), time(0), tzinfo=NY)
    monkeypatch = pytest.MonkeyPatch()
    try:
        spec = make_spec(f"chaos-wire-{seed}", seed=seed)
        pipeline = make_pipeline(folder, monkeypatch, spec, clock, START)
        shop = registry.get_shop(spec.name)
        with (
            serve({spec.name: shop}) as server,
            FaultProxy(
                f"http://{server.host}:{server.port}", rate=rate, seed=seed, stall_seconds=STALL_SECONDS
            ) as proxy,
        ):
            point_tenant_at(folder / "tenants.yaml", f"{proxy.url}/{spec.name}")
            pipeline.resources["shopify"] = ShopifyClientResource(
                read_timeout=READ_TIMEOUT, page_size=PAGE_SIZE
            )
            tags = partition_range_tags(f"{START.isoformat()}|{spec.name}", f"{end.isoformat()}|{spec.name}")
            runs, success = 0, False
            while runs < MAX_RUNS and not success:
                runs += 1
                with pipeline.warehouse.held():  # as tests/pipeline/harness.py says
                    result = dg.materialize(
                        [*ALL_ASSETS, *ALL_CHECKS],
                        instance=pipeline.instance,
                        resources=pipeline.resources,
                        tags=tags,
                        selection=shopify_graph(),
                        raise_on_error=False,
                    )
                success = result.success
            wait_until(lambda: proxy.open_connections == 0, CLOSE_GRACE_SECONDS)
            counts.leaked = proxy.open_connections
            counts.notes.update(proxy.summary())
        counts.notes["runs"] = runs
        if not success:
            counts.notes["failed"] = f"no success in {runs} runs"
        failed_checks = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
        if failed_checks:
            counts.notes["failed_checks"] = failed_checks
        layers = orders_by_layer(
            shop, pipeline.resources["raw_store"], pipeline.warehouse, spec.name, START, end
        )
        for layer, (lost, duplicated) in layers.items():
            counts.lost += lost
            counts.duplicated += duplicated
            if lost or duplicated:
                counts.notes[f"{layer}_lost_dup"] = [lost, duplicated]
        lost_days, duplicated_days, diffs = sales_days_off(shop, pipeline.warehouse, spec.name, START, end)
        counts.lost += lost_days
        counts.duplicated += duplicated_days
        if diffs:
            counts.notes["ground_truth_diffs"] = diffs[:5]
        counts.notes["orders_expected"] = len(expected_order_ids(shop, START, end))
    finally:
        monkeypatch.undo()
    return counts


def _rounds(rate: float, seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """``rounds`` rounds, round n with seed ``seed + n`` (its shop and its faults); quick: 3 days."""
    total = Counts(f"wire_faults_{int(rate * 100)}pct")
    for n in range(rounds):
        total.add(run_wire_faults(rate, seed + n, workdir / f"round-{n}", days=3 if quick else 7))
    return total


@scenario("wire_faults_10pct", timeout=240)
def wire_faults_10pct(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """10 % of requests answered with a fault."""
    return _rounds(0.10, seed, rounds, workdir, quick)


@scenario("wire_faults_30pct", timeout=300)
def wire_faults_30pct(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """30 % of requests answered with a fault."""
    return _rounds(0.30, seed, rounds, workdir, quick)
