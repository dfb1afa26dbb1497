"""`make bench`'s serving section at a tiny size: the tiny store's warehouse, its read snapshot, the API in a
uvicorn child process timed endpoint by endpoint (and the read layer alone beside it), the dashboard in
Debian's chromium and the two reports, through their real code paths. Figures are named, never timed: the
timings live in bench/RESULTS.md. Outside CI without chromium the dashboard's figure says skipped. The
warehouse is the one the session's transform section built (``tiny_transform``, tests/bench/conftest.py),
reused as at full size."""

import os

import pytest

from tests.bench.conftest import TINY_WAREHOUSE
from tests.bench.smoke import run_tiny_section

pytestmark = TINY_WAREHOUSE

ENDPOINTS = (
    "daily sales, 30 days",
    "daily sales, 365 days",
    "weekly trends, 84 days",
    "top products, 30 days",
    "top products, 365 days",
    "refunds, 30 days",
    "customer segments",
    "customer cohorts, 12 months",
    "customer lifetime value, 12 months",
    "KPIs, 30 days",
    "data status",
)
DASHBOARD = "dashboard: first render (navigation to charts drawn), median"


@pytest.mark.timeout(900)  # the session's transform section may run in its setup
def test_the_serving_section_runs_at_a_tiny_size(tmp_path, tiny_transform):
    results = run_tiny_section("serving", tmp_path)
    figures = {f["name"]: f for f in results["figures"] if f["section"] == "Serving"}
    assert set(figures) == {
        "the warehouse served",
        "publishing the read snapshot (checkpoint, copy, fsync, atomic rename)",
        *(f"DuckDB: {label}: p95" for label in ENDPOINTS),
        "DuckDB: every main endpoint: p95",
        DASHBOARD,
        "daily report: read and rendered (HTML, text, CSV), median",
        "weekly report: read and rendered (HTML, text, CSV), median",
        "PostgreSQL: every main endpoint: p95",
    }
    assert figures["the warehouse served"]["value"] > 0
    assert "the transform section's warehouse, reused" in figures["the warehouse served"]["detail"]
    for label in ENDPOINTS:
        figure = figures[f"DuckDB: {label}: p95"]
        assert figure["target"] == 100.0 and figure["extra"]["requests"] == 3, label
        assert figure["extra"]["direct_p50_ms"] > 0 and figure["extra"]["response_bytes"] > 0, label
    dashboard = figures[DASHBOARD]
    if os.environ.get("CI") or not dashboard["detail"].startswith("skipped"):
        assert dashboard["target"] == 1.0 and dashboard["extra"]["loads"] == 2
    assert figures["PostgreSQL: every main endpoint: p95"]["detail"].startswith("skipped")
