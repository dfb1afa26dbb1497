"""Shopify staging: each raw partition is read once, typed, and written to its stg_shopify_* tables by the
generic runner (``platform_assets/staging/runner.py``), each table replaced for that (tenant, day) in one
transaction. Orders are typed declaratively, by SQL over the raw JSON (``staging_sql/orders.sql``), the odd
order and the other entities by Python (``staging.py``). Its contribution to the conformed layer is in
``sql/`` and ``source.py``."""

from datetime import date, datetime
from pathlib import Path

from platform_assets.ingest.business_days import staging_timezone
from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import PLATFORM, staging
from platform_assets.sources.shopify import tables as st
from platform_assets.sources.shopify.fields import KNOWN_FIELDS
from platform_assets.sources.shopify.parse import timestamp
from platform_assets.sources.shopify.raw_assets import (
    raw_shopify_customers,
    raw_shopify_inventory_levels,
    raw_shopify_locations,
    raw_shopify_orders,
    raw_shopify_products,
    raw_shopify_shop,
)
from platform_assets.staging.dead_letters import dead_letter_check
from platform_assets.staging.declarative import SqlStaging
from platform_assets.staging.runner import staging_assets
from platform_assets.staging.staged import Staged
from resources.raw_store import RawStoreResource


def _stage_orders(records, td: TenantDays, day: date, raw_store: RawStoreResource) -> Staged:
    return staging.stage_orders(records, td.tenant.id, day, staging_timezone(td.tenant, raw_store, day))


def _stage_customers(records, td, day, raw_store):
    return staging.stage_customers(records, td.tenant.id, day)


def _stage_products(records, td, day, raw_store):
    return staging.stage_products(records, td.tenant.id, day)


def _snapshot_time(raw_store: RawStoreResource, entity: str, tenant_id: str, day: date) -> datetime:
    meta = raw_store.read_meta(PLATFORM, entity, tenant_id, day) or {}
    taken = timestamp(
        meta.get("snapshot_taken_at") or meta.get("written_at"), "snapshot_taken_at", required=True
    )
    assert taken is not None
    return taken


def _stage_locations(records, td, day, raw_store):
    snapshot_at = _snapshot_time(raw_store, "locations", td.tenant.id, day)
    return staging.stage_locations(records, td.tenant.id, day, snapshot_at)


def _stage_inventory_levels(records, td, day, raw_store):
    snapshot_at = _snapshot_time(raw_store, "inventory_levels", td.tenant.id, day)
    return staging.stage_inventory_levels(records, td.tenant.id, day, snapshot_at)


STAGING_SQL_DIR = Path(__file__).parent / "staging_sql"

#: The staging tables each raw entity feeds.
ORDER_TABLES = [
    st.STG_SHOPIFY_ORDERS,
    st.STG_SHOPIFY_ORDER_LINES,
    st.STG_SHOPIFY_DISCOUNT_ALLOCATIONS,
    st.STG_SHOPIFY_DISCOUNT_CODES,
    st.STG_SHOPIFY_TAX_LINES,
    st.STG_SHOPIFY_SHIPPING_LINES,
    st.STG_SHOPIFY_REFUNDS,
    st.STG_SHOPIFY_REFUND_LINES,
    st.STG_SHOPIFY_ORDER_ADJUSTMENTS,
    st.STG_SHOPIFY_ORDER_TAGS,
]
CUSTOMER_TABLES = [st.STG_SHOPIFY_CUSTOMERS, st.STG_SHOPIFY_CUSTOMER_ADDRESSES, st.STG_SHOPIFY_CUSTOMER_TAGS]
PRODUCT_TABLES = [st.STG_SHOPIFY_PRODUCTS, st.STG_SHOPIFY_PRODUCT_VARIANTS, st.STG_SHOPIFY_PRODUCT_TAGS]

#: Orders are typed by SQL (staging_sql/orders.sql); the odd order by the Python stager.
ORDER_SQL = SqlStaging(
    "orders",
    (STAGING_SQL_DIR / "macros.sql", STAGING_SQL_DIR / "orders.sql"),
    tuple(ORDER_TABLES),
    KNOWN_FIELDS["orders"],
    min_sql_records=200,
)
shopify_order_staging = staging_assets(
    PLATFORM,
    "shopify_order_staging",
    [raw_shopify_orders, raw_shopify_shop],
    "orders",
    ORDER_TABLES,
    _stage_orders,
    ORDER_SQL,
)
shopify_customer_staging = staging_assets(
    PLATFORM,
    "shopify_customer_staging",
    [raw_shopify_customers, raw_shopify_shop],
    "customers",
    CUSTOMER_TABLES,
    _stage_customers,
)
shopify_product_staging = staging_assets(
    PLATFORM,
    "shopify_product_staging",
    [raw_shopify_products, raw_shopify_shop],
    "products",
    PRODUCT_TABLES,
    _stage_products,
)
shopify_location_staging = staging_assets(
    PLATFORM,
    "shopify_location_staging",
    [raw_shopify_locations, raw_shopify_shop],
    "locations",
    [st.STG_SHOPIFY_LOCATIONS],
    _stage_locations,
)
shopify_inventory_staging = staging_assets(
    PLATFORM,
    "shopify_inventory_staging",
    [raw_shopify_inventory_levels, raw_shopify_shop],
    "inventory_levels",
    [st.STG_SHOPIFY_INVENTORY_LEVELS],
    _stage_inventory_levels,
)

STAGING_ASSETS = [
    shopify_order_staging,
    shopify_customer_staging,
    shopify_product_staging,
    shopify_location_staging,
    shopify_inventory_staging,
]

DEAD_LETTER_CHECKS = [
    dead_letter_check(PLATFORM, st.STG_SHOPIFY_ORDERS.name, "orders", st.STG_SHOPIFY_ORDERS.name),
    dead_letter_check(PLATFORM, st.STG_SHOPIFY_CUSTOMERS.name, "customers", st.STG_SHOPIFY_CUSTOMERS.name),
    dead_letter_check(PLATFORM, st.STG_SHOPIFY_PRODUCTS.name, "products", st.STG_SHOPIFY_PRODUCTS.name),
    dead_letter_check(PLATFORM, st.STG_SHOPIFY_LOCATIONS.name, "locations", st.STG_SHOPIFY_LOCATIONS.name),
    dead_letter_check(
        PLATFORM,
        st.STG_SHOPIFY_INVENTORY_LEVELS.name,
        "inventory_levels",
        st.STG_SHOPIFY_INVENTORY_LEVELS.name,
    ),
]
