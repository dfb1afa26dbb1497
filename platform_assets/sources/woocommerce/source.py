"""The WooCommerce source, as the registry sees it (``platform_assets/sources/contract.py``)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from platform_assets.sources.contract import ConformedModel, Source
from platform_assets.sources.woocommerce import PLATFORM
from platform_assets.sources.woocommerce.changes import changes_since
from platform_assets.sources.woocommerce.checks import WOOCOMMERCE_CHECKS
from platform_assets.sources.woocommerce.connection import WooCommerceConnection
from platform_assets.sources.woocommerce.raw_assets import RAW_ASSETS
from platform_assets.sources.woocommerce.staging_assets import (
    CUSTOMER_TABLES,
    DEAD_LETTER_CHECKS,
    ORDER_TABLES,
    PRODUCT_TABLES,
    STAGING_ASSETS,
)
from platform_assets.sources.woocommerce.tables import WOOCOMMERCE_TABLES
from platform_assets.sources.woocommerce.timezone import recorded_timezone
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from resources.woocommerce.client import WooCommerceClientResource

SQL_DIR = Path(__file__).parent / "sql"


def _keys(*specs: TableSpec) -> tuple[dg.AssetKey, ...]:
    return tuple(dg.AssetKey(spec.name) for spec in specs)


SOURCE = Source(
    platform=PLATFORM,
    connection=WooCommerceConnection,
    resources={"woocommerce": WooCommerceClientResource()},
    raw_assets=RAW_ASSETS,
    staging_assets=STAGING_ASSETS,
    staging_tables=WOOCOMMERCE_TABLES,
    conformed=[
        ConformedModel(t.STG_ORDERS, SQL_DIR / "stg_orders.sql", _keys(*ORDER_TABLES)),
        ConformedModel(t.STG_ORDER_LINES, SQL_DIR / "stg_order_lines.sql", _keys(*ORDER_TABLES)),
        ConformedModel(t.STG_REFUNDS, SQL_DIR / "stg_refunds.sql", _keys(*ORDER_TABLES)),
        ConformedModel(t.STG_CUSTOMERS, SQL_DIR / "stg_customers.sql", _keys(*CUSTOMER_TABLES)),
        ConformedModel(t.STG_PRODUCTS, SQL_DIR / "stg_products.sql", _keys(*PRODUCT_TABLES)),
        # a site is one location; stock is the products' stock_quantity, carried to each staged day
        ConformedModel(t.STG_INVENTORY_LEVELS, SQL_DIR / "stg_inventory_levels.sql", _keys(*PRODUCT_TABLES)),
    ],
    checks=[*DEAD_LETTER_CHECKS, *WOOCOMMERCE_CHECKS],
    timezone=recorded_timezone,
    changes_since=changes_since,
)
