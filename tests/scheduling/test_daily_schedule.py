"""The daily schedule: at 05:00 on each tenant's own clock, one ranged run of yesterday and the 3 days
before it, across DST changes, clipped at the tenant's start date, deduplicated by run key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from platform_assets.ingest.business_days import TenantZone
from platform_assets.tenants import Tenant
from sensors.schedules import (
    LOCAL_DATE_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    SCHEDULES,
    TENANT_TAG,
    TIMEZONE_TAG,
    DailyScheduleSettings,
    build_daily_schedule,
    due_local_date,
    plan_daily_runs,
)
from tests.scheduling.conftest import write_shop_snapshot, write_tenants

NY, BERLIN = "acme-ny", "kaffee-berlin"
START = date(2026, 1, 1)


@pytest.fixture
def tenants_file(tmp_path: Path) -> Path:
    # New York has no override: its timezone comes from the raw shop snapshot. Berlin overrides it.
    return write_tenants(
        tmp_path / "tenants.yaml",
        [{"id": NY, "start_date": START}, {"id": BERLIN, "start_date": START, "timezone": "Europe/Berlin"}],
    )


@pytest.fixture
def setup(instance, raw_store, tenants_file):
    instance.add_dynamic_partitions("tenant", [NY, BERLIN])
    write_shop_snapshot(raw_store, NY, date(2026, 1, 1), "America/New_York")
    return instance, raw_store, tenants_file


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def tick(schedule: dg.ScheduleDefinition, instance, raw_store, at: datetime) -> dict[str, dg.RunRequest]:
    """Run requests of one tick, by tenant."""
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, resources={"raw_store": raw_store}
    ) as context:
        result = schedule.evaluate_tick(context)
    requests = {request.tags[TENANT_TAG]: request for request in result.run_requests or []}
    assert len(requests) == len(result.run_requests or [])
    return requests


def day_range(request: dg.RunRequest) -> tuple[str, str]:
    start, end = request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]
    tenant = request.tags[TENANT_TAG]
    assert start.endswith(f"|{tenant}") and end.endswith(f"|{tenant}")
    return start.split("|")[0], end.split("|")[0]


def test_new_york_morning_after_the_us_dst_switch(setup):
    instance, raw_store, tenants_file = setup
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    # 2026-03-08 is the US switch: on 2026-03-10 New York is on EDT (UTC-4), so 05:00 is 09:00 UTC.
    at_nine = tick(schedule, instance, raw_store, utc(2026, 3, 10, 9))
    assert list(at_nine) == [NY]
    request = at_nine[NY]
    assert day_range(request) == ("2026-03-06", "2026-03-09")
    assert request.run_key == f"daily:{NY}:2026-03-10"
    assert request.tags[TIMEZONE_TAG] == "America/New_York"
    assert request.tags[LOCAL_DATE_TAG] == "2026-03-10"
    assert request.tags["dagster/schedule_name"] == "storehouse_daily_schedule"
    # An hour later (06:00 EDT, 11:00 in Berlin) nobody is due.
    assert tick(schedule, instance, raw_store, utc(2026, 3, 10, 10)) == {}


def test_berlin_morning(setup):
    instance, raw_store, tenants_file = setup
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 4))  # 05:00 CET, 23:00 EST
    assert list(requests) == [BERLIN]
    assert day_range(requests[BERLIN]) == ("2026-03-06", "2026-03-09")
    assert requests[BERLIN].run_key == f"daily:{BERLIN}:2026-03-10"


@pytest.mark.parametrize(
    ("first_day", "last_day", "expected_utc_hours"),
    [
        # US spring forward 2026-03-08, EU spring forward 2026-03-29
        (date(2026, 3, 5), date(2026, 3, 31), {NY: {10, 9}, BERLIN: {4, 3}}),
        # EU fall back 2026-10-25, US fall back 2026-11-01
        (date(2026, 10, 22), date(2026, 11, 4), {NY: {9, 10}, BERLIN: {3, 4}}),
    ],
)
def test_one_run_per_tenant_and_local_day_across_dst_changes(first_day, last_day, expected_utc_hours):
    """Every hourly tick of several weeks through the planner the schedule uses (evaluating the schedule
    itself costs ~0.3 s a tick, for a Dagster instance per context)."""
    zones = {NY: ZoneInfo("America/New_York"), BERLIN: ZoneInfo("Europe/Berlin")}
    tenants = [
        Tenant(id=NY, name=NY, start_date=START),
        Tenant(id=BERLIN, name=BERLIN, start_date=START, timezone="Europe/Berlin"),
    ]
    settings = DailyScheduleSettings(hour=5, restatement_days=3)
    tenant_zones = {NY: TenantZone(zones[NY], "test"), BERLIN: TenantZone(zones[BERLIN], "test")}
    seen: dict[str, list[date]] = {NY: [], BERLIN: []}
    utc_hours: dict[str, set[int]] = {NY: set(), BERLIN: set()}
    at = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    while at.date() <= last_day:
        for run in plan_daily_runs(at, tenants, tenant_zones, settings):
            local = at.astimezone(zones[run.tenant_id])
            assert (local.hour, local.minute) == (5, 0), f"{run.tenant_id} ran at {local}"
            assert run.local_date == local.date()
            assert (run.first, run.last) == (
                local.date() - timedelta(days=4),
                local.date() - timedelta(days=1),
            )
            seen[run.tenant_id].append(local.date())
            utc_hours[run.tenant_id].add(at.hour)
        at += timedelta(hours=1)
    every_day = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    assert seen == {NY: every_day, BERLIN: every_day}
    assert utc_hours == expected_utc_hours


@pytest.mark.parametrize(
    ("hour", "day", "fires_at_utc"),
    [
        (2, date(2026, 3, 8), [utc(2026, 3, 8, 7)]),  # 02:00 does not exist: due when clocks jump to 03:00
        (1, date(2026, 11, 1), [utc(2026, 11, 1, 5)]),  # 01:00 happens twice: due on the first one only
        (5, date(2026, 3, 8), [utc(2026, 3, 8, 9)]),
        (5, date(2026, 11, 1), [utc(2026, 11, 1, 10)]),
    ],
)
def test_missing_and_repeated_local_hours_give_exactly_one_run(hour, day, fires_at_utc):
    zone = ZoneInfo("America/New_York")
    ticks = [utc(day.year, day.month, day.day) + timedelta(hours=h) for h in range(-6, 36)]
    due = [t for t in ticks if due_local_date(t, zone, hour, timedelta(hours=1)) == day]
    assert due == fires_at_utc


def test_half_hour_timezones_run_on_the_first_tick_after_their_hour(instance, raw_store, tmp_path):
    tenants_file = write_tenants(
        tmp_path / "tenants.yaml", [{"id": "chai-in", "start_date": START, "timezone": "Asia/Kolkata"}]
    )
    instance.add_dynamic_partitions("tenant", ["chai-in"])
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    # 05:00 IST is 23:30 UTC; the hourly tick at 00:00 UTC (05:30 IST) serves it, once.
    assert tick(schedule, instance, raw_store, utc(2026, 3, 9, 23)) == {}
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 0))
    assert day_range(requests["chai-in"]) == ("2026-03-06", "2026-03-09")
    assert tick(schedule, instance, raw_store, utc(2026, 3, 10, 1)) == {}


def test_start_date_clips_the_range(instance, raw_store, tmp_path):
    tenants_file = write_tenants(
        tmp_path / "tenants.yaml",
        [
            {"id": "new-yesterday", "start_date": date(2026, 3, 9), "timezone": "Europe/Berlin"},
            {"id": "new-2-days", "start_date": date(2026, 3, 8), "timezone": "Europe/Berlin"},
            {"id": "new-today", "start_date": date(2026, 3, 10), "timezone": "Europe/Berlin"},
        ],
    )
    instance.add_dynamic_partitions("tenant", ["new-yesterday", "new-2-days", "new-today"])
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 4))
    assert {tenant: day_range(r) for tenant, r in requests.items()} == {
        "new-yesterday": ("2026-03-09", "2026-03-09"),
        "new-2-days": ("2026-03-08", "2026-03-09"),
    }


def test_re_evaluating_a_tick_gives_the_same_run_keys(setup):
    instance, raw_store, tenants_file = setup
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    first = tick(schedule, instance, raw_store, utc(2026, 3, 10, 9))
    again = tick(schedule, instance, raw_store, utc(2026, 3, 10, 9))
    assert (
        [r.run_key for r in first.values()]
        == [r.run_key for r in again.values()]
        == [f"daily:{NY}:2026-03-10"]
    )
    assert first[NY].tags == again[NY].tags


def test_timezone_comes_from_the_newest_shop_snapshot(instance, raw_store, tmp_path):
    tenants_file = write_tenants(tmp_path / "tenants.yaml", [{"id": "moved", "start_date": START}])
    instance.add_dynamic_partitions("tenant", ["moved"])
    write_shop_snapshot(raw_store, "moved", date(2026, 2, 1), "Europe/Berlin")
    write_shop_snapshot(raw_store, "moved", date(2026, 3, 9), "America/New_York")  # the shop moved
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    assert tick(schedule, instance, raw_store, utc(2026, 3, 10, 4)) == {}
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 9))
    assert requests["moved"].tags[TIMEZONE_TAG] == "America/New_York"


def test_unknown_timezone_runs_on_utc_and_says_so(instance, raw_store, tmp_path, capfd):
    tenants_file = write_tenants(tmp_path / "tenants.yaml", [{"id": "fresh", "start_date": START}])
    instance.add_dynamic_partitions("tenant", ["fresh"])
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 5))
    assert day_range(requests["fresh"]) == ("2026-03-06", "2026-03-09")
    assert requests["fresh"].tags[TIMEZONE_TAG] == "UTC"
    assert "tenant fresh: timezone unknown" in capfd.readouterr().err


def test_an_unreadable_snapshot_costs_only_its_tenant_the_tick(setup, capfd):
    instance, raw_store, tenants_file = setup
    broken = Path(raw_store.partition_path("shopify", "shop", NY, date(2026, 3, 9)))
    broken.write_bytes(b"not gzip")
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 4))
    assert list(requests) == [BERLIN]
    assert f"tenant {NY}: cannot read its timezone (BadGzipFile" in capfd.readouterr().err


def test_tenant_without_a_partition_yet_is_skipped(instance, raw_store, tenants_file, capfd):
    instance.add_dynamic_partitions("tenant", [BERLIN])
    schedule = build_daily_schedule(hour=5, restatement_days=3, tenants_file=tenants_file)
    write_shop_snapshot(raw_store, NY, date(2026, 3, 1), "America/New_York")
    assert tick(schedule, instance, raw_store, utc(2026, 3, 10, 9)) == {}
    assert f"tenant {NY} has no 'tenant' partition yet" in capfd.readouterr().err


def test_fixed_cron_and_timezone_request_every_tenant_on_each_tick(setup):
    instance, raw_store, tenants_file = setup
    schedule = build_daily_schedule(
        cron_schedule="0 6 * * *",
        execution_timezone="Europe/Berlin",
        restatement_days=1,
        tenants_file=tenants_file,
    )
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Europe/Berlin")
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 5))  # 06:00 CET, 01:00 EDT
    assert {tenant: day_range(r) for tenant, r in requests.items()} == {
        NY: ("2026-03-08", "2026-03-09"),
        BERLIN: ("2026-03-08", "2026-03-09"),
    }


def test_configuration_from_the_environment(setup, monkeypatch):
    instance, raw_store, tenants_file = setup
    monkeypatch.setenv("STOREHOUSE_DAILY_SCHEDULE_HOUR", "7")
    monkeypatch.setenv("STOREHOUSE_RESTATEMENT_DAYS", "1")
    schedule = build_daily_schedule(tenants_file=tenants_file)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 * * * *", "UTC")
    assert tick(schedule, instance, raw_store, utc(2026, 3, 10, 4)) == {}
    requests = tick(schedule, instance, raw_store, utc(2026, 3, 10, 6))  # 07:00 CET
    assert day_range(requests[BERLIN]) == ("2026-03-08", "2026-03-09")

    monkeypatch.setenv("STOREHOUSE_DAILY_SCHEDULE_TIMEZONE", "America/Chicago")
    fixed = build_daily_schedule(tenants_file=tenants_file)
    assert (fixed.cron_schedule, fixed.execution_timezone) == ("0 7 * * *", "America/Chicago")

    monkeypatch.setenv("STOREHOUSE_DAILY_SCHEDULE_HOUR", "24")
    with pytest.raises(ValueError, match="STOREHOUSE_DAILY_SCHEDULE_HOUR must be between 0 and 23"):
        build_daily_schedule()


def test_exported_schedule_is_running_and_loads_with_the_job():
    from platform_assets.definitions import ALL_ASSETS, build_resources, storehouse_job

    assert [s.name for s in SCHEDULES] == ["storehouse_daily_schedule"]
    schedule = SCHEDULES[0]
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "storehouse_job"
    defs = dg.Definitions(
        assets=ALL_ASSETS, jobs=[storehouse_job], schedules=SCHEDULES, resources=build_resources()
    )
    assert (
        defs.get_repository_def().get_schedule_def("storehouse_daily_schedule").job_name == "storehouse_job"
    )
