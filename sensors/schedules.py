"""The daily schedule: every morning, each tenant's yesterday and the few days before it are rebuilt.

By default the schedule ticks hourly (UTC) and a tenant is due on the tick that follows 05:00 on its own
clock, so tenants are served in the morning of their own timezone: New York at 05:00 EST/EDT, Berlin at
05:00 CET/CEST. A due tenant gets ONE ranged run of ``storehouse_job`` covering yesterday plus the
``restatement_days`` before it (refunds, edits and late payments of the last days are picked up), never
before the tenant's start date. Its run key is the tenant and its local date, so a re-evaluated tick never
launches a second run.

A fixed cron and/or timezone can be configured instead (``STOREHOUSE_DAILY_SCHEDULE_CRON``, default
``0 {hour} * * *``, and ``STOREHOUSE_DAILY_SCHEDULE_TIMEZONE``, default UTC): every tick then requests every
tenant, for the yesterday of the tenant's own calendar at that instant.

The tenant's timezone is its override in the tenants file, else the shop's ``iana_timezone`` in its newest
raw shop snapshot; a tenant with neither (never materialised) runs on UTC and the tick's log says so.
See docs/scheduling.md.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg
import fsspec

from platform_assets.ingest.partitions import daily_partitions, tenant_partitions
from platform_assets.settings import StorehouseSettings
from platform_assets.settings import settings as storehouse_settings
from platform_assets.tags import (
    LOCAL_DATE_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    TENANT_TAG,
    TIMEZONE_TAG,
    TRIGGER_TAG,
)
from platform_assets.tenants import Tenant, load_tenants
from resources.raw_store import RawStoreResource

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

JOB_NAME = "storehouse_job"
SCHEDULE_NAME = "storehouse_daily_schedule"

DEFAULT_HOUR: int = StorehouseSettings.model_fields["daily_schedule_hour"].default
DEFAULT_RESTATEMENT_DAYS: int = StorehouseSettings.model_fields["restatement_days"].default
HOURLY_CRON = "0 * * * *"
HOURLY_INTERVAL = timedelta(hours=1)


UNKNOWN_TIMEZONE = "UTC"
_SNAPSHOT_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl\.gz$")


# -- configuration -----------------------------------------------------------------------------------------
def restatement_days_from_env() -> int:
    """How many days before yesterday are rebuilt every morning (``STOREHOUSE_RESTATEMENT_DAYS``, 3)."""
    return storehouse_settings().restatement_days


def schedule_hour_from_env() -> int:
    """The tenant-local hour of the daily run (``STOREHOUSE_DAILY_SCHEDULE_HOUR``, 5)."""
    return storehouse_settings().daily_schedule_hour


def _zone(name: str, what: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{what}: unknown IANA timezone {name!r}") from None


# -- the tenant's timezone ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TenantZone:
    """A tenant's timezone and where it came from (shown in the tick log and the run tags)."""

    zone: ZoneInfo
    source: str  # "tenants file", "shop snapshot of YYYY-MM-DD" or "unknown"

    @property
    def known(self) -> bool:
        return self.source != "unknown"


def newest_shop_snapshot_day(raw_store: RawStoreResource, tenant_id: str) -> date | None:
    """The newest day with a raw shop snapshot for the tenant, or None before its first materialisation."""
    probe = raw_store.partition_path("shopify", "shop", tenant_id, date(2000, 1, 1))
    fs, folder = fsspec.core.url_to_fs(probe.rsplit("/", 1)[0])
    try:
        names = fs.ls(folder, detail=False)
    except FileNotFoundError:
        return None
    days = [m.group(1) for name in names if (m := _SNAPSHOT_FILE.match(str(name).rsplit("/", 1)[-1]))]
    return date.fromisoformat(max(days)) if days else None


def tenant_zone(tenant: Tenant, raw_store: RawStoreResource) -> TenantZone:
    """The override in the tenants file, else the shop's iana_timezone from its newest raw snapshot,
    else UTC (marked unknown)."""
    if tenant.timezone:
        return TenantZone(ZoneInfo(tenant.timezone), "tenants file")
    day = newest_shop_snapshot_day(raw_store, tenant.id)
    if day is not None:
        shop = next(iter(raw_store.read_partition("shopify", "shop", tenant.id, day)), None) or {}
        name = shop.get("iana_timezone")
        if name:
            try:
                return TenantZone(ZoneInfo(name), f"shop snapshot of {day.isoformat()}")
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return TenantZone(ZoneInfo(UNKNOWN_TIMEZONE), "unknown")


# -- which days a tenant's morning run covers --------------------------------------------------------------
def due_local_date(tick: datetime, zone: ZoneInfo, hour: int, interval: timedelta) -> date | None:
    """The tenant-local date whose ``hour``:00 falls in the tick's interval ``(tick - interval, tick]``.

    On a spring-forward day a missing hour counts from the instant the clocks jump (02:00 → 03:00), and
    on a fall-back day a repeated hour counts once (its first occurrence): one run per local date.
    """
    local_today = tick.astimezone(zone).date()
    for day in (local_today, local_today - timedelta(days=1)):
        due = datetime.combine(day, time(hour), tzinfo=zone)
        if tick - interval < due <= tick:
            return day
    return None


def restatement_days(local_date: date, start_date: date, days_before: int) -> tuple[date, date] | None:
    """(first, last) business days rebuilt on the morning of ``local_date``: yesterday and the
    ``days_before`` days before it, not before the tenant's start date (nor the partitions' first day).
    None when yesterday is before the start."""
    yesterday = local_date - timedelta(days=1)
    earliest = max(start_date, daily_partitions.start.date())
    if yesterday < earliest:
        return None
    return max(yesterday - timedelta(days=days_before), earliest), yesterday


@dataclass(frozen=True)
class DailyRun:
    """One tenant's morning run: its business days ``first``…``last``, on the morning of ``local_date``."""

    tenant_id: str
    local_date: date
    first: date
    last: date
    timezone: str

    @property
    def run_key(self) -> str:
        return f"daily:{self.tenant_id}:{self.local_date.isoformat()}"

    def run_request(self) -> dg.RunRequest:
        return dg.RunRequest(
            run_key=self.run_key,
            tags={
                RANGE_START_TAG: f"{self.first.isoformat()}|{self.tenant_id}",
                RANGE_END_TAG: f"{self.last.isoformat()}|{self.tenant_id}",
                TRIGGER_TAG: "daily-schedule",
                TENANT_TAG: self.tenant_id,
                TIMEZONE_TAG: self.timezone,
                LOCAL_DATE_TAG: self.local_date.isoformat(),
            },
        )


@dataclass(frozen=True)
class DailyScheduleSettings:
    """When the daily run happens and how far back it reaches.

    ``cron_schedule`` None (the default) means tenant-local mode: hourly ticks, each tenant at ``hour``
    on its own clock. With a cron, every tick requests every tenant (``hour`` is not used).
    """

    hour: int = DEFAULT_HOUR
    restatement_days: int = DEFAULT_RESTATEMENT_DAYS
    cron_schedule: str | None = None
    execution_timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour must be between 0 and 23, got {self.hour}")
        if self.restatement_days < 0:
            raise ValueError(f"restatement_days must be >= 0, got {self.restatement_days}")
        _zone(self.execution_timezone, "execution_timezone")

    @property
    def tenant_local(self) -> bool:
        return self.cron_schedule is None

    def describe(self) -> str:
        days = f"yesterday and the {self.restatement_days} days before it"
        if self.tenant_local:
            return f"At {self.hour:02d}:00 in each tenant's timezone, rebuild {days} (one run per tenant)."
        return (
            f"On '{self.cron_schedule}' ({self.execution_timezone}), rebuild every tenant's {days} "
            "(one run per tenant)."
        )


def plan_daily_runs(
    tick: datetime,
    tenants: Sequence[Tenant],
    zones: dict[str, TenantZone],
    settings: DailyScheduleSettings,
) -> list[DailyRun]:
    """The runs due at ``tick``: tenants whose morning it is (or all of them with a fixed cron)."""
    runs = []
    for tenant in tenants:
        zone = zones[tenant.id].zone
        if settings.tenant_local:
            local_date = due_local_date(tick, zone, settings.hour, HOURLY_INTERVAL)
        else:
            local_date = tick.astimezone(zone).date()
        if local_date is None:
            continue
        days = restatement_days(local_date, tenant.start_date, settings.restatement_days)
        if days is not None:
            runs.append(DailyRun(tenant.id, local_date, days[0], days[1], str(zone.key)))
    return runs


# -- the schedule ------------------------------------------------------------------------------------------
def build_daily_schedule(
    job: "str | dg.JobDefinition | UnresolvedAssetJobDefinition" = JOB_NAME,
    *,
    name: str = SCHEDULE_NAME,
    hour: int | None = None,
    restatement_days: int | None = None,
    cron_schedule: str | None = None,
    execution_timezone: str | None = None,
    tenants_file: Path | None = None,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.RUNNING,
) -> dg.ScheduleDefinition:
    """The daily schedule for ``job`` (a job or its name). Unset arguments come from the environment:
    ``STOREHOUSE_DAILY_SCHEDULE_HOUR``, ``STOREHOUSE_RESTATEMENT_DAYS``, ``STOREHOUSE_DAILY_SCHEDULE_CRON``
    and ``STOREHOUSE_DAILY_SCHEDULE_TIMEZONE``; ``tenants_file`` defaults to ``STOREHOUSE_TENANTS_FILE``.

    Needs the ``raw_store`` resource (to read a tenant's timezone from its shop snapshot).
    """
    configured = storehouse_settings()
    hour = configured.daily_schedule_hour if hour is None else hour
    cron = cron_schedule or configured.daily_schedule_cron
    timezone = execution_timezone or configured.daily_schedule_timezone
    if timezone and not cron:
        cron = f"0 {hour} * * *"  # a timezone alone: every tenant at that hour of that timezone
    settings = DailyScheduleSettings(
        hour=hour,
        restatement_days=configured.restatement_days if restatement_days is None else restatement_days,
        cron_schedule=cron,
        execution_timezone=timezone or "UTC",
    )
    target = {"job_name": job} if isinstance(job, str) else {"job": job}

    @dg.schedule(
        name=name,
        cron_schedule=settings.cron_schedule or HOURLY_CRON,
        execution_timezone=settings.execution_timezone,
        description=settings.describe(),
        default_status=default_status,
        **target,
    )
    def _daily(context: dg.ScheduleEvaluationContext, raw_store: RawStoreResource):
        tick = context.scheduled_execution_time or datetime.now(UTC)
        if tick.tzinfo is None:
            tick = tick.replace(tzinfo=UTC)
        tenants, zones = [], {}
        for tenant in load_tenants(tenants_file).values():
            try:
                zones[tenant.id] = tenant_zone(tenant, raw_store)
            except Exception as exc:  # noqa: BLE001 - an unreadable raw store must not cost the others their run
                context.log.error(
                    f"tenant {tenant.id}: cannot read its shop snapshot ({type(exc).__name__}: {exc}); "
                    "not scheduled on this tick"
                )
                continue
            tenants.append(tenant)
            if not zones[tenant.id].known:
                context.log.warning(
                    f"tenant {tenant.id}: timezone unknown (no override in the tenants file and no raw shop "
                    f"snapshot yet); scheduling it on {UNKNOWN_TIMEZONE}"
                )
        known = set(context.instance.get_dynamic_partitions(tenant_partitions.name))
        requests = []
        for run in plan_daily_runs(tick, tenants, zones, settings):
            if run.tenant_id not in known:
                context.log.warning(
                    f"tenant {run.tenant_id} has no 'tenant' partition yet (the tenant sensor adds it); "
                    "its daily run is skipped"
                )
                continue
            context.log.info(
                f"tenant {run.tenant_id} ({run.timezone}, {zones[run.tenant_id].source}): "
                f"{run.first.isoformat()}…{run.last.isoformat()}"
            )
            requests.append(run.run_request())
        if not requests:
            return dg.SkipReason(f"no tenant is due at {tick.isoformat()}")
        return requests

    return _daily


SCHEDULES: list[dg.ScheduleDefinition] = [build_daily_schedule()]
