"""The bench smoke tests' shared run: the transform section at the tiny size, once per test process.

The transform and serving smoke tests read the same tiny store (``bench.transform_stores.tiny_store``):
the transform section builds its DuckDB warehouse, which the serving section then serves (reused as at
full size) instead of building the same warehouse again, a whole-graph Dagster run in a child process.
Both modules are one xdist group (:data:`TINY_WAREHOUSE`), so the section runs once, on one worker, before
either test reads its results or its warehouse."""

import pytest

from tests.bench.smoke import run_tiny_section

#: The modules sharing :func:`tiny_transform` (its warehouse): one xdist worker builds it once.
TINY_WAREHOUSE = pytest.mark.xdist_group("bench-tiny-warehouse")


@pytest.fixture(scope="session")
def tiny_transform(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``bench.run --size tiny --only transform``'s results (checked by ``run_tiny_section``); it leaves
    the tiny store's warehouse under bench/.cache/transform/warehouses/ for the serving section."""
    return run_tiny_section("transform", tmp_path_factory.mktemp("bench-transform"))
