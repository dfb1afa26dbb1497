"""Who publishes the snapshot: the run-status sensor after a successful run, and `storehouse serve` when
none exists yet (then it runs uvicorn on the configured host and port)."""

from __future__ import annotations

import shutil

import dagster as dg
import uvicorn

from platform_assets.cli import main
from platform_assets.serving.snapshot import current_snapshot
from sensors.snapshot import SNAPSHOT_SENSOR_NAME, publish_read_snapshot
from tests.serving.conftest import duckdb_template


def _warehouse_in(tmp_path, monkeypatch):
    shutil.copyfile(duckdb_template(), tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("STOREHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STOREHOUSE_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("STOREHOUSE_WAREHOUSE_SNAPSHOT_PATH", raising=False)
    return tmp_path / "warehouse.snapshot.duckdb"


def test_the_sensor_publishes_after_a_successful_run(tmp_path, monkeypatch):
    link = _warehouse_in(tmp_path, monkeypatch)

    @dg.op
    def nothing() -> None:
        return None

    @dg.job
    def tiny() -> None:
        nothing()

    with dg.DagsterInstance.ephemeral() as instance:
        result = tiny.execute_in_process(instance=instance)
        context = dg.build_run_status_sensor_context(
            sensor_name=SNAPSHOT_SENSOR_NAME,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
        )
        assert current_snapshot(link) is None
        publish_read_snapshot(context)
    assert current_snapshot(link) is not None and current_snapshot(link).stat().st_size > 0


def test_serve_publishes_a_first_snapshot_and_runs_uvicorn_on_the_settings(tmp_path, monkeypatch, capsys):
    link = _warehouse_in(tmp_path, monkeypatch)
    monkeypatch.setenv("STOREHOUSE_SERVE_PORT", "8499")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # serve() defaults it to the project; kept to this test
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    assert main(["serve"]) == 0
    assert current_snapshot(link) is not None
    assert (started["host"], started["port"]) == ("127.0.0.1", 8499)
    assert main(["serve", "--host", "127.0.0.2", "--port", "8500"]) == 0
    assert (started["host"], started["port"]) == ("127.0.0.2", 8500)
    output = capsys.readouterr().out
    assert "Storehouse reporting API on http://127.0.0.2:8500/api/v1" in output
