"""The late-change sensor: when an old order changes (a refund weeks later, a late edit or cancellation),
request the run that corrects the old business days it touches.

A raw orders partition of day D holds the orders whose ``updated_at`` falls in D (tenant-local), so a
change lands in the partition of the day it *happened*, and materialising that day restates every older
day it touches (the order's day, its refunds' days, the customer's order days). The run that corrects an
old day is therefore the run of the **change's day**, not of the old day: re-materialising the old day
would not even see the change.

Every few minutes the sensor asks each platform of each tenant (its source's changed-since probe) for the
orders updated since its cursor (only ``id``, ``processed_at`` and ``updated_at``, every status: one
cheap request per tenant when nothing changed). Changed orders whose business day (``processed_at``,
tenant-local) is older than the restatement window (before ``today - restatement_days - 1``) lead to one
run per change day, tagged with the old days it restates (``storehouse/restates``). Changes to recent
days request nothing: the daily schedule and the hourly refresh rebuild those days anyway.

The cursor maps each tenant's platform to the newest ``updated_at`` it has seen. A platform whose API
fails keeps its cursor and is retried on the next evaluation; the others go on. See docs/scheduling.md.
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.partitions import daily_partitions, tenant_partitions
from platform_assets.settings import settings
from platform_assets.sources.contract import ChangedOrder
from platform_assets.sources.registry import source
from platform_assets.tags import CHANGED_ORDERS_TAG, RESTATES_TAG, TENANT_TAG, TRIGGER_TAG
from platform_assets.tenants import Tenant, load_tenants
from sensors.schedules import JOB_NAME

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

SENSOR_NAME = "storehouse_late_change_sensor"
#: Stop starting new tenants after this long, well inside Dagster's 60 s sensor evaluation timeout.
DEFAULT_TIME_BUDGET_SECONDS = 40.0


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- the cursor --------------------------------------------------------------------------------------------
def cursor_key(tenant_id: str, platform: str) -> str:
    """A tenant's platform in the cursor: "acme/<platform>"."""
    return f"{tenant_id}/{platform}"


def parse_cursor(raw: str | None) -> dict[str, datetime]:
    """``{"acme/<platform>": "2026-03-11T17:09:02+00:00", ...}`` → newest updated_at seen per tenant and
    platform. A bare tenant id (a cursor stored before sources were keyed) stands for its first platform."""
    if not raw:
        return {}
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError(f"late-change cursor must be a JSON object, got {raw[:80]!r}")
    return {str(tenant): datetime.fromisoformat(value) for tenant, value in document.items()}


def _keyed(cursor: dict[str, datetime], tenants: Mapping[str, Tenant]) -> dict[str, datetime]:
    """The cursor with a bare tenant id (stored before sources were keyed) under its first platform."""
    keyed = {}
    for key, seen in cursor.items():
        tenant = tenants.get(key)
        if tenant is not None and tenant.connections:
            key = cursor_key(tenant.id, next(iter(tenant.connections)))
        keyed[key] = seen
    return keyed


def dump_cursor(cursor: Mapping[str, datetime]) -> str:
    return json.dumps({tenant: seen.astimezone(UTC).isoformat() for tenant, seen in sorted(cursor.items())})


# -- what changed ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LateChangeRun:
    """The run of one tenant's change day, which restates the old business days its changes touch."""

    tenant_id: str
    change_day: date
    restates: tuple[date, ...]
    orders: int
    window: tuple[datetime, datetime]  # (cursor before, cursor after]

    @property
    def partition_key(self) -> str:
        return dg.MultiPartitionKey({"date": self.change_day.isoformat(), "tenant": self.tenant_id})

    @property
    def run_key(self) -> str:
        start, end = (moment.astimezone(UTC).isoformat() for moment in self.window)
        return f"late-change:{self.tenant_id}:{self.change_day.isoformat()}:{start}..{end}"

    def run_request(self) -> dg.RunRequest:
        return dg.RunRequest(
            run_key=self.run_key,
            partition_key=self.partition_key,
            tags={
                RESTATES_TAG: ",".join(day.isoformat() for day in self.restates),
                CHANGED_ORDERS_TAG: str(self.orders),
                TRIGGER_TAG: "late-change-sensor",
                TENANT_TAG: self.tenant_id,
            },
        )


def plan_late_change_runs(
    tenant: Tenant,
    orders: Iterable[ChangedOrder],
    zone: ZoneInfo,
    now: datetime,
    restatement_days: int,
    window: tuple[datetime, datetime],
) -> list[LateChangeRun]:
    """One run per change day whose changes touch business days older than the restatement window.

    A change before the tenant's start date lands in the start date's partition (it takes everything
    updated before it), so that is the day requested.
    """
    oldest_recent = now.astimezone(zone).date() - timedelta(days=restatement_days + 1)
    earliest = max(tenant.start_date, daily_partitions.start.date())
    old_days: dict[date, set[date]] = defaultdict(set)
    counts: dict[date, int] = defaultdict(int)
    for order in orders:
        business_day = order.processed_at.astimezone(zone).date()
        if business_day < oldest_recent:
            change_day = max(order.updated_at.astimezone(zone).date(), earliest)
            old_days[change_day].add(business_day)
            counts[change_day] += 1
    return [
        LateChangeRun(tenant.id, day, tuple(sorted(old_days[day])), counts[day], window)
        for day in sorted(old_days)
    ]


@dataclass(frozen=True)
class TenantScan:
    """What one evaluation learnt about a tenant: its new cursor and the runs to request."""

    cursor: datetime
    changed: int
    runs: list[LateChangeRun]


def scan_tenant(
    tenant: Tenant,
    platform: str,
    since: datetime,
    now: datetime,
    restatement_days: int,
    client: dg.ConfigurableResource | None = None,
) -> TenantScan:
    """Ask the tenant's ``platform`` for the orders updated in ``(since, now]`` and plan the runs their old
    days need.

    Raises the client's errors (an API error, TenantConfigError for a missing token) to the caller.
    """
    connection = tenant.connection(platform)
    assert connection is not None
    probe = source(platform).changes_since(tenant, connection, since, now, client)
    if not probe.changed:
        return TenantScan(since, 0, [])
    zone = fetch_timezone(tenant, platform, probe.platform_timezone)
    cursor = max(since, *(order.updated_at for order in probe.changed))
    runs = plan_late_change_runs(tenant, probe.changed, zone, now, restatement_days, (since, cursor))
    return TenantScan(cursor, len(probe.changed), runs)


# -- the sensor --------------------------------------------------------------------------------------------
def build_late_change_sensor(
    job: "str | dg.JobDefinition | UnresolvedAssetJobDefinition" = JOB_NAME,
    *,
    name: str = SENSOR_NAME,
    restatement_days: int | None = None,
    lookback: timedelta | None = None,
    minimum_interval_seconds: int | None = None,
    clients: Mapping[str, dg.ConfigurableResource] | None = None,
    tenants_file: Path | None = None,
    clock: Callable[[], datetime] = utc_now,
    time_budget_seconds: float = DEFAULT_TIME_BUDGET_SECONDS,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
) -> dg.SensorDefinition:
    """The late-change sensor for ``job`` (a job or its name). Unset arguments come from the environment:
    ``STOREHOUSE_RESTATEMENT_DAYS`` (3), ``STOREHOUSE_LATE_CHANGES_LOOKBACK_HOURS`` (24, how far back a
    tenant's first evaluation looks) and ``STOREHOUSE_LATE_CHANGES_INTERVAL_SECONDS`` (300).

    ``clients`` (a client resource per platform; default: each source's own, with a short retry budget),
    ``tenants_file`` and ``clock`` are there for tests.
    """
    configured = settings()
    days = configured.restatement_days if restatement_days is None else restatement_days
    lookback = lookback or timedelta(hours=configured.late_changes_lookback_hours)
    interval = minimum_interval_seconds or int(configured.late_changes_interval_seconds)
    clients = dict(clients or {})
    target = {"job_name": job} if isinstance(job, str) else {"job": job}

    @dg.sensor(
        name=name,
        minimum_interval_seconds=interval,
        default_status=default_status,
        description=(
            "When orders change that were processed before the restatement window (today - "
            f"{days + 1} days, tenant-local), requests the partition of the day they changed, tagged "
            f"{RESTATES_TAG} with the old business days it restates."
        ),
        **target,
    )
    def _late_changes(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = clock().astimezone(UTC).replace(microsecond=0)
        tenants = load_tenants(tenants_file)
        previous = _keyed(parse_cursor(context.cursor), tenants)
        known = set(context.instance.get_dynamic_partitions(tenant_partitions.name))
        wanted = {cursor_key(t.id, platform) for t in tenants.values() for platform in t.connections}
        cursor = {key: seen for key, seen in previous.items() if key in wanted}
        requests: list[dg.RunRequest] = []
        problems: list[str] = []
        deadline = time.monotonic() + time_budget_seconds
        unpartitioned = [t.id for t in tenants.values() if t.id not in known]
        problems += [f"{tenant_id}: no 'tenant' partition yet" for tenant_id in unpartitioned]
        connected = [(t, p) for t in tenants.values() if t.id in known for p in t.connections]
        for tenant, platform in connected:
            key = cursor_key(tenant.id, platform)
            if time.monotonic() > deadline:
                problems.append(f"{key}: not scanned, the evaluation's time budget is used up")
                continue
            since = previous.get(key) or now - lookback
            try:
                scan = scan_tenant(tenant, platform, since, now, days, clients.get(platform))
            except Exception as exc:  # noqa: BLE001 - one tenant's failure must not stop the others
                problems.append(f"{key}: {type(exc).__name__}: {exc}")
                continue
            cursor[key] = scan.cursor
            if scan.changed:
                context.log.info(
                    f"tenant {tenant.id}: {scan.changed} order(s) changed after {since.isoformat()}"
                )
            for run in scan.runs:
                context.log.info(
                    f"tenant {tenant.id}: {run.orders} order(s) changed on {run.change_day} touch "
                    f"{', '.join(d.isoformat() for d in run.restates)}; requesting {run.partition_key}"
                )
                requests.append(run.run_request())
        for problem in problems:
            context.log.warning(f"late changes: {problem} (cursor unchanged)")
        skip = None
        if not requests:
            skip = dg.SkipReason("; ".join(["no change touches an old business day", *problems]))
        return dg.SensorResult(run_requests=requests, skip_reason=skip, cursor=dump_cursor(cursor))

    return _late_changes


LATE_CHANGE_SENSORS: list[dg.SensorDefinition] = [build_late_change_sensor()]
