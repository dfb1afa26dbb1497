"""When reports go out: after each tenant's morning run (``storehouse_daily_schedule``), whether it
succeeded or failed, the tenant's ``daily_report`` for yesterday is requested, and on a Sunday its
``weekly_report`` for the week ending that day (a tenant's ``reports: {daily: false}`` or
``weekly: false`` turns one off).

A failed morning run still gets its report: the report then says at the top which checks failed, so a
merchant never takes the figures as good (docs/serving.md, "Scheduled reports"). The run key is the
tenant and the day, so a re-evaluated tick or a retried morning run never sends a report twice; a report
is sent again only when materialised by hand."""

from __future__ import annotations

from datetime import date

import dagster as dg

from platform_assets.serving.reports.assets import REPORT_ASSET_BY_KIND, reports_job
from platform_assets.tags import (
    AFTER_RUN_STATUS_TAG,
    AFTER_RUN_TAG,
    RANGE_END_TAG,
    TENANT_TAG,
    TRIGGER_TAG,
)
from platform_assets.tenants import Tenant, load_tenants
from sensors.schedules import JOB_NAME

DAILY_TRIGGER = "daily-schedule"
REPORTS_TRIGGER = "reports-sensor"
SUNDAY = 6
MINIMUM_INTERVAL_SECONDS = 60


def report_request(run: dg.DagsterRun, tenants: dict[str, Tenant]) -> dg.RunRequest | None:
    """The report run to request after ``run`` finished: None unless it is a tenant's morning run of
    ``storehouse_job`` and the tenant wants a report of its last day."""
    tags = run.tags
    if run.job_name != JOB_NAME or tags.get(TRIGGER_TAG) != DAILY_TRIGGER:
        return None
    tenant = tenants.get(tags.get(TENANT_TAG, ""))
    day_key, _, range_tenant = tags.get(RANGE_END_TAG, "").partition("|")
    if tenant is None or range_tenant != tenant.id:
        return None
    day = date.fromisoformat(day_key)
    kinds = [kind for kind in ("daily", "weekly") if getattr(tenant.reports, kind)]
    if day.weekday() != SUNDAY:
        kinds = [kind for kind in kinds if kind != "weekly"]
    if not kinds:
        return None
    return dg.RunRequest(
        run_key=f"reports:{tenant.id}:{day_key}",
        partition_key=f"{day_key}|{tenant.id}",
        asset_selection=[REPORT_ASSET_BY_KIND[kind].key for kind in kinds],  # type: ignore[index]
        tags={
            TRIGGER_TAG: REPORTS_TRIGGER,
            TENANT_TAG: tenant.id,
            AFTER_RUN_TAG: run.run_id,
            AFTER_RUN_STATUS_TAG: run.status.value,
        },
    )


def _requests(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    request = report_request(context.dagster_run, load_tenants())
    if request is None:
        return dg.SkipReason(f"run {context.dagster_run.run_id} is not a tenant's morning run with reports")
    return request


@dg.run_status_sensor(
    name="reports_after_daily_run",
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=reports_job,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a tenant's morning run succeeds: its daily report (and weekly on Sundays).",
)
def reports_after_daily_run(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    return _requests(context)


@dg.run_failure_sensor(
    name="reports_after_failed_daily_run",
    request_job=reports_job,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a tenant's morning run fails: its report still goes out, saying so at the top.",
)
def reports_after_failed_daily_run(context: dg.RunFailureSensorContext) -> dg.RunRequest | dg.SkipReason:
    return _requests(context)


REPORT_SENSORS = [reports_after_daily_run, reports_after_failed_daily_run]
