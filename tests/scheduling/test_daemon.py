"""The exported schedule and sensor under Dagster's own daemon loops (code server, gRPC, run creation):
they are RUNNING without anyone switching them on, the schedule gets the raw_store resource, and their
run requests become runs of storehouse_job with the expected partition tags."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import dagster as dg
from dagster._core.scheduler.instigation import InstigatorType, TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.sensor import execute_sensor_iteration
from dagster._scheduler.scheduler import launch_scheduled_runs

from platform_assets.settings import PROJECT_ROOT
from tests.scheduling.conftest import write_tenants

TENANT = "kaffee-berlin"
MOCK_LAUNCHER = {"run_launcher": {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}}


def test_schedule_and_sensor_launch_runs_under_the_daemon(tmp_path, monkeypatch):
    tenants_file = write_tenants(
        tmp_path / "tenants.yaml",
        [
            {
                "id": TENANT,
                "start_date": date(2026, 1, 1),
                "timezone": "Europe/Berlin",
                "shopify": {
                    "shop_url": "sandbox://demo-berlin",
                    "token_env": "DEMO_BERLIN_SHOPIFY_TOKEN",
                    "api": "rest",
                },
            }
        ],
    )
    # The code server is a subprocess: it reads these from its environment.
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(tenants_file))
    monkeypatch.setenv("DEMO_BERLIN_SHOPIFY_TOKEN", "shpat_sandbox_demo_berlin")
    monkeypatch.setenv("STOREHOUSE_RAW_STORE_URL", str(tmp_path / "raw"))
    target = ModuleTarget(
        module_name="tests.scheduling.daemon_defs",
        attribute="defs",
        working_directory=str(PROJECT_ROOT),
        location_name="scheduling_test",
    )
    log = logging.getLogger("scheduling_test")
    with dg.instance_for_test(overrides=MOCK_LAUNCHER) as instance:
        instance.add_dynamic_partitions("tenant", [TENANT])
        with create_test_daemon_workspace_context(target, instance) as workspace:
            iteration_times: dict = {}
            # The first iteration registers the schedule; the 04:00 UTC tick is 05:00 in Berlin.
            for at in (datetime(2026, 3, 10, 3, 30, tzinfo=UTC), datetime(2026, 3, 10, 4, 0, 5, tzinfo=UTC)):
                with freeze_time(at):
                    list(launch_scheduled_runs(workspace, log, at, iteration_times))
            scheduled = instance.get_runs(
                filters=dg.RunsFilter(tags={"storehouse/trigger": "daily-schedule"})
            )
            assert [(r.job_name, r.tags["dagster/run_key"]) for r in scheduled] == [
                ("storehouse_job", f"daily:{TENANT}:2026-03-10")
            ]
            assert scheduled[0].tags["dagster/asset_partition_range_start"] == f"2026-03-06|{TENANT}"
            assert scheduled[0].tags["dagster/asset_partition_range_end"] == f"2026-03-09|{TENANT}"

            # The sensor runs on the wall clock against the demo shop: whatever it finds, the tick succeeds
            # and stores a cursor for the tenant; any run it requests is a tagged single partition.
            list(execute_sensor_iteration(workspace, log, None, None))
            (state,) = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
            (tick,) = instance.get_ticks(state.instigator_origin_id, state.selector_id)
            assert tick.status in (TickStatus.SUCCESS, TickStatus.SKIPPED), tick.error
            assert TENANT in (tick.cursor or "")
            for run in instance.get_runs(
                filters=dg.RunsFilter(tags={"storehouse/trigger": "late-change-sensor"})
            ):
                assert run.tags["dagster/partition/tenant"] == TENANT
                assert run.tags["storehouse/restates"]
