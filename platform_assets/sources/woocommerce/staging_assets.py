"""WooCommerce staging: each raw partition is read once, typed by Python (``staging.py``) and written to
its stg_woocommerce_* tables by the generic runner (``platform_assets/staging/runner.py``), each table
replaced for that (tenant, day) in one transaction, with dead letters and the ingestion ledger. Its
contribution to the conformed layer is in ``sql/`` and ``source.py``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from platform_assets.ingest.business_days import staging_timezone
from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.woocommerce import PLATFORM, staging
from platform_assets.sources.woocommerce import tables as wt
from platform_assets.sources.woocommerce.raw_assets import (
    raw_woocommerce_coupons,
    raw_woocommerce_customers,
    raw_woocommerce_orders,
    raw_woocommerce_products,
    raw_woocommerce_settings,
)
from platform_assets.staging.dead_letters import dead_letter_check
from platform_assets.staging.runner import staging_assets
from platform_assets.staging.staged import Staged
from resources.raw_store import RawStoreResource


def _stage_orders(records: Iterable[dict], td: TenantDays, day: date, raw_store: RawStoreResource) -> Staged:
    return staging.stage_orders(records, td.tenant.id, day, staging_timezone(td.tenant, raw_store, day))


def _stage_customers(
    records: Iterable[dict], td: TenantDays, day: date, raw_store: RawStoreResource
) -> Staged:
    return staging.stage_customers(records, td.tenant.id, day)


def _stage_products(
    records: Iterable[dict], td: TenantDays, day: date, raw_store: RawStoreResource
) -> Staged:
    return staging.stage_products(records, td.tenant.id, day)


def _stage_coupons(records: Iterable[dict], td: TenantDays, day: date, raw_store: RawStoreResource) -> Staged:
    return staging.stage_coupons(records, td.tenant.id, day)


#: The staging tables each raw entity feeds.
ORDER_TABLES = [
    wt.STG_WOOCOMMERCE_ORDERS,
    wt.STG_WOOCOMMERCE_ORDER_LINES,
    wt.STG_WOOCOMMERCE_TAX_LINES,
    wt.STG_WOOCOMMERCE_SHIPPING_LINES,
    wt.STG_WOOCOMMERCE_FEE_LINES,
    wt.STG_WOOCOMMERCE_COUPON_LINES,
    wt.STG_WOOCOMMERCE_REFUNDS,
    wt.STG_WOOCOMMERCE_REFUND_LINES,
]
CUSTOMER_TABLES = [wt.STG_WOOCOMMERCE_CUSTOMERS]
PRODUCT_TABLES = [wt.STG_WOOCOMMERCE_PRODUCTS, wt.STG_WOOCOMMERCE_VARIATIONS]
COUPON_TABLES = [wt.STG_WOOCOMMERCE_COUPONS]

woocommerce_order_staging = staging_assets(
    PLATFORM,
    "woocommerce_order_staging",
    [raw_woocommerce_orders, raw_woocommerce_settings],
    "orders",
    ORDER_TABLES,
    _stage_orders,
)
woocommerce_customer_staging = staging_assets(
    PLATFORM,
    "woocommerce_customer_staging",
    [raw_woocommerce_customers, raw_woocommerce_settings],
    "customers",
    CUSTOMER_TABLES,
    _stage_customers,
)
woocommerce_product_staging = staging_assets(
    PLATFORM,
    "woocommerce_product_staging",
    [raw_woocommerce_products, raw_woocommerce_settings],
    "products",
    PRODUCT_TABLES,
    _stage_products,
)
woocommerce_coupon_staging = staging_assets(
    PLATFORM,
    "woocommerce_coupon_staging",
    [raw_woocommerce_coupons, raw_woocommerce_settings],
    "coupons",
    COUPON_TABLES,
    _stage_coupons,
)

STAGING_ASSETS = [
    woocommerce_order_staging,
    woocommerce_customer_staging,
    woocommerce_product_staging,
    woocommerce_coupon_staging,
]

DEAD_LETTER_CHECKS = [
    dead_letter_check(PLATFORM, spec.name, entity, spec.name)
    for spec, entity in (
        (wt.STG_WOOCOMMERCE_ORDERS, "orders"),
        (wt.STG_WOOCOMMERCE_CUSTOMERS, "customers"),
        (wt.STG_WOOCOMMERCE_PRODUCTS, "products"),
        (wt.STG_WOOCOMMERCE_COUPONS, "coupons"),
    )
]
