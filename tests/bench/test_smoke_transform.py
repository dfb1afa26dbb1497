"""`make bench`'s transform section at a tiny size: DuckDB, the busy day, PostgreSQL and the naive baseline
run through their real code paths and write their figures."""

import pytest

from tests.bench.smoke import run_tiny_section


@pytest.mark.timeout(600)
def test_the_transform_section_runs_at_a_tiny_size(tmp_path):
    results = run_tiny_section("transform", tmp_path)
    names = {figure["name"] for figure in results["figures"]}
    assert {
        "Two years on DuckDB: wall time",
        "Naive baseline, two years (json_normalize + to_sql)",
        "One day of a 100,000-orders-a-day store on DuckDB",
        "Two years on PostgreSQL: wall time",
    } <= names
