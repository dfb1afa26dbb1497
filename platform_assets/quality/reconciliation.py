"""Relational and reconciliation checks: the numbers hold together across tables and agree with the
source. Each SQL check is a query returning the offending rows of the run's partitions (none = pass);
a silent loss anywhere turns one of them red."""

from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.clock import day_window
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.sources.shopify.business_days import shop_timezone
from platform_assets.warehouse.sql import statements
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from resources.warehouse import WarehouseResource

SQL_DIR = Path(__file__).parent / "sql"
SAMPLE = 20


#: What a check says about its offending rows: the one-line description and extra metadata.
Summary = Callable[[pd.DataFrame], tuple[str, dict[str, Any]]]


def sql_check(
    asset: str,
    name: str,
    sql_file: str,
    description: str,
    *,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    summary: Summary | None = None,
) -> dg.AssetChecksDefinition:
    """A non-blocking check that does not pass (with ``severity``) when ``sql_file`` returns rows for the
    run's partitions; ``summary`` words the result (default: how many rows break the rule)."""
    (query,) = statements(SQL_DIR / sql_file)

    @dg.asset_check(asset=dg.AssetKey(asset), name=name, blocking=False, description=description)
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        frames = []
        for td in tenant_days(context):
            for start, end in td.ranges():
                params = {"tenant_id": td.tenant.id, "start_date": start, "end_date": end}
                frames.append(warehouse.query(query, params).assign(tenant_id=td.tenant.id))
        offending = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        metadata: dict[str, Any] = {"offending_rows": dg.MetadataValue.int(len(offending))}
        if offending.empty:
            return dg.AssetCheckResult(passed=True, metadata=metadata)
        metadata["sample"] = dg.MetadataValue.md(
            offending.head(SAMPLE).astype(str).to_markdown(index=False, disable_numparse=True)
        )
        text = f"{len(offending)} rows break the rule: {description}"
        if summary is not None:
            text, extra = summary(offending)
            metadata.update(extra)
        return dg.AssetCheckResult(passed=False, severity=severity, description=text, metadata=metadata)

    return _check


def distinct_orders(records: Iterable[dict]) -> int:
    """How many orders a raw partition holds: an id served twice (a duplicate page, a conflicting copy)
    is one order, so duplicates can neither hide a lost page nor pose as one; records without an id
    count one each."""
    ids: set[Any] = set()
    without_id = 0
    for record in records:
        if record.get("id") is None:
            without_id += 1
        else:
            ids.add(record["id"])
    return len(ids) + without_id


@dg.asset_check(
    asset=dg.AssetKey("raw_shopify_orders"),
    name="raw_orders_match_source_count",
    blocking=False,
    description="The raw partition holds as many orders (distinct ids) as Shopify's orders/count.json "
    "reports for the same updated_at window: a page lost while paging turns this red.",
)
def raw_orders_match_source_count(
    context: dg.AssetCheckExecutionContext, shopify: ShopifyClientResource, raw_store: RawStoreResource
) -> dg.AssetCheckResult:
    mismatches, compared, days = [], 0, []
    for td in tenant_days(context):
        tenant = td.tenant
        if tenant.shopify is None:
            continue
        connection = tenant.shopify
        with shopify.for_shop(
            connection.shop_url,
            connection.token(),
            api_version=connection.api_version,
            token_source=connection.token_source,
        ) as client:
            timezone = shop_timezone(tenant, client.get_shop())
            for day in td.days:
                if not raw_store.exists("shopify", "orders", tenant.id, day):
                    continue
                start, end = day_window(day, timezone)
                lower = None if day == tenant.start_date else start
                expected = client.count_orders(lower, end - timedelta(seconds=1))
                stored = distinct_orders(raw_store.read_partition("shopify", "orders", tenant.id, day))
                compared += 1
                days.append(day)
                if stored != expected:
                    mismatches.append(
                        {"tenant": tenant.id, "day": str(day), "raw": stored, "source": expected}
                    )
    metadata: dict[str, Any] = {
        "partitions_compared": dg.MetadataValue.int(compared),
        "dates_checked": describe_days(sorted(set(days))),
    }
    if not mismatches:
        return dg.AssetCheckResult(passed=True, metadata=metadata)
    metadata["mismatches"] = dg.MetadataValue.md(pd.DataFrame(mismatches).to_markdown(index=False))
    first = mismatches[0]
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(mismatches)} partitions differ from the source, e.g. "
        f"{first['tenant']}/{first['day']}: {first['raw']} orders stored, {first['source']} reported by "
        "orders/count.json",
        metadata=metadata,
    )


RECONCILIATION_CHECKS = [
    sql_check(
        "stg_shopify_order_lines",
        "order_lines_add_up",
        "order_line_totals.sql",
        "an order's lines add up to its total_line_items_price",
    ),
    sql_check(
        "fact_order_items",
        "items_join_product_version",
        "item_product_versions.sql",
        "every order item joins the dim_product version in force at order time",
    ),
    sql_check(
        "fact_refunds",
        "refunds_within_charged",
        "refunds_within_charged.sql",
        "an order's refunds never exceed what it charged",
    ),
    sql_check(
        "agg_daily_sales",
        "daily_sales_match_facts",
        "daily_sales_reconcile.sql",
        "agg_daily_sales equals the facts' totals for each day",
    ),
    raw_orders_match_source_count,
]
