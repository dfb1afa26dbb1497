"""Our side of a Shopify bulk load (issue 15 item 7): a bulk operation's JSONL downloaded streamed over
HTTP on 127.0.0.1 and reassembled into records (resources/shopify/bulk_http.py, bulk_jsonl.py), in orders
per CPU second and peak memory. The job's own duration (Shopify's, or the sandbox's model) is not in it.

    python -m bench.bulk_ours --orders 100000 [--items 3] [--late-every 0]

writes a JSONL of ``orders`` orders in Shopify's layout (compact lines, each order followed by its
``items`` line items with ``__parentId``; with ``--late-every N`` every N-th order's line items come 10
orders later), then measures a child process that serves it, downloads it and reassembles every record as
the runner does (one pass; when a child comes late, that pass stops and the file is read through the index).
The whole bulk path (this plus refund reads, translation and raw partitions) is the ``bulk`` section of
``bench.run`` (``bench/bulk.py``); :func:`run` gives this module's own figures.
"""

from __future__ import annotations

import argparse
import http.server
import json
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import orjson

from bench.proctree import run_measured
from bench.report import Figure, Size, peak_rss_mb

SECTION = "Shopify bulk operations: our side"
#: Issue 15's targets for our side of a bulk load.
TARGET_ORDERS_PER_SECOND = 20_000.0
TARGET_PEAK_MB_PER_MILLION = 1_536.0


def write_jsonl(path: Path, orders: int, items: int = 3, late_every: int = 0) -> int:
    """A bulk file of ``orders`` orders and their line items (see module doc): its size in bytes."""
    late: list[tuple[int, bytes]] = []
    with path.open("wb") as out:
        for number in range(1, orders + 1):
            order_id = f"gid://shopify/Order/{number}"
            order = {
                "id": order_id,
                "name": f"#{1000 + number}",
                "processedAt": "2026-01-05T10:00:00Z",
                "totalPriceSet": {"shopMoney": {"amount": "123.45", "currencyCode": "USD"}},
                "refunds": [],
            }
            out.write(orjson.dumps(order) + b"\n")
            lines = b"".join(
                orjson.dumps(
                    {
                        "id": f"gid://shopify/LineItem/{number * 100 + item}",
                        "sku": f"SKU-{item}",
                        "quantity": 1 + item,
                        "originalUnitPriceSet": {"shopMoney": {"amount": "41.15"}},
                        "__parentId": order_id,
                    }
                )
                + b"\n"
                for item in range(items)
            )
            if late_every and number % late_every == 0:
                late.append((number + 10, lines))
            else:
                out.write(lines)
            while late and late[0][0] <= number:
                out.write(late.pop(0)[1])
        for _due, lines in late:
            out.write(lines)
    return path.stat().st_size


def _measure_in_child(jsonl: Path) -> dict:
    """In the measured process: serve ``jsonl`` on 127.0.0.1, download it streamed, reassemble it."""
    from resources.shopify.bulk_http import download
    from resources.shopify.bulk_jsonl import BulkShape, ChildOutOfPlace, JsonlIndex

    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(jsonl.parent))
    handler.log_message = lambda *_args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    baseline_mb = peak_rss_mb()
    work = Path(tempfile.mkdtemp(prefix="bulk-ours-"))
    cpu, wall = time.process_time(), time.perf_counter()
    size = download(f"http://127.0.0.1:{server.server_address[1]}/{jsonl.name}", work / "job.jsonl")
    downloaded_cpu = time.process_time() - cpu
    shape = BulkShape({"Order": {"LineItem": "lineItems"}})
    records = items = 0
    with JsonlIndex(work / "job.jsonl", work / "job.sqlite", shape) as index:
        try:  # as the runner reads it: one pass, or the index when a child comes late
            for record in index.stream():
                records += 1
                items += len(record["lineItems"])
        except ChildOutOfPlace:
            records = items = 0
            index.build()
            for record in index.records():
                records += 1
                items += len(record["lineItems"])
        counts = index.counts
        assert counts is not None
    result = {
        "bytes": size,
        "objects": counts.objects,
        "roots": counts.roots,
        "records": records,
        "line_items": items,
        "cpu_seconds": time.process_time() - cpu,
        "download_cpu_seconds": downloaded_cpu,
        "wall_seconds": time.perf_counter() - wall,
        "baseline_mb": baseline_mb,
        "peak_mb": peak_rss_mb(),
    }
    server.shutdown()
    (work / "job.jsonl").unlink()
    work.rmdir()
    return result


def measure(orders: int, items: int = 3, late_every: int = 0) -> dict:
    """Write the file, measure a child reassembling it: the child's figures plus its process tree's peak."""
    with tempfile.TemporaryDirectory(prefix="bulk-ours-") as folder:
        jsonl = Path(folder) / "source.jsonl"
        write_jsonl(jsonl, orders, items, late_every)
        measured = run_measured([sys.executable, "-m", "bench.bulk_ours", "--child", str(jsonl)])
    result = json.loads(measured.stdout.strip().splitlines()[-1])
    result["orders_per_cpu_second"] = result["records"] / result["cpu_seconds"]
    result["peak_tree_mb"] = measured.peak_tree_mb
    return result


def run(size: Size) -> list[Figure]:
    """The section's figures: orders per CPU second and peak memory, children in place and 1 in 10 late."""
    orders = 2_000 if size.tiny else 200_000
    figures: list[Figure] = []
    for late_every, label in (
        (0, "children right after their order"),
        (10, "1 order in 10 with late children"),
    ):
        result = measure(orders, late_every=late_every)
        assert result["records"] == orders and result["line_items"] == 3 * orders
        detail = (
            f"{orders:,} orders, 3 line items each ({result['bytes'] / 1e6:.0f} MB of JSONL), {label}; "
            f"streamed over HTTP on 127.0.0.1 then reassembled; CPU of the measured process"
        )
        figures.append(
            Figure(
                SECTION,
                f"orders per CPU second ({label})",
                result["orders_per_cpu_second"],
                "orders/s",
                target=TARGET_ORDERS_PER_SECOND,
                better="higher",
                detail=detail,
            )
        )
        figures.append(Figure(SECTION, f"peak memory ({label})", result["peak_mb"], "MB", detail=detail))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--late-every", type=int, default=0)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_measure_in_child(args.child)))
        return 0
    print(json.dumps(measure(args.orders, args.items, args.late_every), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
