"""`make bench`'s backfill section at a tiny size: real backfills through a real dagster-daemon (its loop
at 2 s instead of 30 s, see bench.fast_daemon), checked against the ground truth, write their figures:
two backfills (single_run, then per_partition on a day of its warehouse), two daemons and code servers."""

import pytest

from tests.bench.smoke import run_tiny_section


@pytest.mark.timeout(600)
def test_the_backfill_section_runs_at_a_tiny_size(tmp_path):
    results = run_tiny_section("backfill", tmp_path)
    names = {figure["name"] for figure in results["figures"]}
    assert "backfill, single_run (the default)" in names
    assert "backfill, one run per partition (extrapolated)" in names
    assert "a year of a 20-orders-a-day store, single_run" in names  # the target's backfill, measured
    # At the tiny size the light store is the target's size (20 orders a day over 3 days): one single_run
    # backfill, checked against the ground truth, gives both figures (bench.backfill.Plan.heavy_year_apart).
    by_name = {figure["name"]: figure for figure in results["figures"]}
    single = by_name["backfill, single_run (the default)"]
    target = by_name["a year of a 20-orders-a-day store, single_run"]
    assert target["value"] == single["value"]
    assert "3 days × 20 orders/day" in single["detail"]
    assert target["detail"].startswith("3 days, ")
