"""WooCommerce's own checks: each raw orders partition holds as many orders as WooCommerce counts for the
same modification window (``X-WP-Total`` of the same query)."""

from collections.abc import Iterable
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.clock import day_window
from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.sources.woocommerce import PLATFORM
from platform_assets.sources.woocommerce.raw_fetch import client_for, settings_zone_name
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.woocommerce.client import WooCommerceClientResource


def distinct_orders(records: Iterable[dict]) -> int:
    """How many orders a raw partition holds: an id served twice is one order, so duplicates can neither
    hide a lost page nor pose as one; records without an id count one each."""
    ids: set[Any] = set()
    without_id = 0
    for record in records:
        if record.get("id") is None:
            without_id += 1
        else:
            ids.add(record["id"])
    return len(ids) + without_id


@dg.asset_check(
    asset=dg.AssetKey("raw_woocommerce_orders"),
    name="raw_orders_match_source_count",
    blocking=False,
    description="The raw partition holds as many orders (distinct ids) as WooCommerce's X-WP-Total reports "
    "for the same modified_after/modified_before window: a page lost while paging turns this red.",
)
def raw_orders_match_source_count(
    context: dg.AssetCheckExecutionContext,
    woocommerce: WooCommerceClientResource,
    raw_store: RawStoreResource,
    tenants: TenantsResource,
) -> dg.AssetCheckResult:
    mismatches, compared, days = [], 0, []
    for td in tenant_days(context, tenants):
        tenant = td.tenant
        if tenant.connection(PLATFORM) is None:
            continue
        with client_for(woocommerce, tenant) as client:
            settings = client.get_store_settings()
            timezone = fetch_timezone(
                tenant, PLATFORM, settings_zone_name(settings.timezone, settings.gmt_offset)
            )
            for day in td.days:
                if not raw_store.exists(PLATFORM, "orders", tenant.id, day):
                    continue
                start, end = day_window(day, timezone)
                expected = client.count_orders(None if day == tenant.start_date else start, end)
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
        "X-WP-Total",
        metadata=metadata,
    )


WOOCOMMERCE_CHECKS = [raw_orders_match_source_count]
