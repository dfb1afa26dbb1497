"""The Shopify source, as the registry sees it (``platform_assets/sources/contract.py``)."""

from pathlib import Path

import dagster as dg

from platform_assets.sources.contract import ConformedModel, Source
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.changes import changes_since
from platform_assets.sources.shopify.checks import SHOPIFY_CHECKS
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.deletions import shopify_order_deletions
from platform_assets.sources.shopify.raw_assets import RAW_ASSETS
from platform_assets.sources.shopify.staging_assets import (
    CUSTOMER_TABLES,
    DEAD_LETTER_CHECKS,
    ORDER_TABLES,
    PRODUCT_TABLES,
    STAGING_ASSETS,
)
from platform_assets.sources.shopify.tables import (
    SHOPIFY_TABLES,
    STG_SHOPIFY_INVENTORY_LEVELS,
    STG_SHOPIFY_LOCATIONS,
)
from platform_assets.sources.shopify.timezone import recorded_timezone
from platform_assets.warehouse import tables as t
from resources.shopify.client import ShopifyClientResource

SQL_DIR = Path(__file__).parent / "sql"


def _keys(*specs) -> tuple[dg.AssetKey, ...]:
    return tuple(dg.AssetKey(spec.name) for spec in specs)


#: The conformed order tables read the order staging tables once the deleted orders are out of them.
ORDER_DEPS = (*_keys(*ORDER_TABLES), *shopify_order_deletions.keys)

SOURCE = Source(
    platform=PLATFORM,
    connection=ShopifyConnection,
    resources={"shopify": ShopifyClientResource()},
    raw_assets=RAW_ASSETS,
    # The deletions run after the order staging and before the conformed order tables.
    staging_assets=[*STAGING_ASSETS, shopify_order_deletions],
    api_assets=[shopify_order_deletions],
    staging_tables=SHOPIFY_TABLES,
    conformed=[
        ConformedModel(t.STG_ORDERS, SQL_DIR / "stg_orders.sql", ORDER_DEPS),
        ConformedModel(t.STG_ORDER_LINES, SQL_DIR / "stg_order_lines.sql", ORDER_DEPS),
        ConformedModel(t.STG_REFUNDS, SQL_DIR / "stg_refunds.sql", ORDER_DEPS),
        ConformedModel(t.STG_CUSTOMERS, SQL_DIR / "stg_customers.sql", _keys(*CUSTOMER_TABLES)),
        ConformedModel(t.STG_PRODUCTS, SQL_DIR / "stg_products.sql", _keys(*PRODUCT_TABLES)),
        ConformedModel(t.STG_LOCATIONS, SQL_DIR / "stg_locations.sql", _keys(STG_SHOPIFY_LOCATIONS)),
        ConformedModel(
            t.STG_INVENTORY_LEVELS,
            SQL_DIR / "stg_inventory_levels.sql",
            _keys(STG_SHOPIFY_INVENTORY_LEVELS, *PRODUCT_TABLES),
        ),
    ],
    checks=[*DEAD_LETTER_CHECKS, *SHOPIFY_CHECKS],
    timezone=recorded_timezone,
    changes_since=changes_since,
)
