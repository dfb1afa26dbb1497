"""Shopify staging: each raw partition is read once, typed, and written to its staging tables, each
table replaced for that (tenant, day) in one transaction. Then the conformed, platform-neutral layer
(stg_orders, stg_order_lines, stg_refunds, stg_customers, stg_products, stg_locations) is built from them
in SQL. Every platform-neutral write (conformed rows, dead letters, the ledger) carries and replaces only
``platform = 'shopify'``, so another source's rows of the same tenant and day are left alone."""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from platform_assets.automation import DERIVED_AUTOMATION
from platform_assets.clock import utc_now
from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import TenantDays, describe_days, each_day, tenant_days
from platform_assets.sources.shopify import PLATFORM, staging
from platform_assets.sources.shopify.business_days import tenant_timezone
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
from platform_assets.staging.dead_letters import dead_letter_check, replace_dead_letters
from platform_assets.staging.declarative import RawDay, SqlStaging, closing_duck, stage_batch
from platform_assets.staging.ledger import IngestedPartition, record_staged
from platform_assets.staging.pool import BATCH_DAYS, StagedDay, batches, merged_texts, staged_days
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.schema import TableSpec
from platform_assets.warehouse.sql_assets import ANALYZE_MIN_ROWS, WAREHOUSE_POOL, sql_model_asset
from platform_assets.warehouse.tables import DLQ_RECORDS, STAGED_PARTITIONS
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource

GROUP = "staging"
SQL_DIR = Path(__file__).parent / "sql"
STAGING_SQL_DIR = Path(__file__).parent / "staging_sql"
OWNERS = ["team:data-platform"]

Stager = Callable[[Iterable[dict], TenantDays, date, RawStoreResource], staging.Staged]


def _stage_orders(records, td, day, raw_store):
    return staging.stage_orders(records, td.tenant.id, day, tenant_timezone(td.tenant, raw_store, day))


def _stage_customers(records, td, day, raw_store):
    return staging.stage_customers(records, td.tenant.id, day)


def _stage_products(records, td, day, raw_store):
    return staging.stage_products(records, td.tenant.id, day)


def _snapshot_time(raw_store: RawStoreResource, entity: str, tenant_id: str, day: date) -> datetime:
    meta = raw_store.read_meta("shopify", entity, tenant_id, day) or {}
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


def _ingested(raw_store: RawStoreResource, entity: str, staged: StagedDay) -> IngestedPartition:
    """The ledger's view of a staged day: its timezone (as orders are staged) and when it was fetched."""
    return _ingested_day(raw_store, entity, staged.td, staged.day)


def _ingested_day(raw_store: RawStoreResource, entity: str, td: TenantDays, day: date) -> IngestedPartition:
    tenant = td.tenant
    try:
        written = raw_store.read_meta("shopify", entity, tenant.id, day).get("written_at")
    except FileNotFoundError:
        written = None
    fetched = timestamp(written, "written_at")
    fetched_at = fetched.replace(tzinfo=UTC) if fetched else None
    return IngestedPartition(day, tenant_timezone(tenant, raw_store, day), fetched_at)


def staging_assets(
    name: str,
    raw: dg.AssetsDefinition,
    entity: str,
    specs: list[TableSpec],
    stage: Stager,
    sql: SqlStaging | None = None,
):
    """A multi-asset writing every staging table fed by one raw entity, one transaction per batch of a
    tenant's days. With ``sql``, the records are typed by its SQL and only the odd ones by ``stage``."""

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                spec.name,
                description=spec.description,
                deps=[raw, raw_shopify_shop],
                group_name=GROUP,
                kinds={"python", "sql"},
                owners=OWNERS,
                metadata=spec.definition_metadata(),
                partitions_def=date_tenant_partitions,
                **DERIVED_AUTOMATION,
            )
            for spec in specs
        ],
        pool=WAREHOUSE_POOL,
        backfill_policy=BACKFILL_POLICY,
    )
    def _asset(context: dg.AssetExecutionContext, raw_store: RawStoreResource, warehouse: WarehouseResource):
        written = {spec.name: 0 for spec in specs}
        dead_letters = 0
        new_fields: Counter[str] = Counter()
        covered: list[date] = []
        missing: list[str] = []
        warehouse.ensure_tables([*specs, DLQ_RECORDS, STAGED_PARTITIONS])
        days = list(each_day(tenant_days(context)))
        tables = [(spec.name, len(spec.column_names)) for spec in specs]
        if sql is not None:
            dead_letters = _write_declarative(
                sql, stage, entity, raw_store, warehouse, days, written, new_fields, covered, missing
            )
        else:
            with warehouse.connect() as conn:
                for batch in batches(staged_days(stage, entity, tables, raw_store, days)):
                    tenant_id = batch[0].td.tenant.id
                    with conn.begin():  # several days of one tenant, each replaced whole
                        for spec, (name, width) in zip(specs, tables, strict=True):
                            warehouse.delete_partitions(conn, spec, tenant_id, [s.day for s in batch])
                            written[name] += warehouse.insert_text(
                                conn, spec, merged_texts(batch, name, width)
                            )
                        for staged in batch:
                            dead_letters += replace_dead_letters(
                                warehouse,
                                conn,
                                {
                                    "tenant_id": tenant_id,
                                    "partition_date": staged.day,
                                    "platform": PLATFORM,
                                    "entity": entity,
                                },
                                staged.dead_letters,
                                utc_now().replace(tzinfo=None),
                            )
                        record_staged(  # "ingested" = fetched and staged, committed with the rows
                            warehouse,
                            conn,
                            tenant_id=tenant_id,
                            platform=PLATFORM,
                            entity=entity,
                            days=[staged.day for staged in batch],
                            ingested=[_ingested(raw_store, entity, s) for s in batch if not s.missing],
                            staged_at=utc_now(),
                        )
                    for staged in batch:
                        if staged.missing:
                            missing.append(f"{tenant_id}/{staged.day}")
                        new_fields.update(staged.new_fields)
                        covered.append(staged.day)
        if sum(written.values()) >= ANALYZE_MIN_ROWS:  # fresh statistics for the SQL models reading them
            warehouse.analyze(specs)
        covered.sort()
        for spec in specs:
            metadata: dict[str, Any] = {
                "dagster/row_count": dg.MetadataValue.int(written[spec.name]),
                "rows_written": dg.MetadataValue.int(written[spec.name]),
                "dates_covered": describe_days(covered),
                "dead_letters": dg.MetadataValue.int(dead_letters),
            }
            if missing:
                metadata["raw_partitions_missing"] = dg.MetadataValue.json(missing)
            if new_fields:  # schema drift: kept in raw untouched, not staged yet
                metadata["new_fields"] = dg.MetadataValue.json(dict(new_fields.most_common()))
            yield dg.MaterializeResult(asset_key=spec.name, metadata=metadata)

    return _asset


#: Raw bytes (gzipped) of one tenant's days typed together by the SQL: a DuckDB statement costs
#: milliseconds whatever its size, so small days go in batches (up to BATCH_DAYS of them).
SQL_BATCH_BYTES = 12_000_000


def _sql_batches(
    raw_store: RawStoreResource, entity: str, days: list[tuple[TenantDays, date]]
) -> Iterable[list[tuple[TenantDays, date]]]:
    """Consecutive days of one tenant, up to ``SQL_BATCH_BYTES`` gzipped raw bytes or ``BATCH_DAYS`` days."""
    batch: list[tuple[TenantDays, date]] = []
    size = 0
    for td, day in days:
        try:
            day_bytes = int(raw_store.read_meta("shopify", entity, td.tenant.id, day).get("bytes") or 0)
        except FileNotFoundError:
            day_bytes = 0
        if batch and (
            td.tenant.id != batch[0][0].tenant.id
            or size + day_bytes > SQL_BATCH_BYTES
            or len(batch) >= BATCH_DAYS
        ):
            yield batch
            batch, size = [], 0
        batch.append((td, day))
        size += day_bytes
    if batch:
        yield batch


def _write_declarative(
    sql: SqlStaging,
    stage: Stager,
    entity: str,
    raw_store: RawStoreResource,
    warehouse: WarehouseResource,
    days: list[tuple[TenantDays, date]],
    written: dict[str, int],
    new_fields: Counter[str],
    covered: list[date],
    missing: list[str],
) -> int:
    """Stage the run's days through the entity's SQL, one transaction per batch of a tenant's days (rows
    replaced, dead letters replaced, ledger written); the odd records through ``stage``. Dead letters."""
    dead_letters = 0
    with warehouse.connect() as conn, closing_duck(warehouse, conn) as duck:
        for batch in _sql_batches(raw_store, entity, days):
            td = batch[0][0]
            tenant_id = td.tenant.id
            present = [day for _, day in batch if raw_store.exists("shopify", entity, tenant_id, day)]
            raw_days = [
                RawDay(
                    day,
                    tenant_timezone(td.tenant, raw_store, day).key,
                    list(raw_store.read_lines("shopify", entity, tenant_id, day)),
                )
                for day in present
            ]

            def python_stage(records: list[dict], day: date, td: TenantDays = td) -> staging.Staged:
                return stage(records, td, day, raw_store)

            with conn.begin():  # several days of one tenant, each replaced whole
                for spec in sql.specs:
                    warehouse.delete_partitions(conn, spec, tenant_id, [day for _, day in batch])
                staged = stage_batch(sql, warehouse, conn, duck, tenant_id, raw_days, python_stage)
                for name, count in staged.written.items():
                    written[name] += count
                for _, day in batch:
                    dead_letters += replace_dead_letters(
                        warehouse,
                        conn,
                        {
                            "tenant_id": tenant_id,
                            "partition_date": day,
                            "platform": PLATFORM,
                            "entity": entity,
                        },
                        staged.dead_letters.get(day, []),
                        utc_now().replace(tzinfo=None),
                    )
                record_staged(  # "ingested" = fetched and staged, committed with the rows
                    warehouse,
                    conn,
                    tenant_id=tenant_id,
                    platform=PLATFORM,
                    entity=entity,
                    days=[day for _, day in batch],
                    ingested=[_ingested_day(raw_store, entity, td, day) for day in present],
                    staged_at=utc_now(),
                )
            for _, day in batch:
                if day not in present:
                    missing.append(f"{tenant_id}/{day}")
                new_fields.update(staged.new_fields.get(day, {}))
                covered.append(day)
    return dead_letters


ORDER_TABLES = [
    t.STG_SHOPIFY_ORDERS,
    t.STG_SHOPIFY_ORDER_LINES,
    t.STG_SHOPIFY_DISCOUNT_ALLOCATIONS,
    t.STG_SHOPIFY_DISCOUNT_CODES,
    t.STG_SHOPIFY_TAX_LINES,
    t.STG_SHOPIFY_SHIPPING_LINES,
    t.STG_SHOPIFY_REFUNDS,
    t.STG_SHOPIFY_REFUND_LINES,
    t.STG_SHOPIFY_ORDER_ADJUSTMENTS,
    t.STG_SHOPIFY_ORDER_TAGS,
]
CUSTOMER_TABLES = [t.STG_SHOPIFY_CUSTOMERS, t.STG_SHOPIFY_CUSTOMER_ADDRESSES, t.STG_SHOPIFY_CUSTOMER_TAGS]
PRODUCT_TABLES = [t.STG_SHOPIFY_PRODUCTS, t.STG_SHOPIFY_PRODUCT_VARIANTS, t.STG_SHOPIFY_PRODUCT_TAGS]

#: Orders are typed by SQL (staging_sql/orders.sql); the odd order by the Python stager.
ORDER_SQL = SqlStaging(
    "orders",
    (STAGING_SQL_DIR / "macros.sql", STAGING_SQL_DIR / "orders.sql"),
    tuple(ORDER_TABLES),
    KNOWN_FIELDS["orders"],
    min_sql_records=200,
)
shopify_order_staging = staging_assets(
    "shopify_order_staging", raw_shopify_orders, "orders", ORDER_TABLES, _stage_orders, ORDER_SQL
)
shopify_customer_staging = staging_assets(
    "shopify_customer_staging", raw_shopify_customers, "customers", CUSTOMER_TABLES, _stage_customers
)
shopify_product_staging = staging_assets(
    "shopify_product_staging", raw_shopify_products, "products", PRODUCT_TABLES, _stage_products
)
shopify_location_staging = staging_assets(
    "shopify_location_staging",
    raw_shopify_locations,
    "locations",
    [t.STG_SHOPIFY_LOCATIONS],
    _stage_locations,
)
shopify_inventory_staging = staging_assets(
    "shopify_inventory_staging",
    raw_shopify_inventory_levels,
    "inventory_levels",
    [t.STG_SHOPIFY_INVENTORY_LEVELS],
    _stage_inventory_levels,
)

ORDER_STAGING_KEYS = [dg.AssetKey(spec.name) for spec in ORDER_TABLES]
#: The conformed models replace, for a tenant and day range, only Shopify's rows.
CONFORMED_PARAMS = {"platform": PLATFORM}

stg_orders = sql_model_asset(
    t.STG_ORDERS,
    SQL_DIR / "stg_orders.sql",
    params=CONFORMED_PARAMS,
    deps=ORDER_STAGING_KEYS,
    group_name=GROUP,
    description="Orders from every platform in one shape (Shopify today), with gross sales, discounts, "
    "units, shipping and taxes computed once, and is_counted (not a test, not voided).",
)
stg_order_lines = sql_model_asset(
    t.STG_ORDER_LINES,
    SQL_DIR / "stg_order_lines.sql",
    params=CONFORMED_PARAMS,
    deps=ORDER_STAGING_KEYS,
    group_name=GROUP,
    description="Order lines from every platform in one shape.",
)
stg_refunds = sql_model_asset(
    t.STG_REFUNDS,
    SQL_DIR / "stg_refunds.sql",
    params=CONFORMED_PARAMS,
    deps=ORDER_STAGING_KEYS,
    group_name=GROUP,
    description="Refund lines (items, shipping refunds, adjustments) of every platform, on the refund's day.",
)
stg_customers = sql_model_asset(
    t.STG_CUSTOMERS,
    SQL_DIR / "stg_customers.sql",
    params=CONFORMED_PARAMS,
    deps=[dg.AssetKey(s.name) for s in CUSTOMER_TABLES],
    group_name=GROUP,
    description="Registered customers from every platform in one shape.",
)
stg_products = sql_model_asset(
    t.STG_PRODUCTS,
    SQL_DIR / "stg_products.sql",
    params=CONFORMED_PARAMS,
    deps=[dg.AssetKey(s.name) for s in PRODUCT_TABLES],
    group_name=GROUP,
    description="Sellable products at variant grain from every platform in one shape.",
)
stg_locations = sql_model_asset(
    t.STG_LOCATIONS,
    SQL_DIR / "stg_locations.sql",
    params=CONFORMED_PARAMS,
    deps=[dg.AssetKey(t.STG_SHOPIFY_LOCATIONS.name)],
    group_name=GROUP,
    description="Stores and warehouses from every platform in one shape, one row per location and "
    "snapshot day: what dim_location reads.",
)

STAGING_ASSETS = [
    shopify_order_staging,
    shopify_customer_staging,
    shopify_product_staging,
    shopify_location_staging,
    shopify_inventory_staging,
    stg_orders,
    stg_order_lines,
    stg_refunds,
    stg_customers,
    stg_products,
    stg_locations,
]

DEAD_LETTER_CHECKS = [
    dead_letter_check(PLATFORM, t.STG_SHOPIFY_ORDERS.name, "orders", t.STG_SHOPIFY_ORDERS.name),
    dead_letter_check(PLATFORM, t.STG_SHOPIFY_CUSTOMERS.name, "customers", t.STG_SHOPIFY_CUSTOMERS.name),
    dead_letter_check(PLATFORM, t.STG_SHOPIFY_PRODUCTS.name, "products", t.STG_SHOPIFY_PRODUCTS.name),
    dead_letter_check(PLATFORM, t.STG_SHOPIFY_LOCATIONS.name, "locations", t.STG_SHOPIFY_LOCATIONS.name),
    dead_letter_check(
        PLATFORM,
        t.STG_SHOPIFY_INVENTORY_LEVELS.name,
        "inventory_levels",
        t.STG_SHOPIFY_INVENTORY_LEVELS.name,
    ),
]
