"""`make bench`'s bulk section at a tiny size (500 orders): a GraphQL tenant's first sync through one bulk
operation against the sandbox over HTTP, beside REST at the ceiling; every order stored once."""

import pytest

from tests.bench.smoke import run_tiny_section


@pytest.mark.timeout(300)
def test_the_bulk_section_runs_at_a_tiny_size(tmp_path):
    results = run_tiny_section("bulk", tmp_path)
    figures = {figure["name"]: figure for figure in results["figures"]}
    assert figures["bulk: orders lost or loaded twice"]["value"] == 0
    assert {
        "bulk job: modelled duration (sandbox)",
        "bulk, our side: orders per CPU second",
        "bulk, our side: peak memory",
        "REST at the ceiling (standard shop): the same orders",
        "REST at the ceiling (plus shop): the same orders",
    } <= set(figures)
    assert (
        "520 orders (2025-12-27 … 2025-12-31, 100 a day)"
        in figures["bulk: orders lost or loaded twice"]["detail"]
    )
