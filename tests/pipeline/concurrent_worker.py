"""A separate process materialising a day range into a shared DuckDB file (used by the concurrency test)."""

import logging
import sys
from datetime import date
from pathlib import Path

import pytest

from tests import ephemeral_instance
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, START


def main(folder: str, start: str, end: str) -> None:
    ephemeral_instance.install()  # as in the test's own process (tests/ephemeral_instance.py)
    monkeypatch = pytest.MonkeyPatch()
    root = Path(folder)
    pipeline = make_pipeline(
        root / f"worker-{start}",
        monkeypatch,
        make_spec(),
        CLOCK,
        START,
        warehouse_url=f"duckdb:///{root / 'shared.duckdb'}",
    )
    pipeline.resources["raw_store"] = type(pipeline.resources["raw_store"])(base_url=str(root / "raw"))
    pipeline.materialise(date.fromisoformat(start), date.fromisoformat(end), hold_file=False)
    print(f"worker {start}..{end} done")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("resources.warehouse").setLevel(logging.INFO)
    main(*sys.argv[1:4])
