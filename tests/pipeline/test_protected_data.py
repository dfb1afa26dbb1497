"""A 403 for protected customer data skips that entity, with a warning in the materialisation's metadata,
while the rest of the graph runs and the sales figures stay exact."""

from datetime import date, datetime

from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import NY, START


def test_forbidden_customers_are_skipped_with_a_warning(tmp_path, monkeypatch):
    spec = make_spec("test-locked", forbidden_resources={"customers"})
    end = date(2026, 5, 14)
    clock = datetime(2026, 5, 15, tzinfo=NY)  # every change up to the clock is in the materialised days
    pipeline = make_pipeline(tmp_path, monkeypatch, spec, clock, START)
    result = pipeline.materialise(START, end)

    events = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "raw_shopify_customers"
    ]
    assert len(events) == 3  # one per partition of the ranged run, all carrying the run's metadata
    customers = events[0]
    warnings = customers.metadata["warnings"].value
    assert list(warnings) == [f"test-locked/{START}"]
    assert "HTTP 403" in warnings[f"test-locked/{START}"]
    assert "protected customer data" in warnings[f"test-locked/{START}"]
    assert customers.metadata["records"].value == 0

    assert pipeline.warehouse.query("SELECT COUNT(*) AS n FROM stg_customers")["n"][0] == 0
    assert pipeline.ground_truth_diffs(START, end) == []
