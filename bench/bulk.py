"""Shopify bulk operations against REST at the ceiling (issue 15, item 7): a year of the heavy store loaded
through one bulk operation, side by side with the same orders through REST at the API's ceiling.

**Bulk, measured.** The heavy store (``bench.transform_stores.heavy_year``: 2,000 orders a day over 2025,
about 730,000 orders; tiny: 100 a day over 5 days) is served by the Shopify sandbox over HTTP on 127.0.0.1
from a child process. A second child, measured, runs the raw orders asset's own code path for a GraphQL
tenant's first sync of the whole year: ``raw_fetch.fetch_days``, which reads it with one bulk operation
(``bulk_fetch``): start the job, poll it, stream the JSONL to disk, reassemble it by ``__parentId``, read
the refunds of refunded orders (GraphQL, cost-paced), translate every record to REST's shape and write one
raw partition per day. Its CPU seconds around that call are **our side** (download, parse, reassemble,
translate, write the raw partitions), in orders per CPU second against the issue's 20,000; polling a
running job costs no CPU. Staging the raw partitions into ``stg_shopify_*`` is the same for both APIs and
is measured by the transform section ("staging steps"). Peak memory is the measured child's whole process
tree (the issue's target: 1.5 GB for a 1M-order file; memory is bounded by design, not by the file).

**The job's own time is the sandbox's model**, reported apart: ``bulk_start_seconds`` plus ``objectCount``
/ ``bulk_objects_per_second`` (the sandbox's defaults: 0 s and 1,000,000 objects a second; Shopify's own
speed is not published). The sandbox's real time to write the file (generating the store's orders as it
goes) is reported too: it is the simulator's cost, not ours, and bounds the measured wall time.

**REST at the ceiling, computed** from the same number of orders: one request per 250 orders, at the leak
rate of the shop's REST bucket (standard: 2 requests/s = 500 orders/s; Plus: 20/s = 5,000 orders/s), and
at the share of the ceiling the ingest section measured (``bench/results.json``, "bench-standard: share of
the ceiling" and "bench-plus: …"; 100 % when absent). Request latency, ``shop.json`` and each day's last
partial page are left out, so the REST figures are lower bounds.

    python -m bench.bulk [--size tiny]      # prints the figures
    STOREHOUSE_BENCH_BULK_ORDERS_PER_DAY=200 python -m bench.run --only bulk --merge   # a smaller year
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from bench.proctree import await_child_ready, run_measured, stop_child
from bench.report import Figure, Size, peak_rss_mb
from bench.transform_stores import BenchStore, _store, heavy_year

SECTION = "Shopify bulk operations against REST"
#: Issue 15's targets for our side of a bulk load.
TARGET_ORDERS_PER_SECOND = 20_000.0
TARGET_PEAK_MB = 1_536.0
#: Orders a day of the year loaded at full size instead of the heavy store's 2,000 (a smaller year, for a
#: run that must fit a shorter session); unset: the heavy store.
ORDERS_ENV = "STOREHOUSE_BENCH_BULK_ORDERS_PER_DAY"
#: The API version of the bench's tenant (served as itself by the sandbox).
API_VERSION = "2025-10"
#: Seconds between two polls of the running job.
POLL_SECONDS = 0.2
#: REST: orders per request, and each plan's leak rate (requests per second; sandbox/shopify/spec.py).
ORDERS_PER_REQUEST = 250
REST_PLANS = {"standard": 2.0, "plus": 20.0}
#: The ingest section's figures of the share of the ceiling it reached, per plan.
INGEST_SHARE_FIGURES = {
    "standard": "bench-standard: share of the ceiling",
    "plus": "bench-plus: share of the ceiling",
}
RESULTS_FILE = Path(__file__).parent / "results.json"
_LINE_ID = re.compile(rb'^\{"id":(\d+),')


def store_for(size: Size) -> BenchStore:
    """The store loaded: the heavy year (``ORDERS_ENV`` may make it lighter); tiny: 500 orders."""
    if size.tiny:
        return _store("bulk-tiny", 100, 5, 300, date(2025, 12, 31))
    per_day = float(os.environ.get(ORDERS_ENV) or 0)
    if per_day <= 0:
        return heavy_year(size)
    customers = max(500, round(40_000 * per_day / 2000))
    return _store(f"bulk-{per_day:g}-a-day", per_day, 365, customers, date(2025, 12, 31))


# ---------------------------------------------------------------------------------------------------------
# The sandbox, in a child process
# ---------------------------------------------------------------------------------------------------------
def _sandbox(conn: Connection, store: BenchStore) -> None:
    """Serve the store over HTTP; on "job", report its last bulk job (counts, model, real writing time)."""
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.server import serve

    shop = build_shop(store.spec(), store.clock)
    operations = shop.graphql.bulk
    writing: dict[int, float] = {}
    write = operations._write

    def timed_write(job) -> None:  # the sandbox's real time to write a job's file
        started = time.perf_counter()
        try:
            write(job)
        finally:
            writing[job.number] = time.perf_counter() - started

    operations._write = timed_write  # type: ignore[method-assign]
    with serve({shop.name: shop}) as server:
        conn.send({"url": server.base_url(shop.name), "token": shop.spec.access_token})
        cpu = time.process_time()
        while conn.recv() == "job":
            job = operations.jobs[-1]
            settings = shop.graphql.settings
            conn.send(
                {
                    "objects": job.objects,
                    "roots": job.roots,
                    "bytes": job.size,
                    "start_seconds": settings.bulk_start_seconds,
                    "objects_per_second": settings.bulk_objects_per_second,
                    "modelled_seconds": settings.bulk_start_seconds
                    + job.objects / settings.bulk_objects_per_second,
                    "writing_seconds": writing.get(job.number),
                    "sandbox_cpu_seconds": time.process_time() - cpu,
                }
            )
        # anything else ("stop"): stop serving


# ---------------------------------------------------------------------------------------------------------
# Our side, in a measured child process
# ---------------------------------------------------------------------------------------------------------
def _load(config: dict) -> dict:
    """In the measured process: the raw orders asset's fetch of the whole range for a GraphQL tenant (one
    bulk operation, as a first sync), timed; then every partition read back (not timed)."""
    from datetime import datetime

    from platform_assets.ingest.runs import TenantDays
    from platform_assets.sources.shopify.connection import ShopifyConnection
    from platform_assets.sources.shopify.raw_fetch import fetch_days
    from platform_assets.tenants import Tenant
    from resources.raw_store import RawStoreResource
    from resources.shopify.client import ShopifyClientResource

    os.environ[config["token_env"]] = config["token"]
    start, end = date.fromisoformat(config["start"]), date.fromisoformat(config["end"])
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    connection = ShopifyConnection(
        shop_url=config["url"], token_env=config["token_env"], api="graphql", api_version=API_VERSION
    )
    tenant = Tenant(
        id=config["tenant"], name=config["tenant"], start_date=start, connections={"shopify": connection}
    )
    resource = ShopifyClientResource(bulk_poll_seconds=POLL_SECONDS)
    baseline_mb = peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as folder:
        raw_store = RawStoreResource(base_url=str(Path(folder) / "raw"))
        cpu, wall = time.process_time(), time.perf_counter()
        outcome = fetch_days(
            resource, raw_store, "orders", [TenantDays(tenant, days)], datetime.fromisoformat(config["now"])
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        ids: list[int] = []
        for day in days:
            with gzip.open(raw_store.partition_path("shopify", "orders", tenant.id, day), "rb") as lines:
                ids += [int(m.group(1)) for line in lines if (m := _LINE_ID.match(line))]
    bulk = outcome.bulk.get(tenant.id)
    if bulk is None:
        raise RuntimeError("the load did not go through a bulk operation")
    return {
        "records": outcome.records,
        "distinct_ids": len(set(ids)),
        "ids": len(ids),
        "bulk": bulk,
        "requests": outcome.api["requests"],
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "baseline_mb": baseline_mb,
        "peak_mb": peak_rss_mb(),
    }


def measure(size: Size, log=print) -> dict:
    """Serve the store, load it through bulk in a measured child: the child's figures, the job's, and the
    peak memory of the child's process tree."""
    store = store_for(size)
    context = multiprocessing.get_context("spawn")
    parent, child_end = context.Pipe()
    child = context.Process(target=_sandbox, args=(child_end, store), name="bench-bulk-sandbox", daemon=True)
    child.start()
    try:
        info = await_child_ready(parent, child)
        config = {
            "url": info["url"],
            "token": info["token"],
            "token_env": "BENCH_BULK_SHOPIFY_TOKEN",
            "tenant": store.tenant_id,
            "start": store.start.isoformat(),
            "end": store.end.isoformat(),
            "now": store.clock.isoformat(),
        }
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        measured = run_measured([sys.executable, "-m", "bench.bulk", "--child", json.dumps(config)], env=env)
        parent.send("job")
        job = parent.recv()
    finally:
        stop_child(parent, child)
    result = json.loads(measured.stdout.strip().splitlines()[-1])
    result["job"] = job
    result["peak_tree_mb"] = measured.peak_tree_mb
    result["child_wall_seconds"] = measured.wall_seconds
    result["store"] = {key: str(value) for key, value in asdict(store).items()}
    log(
        f"   {result['records']:,} orders through bulk: {result['cpu_seconds']:.1f} CPU s of ours, "
        f"{result['wall_seconds']:.1f} s wall; "
        f"the sandbox wrote the file in {job['writing_seconds'] or 0:.1f} s"
    )
    return result


def ingest_shares(path: Path = RESULTS_FILE) -> dict[str, float]:
    """The share of the REST ceiling the ingest section reached, per plan (a fraction; 1.0 when the
    results hold no such figure)."""
    shares = dict.fromkeys(REST_PLANS, 1.0)
    with contextlib.suppress(OSError, ValueError):
        figures = json.loads(path.read_text()).get("figures", [])
        for plan, name in INGEST_SHARE_FIGURES.items():
            for figure in figures:
                if figure.get("name") == name:
                    shares[plan] = float(figure["value"]) / 100
    return shares


def figures_for(result: dict, shares: dict[str, float]) -> list[Figure]:
    """The section's figures from one measured load and the ingest section's shares of the ceiling."""
    orders, job, bulk = result["records"], result["job"], result["bulk"]
    store = result["store"]
    what = f"{orders:,} orders ({store['start']} … {store['end']}, {store['orders_per_day']} a day)"
    lost_or_twice = abs(bulk["root_object_count"] - orders) + (result["ids"] - result["distinct_ids"])
    ours_rate = orders / result["cpu_seconds"]
    bulk_wall = result["wall_seconds"]
    figures = [
        Figure(
            SECTION,
            "bulk: orders lost or loaded twice",
            lost_or_twice,
            "orders",
            target=0.0,
            detail=f"{what}; the job's rootObjectCount {bulk['root_object_count']:,}, raw partitions "
            f"{result['ids']:,} lines, {result['distinct_ids']:,} distinct ids",
        ),
        Figure(
            SECTION,
            "bulk job: modelled duration (sandbox)",
            job["modelled_seconds"],
            "s",
            detail=f"the sandbox's model, not measured: {job['start_seconds']:g} s + {job['objects']:,} "
            f"objects / {job['objects_per_second']:,.0f} objects a second; Shopify's own speed is not "
            "published",
        ),
        Figure(
            SECTION,
            "bulk job: the sandbox writing the file",
            job["writing_seconds"] or 0.0,
            "s",
            detail=f"the simulator generating the orders and writing {job['bytes'] / 1e6:,.0f} MB of JSONL "
            f"({job['objects']:,} lines); its cost, not ours; sandbox CPU {job['sandbox_cpu_seconds']:.0f} s",
        ),
        Figure(
            SECTION,
            "bulk, our side: orders per CPU second",
            ours_rate,
            "orders/s",
            target=TARGET_ORDERS_PER_SECOND,
            better="higher",
            detail=f"{what}: download, parse, reassemble, refunds read, translate, raw partitions written "
            f"({result['cpu_seconds']:.1f} CPU s in the loading process, {result['requests']:,.0f} "
            "requests); staging is the transform section's",
        ),
        Figure(
            SECTION,
            "bulk, our side: peak memory",
            result["peak_tree_mb"],
            "MB",
            target=TARGET_PEAK_MB,
            detail=f"resident memory of the loading process tree for {orders:,} orders (the target is for "
            f"1M orders; {result['baseline_mb']:.0f} MB of it is the process after its imports)",
        ),
        Figure(
            SECTION,
            "bulk: wall time, job included",
            bulk_wall,
            "s",
            detail="from the first request to the last partition written, in the loading process; the "
            "sandbox writing the file (above) takes most of it",
        ),
    ]
    for plan, rate in REST_PLANS.items():
        ceiling = rate * ORDERS_PER_REQUEST
        share = shares[plan]
        seconds = orders / (ceiling * share)
        figures.append(
            Figure(
                SECTION,
                f"REST at the ceiling ({plan} shop): the same orders",
                seconds,
                "s",
                detail=f"computed: {orders:,} orders / ({ceiling:,.0f} orders/s ceiling = {rate:g} "
                f"requests/s × {ORDERS_PER_REQUEST} × {share:.1%} reached by the ingest section); "
                "latency and partial pages left out (a lower bound); bulk's wall time "
                f"({bulk_wall:,.0f} s) is {bulk_wall / seconds:,.1f}× this",
            )
        )
    return figures


def run(size: Size) -> list[Figure]:
    return figures_for(measure(size), ingest_shares())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_load(json.loads(args.child))))
        return 0
    for figure in run(Size(args.size)):
        print(f"{figure.name}: {figure.value:,.2f} {figure.unit}  ({figure.detail})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
