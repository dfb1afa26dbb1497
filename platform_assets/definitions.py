"""The one entry point: every Storehouse asset, job, sensor and resource in a single Definitions."""

from __future__ import annotations

import dagster as dg

from platform_assets.automation import automation_sensor
from platform_assets.core.assets import CORE_ASSETS
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.marts.assets import MART_ASSETS
from platform_assets.quality.completeness import COMPLETENESS_CHECKS
from platform_assets.quality.reconciliation import RECONCILIATION_CHECKS
from platform_assets.quality.table_checks import SCHEMA_CHECKS
from platform_assets.settings import settings
from platform_assets.sources.shopify.raw_assets import RAW_ASSETS
from platform_assets.sources.shopify.staging_assets import DEAD_LETTER_CHECKS, STAGING_ASSETS
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from resources.warehouse import WarehouseResource
from sensors.alerts import ALERT_SENSORS
from sensors.late_changes import LATE_CHANGE_SENSORS
from sensors.schedules import SCHEDULES
from sensors.tenant_partitions import tenant_partitions_sensor

ALL_ASSETS = [*RAW_ASSETS, *STAGING_ASSETS, *CORE_ASSETS, *MART_ASSETS]
ALL_CHECKS = [*SCHEMA_CHECKS, *DEAD_LETTER_CHECKS, *RECONCILIATION_CHECKS, *COMPLETENESS_CHECKS]

storehouse_job = dg.define_asset_job(
    "storehouse_job",
    selection=dg.AssetSelection.all(),
    partitions_def=date_tenant_partitions,
    executor_def=dg.in_process_executor,
    description="The whole graph, raw to aggregates, for the selected tenant and days.",
)


def build_resources() -> dict[str, dg.ConfigurableResource]:
    configured = settings()
    return {
        "shopify": ShopifyClientResource(),
        "raw_store": RawStoreResource(base_url=configured.raw_store_url_config()),
        "warehouse": WarehouseResource(url=configured.warehouse_url_config()),
    }


defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[storehouse_job],
    schedules=SCHEDULES,
    sensors=[tenant_partitions_sensor, automation_sensor, *ALERT_SENSORS, *LATE_CHANGE_SENSORS],
    resources=build_resources(),
    executor=dg.in_process_executor,
)
