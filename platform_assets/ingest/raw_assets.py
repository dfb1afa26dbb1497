"""The scaffolding every source's raw assets share: the asset decorator (date × tenant partitions, the raw
group, automation and backfill policy), the snapshot writer for entities the API keeps no history of, and
the business-day windows a changed-during-the-day entity is fetched in. A source's raw module keeps what is
its own: which entities, how its client pages them, what goes into a window's sidecar."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from platform_assets.automation import RAW_AUTOMATION
from platform_assets.clock import day_window, utc_now
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import TenantDays, describe_days
from platform_assets.tenants import Tenant
from resources.page_encoding import EncodedPage
from resources.raw_store import RawStoreResource

GROUP = "raw"
OWNERS = ["team:data-platform"]
#: Records per page when a snapshot partition is copied to the run's other days.
COPY_PAGE_LINES = 5_000


def raw_asset(name: str, description: str, kinds: set[str], **kwargs: Any):
    """The decorator of a raw asset: partitioned by business day and tenant, in the raw group."""
    return dg.asset(
        name=name,
        description=description,
        partitions_def=date_tenant_partitions,
        group_name=GROUP,
        kinds=kinds,
        owners=OWNERS,
        backfill_policy=BACKFILL_POLICY,
        **RAW_AUTOMATION,
        **kwargs,
    )


def write_snapshot(
    platform: str,
    entity: str,
    raw_store: RawStoreResource,
    runs: Iterable[TenantDays],
    open_client: Callable[[Tenant], AbstractContextManager[Any]],
    fetch: Callable[[Any], Iterable[list[dict]]],
    *,
    count_records: bool = True,
    sidecar_meta: Callable[[Any], dict[str, Any]] | None = None,
) -> dg.MaterializeResult:
    """Write the same snapshot, taken once per tenant (``fetch(client)``'s pages), as each of the run's days;
    the metadata says when each tenant's was taken (the moment the scan began) and how many records were
    written, unless ``count_records`` is False. ``sidecar_meta(client)``: more for each partition's sidecar
    (e.g. the API the snapshot was read through and the version it was served as), asked once the
    partition's pages are read.

    The pages are streamed into the first day's partition as they arrive, never held whole (a site's
    100,000 customers are one scan); the run's other days are copied from that partition line by line."""
    records = 0
    taken: dict[str, str] = {}
    days: list[date] = []
    for td in runs:
        with open_client(td.tenant) as client:
            snapshot_at = utc_now().isoformat()
            extra = {"snapshot_taken_at": snapshot_at}
            # Asked once the pages are read: it may say what the source answered with (an API version).
            late = (lambda client=client: sidecar_meta(client)) if sidecar_meta else None
            first: date | None = None
            for day in td.days:
                pages = (
                    fetch(client)
                    if first is None
                    else copied_pages(raw_store.read_lines(platform, entity, td.tenant.id, first))
                )
                result = raw_store.write_partition(
                    platform, entity, td.tenant.id, day, pages, extra_meta=extra, late_meta=late
                )
                first = first or day
                records += result.records
                days.append(day)
            taken[td.tenant.id] = snapshot_at
    days.sort()
    metadata: dict[str, Any] = {"records": dg.MetadataValue.int(records)} if count_records else {}
    metadata["snapshot_taken_at"] = dg.MetadataValue.json(taken)
    metadata["dates_covered"] = describe_days(days)
    return dg.MaterializeResult(metadata=metadata)


def copied_pages(lines: Iterable[bytes], page_lines: int = COPY_PAGE_LINES) -> Iterator[EncodedPage]:
    """A partition's raw lines (newline included) as pages of at most ``page_lines`` encoded records, to
    write them again as another partition without parsing them."""
    chunk: list[bytes] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == page_lines:
            yield EncodedPage(b"".join(chunk), len(chunk))
            chunk = []
    if chunk:
        yield EncodedPage(b"".join(chunk), len(chunk))


@dataclass(frozen=True)
class BusinessDayWindow:
    """One business day to fetch: the records changed in ``[start, end)``; ``start`` None on the tenant's
    start date (it takes everything changed before it too)."""

    day: date
    start: datetime | None
    end: datetime


def business_day_windows(
    tenant: Tenant, days: Iterable[date], timezone: ZoneInfo, now: datetime
) -> tuple[list[BusinessDayWindow], dict[str, str]]:
    """The day windows to fetch, in the order of ``days``, and the days skipped (before the tenant's start,
    not begun yet in ``timezone``) with the reason, keyed ``tenant/day``."""
    local_today = now.astimezone(timezone).date()
    windows: list[BusinessDayWindow] = []
    skipped: dict[str, str] = {}
    for day in days:
        if day < tenant.start_date:
            skipped[f"{tenant.id}/{day}"] = f"before the tenant's start date {tenant.start_date}"
            continue
        if day > local_today:
            skipped[f"{tenant.id}/{day}"] = f"has not begun in {timezone} (today is {local_today})"
            continue
        start, end = day_window(day, timezone)
        windows.append(BusinessDayWindow(day, None if day == tenant.start_date else start, end))
    return windows, skipped
