"""Ingestion at the API ceiling: orders per second fetched into the raw store, against Shopify's rate limit.

Three tenants run side by side, as one raw orders run would fetch them, each shop with a bucket of its
own: a Plus shop (400 calls @ 20/s) and two standard shops (40 @ 2/s). Then the two standard shops run
again without the Plus shop (``PHASES``): on a 2-core machine the Plus shop's parsing takes the CPU the
others need, and the second run shows what they reach when it is theirs. The sandbox serves them over HTTP
on 127.0.0.1 from a child process (so the simulator's CPU does not share the client's interpreter), with
its real leaky bucket and ``RESPONSE_LATENCY`` seconds per response (Shopify's typical time for a page of
250 orders; the sandbox's ``ShopSpec.latency_seconds`` is flat, so ``shop.json`` and each day's partial
last page take as long, which is conservative). The client side is the raw assets' own code path:
``raw_fetch.fetch_days`` with the real ``ShopifyClientResource`` and ``RawStoreResource``, days of a
tenant fetched concurrently through the shop's one pacer.

The ceiling of a shop is its leak rate × 250 orders per second. A fresh bucket would also admit a one-off
burst of ``bucket size`` calls (20 s worth at the leak rate on every Shopify plan), which lets a short
run exceed the ceiling; the bucket is therefore filled before timing (as it is after any earlier burst),
so the figures are steady state and the ceiling is a hard bound. Each shop is timed from its first
request to its last partition written; its requests include ``shop.json`` and each day's partial last
page, so the ratio also pays for those.

Before timing, the child walks every window once in process (without rate limit or latency): that
generates the days (so the simulator's one-off generation is not timed) and records the sandbox's own
order ids per window. After the run, every partition is read back: its order ids must equal the
sandbox's, none missing and none twice; otherwise the section raises.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.proctree import await_child_ready, stop_child
from bench.report import Figure, Size, peak_rss_mb
from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.raw_fetch import FetchOutcome, fetch_days, plan_windows
from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource
from resources.shopify.client import MAX_PAGE_SIZE, ShopifyClientResource

SECTION = "Ingestion at the API ceiling"
TARGET_PERCENT = 90.0
#: Seconds the sandbox takes to answer each request (Shopify: about 300 ms for a page of 250 orders).
RESPONSE_LATENCY = 0.3
CLOCK = datetime.fromisoformat("2026-03-01T00:00:00-05:00")
API = "/admin/api/2025-07"
_ORDER_GID = re.compile(rb'"admin_graphql_api_id":"gid://shopify/Order/(\d+)"')
_LINE_ID = re.compile(rb'^\{"id":(\d+),')


@dataclass(frozen=True)
class BenchShop:
    """One tenant of the run: its sandbox shop's plan and size, and how many days are fetched."""

    name: str
    plan: str  # "standard" (40 @ 2/s) or "plus" (400 @ 20/s)
    timezone: str
    orders_per_day: float
    days: int
    seed: int

    @property
    def token_env(self) -> str:
        return "BENCH_" + self.name.upper().replace("-", "_") + "_TOKEN"

    def tenant(self, shop_url: str) -> Tenant:
        # The start date lies before the fetched days, so every window has both updated_at bounds.
        start = self.first_day() - timedelta(days=30)
        connection = ShopifyConnection(shop_url=shop_url, token_env=self.token_env, api="rest")
        return Tenant(id=self.name, name=self.name, start_date=start, connections={"shopify": connection})

    def fetched_days(self) -> list[date]:
        first = self.first_day()
        return [first + timedelta(days=i) for i in range(self.days)]

    def first_day(self) -> date:
        # Days that are complete at the clock and old enough that no order is still being changed a lot.
        return CLOCK.date() - timedelta(days=self.days + 1)


def shops_for(size: Size) -> list[BenchShop]:
    """Full: about 100,000 orders in the Plus shop's windows (about 20 s at its ceiling) and 20,000 in each
    standard shop's (about 40 s at theirs), so that the fixed costs of a run (``shop.json``, each day's
    partial last page, the first response's latency) stay within a few per cent; tiny: a few seconds."""
    if size.tiny:
        return [
            BenchShop("bench-plus", "plus", "America/New_York", 400, 2, 41),
            BenchShop("bench-standard", "standard", "America/New_York", 200, 1, 42),
            BenchShop("bench-standard-eu", "standard", "Europe/Berlin", 200, 1, 43),
        ]
    # The Plus shop's days are as many as the windows in flight (the default max_concurrent_windows): one
    # wave, no tail of lone windows.
    return [
        BenchShop("bench-plus", "plus", "America/New_York", 6_500, 16, 41),
        BenchShop("bench-standard", "standard", "America/New_York", 14_000, 2, 42),
        BenchShop("bench-standard-eu", "standard", "Europe/Berlin", 14_000, 2, 43),
    ]


# ---------------------------------------------------------------------------------------------------------
# The sandbox, in a child process
# ---------------------------------------------------------------------------------------------------------
def _spec(shop: BenchShop):  # -> ShopSpec (imported in the child only)
    from sandbox.shopify.spec import ShopSpec

    return ShopSpec(
        name=shop.name,
        seed=shop.seed,
        timezone=shop.timezone,
        orders_per_day=shop.orders_per_day,
        history_days=shop.days + 1,
        customers=max(500, int(shop.orders_per_day)),
        products=40,
        plan=shop.plan,
    )


def _walk_ids(sandbox_shop, query: dict[str, str]) -> list[int]:
    """The sandbox's order ids for one window, page by page in process (no bucket, no latency)."""
    headers = {"X-Shopify-Access-Token": sandbox_shop.spec.access_token}
    path, text = f"{API}/orders.json", urlencode(query)
    ids: list[int] = []
    while True:
        status, response_headers, body = sandbox_shop.api.handle("GET", path, text, headers, "sandbox://warm")
        if status != 200:
            raise RuntimeError(f"warming {sandbox_shop.name}: HTTP {status}: {body[:200]!r}")
        ids += [int(match) for match in _ORDER_GID.findall(body)]
        link = response_headers.get("Link") or ""
        following = [p.split(";")[0].strip(" <>") for p in link.split(",") if p.endswith('rel="next"')]
        if not following:
            return ids
        parts = urlsplit(following[0].removeprefix("sandbox://warm"))
        path, text = parts.path, parts.query


def _child(conn: Connection, shops: list[BenchShop]) -> None:
    """Build and warm the shops, report their ids, then serve them over HTTP until told to stop."""
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.lru import LruCache
    from sandbox.shopify.server import serve

    built, expected = {}, {}
    for shop in shops:
        sandbox_shop = build_shop(_spec(shop), CLOCK)
        # Keep every generated day and every order's JSON: the timed run then measures the client, not
        # the simulator generating and writing orders (which Shopify's servers would do).
        orders = int(shop.orders_per_day * (shop.days + 2) * 1.3)
        sandbox_shop.days.max_orders = max(sandbox_shop.days.max_orders, orders)
        sandbox_shop.cached("fragments:orders", lambda n=orders: LruCache(n))
        capacity = sandbox_shop.bucket.capacity
        sandbox_shop.bucket.capacity = 10**9  # warming is not rate limited
        # Only the windows matter here: any URL the connection accepts will do (the server's comes later).
        placeholder = shop.tenant(f"sandbox://{shop.name}")
        windows, _ = plan_windows(placeholder, shop.fetched_days(), sandbox_shop.spec.zone, CLOCK)
        for window in windows:
            assert window.updated_min is not None
            query = {
                "status": "any",
                "limit": str(MAX_PAGE_SIZE),
                "updated_at_min": window.updated_min.isoformat(),
                "updated_at_max": window.updated_max.isoformat(),
            }
            expected[(shop.name, window.day)] = _walk_ids(sandbox_shop, query)
        sandbox_shop.bucket.capacity = capacity
        sandbox_shop.spec.latency_seconds = RESPONSE_LATENCY
        built[shop.name] = sandbox_shop
    with serve(built) as server:
        conn.send(
            {
                "urls": {name: server.base_url(name) for name in built},
                "tokens": {name: s.spec.access_token for name, s in built.items()},
                "expected": expected,
            }
        )
        cpu = time.process_time()
        while (message := conn.recv()) in ("go", "cpu"):
            if message == "cpu":  # the sandbox's CPU seconds since the last "go"
                conn.send(time.process_time() - cpu)
                continue
            for sandbox_shop in built.values():  # fill every bucket (steady state); the parent starts at once
                sandbox_shop.bucket.reset()
                sandbox_shop.bucket.try_acquire(sandbox_shop.bucket.capacity - 1)
            cpu = time.process_time()
            conn.send("filled")
        # anything else ("stop"): stop serving


# ---------------------------------------------------------------------------------------------------------
# Checking the raw store against the sandbox
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Check:
    """Orders the sandbox has for the fetched windows, against the orders in the raw partitions."""

    expected: int = 0
    stored: int = 0
    lost: int = 0
    duplicates: int = 0
    unexpected: int = 0


def check_partitions(
    raw_store: RawStoreResource, shop: BenchShop, expected: dict[tuple[str, date], list[int]]
) -> Check:
    """Read every fetched partition back and compare its order ids with the sandbox's."""
    check = Check()
    for day in shop.fetched_days():
        want = expected[(shop.name, day)]
        with gzip.open(raw_store.partition_path("shopify", "orders", shop.name, day), "rb") as lines:
            got = []
            for line in lines:
                match = _LINE_ID.match(line)
                if match is None:
                    raise RuntimeError(f"{shop.name}/{day}: a raw line does not start with an order id")
                got.append(int(match.group(1)))
        check.expected += len(want)
        check.stored += len(got)
        check.duplicates += len(got) - len(set(got)) + len(want) - len(set(want))
        check.lost += len(set(want) - set(got))
        check.unexpected += len(set(got) - set(want))
    return check


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A measured run: the fetch's outcome (per tenant), the checks, and what the machine was doing:
    the 1-minute load average at the end (the machine may be shared; the figures are CPU-bound there)
    and the CPU seconds of the client process and of the sandbox's during the fetch."""

    label: str  # appended to the figures' names ("" for the main run)
    shops: list[BenchShop]
    outcome: FetchOutcome
    checks: dict[str, Check]
    load_average: float
    cpu_seconds: float
    sandbox_cpu_seconds: float


def _ceiling(shop: BenchShop) -> float:
    from sandbox.shopify.spec import PLAN_BUCKETS

    return PLAN_BUCKETS[shop.plan][1] * MAX_PAGE_SIZE


#: The runs of the section: every shop side by side, then the standard shops without the Plus shop (on a
#: 2-core machine the Plus shop's parsing takes the CPU the others need; this shows what they reach alone).
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("bench-plus", "bench-standard", "bench-standard-eu")),
    (" (without the Plus shop)", ("bench-standard", "bench-standard-eu")),
)


def measure(
    size: Size,
    *,
    phases: tuple[tuple[str, tuple[str, ...]], ...] = PHASES,
    max_concurrent_windows: int | None = None,
    log: Callable[[str], None] = print,
) -> list[Run]:
    """Serve the shops, then per phase fetch its shops' days into a temporary raw store and check it."""
    wanted = {name for _, names in phases for name in names}
    shops = [shop for shop in shops_for(size) if shop.name in wanted]
    context = multiprocessing.get_context("spawn")
    parent, child_end = context.Pipe()
    child = context.Process(target=_child, args=(child_end, shops), name="bench-sandbox", daemon=True)
    started = time.perf_counter()
    child.start()
    runs: list[Run] = []
    try:
        info = await_child_ready(parent, child)
        log(f"   sandbox built and warmed in {time.perf_counter() - started:.0f} s")
        for shop in shops:
            os.environ[shop.token_env] = info["tokens"][shop.name]
        for label, names in phases:
            phase_shops = [shop for shop in shops if shop.name in names]
            runs.append(_fetch_phase(label, phase_shops, info, parent, max_concurrent_windows, log))
    finally:
        stop_child(parent, child)
        for shop in shops:
            os.environ.pop(shop.token_env, None)
    return runs


def _fetch_phase(
    label: str,
    shops: list[BenchShop],
    info: dict,
    child: Connection,
    max_concurrent_windows: int | None,
    log: Callable[[str], None],
) -> Run:
    """One timed fetch of ``shops`` side by side (their buckets filled first), checked against the sandbox."""
    tenants = [TenantDays(shop.tenant(info["urls"][shop.name]), shop.fetched_days()) for shop in shops]
    windows = {} if max_concurrent_windows is None else {"max_concurrent_windows": max_concurrent_windows}
    resource = ShopifyClientResource(max_concurrent_tenants=len(shops), **windows)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        raw_store = RawStoreResource(base_url=str(Path(folder) / "raw"))
        child.send("go")
        child.recv()
        now = CLOCK + timedelta(hours=12)
        cpu = time.process_time()
        outcome = fetch_days(resource, raw_store, "orders", tenants, now)
        cpu = time.process_time() - cpu
        child.send("cpu")
        sandbox_cpu = child.recv()
        load = os.getloadavg()[0]
        log(
            f"   {', '.join(s.name for s in shops)}: fetched in {outcome.seconds:.1f} s; "
            f"load average {load:.1f} on {os.cpu_count()} cores"
        )
        checks = {shop.name: check_partitions(raw_store, shop, info["expected"]) for shop in shops}
    return Run(label, shops, outcome, checks, load, cpu, sandbox_cpu)


def figures_for(runs: list[Run]) -> list[Figure]:
    """Per run and shop: orders/s and its share of the ceiling; per run the client's CPU; then the orders
    lost or stored twice over all runs."""
    figures: list[Figure] = []
    for run in runs:
        figures += _run_figures(run)
    checks = [check for run in runs for check in run.checks.values()]
    lost = sum(c.lost + c.unexpected for c in checks)
    duplicates = sum(c.duplicates for c in checks)
    stored = sum(c.stored for c in checks)
    expected = sum(c.expected for c in checks)
    figures.append(
        Figure(
            SECTION,
            "orders lost or fetched twice",
            lost + duplicates,
            "orders",
            target=0,
            better="lower",
            detail=f"lost={lost} duplicates={duplicates}; {stored:,} stored of {expected:,} in the sandbox",
            extra={"lost": lost, "duplicates": duplicates, "stored": stored, "expected": expected},
        )
    )
    return figures


def _run_figures(run: Run) -> list[Figure]:
    shops, outcome, load = run.shops, run.outcome, run.load_average
    figures: list[Figure] = []
    for shop in shops:
        result = outcome.tenants[shop.name]
        rate = result.records / result.seconds
        ceiling = _ceiling(shop)
        requests, retries, throttled = (int(result.api[k]) for k in ("requests", "retries", "throttled"))
        extra: dict[str, float | int | str] = {
            "orders": result.records,
            "seconds": round(result.seconds, 2),
            "days": shop.days,
            "requests": requests,
            "retries": retries,
            "throttled_429": throttled,
            "windows_split": result.splits,
            "ceiling_orders_per_second": ceiling,
            "load_average_1min": round(load, 2),
        }
        plan = f"{shop.plan} {'400 @ 20/s' if shop.plan == 'plus' else '40 @ 2/s'}"
        detail = (
            f"{plan}; {result.records:,} orders, {shop.days} days in {result.seconds:.1f} s; "
            f"{requests} requests, {throttled} × 429, {retries} retries, {result.splits} windows split; "
            f"load average {load:.1f}"
        )
        figures.append(
            Figure(
                SECTION,
                f"{shop.name}{run.label}: orders/s",
                rate,
                "orders/s",
                ratio=rate / ceiling,
                ratio_to=f"ceiling ({ceiling:,.0f} orders/s)",
                detail=detail,
                extra=extra,
            )
        )
        figures.append(
            Figure(
                SECTION,
                f"{shop.name}{run.label}: share of the ceiling",
                100 * rate / ceiling,
                "%",
                target=TARGET_PERCENT,
                better="higher",
                ratio=rate / ceiling,
                ratio_to=f"ceiling ({ceiling:,.0f} orders/s)",
                detail=detail,
                extra=extra,
            )
        )
    requests = int(outcome.api["requests"])
    cpu = run.cpu_seconds
    figures.append(
        Figure(
            SECTION,
            f"client CPU per request{run.label}",
            1000 * cpu / max(requests, 1),
            "ms",
            detail=(
                f"{cpu:.1f} s of CPU in the client process for {requests} requests (mostly pages of 250 "
                f"orders, ~2.8 MB of JSON each) in {outcome.seconds:.1f} s: {cpu / outcome.seconds:.2f} "
                f"cores busy; the sandbox, serving from another process, "
                f"{run.sandbox_cpu_seconds / outcome.seconds:.2f} cores"
            ),
            extra={
                "cpu_seconds": round(cpu, 2),
                "sandbox_cpu_seconds": round(run.sandbox_cpu_seconds, 2),
                "requests": requests,
                "seconds": round(outcome.seconds, 2),
                "peak_rss_mb": round(peak_rss_mb()),
            },
        )
    )
    return figures


def run(size: Size) -> list[Figure]:
    """The section's figures; raises if an order was lost or stored twice, or a request failed for good."""
    runs = measure(size)
    for result in runs:
        for name, check in result.checks.items():
            if check.lost or check.duplicates or check.unexpected or check.stored != check.expected:
                raise RuntimeError(f"{name}{result.label}: raw store does not match the sandbox: {check}")
    return figures_for(runs)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Ingestion at the API ceiling (prints the figures).")
    parser.add_argument("--size", choices=["full", "tiny"], default="tiny")
    parser.add_argument("--windows", type=int, default=None, help="max_concurrent_windows to use")
    parser.add_argument("--only", default="", help="comma-separated shops, one run (default: PHASES)")
    args = parser.parse_args()
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    phases = (("", only),) if only else PHASES
    for figure in figures_for(measure(Size(args.size), phases=phases, max_concurrent_windows=args.windows)):
        print(f"{figure.name}: {figure.value:,.1f} {figure.unit}  {figure.detail}")
