"""Concurrent runs on one DuckDB file (as a multi-run backfill launches them) never fail on its lock.

Three processes write: two worker processes (tests/pipeline/concurrent_worker.py) and this test's own,
which runs its range in process while they run theirs (a third worker would only load Dagster again)."""

import logging
import os
import subprocess
import sys
from datetime import date

from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START

LOCK_WAIT = "waiting for the DuckDB write lock"


def test_three_processes_write_one_duckdb_file_concurrently(tmp_path, monkeypatch, caplog):
    in_process = (date(2026, 5, 19), date(2026, 5, 25))
    ranges = [(START, date(2026, 5, 18)), (date(2026, 5, 26), END)]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.pipeline.concurrent_worker",
                str(tmp_path),
                s.isoformat(),
                e.isoformat(),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for s, e in ranges
    ]
    try:
        # The same pipeline as a worker's (concurrent_worker.main), in this process.
        shared = f"duckdb:///{tmp_path / 'shared.duckdb'}"
        mine = make_pipeline(
            tmp_path / f"worker-{in_process[0]}", monkeypatch, make_spec(), CLOCK, START, warehouse_url=shared
        )
        mine.resources["raw_store"] = type(mine.resources["raw_store"])(base_url=str(tmp_path / "raw"))
        with caplog.at_level(logging.INFO, logger="resources.warehouse"):
            mine.materialise(*in_process, hold_file=False)
    finally:
        outputs = [w.communicate(timeout=300)[0] for w in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-3000:]
    waits = sum(output.count(LOCK_WAIT) for output in outputs) + caplog.text.count(LOCK_WAIT)
    assert waits >= 1, "the processes never contended for the lock, so this test proved nothing"

    check = make_pipeline(
        tmp_path / "check",
        monkeypatch,
        make_spec(),
        CLOCK,
        START,
        warehouse_url=f"duckdb:///{tmp_path / 'shared.duckdb'}",
    )
    assert check.ground_truth_diffs(START, END) == []
