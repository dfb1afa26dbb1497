"""The raw orders partitions against the source's own count: each raw orders partition holds as many orders
(distinct ids) as the source counts for the same business-day window, so a page lost while paging turns
the check red. One factory, :func:`raw_orders_count_check`; a source gives what is its own: how to open a
client for a tenant, the timezone its store reports and how it counts a window's orders."""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.clock import day_window
from platform_assets.ingest.business_days import fetch_timezone
from platform_assets.ingest.partitions import CHECK_PARTITIONS
from platform_assets.ingest.runs import describe_days, tenant_days
from platform_assets.tenants import Tenant, TenantsResource

CHECK_NAME = "raw_orders_match_source_count"


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


def raw_orders_count_check(
    *,
    platform: str,
    client_resource: str,
    description: str,
    counted_by: str | Callable[[Tenant], str],
    open_client: Callable[[Any, Tenant], AbstractContextManager[Any]],
    reported_zone: Callable[[Any], str | None],
    count_orders: Callable[[Any, datetime | None, datetime], int],
) -> dg.AssetChecksDefinition:
    """The check ``raw_orders_match_source_count`` of ``raw_<platform>_orders``.

    ``client_resource`` is the source's client resource key; ``open_client(resource, tenant)`` opens a
    client for the tenant's store; ``reported_zone(client)`` is the timezone name the store reports;
    ``count_orders(client, start, end)`` counts the orders of ``[start, end)`` (``start`` None on the
    tenant's start date: everything before it too); ``counted_by`` names that count in the description
    of a failure (or, called with the tenant, names it per tenant: a source whose tenants count through
    different APIs)."""

    @dg.asset_check(
        partitions_def=CHECK_PARTITIONS,
        asset=dg.AssetKey(f"raw_{platform}_orders"),
        name=CHECK_NAME,
        blocking=False,
        description=description,
        required_resource_keys={client_resource, "raw_store", "tenants"},
    )
    def raw_orders_match_source_count(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        resource = getattr(context.resources, client_resource)
        raw_store = context.resources.raw_store
        tenants: TenantsResource = context.resources.tenants
        mismatches, compared, days = [], 0, []
        for td in tenant_days(context, tenants):
            tenant = td.tenant
            if tenant.connection(platform) is None:
                continue
            with open_client(resource, tenant) as client:
                timezone = fetch_timezone(tenant, platform, reported_zone(client))
                for day in td.days:
                    if not raw_store.exists(platform, "orders", tenant.id, day):
                        continue
                    start, end = day_window(day, timezone)
                    expected = count_orders(client, None if day == tenant.start_date else start, end)
                    stored = distinct_orders(raw_store.read_partition(platform, "orders", tenant.id, day))
                    compared += 1
                    days.append(day)
                    if stored != expected:
                        mismatches.append(
                            {
                                "tenant": tenant.id,
                                "day": str(day),
                                "raw": stored,
                                "source": expected,
                                "counted_by": counted_by(tenant) if callable(counted_by) else counted_by,
                            }
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
            f"{first['counted_by']}",
            metadata=metadata,
        )

    return raw_orders_match_source_count
