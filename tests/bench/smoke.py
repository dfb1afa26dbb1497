"""The bench smoke tests' helper: ``python -m bench.run --size tiny --only SECTION`` in a subprocess.

Each section has its own test file (test_smoke_ingest.py, test_smoke_transform.py, test_smoke_backfill.py,
test_smoke_woocommerce.py, test_smoke_serving.py, test_smoke_bulk.py) so that xdist (``--dist loadgroup``:
a module's tests on one worker) runs them on different workers; test_smoke_report.py checks that a run of
every section writes one report with all of them. No timing is asserted; the figures themselves live in
bench/RESULTS.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SECTION_TITLES = {
    "ingest": "Ingestion at the API ceiling",
    "transform": "Transform at scale",
    "backfill": "Backfill through Dagster",
    "woocommerce": "WooCommerce",
    "serving": "Serving",
    "bulk": "Shopify bulk operations against REST",
}
RUN_SECTION = "The benchmark run itself"


def run_tiny_section(section: str, out: Path, timeout: float = 580) -> dict:
    """Run one section at the tiny size through ``bench.run``; check its results.json and RESULTS.md hold
    that section's figures (numbers) and the run's own timing, and return the results."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--size", "tiny", "--only", section, "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["errors"] == {}
    assert results["sections"] == [section]
    assert {figure["section"] for figure in results["figures"]} == {SECTION_TITLES[section], RUN_SECTION}
    assert all(isinstance(figure["value"], float | int) for figure in results["figures"])
    names = {figure["name"] for figure in results["figures"]}
    assert {f"section {section}", "the whole run"} <= names
    section_names = [f["name"] for f in results["figures"] if f["section"] == SECTION_TITLES[section]]
    assert section_names, f"section {section} wrote no figure of its own"
    table = (out / "RESULTS.md").read_text()
    assert f"## {SECTION_TITLES[section]}" in table
    assert f"## {RUN_SECTION}" in table
    return results
