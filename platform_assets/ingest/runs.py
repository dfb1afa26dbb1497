"""What a run is asked to do: the (tenant, dates) its partition keys cover, one key or a whole range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from platform_assets.ingest.partitions import dates_by_tenant
from platform_assets.tenants import Tenant, load_tenants, tenants_file_path


@dataclass(frozen=True)
class TenantDays:
    """One tenant's business days in this run, split into contiguous ranges (set work runs per range)."""

    tenant: Tenant
    days: list[date]

    def ranges(self) -> Iterator[tuple[date, date]]:
        return contiguous_ranges(self.days)


def contiguous_ranges(days: list[date]) -> Iterator[tuple[date, date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    if not days:
        return
    start = previous = days[0]
    for day in days[1:]:
        if day != previous + timedelta(days=1):
            yield start, previous
            start = day
        previous = day
    yield start, previous


def compact_days(days: list[date]) -> str:
    """Sorted days written as ranges: '2026-05-13…2026-05-15, 2026-05-20'."""
    return ", ".join(
        first.isoformat() if first == last else f"{first.isoformat()}…{last.isoformat()}"
        for first, last in contiguous_ranges(days)
    )


def tenant_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[TenantDays]:
    """The run's partition keys grouped by tenant, validated against the tenants file."""
    tenants = load_tenants()
    result = []
    for tenant_id, keys in dates_by_tenant(context.partition_keys).items():
        if tenant_id not in tenants:
            raise dg.Failure(
                f"tenant partition {tenant_id!r} is not in the tenants file {tenants_file_path()}; add it "
                "there, or remove its partitions with `.venv/bin/storehouse sync-tenants --prune`"
            )
        result.append(TenantDays(tenants[tenant_id], [date.fromisoformat(k) for k in keys]))
    return result


def each_day(tenants: list[TenantDays]) -> Iterator[tuple[TenantDays, date]]:
    """Every (tenant, business day) of a run, tenant by tenant."""
    for td in tenants:
        for day in td.days:
            yield td, day


def describe_days(days: list[date]) -> str:
    if not days:
        return "none"
    return (
        days[0].isoformat()
        if len(days) == 1
        else f"{days[0].isoformat()} … {days[-1].isoformat()} ({len(days)} days)"
    )
