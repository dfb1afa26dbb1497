"""No partial range passed off as complete: materialising a past range alone gives provisional figures
that say so (is_complete, provisional_reason, a WARN check naming the days); backfilling the days they
depend on flips them to complete, with every figure equal to the sandbox's ground truth."""

from datetime import date

import dagster as dg
import pytest

from platform_assets.warehouse.tables import ALL_PLATFORMS
from tests.pipeline.harness import SANDBOX_PLATFORM, Pipeline, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

RANGE = [date(2026, 5, 20), date(2026, 5, 21), date(2026, 5, 22)]
AFTER = "changes since {day} not ingested: {missing}"
BEFORE = "new/returning customers may be wrong: orders before {day} not ingested: {missing}"


def completeness_check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "daily_sales_complete"]
    return check


def completeness(pipeline: Pipeline, days: list[date]) -> dict[date, tuple[bool, str | None]]:
    """Each day's verdict on the shop's rows, which the rows across platforms repeat (one platform)."""
    verdicts = {
        platform: {
            row["date"]: (bool(row["is_complete"]), row["provisional_reason"])
            for row in pipeline.agg_daily_sales(days[0], days[-1], platform=platform)
        }
        for platform in (SANDBOX_PLATFORM, ALL_PLATFORMS)
    }
    assert verdicts[SANDBOX_PLATFORM] == verdicts[ALL_PLATFORMS]
    return verdicts[SANDBOX_PLATFORM]


def test_a_past_range_alone_is_provisional_until_the_days_it_depends_on_are_ingested(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)  # yesterday: END

    # 1. Three past days alone: later changes and earlier first orders are missing, and it says so.
    check = completeness_check(pipeline.materialise(RANGE[0], RANGE[-1]))
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["provisional_days"].value == {"test-ny": [d.isoformat() for d in RANGE]}
    assert check.description == (
        "3 days have provisional figures: test-ny 2026-05-20…2026-05-22 (e.g. 2026-05-20: "
        + AFTER.format(day=RANGE[0], missing="2026-05-23…2026-05-31")
        + "; "
        + BEFORE.format(day=RANGE[0], missing="2026-05-12…2026-05-19")
        + "). Materialise the missing days through yesterday to complete them."
    )
    assert completeness(pipeline, RANGE) == {
        day: (
            False,
            AFTER.format(day=day, missing="2026-05-23…2026-05-31")
            + "; "
            + BEFORE.format(day=day, missing="2026-05-12…2026-05-19"),
        )
        for day in RANGE
    }
    assert pipeline.ground_truth_diffs(RANGE[0], RANGE[-1]) != [], "the partial figures really are wrong"

    # 2. The days after it through yesterday: the later changes are in; first orders still are not.
    check = completeness_check(pipeline.materialise(date(2026, 5, 23), END))
    assert not check.passed, "days 23…31 depend on the first orders of 12…19 as well"
    assert completeness(pipeline, RANGE) == {
        day: (False, BEFORE.format(day=day, missing="2026-05-12…2026-05-19")) for day in RANGE
    }

    # 3. The days before it from the tenant's start date: every day is complete and true to the cent.
    check = completeness_check(pipeline.materialise(START, date(2026, 5, 19)))
    assert check.passed, check.description
    assert completeness(pipeline, [START, END]) == {
        row["date"]: (True, None) for row in pipeline.agg_daily_sales(START, END, platform=SANDBOX_PLATFORM)
    }
    assert pipeline.ground_truth_diffs(RANGE[0], RANGE[-1]) == []
    assert pipeline.ground_truth_diffs(START, END) == []
