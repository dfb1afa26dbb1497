"""Concurrent runs on one DuckDB file (as a multi-run backfill launches them) never fail on its lock."""

import os
import subprocess
import sys
from datetime import date

from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START


def test_three_processes_write_one_duckdb_file_concurrently(tmp_path, monkeypatch):
    ranges = [(START, date(2026, 5, 18)), (date(2026, 5, 19), date(2026, 5, 25)), (date(2026, 5, 26), END)]
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
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-3000:]
    waits = sum(output.count("waiting for the DuckDB write lock") for output in outputs)
    assert waits >= 1, "the workers never contended for the lock, so this test proved nothing"

    check = make_pipeline(
        tmp_path / "check",
        monkeypatch,
        make_spec(),
        CLOCK,
        START,
        warehouse_url=f"duckdb:///{tmp_path / 'shared.duckdb'}",
    )
    assert check.ground_truth_diffs(START, END) == []
