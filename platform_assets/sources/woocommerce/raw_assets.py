"""Raw layer: the WooCommerce REST API's JSON as received, one gzipped NDJSON file per entity, tenant and
business day in the raw store.

Orders, products and coupons partitions hold what was modified during the tenant's business day
(``modified_after``/``modified_before`` in UTC, the day cut in the business timezone), so refunds, status
changes and edits land on the day they happen; the tenant's start date also takes everything modified
before it. Each order carries its refund objects, each variable product its variations. Customers have no
date filter in the API: their partition is the day's full scan (a snapshot), as is the store settings
snapshot (timezone, currency, whether prices include tax)."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import dagster as dg

from platform_assets.clock import utc_now
from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.raw_assets import raw_asset, write_snapshot
from platform_assets.ingest.runs import TenantDays, describe_days, tenant_days
from platform_assets.sources.woocommerce import PLATFORM
from platform_assets.sources.woocommerce.raw_fetch import (
    client_for,
    plan_windows,
    settings_record,
    with_refunds,
    with_variations,
)
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.woocommerce.client import WooCommerceClientResource, WooCommerceSiteClient

KINDS = {"woocommerce", "python"}
SNAPSHOT_NOTE = (
    " The API gives no history (or no date filter) for this entity, so a partition is a snapshot taken when "
    "it is materialised (its snapshot_taken_at is in the metadata); each day's snapshot is kept."
)

#: Fetches one window's pages: (client, modified_from, modified_to) → pages.
WindowFetch = Callable[[WooCommerceSiteClient, Any, Any], Iterator[list[dict]]]


def _raw_asset(name: str, description: str, **kwargs: Any):
    return raw_asset(name, description, KINDS, **kwargs)


def connected(context: dg.AssetExecutionContext, tenants: TenantsResource) -> list[TenantDays]:
    """The run's tenants connected to WooCommerce, with their days; a tenant of the run without a
    WooCommerce connection (selling on another platform only) is skipped, and the log says so."""
    found = []
    for td in tenant_days(context, tenants):
        if td.tenant.connection(PLATFORM) is None:
            context.log.info(f"tenant {td.tenant.id} has no {PLATFORM} connection: nothing to fetch")
        else:
            found.append(td)
    return found


def _fetch_by_day(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
    entity: str,
    fetch: WindowFetch,
) -> dg.MaterializeResult:
    """Write, for each tenant and business day, the records modified in that day (tenant-local)."""
    records, written, skipped = 0, [], {}
    stats: dict[str, float] = {}
    for td in connected(context, tenants):
        with client_for(woocommerce, td.tenant) as client:
            settings = settings_record(client.get_store_settings())
            timezone = fetch_timezone(td.tenant, PLATFORM, settings["zone"])
            windows, skipped_days = plan_windows(td.tenant, td.days, timezone, utc_now())
            skipped.update(skipped_days)
            for window in windows:
                result = raw_store.write_partition(
                    PLATFORM,
                    entity,
                    td.tenant.id,
                    window.day,
                    fetch(client, window.start, window.end),
                    extra_meta={
                        "timezone": str(timezone),
                        "window_start": window.start.isoformat() if window.start else None,
                        "window_end": window.end.isoformat(),
                    },
                )
                records += result.records
                written.append(window.day)
            for name, value in client.stats.items():
                stats[name] = stats.get(name, 0) + value
    for key, reason in skipped.items():
        context.log.warning(f"{key} not fetched: {reason}")
    metadata: dict[str, Any] = {
        "records": dg.MetadataValue.int(records),
        "dates_covered": describe_days(sorted(written)),
        "api_requests": dg.MetadataValue.int(int(stats.get("requests", 0))),
        "api_retries": dg.MetadataValue.int(int(stats.get("retries", 0))),
    }
    if skipped:
        metadata["warnings"] = dg.MetadataValue.json(skipped)
    return dg.MaterializeResult(metadata=metadata)


def _snapshot(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
    entity: str,
    fetch: Callable[[WooCommerceSiteClient], Iterable[list[dict]]],
) -> dg.MaterializeResult:
    """Write the same snapshot, taken once per tenant, as each of the run's days."""
    return write_snapshot(
        PLATFORM,
        entity,
        raw_store,
        connected(context, tenants),
        lambda tenant: client_for(woocommerce, tenant),
        fetch,
    )


@_raw_asset(
    "raw_woocommerce_settings",
    "The store's settings: timezone (WordPress's timezone_string, else gmt_offset), currency, decimals and "
    "whether prices include tax (woocommerce_prices_include_tax)." + SNAPSHOT_NOTE,
)
def raw_woocommerce_settings(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _snapshot(
        context,
        woocommerce,
        raw_store,
        tenants,
        "settings",
        lambda c: [[settings_record(c.get_store_settings())]],
    )


@_raw_asset(
    "raw_woocommerce_orders",
    "Orders of every status but trash (with line items, taxes, shipping, fees, coupons and their refund "
    "objects) modified during the tenant's business day. The start date also takes every order modified "
    "before it.",
    deps=[raw_woocommerce_settings],
)
def raw_woocommerce_orders(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    def fetch(client: WooCommerceSiteClient, start: Any, end: Any) -> Iterator[list[dict]]:
        return (with_refunds(client, page) for page in client.iter_orders(start, end))

    return _fetch_by_day(context, woocommerce, raw_store, tenants, "orders", fetch)


@_raw_asset(
    "raw_woocommerce_customers",
    "Registered customers (every role). The customers endpoint has no date filter, so each day's partition "
    "is a full scan." + SNAPSHOT_NOTE,
    deps=[raw_woocommerce_settings],
)
def raw_woocommerce_customers(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _snapshot(context, woocommerce, raw_store, tenants, "customers", lambda c: c.iter_customers())


@_raw_asset(
    "raw_woocommerce_products",
    "Products of every status (variable ones with their variations) modified during the tenant's business "
    "day; the start date takes the whole catalogue.",
    deps=[raw_woocommerce_settings],
)
def raw_woocommerce_products(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    def fetch(client: WooCommerceSiteClient, start: Any, end: Any) -> Iterator[list[dict]]:
        return (with_variations(client, page) for page in client.iter_products(start, end))

    return _fetch_by_day(context, woocommerce, raw_store, tenants, "products", fetch)


@_raw_asset(
    "raw_woocommerce_coupons",
    "Coupons modified during the tenant's business day; the start date takes all of them.",
    deps=[raw_woocommerce_settings],
)
def raw_woocommerce_coupons(
    context: dg.AssetExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    def fetch(client: WooCommerceSiteClient, start: Any, end: Any) -> Iterator[list[dict]]:
        return client.iter_coupons(start, end)

    return _fetch_by_day(context, woocommerce, raw_store, tenants, "coupons", fetch)


RAW_ASSETS = [
    raw_woocommerce_settings,
    raw_woocommerce_orders,
    raw_woocommerce_customers,
    raw_woocommerce_products,
    raw_woocommerce_coupons,
]
