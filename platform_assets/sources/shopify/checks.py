"""Shopify's own checks: its lines add up to its orders, and each raw orders partition holds as many
orders as Shopify counts for the same window."""

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.clock import day_window
from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.quality.reconciliation import sql_check
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.raw_fetch import client_for
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource

SQL_DIR = Path(__file__).parent / "sql"

order_lines_add_up = sql_check(
    "stg_shopify_order_lines",
    "order_lines_add_up",
    SQL_DIR / "order_line_totals.sql",
    "an order's lines add up to its total_line_items_price",
)


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
    context: dg.AssetCheckExecutionContext,
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.AssetCheckResult:
    mismatches, compared, days = [], 0, []
    for td in tenant_days(context, tenants):
        tenant = td.tenant
        if tenant.connection(PLATFORM) is None:
            continue
        with client_for(shopify, tenant) as client:
            timezone = fetch_timezone(tenant, PLATFORM, client.get_shop().get("iana_timezone"))
            for day in td.days:
                if not raw_store.exists(PLATFORM, "orders", tenant.id, day):
                    continue
                start, end = day_window(day, timezone)
                lower = None if day == tenant.start_date else start
                expected = client.count_orders(lower, end - timedelta(seconds=1))
                stored = distinct_orders(raw_store.read_partition(PLATFORM, "orders", tenant.id, day))
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


SHOPIFY_CHECKS = [order_lines_add_up, raw_orders_match_source_count]
