"""No partial range passed off as complete: materialising a past range alone gives provisional figures
that say so (is_complete, provisional_reason, a WARN check naming the days); backfilling the days they
depend on flips them to complete, with every figure equal to the sandbox's ground truth. The same
backfill, out of order and with a range run again, leaves tables identical to the ranged run in order.

Both tests share one out-of-order backfill (module-scoped, so xdist keeps this file's tests on one
worker: tests/conftest.py): what each step left is recorded as it ends, so the completeness test reads
those records and the reordering test alone writes to the warehouse afterwards."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import dagster as dg
import pytest

from platform_assets.warehouse.tables import ALL_PLATFORMS
from tests.pipeline.harness import SANDBOX_PLATFORM, Pipeline, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START

RANGE = [date(2026, 5, 20), date(2026, 5, 21), date(2026, 5, 22)]
AFTER = "changes since {day} not ingested: {missing}"
BEFORE = "new/returning customers may be wrong: orders before {day} not ingested: {missing}"
#: Verdicts per platform: each day's (is_complete, provisional_reason).
Verdicts = dict[str, dict[date, tuple[bool, str | None]]]


def completeness_check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "daily_sales_complete"]
    return check


def verdicts(pipeline: Pipeline, start: date, end: date) -> Verdicts:
    """Each day's verdict on the shop's rows and on the rows across platforms."""
    return {
        platform: {
            row["date"]: (bool(row["is_complete"]), row["provisional_reason"])
            for row in pipeline.agg_daily_sales(start, end, platform=platform)
        }
        for platform in (SANDBOX_PLATFORM, ALL_PLATFORMS)
    }


def completeness(found: Verdicts) -> dict[date, tuple[bool, str | None]]:
    """Each day's verdict on the shop's rows, which the rows across platforms repeat (one platform)."""
    assert found[SANDBOX_PLATFORM] == found[ALL_PLATFORMS]
    return found[SANDBOX_PLATFORM]


@dataclass(frozen=True)
class Step:
    """What one run of the backfill left: its completeness check, the verdicts on RANGE and on every
    day START … END, and RANGE's differences from the ground truth."""

    check: dg.AssetCheckEvaluation
    range_verdicts: Verdicts
    all_verdicts: Verdicts
    range_diffs: list[str]
    all_diffs: list[str]


@dataclass(frozen=True)
class Backfill:
    pipeline: Pipeline
    steps: list[Step]


@pytest.fixture(scope="module")
def backfill(tmp_path_factory) -> Backfill:
    """The default shop (yesterday: END) backfilled in three runs: RANGE alone, then the days after it
    through yesterday, then the days before it from the tenant's start date."""
    monkeypatch = pytest.MonkeyPatch()
    pipeline = make_pipeline(tmp_path_factory.mktemp("backfill"), monkeypatch, make_spec(), CLOCK, START)

    def step(run: Callable[[], dg.ExecuteInProcessResult]) -> Step:
        check = completeness_check(run())
        return Step(
            check,
            verdicts(pipeline, RANGE[0], RANGE[-1]),
            verdicts(pipeline, START, END),
            pipeline.ground_truth_diffs(RANGE[0], RANGE[-1]),
            pipeline.ground_truth_diffs(START, END),
        )

    steps = [
        step(lambda: pipeline.materialise(RANGE[0], RANGE[-1])),
        step(lambda: pipeline.materialise(date(2026, 5, 23), END)),
        step(lambda: pipeline.materialise(START, date(2026, 5, 19))),
    ]
    yield Backfill(pipeline, steps)
    monkeypatch.undo()


def test_a_past_range_alone_is_provisional_until_the_days_it_depends_on_are_ingested(backfill):
    alone, later, earlier = backfill.steps

    # 1. Three past days alone: later changes and earlier first orders are missing, and it says so.
    check = alone.check
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
    assert completeness(alone.range_verdicts) == {
        day: (
            False,
            AFTER.format(day=day, missing="2026-05-23…2026-05-31")
            + "; "
            + BEFORE.format(day=day, missing="2026-05-12…2026-05-19"),
        )
        for day in RANGE
    }
    assert alone.range_diffs != [], "the partial figures really are wrong"

    # 2. The days after it through yesterday: the later changes are in; first orders still are not.
    assert not later.check.passed, "days 23…31 depend on the first orders of 12…19 as well"
    assert completeness(later.range_verdicts) == {
        day: (False, BEFORE.format(day=day, missing="2026-05-12…2026-05-19")) for day in RANGE
    }

    # 3. The days before it from the tenant's start date: every day is complete and true to the cent.
    assert earlier.check.passed, earlier.check.description
    every_day = completeness(earlier.all_verdicts)
    assert len(every_day) == 20 and set(every_day.values()) == {(True, None)}
    assert earlier.range_diffs == []
    assert earlier.all_diffs == []


def test_backfill_in_another_order_gives_identical_tables(backfill, reference_run):
    """The backfill above (RANGE, the days after it, the days from the start date) and one of its ranges
    run again leave every table as the ranged run of START … END in order (the session's reference
    run, tests/pipeline/conftest.py) leaves it."""
    in_order = reference_run.checksums
    other = backfill.pipeline
    other.materialise(date(2026, 5, 20), date(2026, 5, 21))
    # Stock is the exception (docs/metrics.md#inventory): a day's levels are keyed by the variants staged
    # when the day is conformed, and the start date's partition takes the whole catalogue, so the days
    # materialised before it lack most levels until their stock is materialised again.
    stock = {"stg_inventory_levels", "fact_inventory_snapshots"}
    assert {name: sums for name, sums in other.checksums().items() if name not in stock} == {
        name: sums for name, sums in in_order.items() if name not in stock
    }
    other.materialise(RANGE[0], END, selection=dg.AssetSelection.assets(*stock))
    assert other.checksums() == in_order
    assert other.ground_truth_diffs(START, END) == []
