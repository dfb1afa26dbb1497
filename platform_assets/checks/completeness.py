"""The completeness check of agg_daily_sales: warns (never blocks) while a day of the run has provisional
figures, naming the days and why (docs/metrics.md#completeness). Backfilling the missing raw partitions
through yesterday turns it green."""

from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from platform_assets.checks.reconciliation import sql_check
from platform_assets.runs import compact_days

#: Provisional days listed in the description, per tenant, before "…".
SHOWN_REASONS = 3


def describe_provisional(rows: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """'3 days have provisional figures: test-ny 2026-05-13…2026-05-15 (2026-05-13: changes since …)',
    and the provisional days per tenant as metadata."""
    by_tenant: dict[str, list[date]] = {}
    reasons: list[str] = []
    for tenant_id, frame in rows.groupby("tenant_id", sort=True):
        firsts = frame.drop_duplicates("day").sort_values("day")
        days = [pd.Timestamp(d).date() for d in firsts["day"]]
        by_tenant[str(tenant_id)] = days
        reasons.extend(
            f"{tenant_id} {pd.Timestamp(d).date()}: {reason}"
            for d, reason in zip(firsts["day"][:SHOWN_REASONS], firsts["provisional_reason"], strict=False)
        )
    total = sum(len(days) for days in by_tenant.values())
    where = "; ".join(f"{tenant} {compact_days(days)}" for tenant, days in by_tenant.items())
    text = (
        f"{total} days have provisional figures ({where}): "
        + "; ".join(reasons)
        + ("; …" if total > len(reasons) else "")
        + ". Materialise the missing days through yesterday to complete them."
    )
    metadata = {
        "provisional_days": dg.MetadataValue.json(
            {tenant: [d.isoformat() for d in days] for tenant, days in by_tenant.items()}
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
