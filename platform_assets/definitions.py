"""The one entry point: every Storehouse asset, check, job, schedule, sensor and resource in a single
Definitions, assembled from the registry of sources (``platform_assets/sources/registry.py``) and the
shared layers above them."""

from __future__ import annotations

import dagster as dg

from platform_assets.automation import automation_sensor
from platform_assets.conformed.assets import CONFORMED_ASSETS
from platform_assets.core.assets import CORE_ASSETS
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.marts.assets import MART_ASSETS
from platform_assets.quality.completeness import COMPLETENESS_CHECKS
from platform_assets.quality.reconciliation import RECONCILIATION_CHECKS
from platform_assets.quality.table_checks import SCHEMA_CHECKS
from platform_assets.serving.reports.assets import GROUP as REPORTS_GROUP
from platform_assets.serving.reports.assets import REPORT_ASSETS, reports_job
from platform_assets.settings import settings
from platform_assets.sources.registry import sources
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource
from sensors.alerts import ALERT_SENSORS
from sensors.late_changes import LATE_CHANGE_SENSORS
from sensors.reports import REPORT_SENSORS
from sensors.schedules import SCHEDULES
from sensors.snapshot import publish_read_snapshot
from sensors.tenant_partitions import tenant_partitions_sensor

SOURCE_ASSETS = [asset for source in sources() for asset in (*source.raw_assets, *source.staging_assets)]
ALL_ASSETS = [*SOURCE_ASSETS, *CONFORMED_ASSETS, *CORE_ASSETS, *MART_ASSETS]
ALL_CHECKS = [
    *SCHEMA_CHECKS,
    *(check for source in sources() for check in source.checks),
    *RECONCILIATION_CHECKS,
    *COMPLETENESS_CHECKS,
]

# The reports are emails: they go out once per tenant and day, after its morning run (sensors/reports.py),
# never from the whole graph's ranged and hourly runs.
storehouse_job = dg.define_asset_job(
    "storehouse_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(REPORTS_GROUP),
    partitions_def=date_tenant_partitions,
    executor_def=dg.in_process_executor,
    description="The whole graph, raw to aggregates, for the selected tenant and days (not the reports).",
)


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Every source's client resources, the run's tenants, the raw store and the warehouse, configured from
    the settings."""
    configured = settings()
    return {
        **{key: resource for source in sources() for key, resource in source.resources.items()},
        "tenants": TenantsResource(),
        "raw_store": RawStoreResource(base_url=configured.raw_store_url_config()),
        "warehouse": WarehouseResource(url=configured.warehouse_url_config()),
    }


defs = dg.Definitions(
    assets=[*ALL_ASSETS, *REPORT_ASSETS],
    asset_checks=ALL_CHECKS,
    jobs=[storehouse_job, reports_job],
    schedules=SCHEDULES,
    sensors=[
        tenant_partitions_sensor,
        automation_sensor,
        *ALERT_SENSORS,
        *LATE_CHANGE_SENSORS,
        publish_read_snapshot,
        *REPORT_SENSORS,
    ],
    resources=build_resources(),
    executor=dg.in_process_executor,
)
