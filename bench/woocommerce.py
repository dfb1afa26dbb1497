"""WooCommerce (issue 14, items 3 and 7): ingestion against the site's own limit, the customers' daily
full scan, and the transform of a big WooCommerce store.

**Ingestion.** WooCommerce has no rate limit: a site's limit is its latency (the PHP request per page) and
its page size (``per_page`` ≤ 100). The sandbox serves a site over HTTP on 127.0.0.1 from a child process
(OAuth 1.0a over plain http, as on a real site without TLS); the client side is the raw orders asset's own
fetch (``WooCommerceSiteClient.iter_orders`` with ``with_refunds``, written by ``RawStoreResource``). One
business day (about 2,000 orders) is fetched per run, over a grid of injected per-response latency ×
``per_page`` × ``page_concurrency``. With latency ``L`` and ``c`` pages in flight a walk gets at most
``c / L`` pages a second: the ceiling is ``c × per_page / L`` orders a second, and the figure says what
share of it the client reaches (the first page is fetched alone to learn the total, and each order with a
refund costs one more request, so 100 % is out of reach by design). Every run's partition is read back:
its order ids must equal the sandbox's for the window, none twice.

**Customers.** The customers endpoint has no date filter, so each day's ``raw_woocommerce_customers``
partition is a full scan (``write_snapshot``); the section takes it for 100,000 customers over HTTP (with
no latency: our side's cost; and with 200 ms: a typical host's) and stages it with the real
``woocommerce_customer_staging`` asset, in a child process (``woocommerce_child customers``).

**Transform.** A store of ``STOREHOUSE_BENCH_WOO_ORDERS`` orders (default 1,000,000, over two years) is
generated once through the raw assets and the in-process sandbox and cached under
``bench/.cache/woocommerce/``; then every WooCommerce staging, conformed, core and mart partition is built
in one Dagster run on DuckDB, in a child process (wall time, peak memory of its process tree, each step's
seconds). agg_daily_sales is compared with the sandbox's ground truth (counts and total sales) day by day;
the differing figures are a figure of their own (target 0), with the records dead-lettered.

The machine's 1-minute load average is sampled at the start and end of each part (the machine has 2 cores
shared with other jobs) and written in the figures' details.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time
from multiprocessing.connection import Connection
from pathlib import Path

from bench.proctree import await_child_ready, run_measured
from bench.report import Figure, Size
from bench.transform_stores import load_marker
from bench.woocommerce_child import RESULT_PREFIX
from bench.woocommerce_stores import (
    CACHE_DIR,
    FULL_ORDERS,
    NY,
    ORDERS_ENV,
    GridSite,
    WooBenchStore,
    customers_site,
    history,
    orders_site,
)
from platform_assets.sources.woocommerce.raw_fetch import with_refunds
from resources.raw_store import RawStoreResource
from resources.woocommerce.client import WooCommerceClientResource

SECTION = "WooCommerce"
PLATFORM = "woocommerce"
#: The ingestion grid: injected seconds per response, records per page, pages in flight (1 and the default).
LATENCIES = (0.0, 0.05, 0.2)
PAGE_SIZES = (10, 50, 100)
CONCURRENCIES = (1, WooCommerceClientResource().page_concurrency)
#: Seconds per response of the customers' scans (0: our side's cost; 0.2: a typical host's).
CUSTOMER_LATENCIES = (0.0, 0.2)
_LINE_ID = re.compile(rb'^\{"id":(\d+),')


def load_text() -> str:
    """The 1-, 5- and 15-minute load averages and the cores, as ``uptime`` says them."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


# ---------------------------------------------------------------------------------------------------------
# The sandbox, in a child process
# ---------------------------------------------------------------------------------------------------------
def _window(site: GridSite) -> tuple[datetime, datetime]:
    start = datetime.combine(site.day, day_time(0), NY)
    return start, start + timedelta(days=1)


def _child(conn: Connection, sites: list[GridSite]) -> None:
    """Build the sites, walk the grid's window once in process (generating the days, recording the order
    ids the sandbox has for it), then serve them over HTTP until told to stop."""
    from sandbox.woocommerce import registry
    from sandbox.woocommerce.generator import build_site
    from sandbox.woocommerce.server import serve

    built = {}
    expected: list[int] = []
    for grid_site in sites:
        site = build_site(grid_site.spec(), grid_site.clock)
        built[grid_site.name] = site
        registry.register(grid_site.name, site)
    orders = sites[0]
    client = WooCommerceClientResource().for_site(
        f"woosandbox://{orders.name}",
        built[orders.name].spec.consumer_key,
        built[orders.name].spec.consumer_secret,
    )
    with client:
        expected = [record["id"] for page in client.iter_orders(*_window(orders)) for record in page]
    with serve(built) as server:
        conn.send(
            {
                "urls": {name: server.base_url(name) for name in built},
                "keys": {name: (s.spec.consumer_key, s.spec.consumer_secret) for name, s in built.items()},
                "expected": expected,
            }
        )
        while True:
            message = conn.recv()
            if message[0] == "latency":
                for site in built.values():
                    site.spec.latency_seconds = message[1]
                conn.send("ok")
            elif message[0] == "cpu":
                conn.send(time.process_time())
            else:
                return


@contextlib.contextmanager
def sandbox(sites: list[GridSite], log: Callable[[str], None] = print) -> Iterator[tuple[Connection, dict]]:
    """The sandbox child serving ``sites`` over HTTP; yields (its pipe, what it reported)."""
    context = multiprocessing.get_context("spawn")
    parent, child_end = context.Pipe()
    child = context.Process(target=_child, args=(child_end, sites), name="bench-woo-sandbox", daemon=True)
    started = time.perf_counter()
    child.start()
    try:
        info = await_child_ready(parent, child)
        log(f"   WooCommerce sandbox built and warmed in {time.perf_counter() - started:.0f} s")
        yield parent, info
    finally:
        with contextlib.suppress(OSError):
            parent.send(("stop",))
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)


def _set_latency(conn: Connection, seconds: float) -> None:
    conn.send(("latency", seconds))
    conn.recv()


# ---------------------------------------------------------------------------------------------------------
# Ingestion grid
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridRun:
    """One fetch of the grid's day: its settings, what it fetched and wrote, and how long it took."""

    latency: float
    per_page: int
    concurrency: int
    records: int
    seconds: float
    requests: int
    retries: int
    raw_bytes: int
    cpu_seconds: float
    sandbox_cpu_seconds: float
    lost: int
    duplicates: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.records / self.per_page))

    @property
    def ceiling(self) -> float | None:
        """Orders a second the site allows at this latency: ``concurrency`` pages per ``latency``."""
        return None if self.latency == 0 else self.concurrency * self.per_page / self.latency


def _ids(path: str) -> list[int]:
    with gzip.open(path, "rb") as lines:
        found = []
        for line in lines:
            match = _LINE_ID.match(line)
            if match is None:
                raise RuntimeError("a raw order line does not start with its id")
            found.append(int(match.group(1)))
    return found


def fetch_once(
    conn: Connection,
    info: dict,
    site: GridSite,
    latency: float,
    per_page: int,
    concurrency: int,
) -> GridRun:
    """Fetch the grid's day once through the raw orders asset's fetch, into a throwaway raw store."""
    _set_latency(conn, latency)
    key, secret = info["keys"][site.name]
    resource = WooCommerceClientResource(per_page=per_page, page_concurrency=concurrency)
    start, end = _window(site)
    with (
        tempfile.TemporaryDirectory(prefix="bench-woo-") as folder,
        resource.for_site(info["urls"][site.name], key, secret) as client,
    ):
        raw_store = RawStoreResource(base_url=folder)
        conn.send(("cpu",))
        sandbox_cpu = conn.recv()
        cpu = time.process_time()
        started = time.perf_counter()
        pages = (with_refunds(client, page) for page in client.iter_orders(start, end))
        result = raw_store.write_partition(PLATFORM, "orders", site.name, site.day, pages)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        conn.send(("cpu",))
        sandbox_cpu = conn.recv() - sandbox_cpu
        path = raw_store.partition_path(PLATFORM, "orders", site.name, site.day)
        got = _ids(path)
        raw_bytes = Path(path).stat().st_size
        stats = client.stats
    want = info["expected"]
    return GridRun(
        latency,
        per_page,
        concurrency,
        result.records,
        seconds,
        int(stats["requests"]),
        int(stats["retries"]),
        raw_bytes,
        cpu,
        sandbox_cpu,
        lost=len(set(want) - set(got)) + len(set(got) - set(want)),
        duplicates=len(got) - len(set(got)),
    )


def grid(size: Size) -> tuple[list[tuple[float, int, int]], list[float]]:
    """The grid's (latency, per_page, concurrency) runs and the customers' scan latencies at ``size``."""
    latencies, pages = ((0.0, 0.05), (10, 100)) if size.tiny else (LATENCIES, PAGE_SIZES)
    runs = [(lat, pp, c) for lat in latencies for pp in pages for c in CONCURRENCIES]
    return runs, list(CUSTOMER_LATENCIES[:1] if size.tiny else CUSTOMER_LATENCIES)


def _grid_figures(runs: list[GridRun], loads: tuple[str, str]) -> list[Figure]:
    figures = []
    for run in runs:
        ceiling = run.ceiling
        refund_requests = max(0, run.requests - run.pages)
        detail = (
            f"{run.records:,} orders in {run.seconds:.2f} s; {run.requests} requests ({run.pages} pages, "
            f"~{refund_requests} refund lookups), {run.retries} retries; {run.raw_bytes / 1e3:,.0f} kB "
            f"gzipped written; client CPU {run.cpu_seconds:.2f} s, "
            f"sandbox CPU {run.sandbox_cpu_seconds:.2f} s"
        )
        figures.append(
            Figure(
                SECTION,
                f"ingest orders/s: latency {run.latency * 1000:.0f} ms, per_page {run.per_page}, "
                f"{run.concurrency} in flight",
                run.rate,
                "orders/s",
                better="higher",
                ratio=None if ceiling is None else run.rate / ceiling,
                ratio_to=""
                if ceiling is None
                else f"ceiling ({ceiling:,.0f} orders/s = {run.concurrency} × {run.per_page} / "
                f"{run.latency:g} s)",
                detail=detail if ceiling is not None else detail + "; no latency: CPU-bound (both sides)",
                extra={
                    "latency_seconds": run.latency,
                    "per_page": run.per_page,
                    "page_concurrency": run.concurrency,
                    "orders": run.records,
                    "seconds": round(run.seconds, 3),
                    "requests": run.requests,
                    "raw_bytes": run.raw_bytes,
                    "cpu_seconds": round(run.cpu_seconds, 3),
                    "sandbox_cpu_seconds": round(run.sandbox_cpu_seconds, 3),
                    **({} if ceiling is None else {"ceiling_orders_per_second": ceiling}),
                },
            )
        )
    biggest = [run for run in runs if run.per_page == max(r.per_page for r in runs)]
    per_order = sum(r.raw_bytes for r in biggest) / max(1, sum(r.records for r in biggest))
    lost = sum(run.lost for run in runs)
    duplicates = sum(run.duplicates for run in runs)
    figures += [
        Figure(
            SECTION,
            "ingest: raw bytes written per order",
            per_order,
            "B",
            detail=f"gzipped NDJSON with refund objects; {biggest[0].raw_bytes / 1e6:.2f} MB for "
            f"{biggest[0].records:,} orders (one day)",
        ),
        Figure(
            SECTION,
            "ingest: orders lost or fetched twice",
            lost + duplicates,
            "orders",
            target=0,
            detail=f"over {len(runs)} runs, each read back against the sandbox's ids; lost={lost} "
            f"duplicates={duplicates}; {loads[0]} at the start, {loads[1]} at the end",
        ),
    ]
    return figures


# ---------------------------------------------------------------------------------------------------------
# Customers' daily full scan
# ---------------------------------------------------------------------------------------------------------
def customers_scan(conn: Connection, info: dict, site: GridSite, latency: float) -> tuple[dict, float]:
    """The customers' snapshot and its staging in a child process; its result and the tree's peak MB."""
    _set_latency(conn, latency)
    key, secret = info["keys"][site.name]
    env = {**os.environ, "BENCH_WOO_CUSTOMERS_KEY": key, "BENCH_WOO_CUSTOMERS_SECRET": secret}
    conn.send(("cpu",))
    sandbox_cpu = conn.recv()
    with tempfile.TemporaryDirectory(prefix="bench-woo-customers-") as folder:
        command = [
            sys.executable,
            "-m",
            "bench.woocommerce_child",
            "customers",
            "--url",
            info["urls"][site.name],
            "--tenant",
            site.name,
            "--day",
            site.day.isoformat(),
            "--work",
            folder,
            "--warehouse",
            f"duckdb:///{Path(folder) / 'warehouse.duckdb'}",
        ]
        measured = run_measured(command, env=env)
    conn.send(("cpu",))
    result = {**_result(measured.stdout), "sandbox_cpu_seconds": conn.recv() - sandbox_cpu}
    if not result["success"] or result["staged_rows"] != result["records"]:
        raise RuntimeError(
            f"customers' snapshot: {result['records']} fetched, {result['staged_rows']} staged"
        )
    return result, measured.peak_tree_mb


def _customer_figures(scans: list[tuple[float, dict, float]], site: GridSite, load: str) -> list[Figure]:
    figures = []
    concurrency = WooCommerceClientResource().page_concurrency
    for latency, result, tree_mb in scans:
        pages = math.ceil(result["records"] / 100)
        floor = latency * (1 + math.ceil((pages - 1) / concurrency))
        label = f"latency {latency * 1000:.0f} ms"
        figures.append(
            Figure(
                SECTION,
                f"customers' daily full scan, {result['records']:,} customers, {label}: wall time",
                result["fetch_seconds"],
                "s",
                ratio=None if latency == 0 else floor / result["fetch_seconds"],
                ratio_to="" if latency == 0 else f"ceiling (the walk's latency alone: {floor:.0f} s)",
                detail=f"{result['requests']:,} requests (per_page 100, {concurrency} in flight), "
                f"{result['retries']} retries; client CPU {result['fetch_cpu_seconds']:.1f} s, sandbox CPU "
                f"{result['sandbox_cpu_seconds']:.1f} s (it sorts every customer for each page); "
                f"{result['raw_bytes'] / 1e6:.1f} MB gzipped written "
                f"({result['json_bytes'] / 1e6:.0f} MB of JSON); peak memory "
                f"{result['fetch_peak_above_mb']:,.0f} MB above the process's start "
                f"(the snapshot is held whole before it is written); process tree peak {tree_mb:,.0f} MB",
                extra={
                    "customers": result["records"],
                    "requests": result["requests"],
                    "raw_bytes": result["raw_bytes"],
                    "json_bytes": result["json_bytes"],
                    "peak_above_start_mb": round(result["fetch_peak_above_mb"]),
                    "tree_peak_mb": round(tree_mb),
                    "client_cpu_seconds": round(result["fetch_cpu_seconds"], 2),
                    "latency_seconds": latency,
                },
            )
        )
    latency, result, tree_mb = scans[0]
    figures += [
        Figure(
            SECTION,
            "customers' snapshot: peak memory of the scan",
            result["fetch_peak_above_mb"],
            "MB",
            detail=f"above the process's resident memory before it ({result['records']:,} customers held "
            "as dicts until written)",
        ),
        Figure(
            SECTION,
            "customers' snapshot: raw bytes written per day",
            result["raw_bytes"] / 1e6,
            "MB",
            detail=f"{result['raw_bytes'] / max(1, result['records']):.0f} B per customer gzipped; "
            f"{365 * result['raw_bytes'] / 1e9:.2f} GB a year of daily snapshots",
        ),
        Figure(
            SECTION,
            "customers' snapshot: staging (woocommerce_customer_staging)",
            result["stage_seconds"],
            "s",
            detail=f"{result['staged_rows']:,} rows into stg_woocommerce_customers on DuckDB, one Dagster "
            "run "
            f"(steps {result['stage_step_seconds']}); peak {result['stage_peak_above_mb']:,.0f} MB above "
            f"the process's start; {365 * result['staged_rows'] / 1e6:,.1f} M rows a year; {load}",
            extra={
                "rows": result["staged_rows"],
                "peak_above_start_mb": round(result["stage_peak_above_mb"]),
            },
        ),
    ]
    slowest = scans[-1]
    per_day = slowest[1]["fetch_seconds"] + result["stage_seconds"]
    figures.append(
        Figure(
            SECTION,
            "customers kept current: cost per day",
            per_day,
            "s",
            detail=f"daily full scan at {slowest[0] * 1000:.0f} ms per response + staging, "
            f"{slowest[1]['requests']:,} requests, {result['raw_bytes'] / 1e6:.1f} MB written, "
            f"{result['staged_rows']:,} staged rows",
        )
    )
    return figures


# ---------------------------------------------------------------------------------------------------------
# Transform
# ---------------------------------------------------------------------------------------------------------
def _result(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    return json.loads(lines[-1][len(RESULT_PREFIX) :])


def _store_args(size: Size, orders: int) -> list[str]:
    return ["--size", size.name, *([] if size.tiny else ["--orders", str(orders)])]


def ensure_generated(store: WooBenchStore, size: Size, orders: int) -> tuple[dict, bool]:
    """The store's generation record, generating its raw store first if the cache lacks it."""
    marker = load_marker(store)
    if marker is not None:
        return marker, True
    run_measured([sys.executable, "-m", "bench.woocommerce_child", "generate", *_store_args(size, orders)])
    marker = load_marker(store)
    assert marker is not None
    return marker, False


def _transform_figures(size: Size, orders: int, load_before: str) -> list[Figure]:
    store = history(size) if size.tiny else history(size, orders)
    marker, cached = ensure_generated(store, size, orders)
    path = CACHE_DIR / "warehouses" / f"{store.key()}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.woocommerce_child", "transform", *_store_args(size, orders)]
    measured = run_measured([*command, "--warehouse", f"duckdb:///{path}"])
    result = _result(measured.stdout)
    load_after = load_text()
    print(
        f"   transform {store.label}: {measured.wall_seconds:.1f} s wall, {measured.cpu_seconds:.1f} s CPU, "
        f"peak {measured.peak_tree_mb:.0f} MB; {load_after}",
        flush=True,
    )
    if not result["success"]:
        raise AssertionError(f"{store.label}: the transform run failed")
    diffs = result["ground_truth_diff_count"]
    steps = result["steps"]
    staging = sum(seconds for step, seconds in steps.items() if step.endswith("_staging"))
    step_total = sum(steps.values())
    wall = measured.wall_seconds
    what = (
        f"{result['orders']:,} orders ({result['lines']:,} lines, {result['refund_rows']:,} refund rows), "
        f"{store.days()} days, one run on DuckDB; ground truth: {diffs} figures differ over "
        f"{result['days_checked']} days, {result['dead_letters']} records dead-lettered"
    )
    note = "" if size.tiny or orders == FULL_ORDERS else f"; measured at {orders:,} orders, not 1,000,000"
    return [
        Figure(
            SECTION,
            "transform store generation (not counted)",
            marker["generation_seconds"],
            "s",
            detail=f"{marker['raw_orders']:,} raw orders, {marker['raw_bytes'] / 1e6:,.0f} MB gzipped; "
            f"{'cached, reused' if cached else 'generated in this run'}; the in-process sandbox through the "
            "raw assets (customers: one snapshot, on the last day)",
        ),
        Figure(
            SECTION,
            f"transform of {result['orders']:,} WooCommerce orders on DuckDB: wall time",
            wall,
            "s",
            detail=what + note + f"; {load_before} before, {load_after} after",
            extra={
                "orders": result["orders"],
                "cpu_seconds": round(measured.cpu_seconds, 1),
                "child_seconds": round(result["seconds"], 1),
                "days": store.days(),
                "steps": json.dumps(steps),
            },
        ),
        Figure(
            SECTION,
            "transform: figures differing from the sandbox's ground truth",
            diffs,
            "figures",
            target=0,
            detail=f"agg_daily_sales counts and total sales per day against the sandbox's; "
            f"{result['dead_letters']} records dead-lettered; first differences: "
            f"{'; '.join(result['ground_truth_diffs'][:3]) or 'none'}",
            extra={"dead_letters": result["dead_letters"], "days_checked": result["days_checked"]},
        ),
        Figure(
            SECTION,
            "transform: orders/s",
            result["orders"] / wall,
            "orders/s",
            better="higher",
            detail="whole WooCommerce graph (raw → staging → conformed → core → marts), child wall time"
            + note,
        ),
        Figure(
            SECTION,
            "transform: peak memory",
            measured.peak_tree_mb,
            "MB",
            target=2048,
            detail="resident memory of the run's whole process tree (staging workers included)",
        ),
        Figure(
            SECTION,
            "transform: staging steps' share",
            100 * staging / max(step_total, 1e-9),
            "%",
            detail=f"{staging:.1f} s of {step_total:.1f} s summed over the steps (steps overlap: the run "
            f"took {result['seconds']:.1f} s); orders {steps.get('woocommerce_order_staging', 0):.1f} s "
            "(Python typing of every record)",
        ),
    ]


# ---------------------------------------------------------------------------------------------------------
# The section
# ---------------------------------------------------------------------------------------------------------
def run(size: Size, log: Callable[[str], None] = print) -> list[Figure]:
    """The section's figures; raises if an order was lost or stored twice, a snapshot was not staged
    whole, or the transform's run failed."""
    orders = int(os.environ.get(ORDERS_ENV, FULL_ORDERS))
    runs_wanted, customer_latencies = grid(size)
    orders_grid, customers_grid = orders_site(size), customers_site(size)
    figures: list[Figure] = []
    with sandbox([orders_grid, customers_grid], log) as (conn, info):
        start_load = load_text()
        runs = []
        for latency, per_page, concurrency in runs_wanted:
            run_ = fetch_once(conn, info, orders_grid, latency, per_page, concurrency)
            log(
                f"   latency {latency * 1000:.0f} ms, per_page {per_page}, {concurrency} in flight: "
                f"{run_.rate:,.0f} orders/s ({run_.records} orders, {run_.requests} requests)"
            )
            runs.append(run_)
        if any(run_.lost or run_.duplicates for run_ in runs):
            raise RuntimeError("ingest grid: a raw partition does not match the sandbox's order ids")
        figures += _grid_figures(runs, (start_load, load_text()))
        scans = []
        for latency in customer_latencies:
            result, tree_mb = customers_scan(conn, info, customers_grid, latency)
            log(
                f"   customers at {latency * 1000:.0f} ms: {result['records']:,} in "
                f"{result['fetch_seconds']:.1f} s, staged in {result['stage_seconds']:.1f} s; {load_text()}"
            )
            scans.append((latency, result, tree_mb))
        figures += _customer_figures(scans, customers_grid, load_text())
    figures += _transform_figures(size, orders, load_text())
    return figures


if __name__ == "__main__":
    for figure in run(Size(sys.argv[1] if len(sys.argv) > 1 else "tiny")):
        print(f"{figure.name}: {figure.value:,.2f} {figure.unit}  {figure.detail}")
