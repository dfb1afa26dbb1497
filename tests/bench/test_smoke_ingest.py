"""`make bench`'s ingest section at a tiny size: it runs through its real code path and writes its figures."""

import pytest

from tests.bench.smoke import run_tiny_section


@pytest.mark.timeout(600)
def test_the_ingest_section_runs_at_a_tiny_size(tmp_path):
    results = run_tiny_section("ingest", tmp_path)
    names = {figure["name"] for figure in results["figures"]}
    assert "orders lost or fetched twice" in names
