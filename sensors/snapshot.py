"""Publishes the DuckDB read snapshot after every successful run (docs/serving.md#the-read-snapshot).

A run-status sensor (the daemon runs it, so `make ui` and a deployment's daemon alike): when a run of this
code location succeeds, it copies the warehouse to a new snapshot file and atomically points the snapshot
path at it (:func:`platform_assets.serving.snapshot.publish_snapshot`), so the reporting API answers with
that run's figures while the next run writes. On PostgreSQL it does nothing: the API reads the live tables
in read-only transactions. ``storehouse demo`` publishes too, after its runs (it runs them in-process,
without the daemon)."""

from __future__ import annotations

import dagster as dg

from platform_assets.serving.snapshot import publish_snapshot, snapshot_path
from platform_assets.settings import settings

SNAPSHOT_SENSOR_NAME = "publish_read_snapshot"


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name=SNAPSHOT_SENSOR_NAME,
    description="After each successful run, publishes the DuckDB warehouse's read snapshot for the "
    "reporting API (nothing to do on PostgreSQL).",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def publish_read_snapshot(context: dg.RunStatusSensorContext) -> None:
    configured = settings()
    link = snapshot_path(configured)
    if link is None:
        return
    published = publish_snapshot(configured.warehouse_url_value(), link)
    context.log.info(f"run {context.dagster_run.run_id}: published the read snapshot {published.name}")
