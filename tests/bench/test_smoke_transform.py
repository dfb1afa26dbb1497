"""`make bench`'s transform section at a tiny size: DuckDB, the busy day, PostgreSQL and the naive baseline
run through their real code paths and write their figures. The run is the session's ``tiny_transform``
(tests/bench/conftest.py), whose warehouse the serving smoke test then serves."""

import pytest

from tests.bench.conftest import TINY_WAREHOUSE

pytestmark = TINY_WAREHOUSE


@pytest.mark.timeout(600)
def test_the_transform_section_runs_at_a_tiny_size(tiny_transform):
    names = {figure["name"] for figure in tiny_transform["figures"]}
    assert {
        "Two years on DuckDB: wall time",
        "Naive baseline, two years (json_normalize + to_sql)",
        "One day of a 100,000-orders-a-day store on DuckDB",
        "Two years on PostgreSQL: wall time",
    } <= names
