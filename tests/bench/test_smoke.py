"""`make bench` at a tiny size: every section runs through its real code path and writes its figures.
No timing is asserted here; the figures themselves live in bench/RESULTS.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)
def test_every_benchmark_section_runs_at_a_tiny_size(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--size", "tiny", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=880,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["errors"] == {}
    sections = {figure["section"] for figure in results["figures"]}
    assert sections == {
        "Ingestion at the API ceiling",
        "Transform at scale",
        "Backfill through Dagster",
        "The benchmark run itself",
    }
    assert all(isinstance(figure["value"], float | int) for figure in results["figures"])
    names = {figure["name"] for figure in results["figures"]}
    assert "a year of a 20-orders-a-day store, single_run" in names  # the target's backfill, measured
    assert {"section ingest", "section transform", "section backfill", "the whole run"} <= names
    table = (tmp_path / "RESULTS.md").read_text()
    for section in sections:
        assert f"## {section}" in table
