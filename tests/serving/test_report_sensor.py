"""When reports are requested: after a tenant's morning run of storehouse_job, succeeded or failed, its
daily report for the run's last day, and on Sundays its weekly report; the run key makes it once a day."""

from __future__ import annotations

from datetime import date

import dagster as dg

from platform_assets.definitions import defs
from platform_assets.tags import RANGE_END_TAG, RANGE_START_TAG, TENANT_TAG, TRIGGER_TAG
from platform_assets.tenants import ReportRecipients, Tenant
from sensors.reports import REPORT_SENSORS, report_request

SUNDAY, MONDAY = date(2026, 12, 6), date(2026, 12, 7)


def morning_run(
    last: date, status=dg.DagsterRunStatus.SUCCESS, trigger="daily-schedule", job="storehouse_job"
):
    return dg.DagsterRun(
        job_name=job,
        run_id="run-1",
        status=status,
        tags={
            TRIGGER_TAG: trigger,
            TENANT_TAG: "acme",
            RANGE_START_TAG: "2026-12-01|acme",
            RANGE_END_TAG: f"{last.isoformat()}|acme",
        },
    )


def tenants(**reports) -> dict[str, Tenant]:
    acme = Tenant(id="acme", name="Acme", start_date=date(2026, 1, 1), reports=ReportRecipients(**reports))
    return {"acme": acme}


def selection(request: dg.RunRequest) -> list[str]:
    return [key.to_user_string() for key in request.asset_selection]


def test_after_a_sunday_morning_run_both_reports_are_requested_once():
    request = report_request(morning_run(SUNDAY), tenants(to=("owner@acme.test",)))
    assert selection(request) == ["daily_report", "weekly_report"]
    assert request.partition_key == "2026-12-06|acme"
    assert request.run_key == "reports:acme:2026-12-06"
    assert request.tags["storehouse/after_run"] == "run-1"


def test_on_other_days_only_the_daily_report_and_a_failed_run_still_gets_it():
    request = report_request(morning_run(MONDAY, dg.DagsterRunStatus.FAILURE), tenants())
    assert selection(request) == ["daily_report"]
    assert request.tags["storehouse/after_run_status"] == "FAILURE"


def test_turned_off_reports_and_other_runs_request_nothing():
    assert report_request(morning_run(MONDAY), tenants(daily=False)) is None
    assert selection(report_request(morning_run(SUNDAY), tenants(daily=False))) == ["weekly_report"]
    assert report_request(morning_run(MONDAY, trigger="late-change-sensor"), tenants()) is None
    assert report_request(morning_run(MONDAY, job="storehouse_reports_job"), tenants()) is None
    assert report_request(morning_run(MONDAY), {}) is None


def test_the_reports_are_in_the_definitions_but_not_in_the_whole_graph_job():
    repository = defs.get_repository_def()
    assert {sensor.name for sensor in REPORT_SENSORS} <= {sensor.name for sensor in repository.sensor_defs}
    whole = {
        key.to_user_string()
        for key in defs.resolve_job_def("storehouse_job").asset_layer.executable_asset_keys
    }
    reports = defs.resolve_job_def("storehouse_reports_job").asset_layer.executable_asset_keys
    assert "agg_daily_sales" in whole and not {"daily_report", "weekly_report"} & whole
    assert {key.to_user_string() for key in reports} == {"daily_report", "weekly_report"}
