"""A canary token through real runs: it is used (padded with a newline, as a secret mounted from a file is),
refused by the shop, unusable, and put in token_env by mistake. After the runs, every artefact they leave
is searched for it: the instance's files (run index, event logs with failure stack traces, compute logs),
every event record and run record, the raw store, the warehouse file and its rows, and what was printed.
"""

from __future__ import annotations

import logging
from datetime import datetime

import dagster as dg

from tests.artefacts import canary, failure_texts, file_texts, instance_records, set_token_env, warehouse_rows
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import NY

DAY = datetime(2026, 5, 20).date()
CLOCK = datetime(2026, 5, 21, tzinfo=NY)
RAW_SELECTION = ["raw_shopify_shop", "raw_shopify_orders"]


def test_a_canary_token_appears_in_no_artefact_of_the_runs(tmp_path, monkeypatch, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    good, wrong, unusable = canary(), canary(), canary()
    spec = make_spec("test-canary", access_token=good)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        pipeline = make_pipeline(tmp_path / "run", monkeypatch, spec, CLOCK, DAY, instance=instance)
        variable = "TEST_TEST_CANARY_TOKEN"

        # The shop's own token with a file's trailing newline: the whole graph runs and checks out.
        monkeypatch.setenv(variable, good + "\n")
        pipeline.materialise(DAY, DAY)
        assert pipeline.ground_truth_diffs(DAY, DAY) == []

        # A token the shop refuses (401): the error names the variable.
        monkeypatch.setenv(variable, wrong + "\n")
        refused = pipeline.materialise(DAY, DAY, selection=RAW_SELECTION, expect_success=False)
        assert any(
            f"HTTP 401: [API] Invalid API key or access token (unrecognized login or wrong password); "
            f"the shop refused the token in environment variable {variable}" in text
            for text in failure_texts(refused)
        )

        # Whitespace inside the token: refused before any request, by the variable's name.
        monkeypatch.setenv(variable, f"{unusable}\n{unusable}")
        bad = pipeline.materialise(DAY, DAY, selection=RAW_SELECTION, expect_success=False)
        assert any(
            f"TenantConfigError: environment variable {variable} does not hold a usable token" in text
            for text in failure_texts(bad)
        )

        # The token itself pasted into token_env.
        set_token_env(tmp_path / "run", good)
        misplaced = pipeline.materialise(DAY, DAY, selection=RAW_SELECTION, expect_success=False)
        assert any(
            "tenant test-canary: connections.shopify.token_env must name an environment variable (like "
            "SHOP_TOKEN); the value given looks like a token itself" in text
            for text in failure_texts(misplaced)
        )

        records = instance_records(instance)
    out, err = capfd.readouterr()
    warehouse_file = tmp_path / "run" / "warehouse.duckdb"
    files = {**file_texts(home), **file_texts(tmp_path / "run" / "raw")}
    files[str(warehouse_file)] = warehouse_file.read_bytes().decode("latin-1")
    compute_logs = [text for path, text in files.items() if "compute_logs" in path and path.endswith(".err")]
    # One per run whose steps started (a run's steps share one in-process capture); the misplaced token's run
    # stops at the tenants resource, before any step.
    assert len(compute_logs) == 3
    assert any("HTTP 401" in text for text in compute_logs)
    assert any(path.endswith(".gz") for path in files)  # the raw store was written
    places = {
        **files,
        "instance records": records,
        "warehouse rows": warehouse_rows(pipeline),
        "stdout": out,
        "stderr": err,
        "log records": caplog.text,
    }
    assert "STEP_FAILURE" in records and "HTTP 401" in records
    for token in (good, wrong, unusable):
        assert [where for where, text in places.items() if token in text] == []
