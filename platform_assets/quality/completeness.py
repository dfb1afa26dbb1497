"""The completeness check of agg_daily_sales: warns (never blocks) while a day of the run has provisional
figures, naming the days and why (docs/metrics.md#completeness). Backfilling the missing raw partitions
through yesterday turns it green."""

from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.ingest.runs import compact_days
from platform_assets.quality.reconciliation import sql_check


def describe_provisional(rows: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """'3 days have provisional figures: test-ny 2026-05-20…2026-05-22 (e.g. 2026-05-20: changes since
    …)', and the provisional days per tenant as metadata (every day's reason is in the sample table)."""
    by_tenant: dict[str, list[date]] = {}
    examples: list[str] = []
    for tenant_id, frame in rows.groupby("tenant_id", sort=True):
        days = sorted({pd.Timestamp(day).date() for day in frame["day"]})
        by_tenant[str(tenant_id)] = days
        first = frame.sort_values("day").iloc[0]
        examples.append(
            f"{tenant_id} {compact_days(days)} (e.g. {days[0].isoformat()}: {first['provisional_reason']})"
        )
    total = sum(len(days) for days in by_tenant.values())
    text = (
        f"{total} days have provisional figures: {'; '.join(examples)}. "
        "Materialise the missing days through yesterday to complete them."
    )
    metadata = {
        "provisional_days": dg.MetadataValue.json(
            {tenant: [day.isoformat() for day in days] for tenant, days in by_tenant.items()}
        ),
        "provisional_day_count": dg.MetadataValue.int(total),
    }
    return text, metadata


daily_sales_complete = sql_check(
    "agg_daily_sales",
    "daily_sales_complete",
    "daily_sales_provisional.sql",
    "every day of the run has complete figures: each raw orders partition it depends on (the tenant's "
    "start date through yesterday) was ingested",
    severity=dg.AssetCheckSeverity.WARN,
    summary=describe_provisional,
)

COMPLETENESS_CHECKS = [daily_sales_complete]
