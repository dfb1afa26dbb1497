"""The benchmark report: targets compared the right way round, and the markdown table says so."""

import json

from bench.report import Figure, markdown, write_results

RUN = {
    "size": "tiny",
    "finished_at": "2026-11-22T21:00:00+00:00",
    "wall_seconds": 12.0,
    "machine": {"cores": 2},
    "versions": {"dagster": "1.13.27"},
    "errors": {},
}


def test_a_figure_meets_its_target_in_the_direction_that_is_better():
    assert Figure("s", "wall", 290.0, "s", target=300).meets is True
    assert Figure("s", "wall", 301.0, "s", target=300).meets is False
    assert Figure("s", "ceiling", 91.0, "%", target=90, better="higher").meets is True
    assert Figure("s", "ceiling", 89.9, "%", target=90, better="higher").meets is False
    assert Figure("s", "info", 1.0, "s").meets is None


def test_results_files_hold_every_figure_with_its_target_and_ratio(tmp_path):
    figures = [
        Figure(
            "Ingestion at the API ceiling",
            "Plus shop",
            94.5,
            "%",
            target=90,
            better="higher",
            ratio=0.945,
            ratio_to="ceiling (5,000 orders/s)",
        ),
        Figure(
            "Transform at scale",
            "two years on DuckDB",
            412.0,
            "s",
            target=300,
            ratio=8.25,
            ratio_to="faster than the naive baseline",
        ),
    ]
    json_path, md_path = write_results(
        figures, {**RUN, "errors": {"backfill": "TimeoutError: late"}}, tmp_path
    )
    payload = json.loads(json_path.read_text())
    assert [(f["name"], f["value"], f["meets"]) for f in payload["figures"]] == [
        ("Plus shop", 94.5, True),
        ("two years on DuckDB", 412.0, False),
    ]
    table = md_path.read_text()
    assert "| Plus shop | 94.5 % | ≥ 90.0 % | yes | 94.5% of ceiling (5,000 orders/s) |  |" in table
    assert (
        "| two years on DuckDB | 412 s | ≤ 300 s | **no** | 8.2× faster than the naive baseline |  |" in table
    )
    assert "- backfill: TimeoutError: late" in table
    assert markdown(figures, RUN).count("## ") == 4  # machine, versions, two sections


def test_the_whole_run_is_held_to_make_bench_target_only_when_every_section_ran_at_full_size():
    from bench.report import Size
    from bench.run import FULL_RUN_TARGET_SECONDS, run_figures

    seconds = {
        "ingest": 120.0,
        "transform": 500.0,
        "backfill": 700.0,
        "woocommerce": 400.0,
        "serving": 90.0,
        "bulk": 300.0,
    }
    full = run_figures(seconds, 2020.0, Size("full"))
    assert [(f.name, f.value, f.target, f.meets) for f in full] == [
        ("section ingest", 120.0, None, None),
        ("section transform", 500.0, None, None),
        ("section backfill", 700.0, None, None),
        ("section woocommerce", 400.0, None, None),
        ("section serving", 90.0, None, None),
        ("section bulk", 300.0, None, None),
        ("the whole run", 2020.0, FULL_RUN_TARGET_SECONDS, False),
    ]
    assert run_figures({"ingest": 120.0}, 121.0, Size("full"))[-1].target is None
    assert run_figures(seconds, 30.0, Size("tiny"))[-1].target is None
