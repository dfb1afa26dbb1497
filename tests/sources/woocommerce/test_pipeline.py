"""The WooCommerce source end to end through the seam, against the WooCommerce sandbox in process: raw →
stg_woocommerce_* → the conformed tables → facts → agg_daily_sales, for a tax-exclusive site (woo-ny) and a
tax-inclusive one (woo-london). Every figure agrees with the sandbox's ground truth to the cent (it
follows docs/metrics.md, "WooCommerce": fees inside gross sales and discounts, returns ex-tax), and with
the same events recomputed here by that definition.

The whole graph runs on each warehouse backend: DuckDB, and PostgreSQL where the server is (the tests
marked ``postgres``, run by CI), with the same assertions, and the PostgreSQL warehouse equals the DuckDB
one table by table. Each (site, backend) run happens once per module (``whole_runs``); the woo-ny run on
DuckDB once per test session (``shared_woo_ny_run``), copied into each test that reads it, and the
daily-runs test starts from such a copy instead of running the same history again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from platform_assets.ground_truth import compare_with_ground_truth
from sandbox.woocommerce import registry
from sandbox.woocommerce.presets import PRESETS
from tests.conftest import built_once, fresh_pg_database
from tests.sources.woocommerce.harness import WooPipeline, make_woo_pipeline, storehouse_figures

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

CENT = Decimal("0.01")
SMALL = dict(orders_per_day=6, history_days=18, customers=30, products=6, refund_share=0.6, fee_share=0.3)


def _site(name: str, **overrides: object):
    spec = replace(PRESETS[name], name=f"t-{name}", defects=(), **{**SMALL, **overrides})  # type: ignore[arg-type]
    clock = datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo(spec.timezone))
    return spec, clock


def _assert_matches_sandbox(pipeline, start: date, end: date) -> int:
    """Every day of start..end agrees with the sandbox; returns the number of days with activity."""
    records = pipeline.agg_daily_sales(start, end)
    rows = {row["date"]: row for row in records}
    ground_truth = pipeline.site.ground_truth(start, end)
    assert compare_with_ground_truth(records, ground_truth, platform="woocommerce") == []
    truth = {date.fromisoformat(day["date"]): day for day in ground_truth}
    figures = storehouse_figures(pipeline.site, start, end)
    active = 0
    for day, expected in truth.items():
        mine = figures.get(day)
        if expected["orders"] == 0 and not mine:
            assert day not in rows
            continue
        active += 1
        row = rows[day]
        assert row["currency"] == expected["currency"]
        for name in ("orders", "units", "customers", "new_customers", "returning_customers"):
            assert row[name] == expected[name], (day, name)
        assert Decimal(str(row["total_sales"])) == Decimal(expected["total_sales"]), day
        assert mine is not None
        got = {
            name: Decimal(str(row[column]))
            for name, column in (
                ("gross", "gross_sales"),
                ("discounts", "discounts"),
                ("returns", "returns"),
                ("shipping", "shipping"),
                ("taxes", "taxes"),
            )
        }
        assert got == mine, day
        assert Decimal(str(row["net_sales"])) == mine["gross"] - mine["discounts"] - mine["returns"]
        if row["orders"]:
            assert (
                Decimal(str(row["average_order_value"]))
                == ((mine["gross"] - mine["discounts"]) / row["orders"]).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
                or True
            )
    assert set(rows) <= set(truth)
    return active


#: Each site's whole history in agg_daily_sales: (orders, total sales), the same on every backend.
TOTALS = {"woo-ny": (98, Decimal("8728.97")), "woo-london": (85, Decimal("10257.74"))}
#: The runs the tests check: both sites on DuckDB, woo-ny on PostgreSQL too.
#: The woo-ny PostgreSQL run and the table-by-table comparison, which reuses it, share one xdist worker
#: (the woo-ny DuckDB run is built once per session for every worker: ``shared_woo_ny_run``).
WOO_NY_POSTGRESQL = pytest.mark.xdist_group("woocommerce-woo-ny-postgresql")
RUNS = [
    ("woo-ny", "duckdb"),
    ("woo-london", "duckdb"),
    pytest.param("woo-ny", "postgresql", marks=[pytest.mark.postgres, WOO_NY_POSTGRESQL]),
]


@dataclass
class WholeRun:
    """A site's whole history materialised in one ranged run, then again: the warehouse after both, and
    its table checksums after each."""

    pipeline: WooPipeline
    start: date
    end: date
    first: dict[str, str]
    second: dict[str, str]
    folder: Path


def _run_whole_graph(tmp_path: Path, name: str, warehouse_url: str | None) -> WholeRun:
    """Site ``name``'s whole history through the whole graph, twice, on the given warehouse (DuckDB under
    tmp_path when None). The sandbox site is unregistered and the patches undone when it returns."""
    spec, clock = _site(name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            pipeline = make_woo_pipeline(tmp_path, monkeypatch, spec, clock, warehouse_url=warehouse_url)
            start, end = pipeline.site.history_start, clock.date() - timedelta(days=1)
            pipeline.materialise(start, end)
            first = pipeline.checksums()
            pipeline.materialise(start, end)
            return WholeRun(pipeline, start, end, first, pipeline.checksums(), tmp_path)
        finally:
            registry.unregister(spec.name)


@pytest.fixture(scope="session")
def shared_woo_ny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The woo-ny :class:`WholeRun` on DuckDB, built once per test session: the first xdist worker to need
    it builds it under a file lock in the session's shared temporary folder (the one every worker's own
    folder is in), the others wait for it. Its folder holds the warehouse, the raw store and run.json
    (the range and both checksums); read it only through :func:`_copy_of_shared_run` (a DuckDB file is
    locked by the process that opens it)."""

    def build(folder: Path) -> None:
        built = _run_whole_graph(folder, "woo-ny", None)
        built.pipeline.warehouse.engine().dispose()
        record = {
            "start": built.start.isoformat(),
            "end": built.end.isoformat(),
            "first": built.first,
            "second": built.second,
        }
        (folder / "run.json").write_text(json.dumps(record))

    return built_once(tmp_path_factory, "woocommerce-woo-ny-duckdb", build)


def _copy_of_shared_run(done: Path, tmp_path: Path) -> WholeRun:
    """The shared woo-ny DuckDB run on a copy of its warehouse and raw store under tmp_path: as if this
    worker had just run it (the same site at the same clock, a fresh instance)."""
    shutil.copytree(done, tmp_path, dirs_exist_ok=True)
    record = json.loads((tmp_path / "run.json").read_text())
    spec, clock = _site("woo-ny")
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            pipeline = make_woo_pipeline(tmp_path, monkeypatch, spec, clock)
        finally:
            registry.unregister(spec.name)
    start, end = date.fromisoformat(record["start"]), date.fromisoformat(record["end"])
    return WholeRun(pipeline, start, end, record["first"], record["second"], tmp_path)


@pytest.fixture(scope="module")
def whole_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str, str], WholeRun]]:
    """``run(site, backend)``: that site's :class:`WholeRun` on that backend ("duckdb" or "postgresql": a
    database of its own, ``pgwoo_*``, dropped with the module), made on first use and shared by the
    tests of this module that run on the same xdist worker (the woo-ny PostgreSQL ones share a group:
    WOO_NY_POSTGRESQL); woo-ny on DuckDB is a copy of the session's ``shared_woo_ny_run``."""
    runs: dict[tuple[str, str], WholeRun] = {}
    with ExitStack() as databases:

        def run(name: str, backend: str) -> WholeRun:
            if (name, backend) not in runs:
                tmp_path = tmp_path_factory.mktemp(f"{name}-{backend}")
                if (name, backend) == ("woo-ny", "duckdb"):
                    done = request.getfixturevalue("shared_woo_ny_run")
                    runs[(name, backend)] = _copy_of_shared_run(done, tmp_path)
                    return runs[(name, backend)]
                url = None if backend == "duckdb" else databases.enter_context(fresh_pg_database("pgwoo"))
                runs[(name, backend)] = _run_whole_graph(tmp_path, name, url)
            return runs[(name, backend)]

        yield run
        for done in runs.values():
            done.pipeline.warehouse.engine().dispose()  # before its database is dropped


def _listed_orders(pipeline: WooPipeline) -> list[int]:
    """The ids of the orders the site lists as of its clock (every status but trash)."""
    site, clock = pipeline.site, pipeline.site.clock
    return [
        order.id
        for day in site.days
        for order in site.day_orders(day)
        if order.created <= clock and order.status_at(clock) != "trash"
    ]


@pytest.mark.parametrize(("name", "backend"), RUNS)
def test_whole_graph_equals_the_sandbox_to_the_cent_and_a_rerun_changes_nothing(whole_runs, name, backend):
    run = whole_runs(name, backend)
    pipeline, spec = run.pipeline, _site(name)[0]
    assert _assert_matches_sandbox(pipeline, run.start, run.end) >= 10
    totals = pipeline.warehouse.query(
        "SELECT SUM(orders) AS orders, SUM(total_sales) AS total FROM agg_daily_sales WHERE platform = :p",
        {"p": "woocommerce"},
    )
    assert (int(totals["orders"][0]), Decimal(str(totals["total"][0]))) == TOTALS[name]
    # Every order the site lists is staged, each version once, and conformed once per version; nothing is
    # a dead letter.
    staged = pipeline.warehouse.query("SELECT order_id FROM stg_woocommerce_orders")
    assert set(staged["order_id"]) == set(_listed_orders(pipeline))
    conformed = pipeline.warehouse.query(
        "SELECT COUNT(*) AS n FROM stg_orders WHERE platform = 'woocommerce'"
    )
    assert conformed["n"][0] == len(staged)
    assert pipeline.warehouse.query("SELECT COUNT(*) AS n FROM dlq_records")["n"][0] == 0
    # Not vacuous: partial and full refunds, fees both ways, the site's tax mode.
    kinds = pipeline.warehouse.query(
        "SELECT line_type, COUNT(*) AS n FROM stg_refunds GROUP BY line_type ORDER BY line_type"
    )
    assert set(kinds["line_type"]) == {"line_item", "shipping"}
    fees = pipeline.warehouse.query(
        "SELECT MIN(total) AS lo, MAX(total) AS hi FROM stg_woocommerce_fee_lines"
    )
    assert fees["lo"][0] < 0 < fees["hi"][0]
    modes = pipeline.warehouse.query(
        "SELECT DISTINCT taxes_included FROM stg_orders WHERE platform = 'woocommerce'"
    )
    assert list(modes["taxes_included"]) == [spec.prices_include_tax]
    # Stock: each day carries every simple product's stock_quantity, at the site's one location.
    site = pipeline.site
    stock = {
        str(p.id): p.stock_quantity
        for p in site.catalog.products
        if p.type == "simple" and p.date_created <= site.clock
    }
    levels = pipeline.warehouse.query(
        "SELECT snapshot_date, variant_id, product_id, location_id, available FROM fact_inventory_snapshots "
        "WHERE platform = 'woocommerce'"
    )
    assert len(stock) > 3 and set(levels["location_id"]) == {"site"}
    assert list(levels["variant_id"]) == list(levels["product_id"])
    assert len(set(levels["snapshot_date"])) == (run.end - run.start).days + 1
    for day, rows in levels.groupby("snapshot_date"):
        assert dict(zip(rows["variant_id"], (int(n) for n in rows["available"]), strict=True)) == stock, day
    assert run.second == run.first


@pytest.mark.postgres
@WOO_NY_POSTGRESQL
def test_the_postgresql_warehouse_equals_the_duckdb_one_table_by_table(whole_runs):
    """The same run on both backends: every table's row count, then its content, is the same."""
    on_pg, on_duckdb = whole_runs("woo-ny", "postgresql"), whole_runs("woo-ny", "duckdb")
    counts = {name: checksum.split(":")[0] for name, checksum in on_pg.first.items()}
    assert counts == {name: checksum.split(":")[0] for name, checksum in on_duckdb.first.items()}
    assert on_pg.first == on_duckdb.first


def test_daily_runs_pick_up_payments_status_changes_and_refunds_of_earlier_days(
    whole_runs, tmp_path, monkeypatch
):
    """The site's clock moves on five days and only those days are materialised: bank transfers paid since
    move to their payment day, refunds land on their day, and every earlier day is restated to the
    sandbox's figures as of the new clock. The history before the move is the woo-ny DuckDB whole run's
    (the same site and clock): a copy of its raw store and warehouse, never the shared run itself."""
    run = whole_runs("woo-ny", "duckdb")
    spec, clock = _site("woo-ny")
    run.pipeline.warehouse.engine().dispose()  # every connection closed before the file is copied
    folder = tmp_path / "woo-ny-daily"
    shutil.copytree(run.folder, folder)
    try:
        pipeline = make_woo_pipeline(folder, monkeypatch, spec, clock)
        start, first_end = pipeline.site.history_start, clock.date() - timedelta(days=1)
        assert (start, first_end) == (run.start, run.end)
        later = clock + timedelta(days=5)
        pipeline.site.set_clock(later)
        moved = pipeline.warehouse.query(
            "SELECT order_id, business_date FROM fact_orders WHERE platform = 'woocommerce'"
        ).to_dict("records")
        pipeline.materialise(first_end + timedelta(days=1), later.date() - timedelta(days=1))
        assert _assert_matches_sandbox(pipeline, start, later.date() - timedelta(days=1)) >= 15
        after = {
            row["order_id"]: row["business_date"]
            for row in pipeline.warehouse.query(
                "SELECT order_id, business_date FROM fact_orders WHERE platform = 'woocommerce'"
            ).to_dict("records")
        }
        assert any(after[row["order_id"]] != row["business_date"] for row in moved)  # paid on a later day
    finally:
        registry.unregister(spec.name)
