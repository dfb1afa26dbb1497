"""`make bench`'s woocommerce section at a tiny size: the ingestion grid over HTTP, the customers' daily
full scan and its staging, and the transform of a small WooCommerce store run through their real code paths
and write figures with sane values."""

import pytest

from tests.bench.smoke import run_tiny_section


@pytest.mark.timeout(300)
def test_the_woocommerce_section_runs_at_a_tiny_size(tmp_path):
    results = run_tiny_section("woocommerce", tmp_path)
    figures = {f["name"]: f for f in results["figures"] if f["section"] == "WooCommerce"}
    grid = [f for name, f in figures.items() if name.startswith("ingest orders/s: ")]
    assert len(grid) == 8
    assert all(f["value"] > 0 and f["extra"]["orders"] > 0 for f in grid)
    assert len({f["extra"]["orders"] for f in grid}) == 1  # every run fetched the same day whole
    with_latency = [f for f in grid if f["extra"]["latency_seconds"] > 0]
    assert with_latency and all(0 < f["ratio"] <= 1.05 for f in with_latency)  # never above the ceiling
    assert figures["ingest: orders lost or fetched twice"]["value"] == 0
    assert figures["ingest: raw bytes written per order"]["value"] > 0
    scan = next(f for name, f in figures.items() if name.startswith("customers' daily full scan"))
    assert scan["extra"]["customers"] >= 400 and scan["extra"]["requests"] >= 4
    assert scan["extra"]["raw_bytes"] > 0
    staging = figures["customers' snapshot: staging (woocommerce_customer_staging)"]
    assert staging["extra"]["rows"] == scan["extra"]["customers"]
    transform = next(f for name, f in figures.items() if name.startswith("transform of "))
    assert transform["extra"]["orders"] > 100 and transform["value"] > 0
    assert figures["transform: orders/s"]["value"] > 0
    assert figures["transform: peak memory"]["value"] > 0
    assert 0 < figures["transform: staging steps' share"]["value"] < 100
    assert figures["transform: figures differing from the sandbox's ground truth"]["value"] == 0
