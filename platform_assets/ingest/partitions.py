"""The date × tenant partitioning every Storehouse asset shares.

A date key is a *business day in the tenant's own timezone*. The daily dimension is laid out in UTC+14
(the earliest timezone on Earth) so that a tenant's day has a partition as soon as it begins anywhere;
``end_offset=1`` keeps today's partition available for intraday refreshes.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence

import dagster as dg

from platform_assets.settings import settings

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings().partitions_start.isoformat(),
    timezone="Pacific/Kiritimati",
    end_offset=1,
)
tenant_partitions = dg.DynamicPartitionsDefinition(name="tenant")
date_tenant_partitions = dg.MultiPartitionsDefinition({"date": daily_partitions, "tenant": tenant_partitions})

#: The partitions of every asset check, the same as its asset's. In a ranged run a check then reads only the
#: run's partitions: for an unpartitioned check Dagster lists every date × tenant partition of its asset (for
#: the data-version lineage), a quarter of a short run's CPU. Single-partition runs record them per partition.
CHECK_PARTITIONS = date_tenant_partitions
# Dagster 1.13 calls partitioned checks a preview: tests/pipeline/test_checks.py and tests/alerts cover them.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)


def dates_by_tenant(partition_keys: Sequence[str]) -> dict[str, list[str]]:
    """Group a run's partition keys ('2026-01-02|acme', one or a range) into sorted dates per tenant."""
    grouped: dict[str, set[str]] = defaultdict(set)
    for key in partition_keys:
        by_dimension = date_tenant_partitions.get_partition_key_from_str(str(key)).keys_by_dimension
        grouped[by_dimension["tenant"]].add(by_dimension["date"])
    return {tenant: sorted(dates) for tenant, dates in sorted(grouped.items())}
