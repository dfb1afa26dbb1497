"""Shopify order deletions: found, recorded in ``source_deletions``, and taken out of staging and the facts.

A merchant can delete an order in the Shopify admin; from then on no orders endpoint returns it. Every
run of a (day, tenant) partition, after the orders are staged and before the conformed layer is built,
finds the deletions two ways:

1. **Deletion events** of the run's days: REST ``events.json?filter=Order&verb=destroy`` or GraphQL
   ``deletionEvents(subjectTypes: [ORDER])`` (per the tenant's ``api``), in the same window as the raw
   orders fetch (the start date takes every deletion before it). Each is recorded with
   ``detected_by = 'event'`` on the business day it happened (``detected_on``).
2. **An id-set comparison** of a day window (the run's days and the ``STOREHOUSE_RESTATEMENT_DAYS`` + 1
   days before, from the tenant's start date on): the order ids ``fact_orders`` holds for those business
   days against the ids the shop holds now for the same ``processed_at`` window (REST ``orders.json
   ?fields=id``, GraphQL ``orders(query:) { nodes { id } }``). An id the warehouse has and the shop has
   not is a deletion no event reported (events are kept for a limited time, and are only shown for orders
   the app may read). Each such id is confirmed gone first (``order_exists``: REST ``orders/{id}.json``
   answers 404, GraphQL ``order(id:)`` is null; at most ``CONFIRM_MAX`` a range, the rest on the next
   run), so an id listing that lost a page never deletes a real order: such an order is kept and the
   check fails naming it. A confirmed one is recorded with ``detected_by = 'id_set'`` on the run's last
   day. When more
   than half of the window's ids (and more than ``SUSPECT_MIN`` of them) would be missing, nothing is
   recorded: that is an access problem (a scope or a 60-day visibility limit), not deletions, and the
   check below fails.

Recorded orders leave the Shopify order staging tables, the conformed order tables and the facts
(``platform_assets/staging/deletions.py``); the aggregates of the same run restate the days they counted
on. A rerun records nothing twice. The check ``order_ids_match_source`` says what the comparison found.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import dagster as dg

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.clock import day_window, utc_now
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.raw_assets import business_day_windows
from platform_assets.ingest.runs import TenantDays, describe_days, tenant_days
from platform_assets.settings import settings
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.raw_fetch import client_for
from platform_assets.sources.shopify.staging_assets import ORDER_TABLES
from platform_assets.staging.deletions import (
    DELETION_TABLES,
    Deletion,
    purge_deleted,
    record_deletions,
    recorded_ids,
    warehouse_order_ids,
)
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.sql_assets import WAREHOUSE_POOL
from resources.shopify.client import ShopifyClientResource
from resources.warehouse import WarehouseResource

ASSET_NAME = "shopify_order_deletions"
CHECK_NAME = "order_ids_match_source"
#: An id-set comparison missing more than half of the window's ids, and more than this many, is not
#: believed (an access problem, not deletions): nothing is recorded and the check fails.
SUSPECT_MIN = 10
#: An id-set finding is confirmed order by order; at most this many per tenant and range, the rest on the
#: next run.
CONFIRM_MAX = 100
#: The counts of a :class:`Finding` summed over a run.
COUNTED = ("by_event", "by_id_set", "events_seen", "warehouse_ids", "source_ids", "missing_at_source")


@dataclass
class Finding:
    """What one tenant's day range found."""

    by_event: int = 0
    by_id_set: int = 0
    events_seen: int = 0
    warehouse_ids: int = 0
    source_ids: int = 0
    missing_at_source: int = 0
    suspect: str | None = None
    still_there: list[str] = field(default_factory=list)  # missing from the id list, yet the shop has them
    deferred: int = 0  # missing, not confirmed yet (over CONFIRM_MAX): the next run confirms them
    purged: dict[str, int] = field(default_factory=dict)
    id_set_window: str = "none"


def id_set_days(first: date, last: date, start_date: date, today: date) -> tuple[date, date] | None:
    """The business days an id-set comparison covers for a run of [first, last]: the run's days and the
    ``restatement_days`` + 1 days before them, from the tenant's start date, up to today."""
    lookback = settings().restatement_days + 1
    low, high = max(first - timedelta(days=lookback), start_date), min(last, today)
    return (low, high) if low <= high else None


def believed(missing: int, held: int) -> bool:
    """Whether an id-set comparison finding ``missing`` of the ``held`` ids gone from the source can be
    deletions: not when more than half of them, and more than ``SUSPECT_MIN``, are gone (an access
    problem: a scope, the 60-day limit without read_all_orders)."""
    return missing <= SUSPECT_MIN or missing * 2 <= held


def _local_day(moment: datetime, zone: Any, first: date, last: date) -> date:
    return min(max(moment.astimezone(zone).date(), first), last)


def _range(
    shopify: ShopifyClientResource,
    warehouse: WarehouseResource,
    td: TenantDays,
    first: date,
    last: date,
    now: datetime,
) -> Finding:
    tenant = td.tenant
    finding = Finding()
    with client_for(shopify, tenant) as client:
        reported = None if tenant.timezone else client.get_shop().get("iana_timezone")
        zone = fetch_timezone(tenant, PLATFORM, reported)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        windows, _ = business_day_windows(tenant, days, zone, now)
        if not windows:
            return finding
        low, high = windows[0].start, min(windows[-1].end - timedelta(seconds=1), now)
        events = [d for page in client.iter_order_deletions(low, high) for d in page]
        finding.events_seen = len(events)
        deletions = [
            (Deletion(str(e.order_id), e.deleted_at, "event"), _local_day(e.deleted_at, zone, first, last))
            for e in events
        ]
        span = id_set_days(windows[0].day, windows[-1].day, tenant.start_date, now.astimezone(zone).date())
        if span is not None:
            finding.id_set_window = " … ".join(sorted({span[0].isoformat(), span[1].isoformat()}))
            start, end = day_window(span[0], zone)[0], day_window(span[1], zone)[1]
            source_ids = {str(i) for i in client.list_order_ids(start, min(end - timedelta(seconds=1), now))}
            with warehouse.transaction() as conn:
                held = warehouse_order_ids(conn, tenant.id, PLATFORM, span[0], span[1])
                known = recorded_ids(conn, tenant.id, PLATFORM) | {d.source_id for d, _ in deletions}
            finding.warehouse_ids, finding.source_ids = len(held), len(source_ids)
            missing = sorted(held - source_ids - known, key=int)
            finding.missing_at_source = len(missing)
            if not believed(len(missing), len(held)):
                finding.suspect = (
                    f"{len(missing)} of the {len(held)} orders the warehouse holds for "
                    f"{finding.id_set_window} are missing at the source: an access problem (scope "
                    "read_all_orders?), not recorded"
                )
            else:
                # Each one confirmed gone (a 404, a null order) before it is recorded: an id listing that
                # lost a page must never delete a real order.
                checked = missing[:CONFIRM_MAX]
                finding.still_there = [i for i in checked if client.order_exists(int(i))]
                finding.deferred = len(missing) - len(checked)
                gone = [i for i in checked if i not in set(finding.still_there)]
                deletions += [(Deletion(order_id, None, "id_set"), windows[-1].day) for order_id in gone]
    with warehouse.transaction() as conn:
        recorded_at = utc_now()
        for detected_on in sorted({day for _, day in deletions}):
            new = record_deletions(
                conn,
                warehouse,
                tenant_id=tenant.id,
                platform=PLATFORM,
                deletions=[d for d, day in deletions if day == detected_on],
                detected_on=detected_on,
                recorded_at=recorded_at,
            )
            finding.by_event += sum(d.detected_by == "event" for d in new)
            finding.by_id_set += sum(d.detected_by == "id_set" for d in new)
        finding.purged = purge_deleted(
            conn, tenant_id=tenant.id, platform=PLATFORM, source_tables=ORDER_TABLES, start=first, end=last
        )
    return finding


@dg.asset(
    name=ASSET_NAME,
    description=(
        "Orders deleted at the source (Shopify's deletion events, and an id-set comparison of a day window "
        "against the shop), recorded in source_deletions and taken out of the order staging tables and the "
        "facts; the aggregates restate the days they counted on. Written per tenant and day range."
    ),
    partitions_def=date_tenant_partitions,
    deps=[dg.AssetKey(spec.name) for spec in ORDER_TABLES],
    group_name="staging",
    kinds={"shopify", "python", "sql"},
    owners=["team:data-platform"],
    metadata=t.SOURCE_DELETIONS.definition_metadata(),
    pool=WAREHOUSE_POOL,
    backfill_policy=BACKFILL_POLICY,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=ASSET_NAME,
            description="Every order the warehouse holds for the id-set window is still at the source, or "
            "its deletion was already reported by an event: warns when the comparison finds deletions no "
            "event reported, fails when it is not believed (most of the window missing).",
        )
    ],
    **DERIVED_AUTOMATION,
)
@holding_warehouse
def shopify_order_deletions(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    warehouse: WarehouseResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    warehouse.ensure_tables([*DELETION_TABLES, *ORDER_TABLES])
    now = utc_now()
    findings: dict[str, Finding] = {}
    covered: list[date] = []
    for td in tenant_days(context, tenants):
        if td.tenant.connection(PLATFORM) is None:
            continue
        for first, last in td.ranges():
            finding = _range(shopify, warehouse, td, first, last, now)
            key = td.tenant.id if first == last else f"{td.tenant.id} {first}…{last}"
            findings[key] = finding
            if finding.suspect:
                context.log.warning(f"{td.tenant.id}: {finding.suspect}")
            if finding.by_event or finding.by_id_set:
                context.log.info(
                    f"{td.tenant.id}: {finding.by_event} order(s) deleted (events), {finding.by_id_set} "
                    f"found missing at the source (id set {finding.id_set_window}); rows purged "
                    f"{finding.purged}"
                )
        covered.extend(td.days)
    totals = {name: sum(getattr(f, name) for f in findings.values()) for name in COUNTED}
    suspects = {key: f.suspect for key, f in findings.items() if f.suspect}
    # Missing from the source's id list, yet the shop has them: the listing is incomplete (a lost page).
    incomplete = {key: f.still_there[:20] for key, f in findings.items() if f.still_there}
    counts = {
        "warehouse_ids": dg.MetadataValue.int(totals["warehouse_ids"]),
        "source_ids": dg.MetadataValue.int(totals["source_ids"]),
        "missing_at_source": dg.MetadataValue.int(totals["missing_at_source"]),
        "recorded_by_id_set": dg.MetadataValue.int(totals["by_id_set"]),
        "confirmations_deferred": dg.MetadataValue.int(sum(f.deferred for f in findings.values())),
        "id_set_windows": dg.MetadataValue.json({key: f.id_set_window for key, f in findings.items()}),
    }
    problems = {
        **({"not_believed": dg.MetadataValue.json(suspects)} if suspects else {}),
        **({"listed_missing_but_still_at_source": dg.MetadataValue.json(incomplete)} if incomplete else {}),
    }
    failed = bool(suspects or incomplete)
    check = dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=not failed and totals["by_id_set"] == 0,
        severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
        metadata={**counts, **problems},
    )
    purged: dict[str, int] = {}
    for finding in findings.values():
        for table, rows in finding.purged.items():
            purged[table] = purged.get(table, 0) + rows
    metadata: dict[str, Any] = {
        "dates_covered": describe_days(sorted(covered)),
        "deleted_by_event": dg.MetadataValue.int(totals["by_event"]),
        "deleted_by_id_set": dg.MetadataValue.int(totals["by_id_set"]),
        "deletion_events_seen": dg.MetadataValue.int(totals["events_seen"]),
        "rows_purged": dg.MetadataValue.json(purged),
        **counts,
    }
    return dg.MaterializeResult(metadata=metadata, check_results=[check])
