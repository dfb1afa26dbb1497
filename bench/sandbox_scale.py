"""How the Shopify sandbox scales: build time, API walks, page latency, ground truth and memory.

Prints figures; not a test. Uses only the sandbox's public interfaces (``build_shop``, ``api.handle``,
``ground_truth``), so it also runs against older versions of the sandbox.

    PYTHONPATH=. python bench/sandbox_scale.py                      # ~1,000,000 orders, every step
    PYTHONPATH=. python bench/sandbox_scale.py --orders-per-day 1000 --history-days 100 --skip walk

Steps (``--skip`` any of them):

* ``build``: ``build_shop`` for the spec.
* ``page``: one page (``status=any``, ``limit=250``) of a one-day ``updated_at`` window, on the cold shop
  (everything it needs is generated on the spot) and again warm.
* ``windows``: consecutive one-day ``updated_at`` windows walked page by page (what an incremental sync
  does), in two batches (the second continues where the first stopped): pages, orders, amortised time
  per page. The first batch on a cold shop also pays the one-time digesting its customers need.
* ``truth``: ``ground_truth`` over ``--truth-days`` days ending at the clock, and over an earlier range.
* ``walk``: every order through ``orders.json`` (``status=any``, ``limit=250``, ``fields`` unset) following
  ``Link`` headers: time, orders per second, peak RSS.
* ``coldtruth``: ``ground_truth`` over the last ``--truth-days`` days on a freshly built shop, then again.
  ``new_customers`` needs every identity's first order, so the first call digests the history up to the
  range once; afterwards only the days feeding a range are read.

Each step reports wall and CPU seconds (the machine may be shared) and the process's peak RSS so far.
Page latencies are the time ``api.handle`` takes (the bench counts orders without parsing the bodies).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from sandbox.shopify.generator import build_shop
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.spec import ShopSpec

API = "/admin/api/2025-07"
STEPS = ("build", "page", "windows", "truth", "walk", "coldtruth")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str) -> Iterator[dict[str, float]]:
    """Measure a block: fills ``wall`` and ``cpu`` seconds and prints them with the peak RSS."""
    figures: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield figures
    figures["wall"] = time.perf_counter() - wall
    figures["cpu"] = time.process_time() - cpu
    print(
        f"{label:<44} wall {figures['wall']:8.2f} s   cpu {figures['cpu']:8.2f} s   "
        f"peak RSS {peak_rss_mb():7.0f} MB",
        flush=True,
    )


def get(shop: SandboxShop, path: str, query: str) -> tuple[bytes, str | None, float]:
    """One API call: (body, next page URL or None, seconds the sandbox took to answer)."""
    headers = {"X-Shopify-Access-Token": shop.spec.access_token}
    started = time.perf_counter()
    status, response_headers, body = shop.api.handle("GET", path, query, headers, "sandbox://bench")
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path}?{query} -> {status}: {body[:200]!r}")
    link = response_headers.get("Link") or ""
    following = [part.split(";")[0].strip("<>") for part in link.split(", ") if part.endswith('rel="next"')]
    return body, (following[0] if following else None), elapsed


def count_orders(body: bytes) -> int:
    """Orders in an ``orders.json`` body, without parsing megabytes of JSON (each has one order gid)."""
    return body.count(b'"admin_graphql_api_id":"gid://shopify/Order/')


def walk(shop: SandboxShop, query: str, max_pages: int | None = None) -> tuple[int, list[float]]:
    """Follow ``rel="next"`` from ``orders.json?{query}``: (orders seen, sandbox seconds per page)."""
    path, seen, latencies = f"{API}/orders.json", 0, []
    while True:
        body, following, elapsed = get(shop, path, query)
        latencies.append(elapsed)
        seen += count_orders(body)
        if following is None or (max_pages is not None and len(latencies) >= max_pages):
            return seen, latencies
        parts = urlsplit(following.removeprefix("sandbox://bench"))
        path, query = parts.path, parts.query


def window_query(zone: ZoneInfo, day: date) -> str:
    """``status=any&limit=250`` with ``updated_at`` covering one local day (both ends inclusive)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone) - timedelta(seconds=1)
    return (
        f"status=any&limit=250&updated_at_min={quote(start.isoformat())}"
        f"&updated_at_max={quote(end.isoformat())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders-per-day", type=float, default=1400.0)
    parser.add_argument("--history-days", type=int, default=730)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--clock", default="2026-03-01T00:00:00-05:00")
    parser.add_argument("--windows", type=int, default=30, help="one-day updated_at windows to walk")
    parser.add_argument("--window-start", type=int, default=120, help="days before the clock of the first")
    parser.add_argument("--truth-days", type=int, default=30)
    parser.add_argument("--max-pages", type=int, default=None, help="stop the full walk after N pages")
    parser.add_argument("--skip", default="", help=f"comma-separated steps to skip: {', '.join(STEPS)}")
    args = parser.parse_args()
    skip = {step.strip() for step in args.skip.split(",") if step.strip()}

    spec = ShopSpec(
        name="bench",
        seed=args.seed,
        orders_per_day=args.orders_per_day,
        history_days=args.history_days,
        customers=args.customers,
        products=40,
        plan="plus",
        bucket_size=10**9,  # no throttling: this measures the simulator, not the rate limit
    )
    clock = datetime.fromisoformat(args.clock)
    zone = spec.zone
    clock_day = clock.astimezone(zone).date()
    print(
        f"spec: {args.orders_per_day:g} orders/day x {args.history_days + 1} days "
        f"(~{args.orders_per_day * (args.history_days + 1):,.0f} orders), {args.customers:,} customers; "
        f"clock {clock.isoformat()}",
        flush=True,
    )

    with timed("build_shop"):
        shop = build_shop(spec, clock)

    if "page" not in skip:
        query = window_query(zone, clock_day - timedelta(days=args.window_start))
        with timed("first window page, cold shop"):
            body, _, _ = get(shop, f"{API}/orders.json", query)
        with timed("same page again, warm"):
            _, _, elapsed = get(shop, f"{API}/orders.json", query)
        print(f"  {count_orders(body)} orders on the page; warm: {elapsed * 1000:.1f} ms")

    if "windows" not in skip and args.windows:
        first = clock_day - timedelta(days=args.window_start)
        for batch in ("first", "next"):  # the next batch continues the sync where the first stopped
            latencies: list[float] = []
            seen = 0
            label = f"{batch} {args.windows} one-day updated_at windows"
            with timed(label) as figures:
                for _ in range(args.windows):
                    count, pages = walk(shop, window_query(zone, first))
                    seen += count
                    latencies += pages
                    first += timedelta(days=1)
            ordered = sorted(latencies)
            p90 = ordered[len(ordered) * 9 // 10]
            print(
                f"  {len(latencies)} pages, {seen:,} orders: "
                f"{figures['wall'] / len(latencies) * 1000:.1f} ms/page amortised "
                f"(cpu {figures['cpu'] / len(latencies) * 1000:.1f}), median "
                f"{statistics.median(latencies) * 1000:.1f} ms, p90 {p90 * 1000:.0f} ms, "
                f"max {ordered[-1] * 1000:.0f} ms, {seen / figures['wall']:,.0f} orders/s"
            )

    if "truth" not in skip:
        start = clock_day - timedelta(days=args.truth_days)
        with timed(f"ground_truth, last {args.truth_days} days"):
            rows = shop.ground_truth(start, clock_day - timedelta(days=1))
        with timed(f"ground_truth, last {args.truth_days} days again"):
            shop.ground_truth(start, clock_day - timedelta(days=1))
        early = shop.history_start + timedelta(days=30)
        with timed(f"ground_truth, {args.truth_days} days from day 30"):
            shop.ground_truth(early, early + timedelta(days=args.truth_days - 1))
        print(f"  {len(rows)} days, {sum(row.orders for row in rows):,} counted orders")

    if "walk" not in skip:
        with timed("walk every order (status=any, limit=250)") as figures:
            seen, latencies = walk(shop, "status=any&limit=250", args.max_pages)
        print(
            f"  {seen:,} orders in {len(latencies)} pages: {seen / figures['wall']:,.0f} orders/s "
            f"(cpu {seen / figures['cpu']:,.0f}), {figures['wall'] / len(latencies) * 1000:.1f} ms/page, "
            f"median {statistics.median(latencies) * 1000:.1f} ms"
        )
        body, _, elapsed = get(shop, f"{API}/orders/count.json", "status=any")
        print(f"  orders/count.json?status=any -> {json.loads(body)['count']:,} in {elapsed * 1000:.0f} ms")
    if "coldtruth" not in skip:
        del shop
        gc.collect()
        fresh = build_shop(spec, clock)
        start, end = clock_day - timedelta(days=args.truth_days), clock_day - timedelta(days=1)
        with timed(f"ground_truth, last {args.truth_days} days, fresh shop"):
            fresh.ground_truth(start, end)
        with timed(f"ground_truth, last {args.truth_days} days again"):
            fresh.ground_truth(start, end)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
