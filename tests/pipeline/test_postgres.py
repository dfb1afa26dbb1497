"""The same graph on PostgreSQL: the warehouse on a real server, and the Dagster instance on
dagster-postgres storage. Runs in CI (.ci/run sets STOREHOUSE_TEST_POSTGRES_URL); skips elsewhere."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from tests.pipeline.harness import make_pipeline, make_spec, make_vat_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START

pytestmark = [pytest.mark.postgres, pytest.mark.spread]  # spread: independent tests (tests/conftest.py)


def test_vat_inclusive_shop_on_postgres_equals_ground_truth(tmp_path, monkeypatch, pg_database):
    berlin_clock = datetime(2026, 6, 1, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # right after END there
    on_pg = make_pipeline(
        tmp_path / "pg",
        monkeypatch,
        make_vat_spec(),
        berlin_clock,
        date(2026, 5, 25),
        warehouse_url=pg_database,
    )
    on_pg.materialise(date(2026, 5, 25), END)
    assert on_pg.ground_truth_diffs(date(2026, 5, 25), END) == []


def test_whole_graph_on_postgres_equals_ground_truth_and_duckdb(
    tmp_path, monkeypatch, pg_database, reference_run
):
    on_pg = make_pipeline(tmp_path / "pg", monkeypatch, make_spec(), CLOCK, START, warehouse_url=pg_database)
    on_pg.materialise(START, END)
    assert on_pg.ground_truth_diffs(START, END) == []
    first = on_pg.checksums()
    on_pg.materialise(date(2026, 5, 20), END)
    assert on_pg.checksums() == first

    assert reference_run.checksums == first  # the same run on DuckDB (tests/pipeline/conftest.py)


def test_materialise_with_postgres_instance_storage(tmp_path, monkeypatch, pg_database):
    """deploy/postgres/dagster.yaml's storage on the real server: runs and materialisations land there."""
    from platform_assets.settings import PROJECT_ROOT
    from resources.instance_storage import PooledPostgresEventLogStorage

    monkeypatch.setenv("DAGSTER_PG_URL", pg_database)
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
    storages = {key: config[key] for key in ("run_storage", "event_log_storage", "schedule_storage")}
    with dg.instance_for_test(overrides=storages) as instance:
        assert isinstance(instance.event_log_storage, PooledPostgresEventLogStorage)
        connects: list[object] = []
        sa.event.listen(instance.event_log_storage._engine, "connect", lambda *_: connects.append(1))
        pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START, instance=instance)
        pipeline.materialise(END, END)
        events = len(instance.all_logs(instance.get_runs()[0].run_id))
        # Hundreds of events, a handful of connections: the pool holds them between statements.
        assert events > 200
        assert 1 <= len(connects) <= 10
        record = instance.get_latest_materialization_event(dg.AssetKey("agg_daily_sales"))
        assert record is not None
        assert record.asset_materialization.partition == f"{END.isoformat()}|test-ny"
    engine = sa.create_engine(pg_database)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT COUNT(*) FROM runs")).scalar()
        events = conn.execute(
            sa.text("SELECT COUNT(*) FROM event_logs WHERE asset_key LIKE '%agg_daily_sales%'")
        ).scalar()
    engine.dispose()
    assert runs == 1
    assert events >= 1
