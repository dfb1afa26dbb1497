"""Fetching a run's business days into the raw store, several days and tenants at once.

A raw orders/customers/products run covers one or more tenants, each with one or more business days. The
API's rate limit, not the network or the CPU, bounds how fast a shop's records arrive, so the days of a
tenant are fetched concurrently (``ShopifyClientResource.max_concurrent_windows`` day windows in flight),
all through the shop's one pacer (``resources.http.PACERS``), which keeps them together under the shop's
leaky bucket. Tenants have buckets of their own, so several tenants go side by side
(``max_concurrent_tenants``).

Each day is still written on its own, atomically, to its own partition, and the outcome (records, days
written, skipped days with their reasons, API counters) is what fetching the days one after the other
gives: partitions are independent of the order in which they are fetched. When a day fails, the days
not yet started are cancelled and the error of the earliest failing day is raised, as it would be when
walking the days in order. A 403 for protected customer data skips the entity for the tenant: the
earliest refused day is reported and the tenant's days not yet started are not fetched.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from platform_assets.runs import TenantDays
from platform_assets.shopify.business_days import day_window, shop_timezone
from platform_assets.tenants import Tenant
from resources.page_encoding import PageEncoder
from resources.raw_store import RawStoreResource
from resources.shopify_client import ShopifyClientResource, ShopifyProtectedDataError, ShopifyShopClient

#: The API counters summed into the assets' metadata.
API_COUNTERS = ("requests", "retries", "throttled")


@dataclass(frozen=True)
class DayWindow:
    """One business day of one tenant to fetch: the updated_at window and what goes into its sidecar."""

    day: date
    updated_min: datetime | None  # None on the tenant's start date: it takes everything updated before
    updated_max: datetime  # inclusive: the last second of the local day
    end: datetime  # exclusive end of the local day (recorded in the sidecar)
    timezone: ZoneInfo

    def extra_meta(self) -> dict[str, str | None]:
        return {
            "updated_at_min": self.updated_min.isoformat() if self.updated_min else None,
            "updated_at_max": self.end.isoformat(),
            "timezone": str(self.timezone),
        }


@dataclass
class FetchOutcome:
    """What a run fetched: records written, days written, skipped days with reasons, API counters."""

    records: int = 0
    written: list[date] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    api: dict[str, float] = field(default_factory=lambda: dict.fromkeys(API_COUNTERS, 0))
    warnings: list[str] = field(default_factory=list)  # one line per entity skipped for a tenant
    seconds: float = 0.0  # wall time of a tenant's fetch (for a whole run: of the slowest tenant)
    tenants: dict[str, FetchOutcome] = field(default_factory=dict)  # a run's outcome per tenant

    def add_api(self, stats: dict[str, float]) -> None:
        for counter in API_COUNTERS:
            self.api[counter] += stats.get(counter, 0)

    def merge(self, other: FetchOutcome) -> None:
        self.records += other.records
        self.written += other.written
        self.skipped.update(other.skipped)
        self.warnings += other.warnings
        self.add_api(other.api)
        self.seconds = max(self.seconds, other.seconds)


def client_for(
    shopify: ShopifyClientResource, tenant: Tenant, encoder: PageEncoder | None = None
) -> ShopifyShopClient:
    """A new client (with its own HTTP session) for the tenant's shop; it shares the shop's pacer, and
    ``encoder`` (the run's worker processes) if given."""
    if tenant.shopify is None:
        raise dg.Failure(f"tenant {tenant.id} has no shopify connection in the tenants file")
    connection = tenant.shopify
    return shopify.for_shop(
        connection.shop_url, connection.token(), api_version=connection.api_version, encoder=encoder
    )


def plan_windows(
    tenant: Tenant, days: list[date], timezone: ZoneInfo, now: datetime
) -> tuple[list[DayWindow], dict[str, str]]:
    """The day windows to fetch, in day order, and the days skipped (before the start, not begun yet)."""
    local_today = now.astimezone(timezone).date()
    windows: list[DayWindow] = []
    skipped: dict[str, str] = {}
    for day in days:
        if day < tenant.start_date:
            skipped[f"{tenant.id}/{day}"] = f"before the tenant's start date {tenant.start_date}"
            continue
        if day > local_today:
            skipped[f"{tenant.id}/{day}"] = f"has not begun in {timezone} (today is {local_today})"
            continue
        start, end = day_window(day, timezone)
        updated_min = None if day == tenant.start_date else start
        windows.append(DayWindow(day, updated_min, end - timedelta(seconds=1), end, timezone))
    return windows, skipped


def fetch_tenant(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    entity: str,
    td: TenantDays,
    now: datetime,
    encoder: PageEncoder,
) -> FetchOutcome:
    """Fetch one tenant's days of ``entity`` (orders, customers, products), up to
    ``shopify.max_concurrent_windows`` at once, one partition per day."""
    tenant = td.tenant
    started = time.perf_counter()
    outcome = FetchOutcome()
    with client_for(shopify, tenant) as client:
        timezone = shop_timezone(tenant, client.get_shop())
        outcome.add_api(client.stats)
    windows, skipped = plan_windows(tenant, td.days, timezone, now)
    lock = threading.Lock()
    failed: list[date] = []  # days that raised: later days not yet started are not fetched

    def one_day(window: DayWindow) -> int | None:
        """Records written for the day, or None when a failure of an earlier day cancelled it."""
        with lock:
            if failed and min(failed) < window.day:
                return None
        client = client_for(shopify, tenant, encoder)
        try:
            result = raw_store.write_partition(
                "shopify",
                entity,
                tenant.id,
                window.day,
                client.iter_window(entity, window.updated_min, window.updated_max),
                extra_meta=window.extra_meta(),
            )
            return result.records
        except BaseException:
            with lock:
                failed.append(window.day)
            raise
        finally:
            client.close()
            with lock:
                outcome.add_api(client.stats)

    workers = max(1, min(shopify.max_concurrent_windows, len(windows)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"raw-{entity}-{tenant.id}") as pool:
        futures: list[tuple[DayWindow, Future[int | None]]] = [(w, pool.submit(one_day, w)) for w in windows]
        wait([f for _, f in futures], return_when=FIRST_EXCEPTION)
        if failed:
            for _, future in futures:
                future.cancel()  # those not started yet
    # Walk the days in order, as a sequential run would: stop at the first failure.
    for window, future in futures:
        if future.cancelled():
            continue
        error = future.exception()
        if isinstance(error, ShopifyProtectedDataError):
            skipped[f"{tenant.id}/{window.day}"] = f"skipped: {error}"
            outcome.warnings.append(f"{entity} for {tenant.id} skipped: {error}")
            break
        if error is not None:
            raise error
        records = future.result()
        if records is not None:
            outcome.records += records
            outcome.written.append(window.day)
    outcome.skipped = {key: skipped[key] for key in sorted(skipped, key=_day_of_key)}
    outcome.seconds = time.perf_counter() - started
    return outcome


def _day_of_key(key: str) -> str:
    return key.rsplit("/", 1)[1]


def fetch_days(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    entity: str,
    tenants: list[TenantDays],
    now: datetime,
) -> FetchOutcome:
    """Fetch every tenant's days of ``entity``, ``shopify.max_concurrent_tenants`` tenants side by side.

    The outcome lists tenants in the run's order. If tenants fail, the first failing tenant's error (in
    that order) is raised once all started tenants are done. Big pages are parsed and encoded in the run's
    worker processes (``shopify.page_workers``).
    """
    workers = max(1, min(shopify.max_concurrent_tenants, len(tenants)))
    with shopify.page_encoder() as encoder:
        if workers == 1:
            per_tenant = [fetch_tenant(shopify, raw_store, entity, td, now, encoder) for td in tenants]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"raw-{entity}") as pool:
                futures = [
                    pool.submit(fetch_tenant, shopify, raw_store, entity, td, now, encoder) for td in tenants
                ]
                wait(futures)
            per_tenant = [future.result() for future in futures]
    total = FetchOutcome()
    for td, outcome in zip(tenants, per_tenant, strict=True):
        total.merge(outcome)
        total.tenants[td.tenant.id] = outcome
    total.written.sort()
    return total
