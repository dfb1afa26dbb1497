"""Fetching a run's business days into the raw store, several days and tenants at once.

A raw orders/customers/products run covers one or more tenants, each with one or more business days. The
API's rate limit, not the network or the CPU, bounds how fast a shop's records arrive, so the days of a
tenant are fetched concurrently (``ShopifyClientResource.max_concurrent_windows`` day windows in flight),
all through the shop's one pacer (``resources.http.PACERS``), which keeps them together under the shop's
leaky bucket. Tenants have buckets of their own, so several tenants go side by side
(``max_concurrent_tenants``).

A GraphQL tenant's run over more than ``bulk_min_days`` days, or its first sync, reads the whole range
with one bulk operation instead (``bulk_fetch``), then writes the same partitions day by day.

Each day is still written on its own, atomically, to its own partition, and the outcome (records, days
written, skipped days with their reasons) is what fetching the days one after the other gives:
partitions are independent of the order in which they are fetched. Threads with no day left to start
help the days still paging by taking over part of their window (``window_split``, orders only): such a
day's partition holds the same records, in another order, for a request or two more.

A tenant whose connection says ``api: graphql`` is read through the GraphQL client behind a reader that
hands out REST records (``graphql_fetch``), under its shop's cost bucket; its windows are not split.

When a day fails, the days not yet started are cancelled and the error of the earliest failing day is
raised, as it would be when walking the days in order. A 403 for protected customer data skips the
entity for the tenant: the earliest refused day is reported and the tenant's days not yet started are
not fetched.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.raw_assets import business_day_windows
from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.bulk_fetch import fetch_in_bulk, wants_bulk
from platform_assets.sources.shopify.connection import ShopifyConnection, shopify_connection
from platform_assets.sources.shopify.graphql_fetch import GraphQLShopReader
from platform_assets.sources.shopify.window_split import Chain, ChainBoard, DayPages, chain_pages, help_day
from platform_assets.tenants import Tenant
from resources.page_encoding import PageEncoder
from resources.raw_store import RawStoreResource
from resources.shopify.client import (
    SORTED_BY_UPDATED_AT,
    ShopifyClientResource,
    ShopifyProtectedDataError,
    ShopifyShopClient,
)
from resources.shopify.graphql import ShopifyGraphQLClient
from resources.shopify.versions import ServedVersions

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
    api: str = "rest"  # the Admin API the records are read through (recorded in the sidecar)

    def extra_meta(self) -> dict[str, str | None]:
        return {
            "updated_at_min": self.updated_min.isoformat() if self.updated_min else None,
            "updated_at_max": self.end.isoformat(),
            "timezone": str(self.timezone),
            "api": self.api,
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
    splits: int = 0  # day windows split between threads (``window_split``)
    apis: dict[str, str] = field(default_factory=dict)  # the Admin API each tenant was read through
    bulk: dict[str, dict] = field(default_factory=dict)  # tenants read with a bulk operation: its account
    #: Per tenant, the API version asked for, the versions served and the deprecation reasons received.
    versions: dict[str, dict] = field(default_factory=dict)

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
        self.splits += other.splits
        self.apis.update(other.apis)
        self.bulk.update(other.bulk)
        self.versions.update(other.versions)


def client_for(
    shopify: ShopifyClientResource, tenant: Tenant, encoder: PageEncoder | None = None
) -> ShopifyShopClient | GraphQLShopReader:
    """A new client for the tenant's shop through the Admin API its connection names (:func:`open_shop`)."""
    return open_shop(shopify, shopify_connection(tenant), encoder)


def open_shop(
    shopify: ShopifyClientResource, connection: ShopifyConnection, encoder: PageEncoder | None = None
) -> ShopifyShopClient | GraphQLShopReader:
    """A new client for the connection's shop through the Admin API it names (``api``): the REST client
    (sharing ``encoder``, the run's worker processes, if given), or the GraphQL one behind a reader handing
    out REST records (``graphql_fetch``), so that a GraphQL tenant never reads REST. Either shares the
    shop's pacer of its API."""
    if connection.api == "graphql":
        return GraphQLShopReader(
            ShopifyGraphQLClient.for_shop(
                shopify,
                connection.shop_url,
                connection.token(),
                api_version=connection.api_version,
                token_source=connection.token_source,
            )
        )
    return shopify.for_shop(
        connection.shop_url,
        connection.token(),
        api_version=connection.api_version,
        encoder=encoder,
        token_source=connection.token_source,
    )


def plan_windows(
    tenant: Tenant, days: list[date], timezone: ZoneInfo, now: datetime
) -> tuple[list[DayWindow], dict[str, str]]:
    """The day windows to fetch, in day order, and the days skipped (before the start, not begun yet)."""
    windows, skipped = business_day_windows(tenant, days, timezone, now)
    # updated_at_max is inclusive: the last second of the local day.
    api = shopify_connection(tenant).api
    return [
        DayWindow(w.day, w.start, w.end - timedelta(seconds=1), w.end, timezone, api) for w in windows
    ], skipped


def fetch_tenant(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    entity: str,
    td: TenantDays,
    now: datetime,
    encoder: PageEncoder,
) -> FetchOutcome:
    """Fetch one tenant's days of ``entity`` (orders, customers, products), up to
    ``shopify.max_concurrent_windows`` chains of pages at once, one partition per day. Threads with no
    day left to start help the days still paging (``window_split``), where the entity's pages are
    sorted by ``updated_at`` and the tenant reads through REST (a GraphQL walk is not split)."""
    tenant = td.tenant
    started = time.perf_counter()
    outcome = FetchOutcome()
    with client_for(shopify, tenant) as client:
        timezone = fetch_timezone(tenant, PLATFORM, client.get_shop().get("iana_timezone"))
        outcome.add_api(client.stats)
        versions = ServedVersions(client.versions.requested)  # every client of the tenant's fetch
        versions.absorb(client.versions)
        rest = isinstance(client, ShopifyShopClient)
        outcome.apis[tenant.id] = "rest" if rest else "graphql"
        splittable = rest and shopify.split_windows and entity in SORTED_BY_UPDATED_AT
        board = ChainBoard(client.pacer) if splittable else None
    windows, skipped = plan_windows(tenant, td.days, timezone, now)
    if not rest and wants_bulk(shopify, raw_store, entity, tenant.id, windows):
        return _fetch_in_bulk(
            shopify, raw_store, entity, tenant, windows, skipped, outcome, started, versions
        )
    lock = threading.Lock()
    queued = deque(windows)
    failed: list[date] = []  # days that raised: later days not yet started are not fetched
    results: dict[date, int | BaseException] = {}

    def next_window() -> DayWindow | None:
        with lock:
            while queued:
                window = queued.popleft()
                if not (failed and min(failed) < window.day):
                    return window
            return None

    def fetched(client: ShopifyShopClient | GraphQLShopReader) -> None:
        client.close()
        with lock:
            outcome.add_api(client.stats)
        versions.absorb(client.versions)

    def one_day(window: DayWindow) -> None:
        client = client_for(shopify, tenant, encoder)
        try:
            if board is None:
                pages = client.iter_window(entity, window.updated_min, window.updated_max)
            else:
                day = DayPages()
                chain = board.start(day, window.updated_min, window.updated_max)
                assert isinstance(client, ShopifyShopClient)  # only REST walks are split
                pages = day.merged(chain_pages(chain, board, client, entity))
            result = raw_store.write_partition(
                "shopify",
                entity,
                tenant.id,
                window.day,
                pages,
                extra_meta=window.extra_meta(),
                late_meta=client.versions.sidecar,  # what the shop answered this day's requests with
            )
            results[window.day] = result.records
        except BaseException as exc:  # noqa: BLE001 - reported in day order below
            results[window.day] = exc
            with lock:
                failed.append(window.day)
        finally:
            fetched(client)

    def help_a_day(board: ChainBoard, chain: Chain) -> None:
        try:
            client = client_for(shopify, tenant, encoder)
        except BaseException as exc:  # noqa: BLE001 - the day's writer raises it
            board.helper_done(chain, exc)
            return
        assert isinstance(client, ShopifyShopClient)  # only REST walks are split
        try:
            help_day(chain, board, client, entity)
        finally:
            fetched(client)

    def worker() -> None:
        while (window := next_window()) is not None:
            one_day(window)
        while board is not None and not failed and board.active():
            chain = board.split()
            if chain is not None:
                help_a_day(board, chain)

    workers = max(1, min(shopify.max_concurrent_windows, len(windows)))
    if board is not None and windows:
        workers = max(1, shopify.max_concurrent_windows)
    threads = [
        threading.Thread(target=worker, name=f"raw-{entity}-{tenant.id}-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Walk the days in order, as a sequential run would: stop at the first failure.
    for window in windows:
        result = results.get(window.day)
        if result is None:
            continue  # not started: an earlier day failed
        if isinstance(result, ShopifyProtectedDataError):
            skipped[f"{tenant.id}/{window.day}"] = f"skipped: {result}"
            outcome.warnings.append(f"{entity} for {tenant.id} skipped: {result}")
            break
        if isinstance(result, BaseException):
            raise result
        outcome.records += result
        outcome.written.append(window.day)
    outcome.skipped = {key: skipped[key] for key in sorted(skipped, key=_day_of_key)}
    outcome.seconds = time.perf_counter() - started
    outcome.splits = board.splits if board is not None else 0
    outcome.versions[tenant.id] = versions.summary()
    return outcome


def _fetch_in_bulk(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    entity: str,
    tenant: Tenant,
    windows: list[DayWindow],
    skipped: dict[str, str],
    outcome: FetchOutcome,
    started: float,
    versions: ServedVersions,
) -> FetchOutcome:
    """A GraphQL tenant's days of ``entity`` read with one bulk operation (``bulk_fetch``), one partition
    per day as the paginated walk writes them. A 403 for protected customer data skips the entity for the
    tenant, reported on the range's first day."""
    reader = client_for(shopify, tenant)
    assert isinstance(reader, GraphQLShopReader)  # only GraphQL tenants read in bulk
    with reader:
        try:
            loaded = fetch_in_bulk(shopify, raw_store, reader.client, entity, tenant.id, windows)
        except ShopifyProtectedDataError as error:
            skipped[f"{tenant.id}/{windows[0].day}"] = f"skipped: {error}"
            outcome.warnings.append(f"{entity} for {tenant.id} skipped: {error}")
            loaded = None
        finally:
            outcome.add_api(reader.stats)
            versions.absorb(reader.versions)
    if loaded is not None:
        outcome.records += sum(loaded.records.values())
        outcome.written += list(loaded.records)
        outcome.bulk[tenant.id] = loaded.summary()
    outcome.skipped = {key: skipped[key] for key in sorted(skipped, key=_day_of_key)}
    outcome.seconds = time.perf_counter() - started
    outcome.versions[tenant.id] = versions.summary()
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
