"""The floor under our side of a Shopify bulk load: what the steps no design can skip cost per order.

Issue 15 asks for our side of a bulk load (download, parse, raw partitions written) at 20,000 orders per
CPU second, that is 50 µs of CPU an order for everything. This measures, on the sandbox's own bulk file of
a year of orders (the bulk section's store, ``bench.bulk.store_for``) and in one process, the CPU of each
step any design has to take, one at a time:

* parsing every line of the file once (``orjson.loads``, the collector paused as the runner does it), and,
  for comparison, DuckDB reading the same file as JSON objects and a byte search for ``__parentId``;
* compressing the served lines once at gzip level 1 (``BULK_COMPRESS_LEVEL``: the raw store's format);
* reading the refunds of the refunded orders, which a bulk query cannot hold (``bulk_fetch._complete``:
  one ``nodes(ids:)`` query per ten orders, against the sandbox over HTTP on 127.0.0.1; the client
  thread's CPU only, the server's excluded).

The sum of the rows a design must pay is its ceiling in orders per CPU second (see bench/RESULTS.md).

    python -m bench.bulk_floor [--orders-per-day 30]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import duckdb
import orjson

from bench.bulk import ORDERS_ENV, store_for
from bench.report import Size

REFUNDS_MARK = b'"refunds":[{'
PARENT_MARK = b'"__parentId":"'


def bulk_file(orders_per_day: float, folder: Path) -> tuple[Path, object]:
    """The sandbox's bulk JSONL of the bulk section's store at ``orders_per_day``, and its shop."""
    from resources.shopify.bulk_queries import bulk_window_query
    from sandbox.shopify.generator import build_shop

    os.environ[ORDERS_ENV] = str(orders_per_day)
    store = store_for(Size("full"))
    shop = build_shop(store.spec(), store.clock)
    shop.graphql.configure(bulk_directory=str(folder), restore_rate=1e9)
    run = (
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id } userErrors { message } } }"
    )
    _post(shop, run, {"q": bulk_window_query("orders", None, store.clock).query})
    while True:
        operation = _post(shop, "{ currentBulkOperation { status } }", {})["data"]["currentBulkOperation"]
        if operation["status"] != "RUNNING" and operation["status"] != "CREATED":
            break
        time.sleep(0.2)
    if operation["status"] != "COMPLETED":
        raise RuntimeError(f"the sandbox's bulk job ended {operation['status']}")
    (path,) = folder.glob("*.jsonl")
    return path, shop


def _post(shop, query: str, variables: dict) -> dict:
    headers = {"X-Shopify-Access-Token": shop.spec.access_token, "Content-Type": "application/json"}
    body = json.dumps({"query": query, "variables": variables}).encode()
    status, _headers, raw = shop.api.handle(
        "POST", "/admin/api/2025-10/graphql.json", "", headers, f"sandbox://{shop.name}", body=body
    )
    if status != 200:
        raise RuntimeError(f"the sandbox answered HTTP {status}")
    return json.loads(raw)


def cpu_of(
    step: Callable[[], object], clock: Callable[[], float] = time.process_time, runs: int = 3
) -> float:
    """The least CPU seconds of ``runs`` runs of ``step`` (the collector paused, as the load pauses it)."""
    best = float("inf")
    for _ in range(runs):
        gc.disable()
        try:
            started = clock()
            step()
            best = min(best, clock() - started)
        finally:
            gc.enable()
    return best


def _gzip(data: bytes) -> bytes:
    """``data`` as one whole gzip member at level 1 (``BULK_COMPRESS_LEVEL``)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def refund_reads_cpu(shop, lines: list[bytes]) -> tuple[float, int, int]:
    """The client thread's CPU reading the refunds of the file's refunded orders as the load does:
    (seconds, orders, requests the client made)."""
    from platform_assets.sources.shopify.bulk_fetch import _complete
    from resources.shopify.graphql import ShopifyGraphQLClient
    from resources.shopify.graphql_cost import CostPacerRegistry
    from sandbox.shopify.server import serve

    refunded = [orjson.loads(line) for line in lines if REFUNDS_MARK in line and PARENT_MARK not in line]
    with serve({shop.name: shop}) as server:
        client = ShopifyGraphQLClient(
            server.base_url(shop.name),
            shop.spec.access_token,
            api_version="2025-10",
            pacers=CostPacerRegistry(),
            rng=random.Random(7),
        )
        seconds = cpu_of(lambda: _complete(client, "orders", refunded), time.thread_time, runs=1)
        requests = int(client.stats["requests"])
    return seconds, len(refunded), requests


def measure(orders_per_day: float) -> dict:
    """The sandbox's file at ``orders_per_day`` written, then :func:`measure_file`."""
    with tempfile.TemporaryDirectory(prefix="bulk-floor-") as folder:
        path, shop = bulk_file(orders_per_day, Path(folder))
        return measure_file(path, shop)


def measure_file(path: Path, shop) -> dict:
    """Each step's CPU on the bulk file at ``path`` (the refunds read from ``shop``, served over HTTP)."""
    data = path.read_bytes()
    lines = data.splitlines()
    orders = sum(1 for line in lines if PARENT_MARK not in line)
    connection = duckdb.connect()
    connection.execute("SET threads = 1")
    steps = {
        "parse every line (orjson)": cpu_of(lambda: [orjson.loads(line) for line in lines]),
        "gzip level 1 of the served lines": cpu_of(lambda: _gzip(data)),
        "DuckDB reads the lines as JSON objects": cpu_of(
            lambda: connection.execute("SELECT count(*) FROM read_ndjson_objects(?)", [str(path)]).fetchall()
        ),
        "byte search for __parentId per line": cpu_of(lambda: [line.find(PARENT_MARK) for line in lines]),
    }
    refunds, refunded, requests = refund_reads_cpu(shop, lines)
    steps["refund reads (client thread)"] = refunds
    return {
        "orders": orders,
        "lines": len(lines),
        "megabytes": len(data) / 1e6,
        "refunded_orders": refunded,
        "refund_requests": requests,
        "steps": {name: {"cpu_seconds": s, "us_per_order": s / orders * 1e6} for name, s in steps.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders-per-day", type=float, default=30.0)
    args = parser.parse_args(argv)
    result = measure(args.orders_per_day)
    print(
        f"{result['orders']:,} orders, {result['lines']:,} lines, {result['megabytes']:.1f} MB; "
        f"{result['refunded_orders']:,} refunded orders in {result['refund_requests']} refund queries"
    )
    for name, step in result["steps"].items():
        print(f"  {name:42s} {step['cpu_seconds']:6.3f} CPU s  {step['us_per_order']:6.1f} µs an order")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
