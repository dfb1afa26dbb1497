"""The conformed tables, assembled from every registered source's contribution.

Each conformed table is one asset. For a tenant and day range it runs, in one transaction, the
contribution (a SQL file) of each source the tenant is connected to, with that source's :platform: each
deletes its own rows of the range and inserts them again from its staging tables. Another platform's rows
of the same tenant and days are left alone, so sources can share a tenant and a day."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from platform_assets.sources.contract import Source
from platform_assets.sources.registry import sources
from platform_assets.tenants import Tenant
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql_assets import sql_model_asset

GROUP = "conformed"

#: What each conformed table holds, whatever the platform.
DESCRIPTIONS: dict[str, str] = {
    t.STG_ORDERS.name: "Orders from every platform in one shape, with gross sales, discounts, units, "
    "shipping and taxes computed once, and is_counted (not a test, not voided).",
    t.STG_ORDER_LINES.name: "Order lines from every platform in one shape.",
    t.STG_REFUNDS.name: "Refund lines (items, shipping refunds, adjustments) of every platform, on the "
    "refund's day.",
    t.STG_CUSTOMERS.name: "Registered customers from every platform in one shape.",
    t.STG_PRODUCTS.name: "Sellable products at variant grain from every platform in one shape.",
    t.STG_LOCATIONS.name: "Stores and warehouses from every platform in one shape, one row per location and "
    "snapshot day: what dim_location reads.",
    t.STG_INVENTORY_LEVELS.name: "Units available per variant and location from every platform in one shape, "
    "one row per level and snapshot day: what fact_inventory_snapshots reads.",
}
CONFORMED_TABLES: list[TableSpec] = [
    t.STG_ORDERS,
    t.STG_ORDER_LINES,
    t.STG_REFUNDS,
    t.STG_CUSTOMERS,
    t.STG_PRODUCTS,
    t.STG_LOCATIONS,
    t.STG_INVENTORY_LEVELS,
]


def conformed_asset(table: TableSpec, registered: Sequence[Source]) -> dg.AssetsDefinition:
    """The asset of one conformed table: every contributing source's model, for the tenant's platforms."""
    contributions = [
        (source.platform, model) for source in registered if (model := source.conformed_for(table))
    ]

    def files_for(tenant: Tenant) -> list[tuple[Path, Mapping[str, Any]]]:
        return [
            (model.sql_file, {"platform": platform})
            for platform, model in contributions
            if tenant.connection(platform) is not None
        ]

    return sql_model_asset(
        table,
        files_for,
        deps=[key for _, model in contributions for key in model.deps],
        group_name=GROUP,
        description=DESCRIPTIONS[table.name],
    )


CONFORMED_ASSETS = [conformed_asset(table, sources()) for table in CONFORMED_TABLES]
(
    stg_orders,
    stg_order_lines,
    stg_refunds,
    stg_customers,
    stg_products,
    stg_locations,
    stg_inventory_levels,
) = CONFORMED_ASSETS
