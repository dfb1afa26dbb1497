"""Raw layer: the Shopify Admin API's JSON as received, one gzipped NDJSON file per entity, tenant and
business day in the raw store. A tenant reading through the GraphQL Admin API (its connection's ``api``)
has its records translated into REST's shape first (``graphql_translate``), so both stage alike; the
sidecars and the assets' ``api`` metadata say which API each tenant's records came through.

Orders, customers and products partitions hold what changed during the tenant's business day (the
updated_at window), so refunds, edits and cancellations land on the day they happen; a tenant's start
date also takes everything updated before it. Shop, locations and inventory levels have no history in
the API: their partition is a snapshot taken when it runs.
"""

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg

from platform_assets.clock import utc_now
from platform_assets.ingest.raw_assets import raw_asset, write_snapshot
from platform_assets.ingest.runs import TenantDays, describe_days, tenant_days
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.connection import shopify_connection
from platform_assets.sources.shopify.graphql_fetch import GraphQLShopReader
from platform_assets.sources.shopify.raw_fetch import client_for, fetch_days
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource, ShopifyShopClient

#: A client of either Admin API, as the raw assets use it (records come out REST-shaped).
ShopClient = ShopifyShopClient | GraphQLShopReader

KINDS = {"shopify", "python"}
SNAPSHOT_NOTE = (
    " The API keeps no history of this entity, so a partition is a snapshot taken when it is materialised "
    "(its snapshot_taken_at is in the metadata); each day's snapshot is kept, building a history from the "
    "first run on."
)


def _fetch_by_day(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
    entity: str,
) -> dg.MaterializeResult:
    """Write, for each tenant and business day, the records whose updated_at falls in that day.

    Days of a tenant are fetched concurrently through the shop's one pacer and tenants side by side
    (``raw_fetch``); a partition holds the records a day-by-day walk would write,
    and a big day's window may be split between threads (``windows_split``; orders only). A GraphQL
    tenant's long range or first sync is read with one bulk operation (``bulk`` metadata: per tenant, the
    job, its reconciled counts and the records written).
    """
    outcome = fetch_days(shopify, raw_store, entity, tenant_days(context, tenants), utc_now())
    for warning in outcome.warnings:
        context.log.warning(warning)
    metadata: dict[str, Any] = {
        "records": dg.MetadataValue.int(outcome.records),
        "dates_covered": describe_days(outcome.written),
        "api_requests": dg.MetadataValue.int(int(outcome.api["requests"])),
        "api_retries": dg.MetadataValue.int(int(outcome.api["retries"])),
        "api_throttled": dg.MetadataValue.int(int(outcome.api["throttled"])),
        "windows_split": dg.MetadataValue.int(outcome.splits),
        "api": dg.MetadataValue.json(outcome.apis),
        # per tenant: the version asked for, the versions served, the deprecation reasons received
        "api_version": dg.MetadataValue.json(outcome.versions),
    }
    if outcome.bulk:
        metadata["bulk"] = dg.MetadataValue.json(outcome.bulk)
    if outcome.skipped:
        metadata["warnings"] = dg.MetadataValue.json(outcome.skipped)
    return dg.MaterializeResult(metadata=metadata)


def _apis(runs: list[TenantDays]) -> dict[str, str]:
    """The Admin API each of the run's tenants is read through (the assets' ``api`` metadata)."""
    return {td.tenant.id: shopify_connection(td.tenant).api for td in runs}


def _sidecar_api(client: ShopClient) -> dict[str, str | None]:
    """The snapshot's API, the version asked for and served, and any deprecation reason received."""
    return {
        "api": "graphql" if isinstance(client, GraphQLShopReader) else "rest",
        **client.versions.sidecar(),
    }


def _with_api(result: dg.MaterializeResult, runs: list[TenantDays]) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={**(result.metadata or {}), "api": dg.MetadataValue.json(_apis(runs))}
    )


def _raw_asset(name: str, description: str, **kwargs: Any):
    return raw_asset(name, description, KINDS, **kwargs)


@_raw_asset("raw_shopify_shop", "The shop object (name, currency, iana_timezone, plan)." + SNAPSHOT_NOTE)
def raw_shopify_shop(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    runs = tenant_days(context, tenants)
    result = write_snapshot(
        PLATFORM,
        "shop",
        raw_store,
        runs,
        lambda tenant: client_for(shopify, tenant),
        lambda client: [[client.get_shop()]],
        count_records=False,
        sidecar_meta=_sidecar_api,
    )
    return _with_api(result, runs)


@_raw_asset(
    "raw_shopify_orders",
    "Orders (with line items, discounts, taxes, shipping, refunds and adjustments) updated during the "
    "tenant's business day, status=any. The start date also takes every order updated before it.",
    deps=[raw_shopify_shop],
)
def raw_shopify_orders(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _fetch_by_day(context, shopify, raw_store, tenants, "orders")


@_raw_asset(
    "raw_shopify_customers",
    "Registered customers updated during the tenant's business day; the start date takes all of them.",
    deps=[raw_shopify_shop],
)
def raw_shopify_customers(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _fetch_by_day(context, shopify, raw_store, tenants, "customers")


@_raw_asset(
    "raw_shopify_products",
    "Products with variants and options updated during the tenant's business day; the start date takes "
    "the whole catalogue.",
    deps=[raw_shopify_shop],
)
def raw_shopify_products(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _fetch_by_day(context, shopify, raw_store, tenants, "products")


def _snapshot(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
    entity: str,
    fetch: Callable[[ShopClient], Iterator[list[dict]]],
) -> dg.MaterializeResult:
    runs = tenant_days(context, tenants)
    result = write_snapshot(
        PLATFORM, entity, raw_store, runs, lambda t: client_for(shopify, t), fetch, sidecar_meta=_sidecar_api
    )
    return _with_api(result, runs)


@_raw_asset(
    "raw_shopify_locations", "Locations (stores, warehouses)." + SNAPSHOT_NOTE, deps=[raw_shopify_shop]
)
def raw_shopify_locations(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    return _snapshot(context, shopify, raw_store, tenants, "locations", lambda c: iter([c.list_locations()]))


@_raw_asset(
    "raw_shopify_inventory_levels",
    "Units available per inventory item and location." + SNAPSHOT_NOTE,
    deps=[raw_shopify_locations],
)
def raw_shopify_inventory_levels(
    context: dg.AssetExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.MaterializeResult:
    def fetch(client: ShopClient) -> Iterator[list[dict]]:
        location_ids = [int(location["id"]) for location in client.list_locations()]
        return client.iter_inventory_levels(location_ids) if location_ids else iter([])

    return _snapshot(context, shopify, raw_store, tenants, "inventory_levels", fetch)


RAW_ASSETS = [
    raw_shopify_shop,
    raw_shopify_orders,
    raw_shopify_customers,
    raw_shopify_products,
    raw_shopify_locations,
    raw_shopify_inventory_levels,
]
