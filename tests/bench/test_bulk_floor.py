"""bench/bulk_floor.py on a small year of the sandbox: every step measured on the sandbox's own bulk file,
the refunds of exactly the refunded orders read (ten orders a query). No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import orjson

from bench.bulk_floor import bulk_file, measure_file


def test_each_step_is_measured_on_the_sandboxs_own_file(tmp_path: Path) -> None:
    path, shop = bulk_file(1, tmp_path)
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    roots = [line for line in lines if "__parentId" not in line]
    refunded = [root for root in roots if root["refunds"]]
    assert len(roots) > 300 and refunded  # a year at about one order a day, some refunded

    result = measure_file(path, shop)

    assert (result["orders"], result["lines"]) == (len(roots), len(lines))
    assert result["refunded_orders"] == len(refunded)
    assert result["refund_requests"] == -(-len(refunded) // 10)
    assert set(result["steps"]) == {
        "parse every line (orjson)",
        "gzip level 1 of the served lines",
        "DuckDB reads the lines as JSON objects",
        "byte search for __parentId per line",
        "refund reads (client thread)",
    }
    assert all(step["cpu_seconds"] > 0 for step in result["steps"].values())
