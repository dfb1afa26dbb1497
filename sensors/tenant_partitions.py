"""Keeps the 'tenant' dynamic partitions in step with the tenants file, safely.

New tenants get their partitions automatically (they appear in the UI, ready to backfill). Partitions of
tenants that are in the Dagster instance but no longer in the tenants file are **never** removed here: a
wrong ``STOREHOUSE_TENANTS_FILE`` in one process must not make a tenant's partitions vanish. They are
reported, with the command that removes them on purpose (``storehouse sync-tenants --prune``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from platform_assets.ingest.partitions import tenant_partitions
from platform_assets.tenants import Tenant, TenantConfigError, load_tenants, tenants_file_path

PRUNE_COMMAND = ".venv/bin/storehouse sync-tenants --prune"


@dataclass(frozen=True)
class TenantPartitionPlan:
    """How the instance's tenant partitions compare with the tenants file.

    ``to_add`` and ``present`` are in tenants-file order; ``absent`` (in the instance, not in the file)
    is sorted. Only ``to_add`` is ever acted on without an explicit request to prune."""

    to_add: list[str]
    present: list[str]
    absent: list[str]


@dataclass(frozen=True)
class MaterialisedPartitions:
    """What an absent tenant would lose from view if pruned: its materialised (asset, date) partitions."""

    asset_partitions: int
    assets: int
    dates: int

    def describe(self) -> str:
        if not self.asset_partitions:
            return "nothing materialised"
        return (
            f"{_count(self.asset_partitions, 'materialised asset partition')}: "
            f"{_count(self.assets, 'asset')}, {_count(self.dates, 'date')}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def plan_tenant_partitions(
    instance: dg.DagsterInstance, tenants: dict[str, Tenant] | None = None
) -> TenantPartitionPlan:
    """Compare the tenants file (loaded and validated unless given) with the instance's tenant partitions."""
    wanted = list(tenants if tenants is not None else load_tenants())
    existing = set(instance.get_dynamic_partitions(tenant_partitions.name))
    return TenantPartitionPlan(
        to_add=[t for t in wanted if t not in existing],
        present=[t for t in wanted if t in existing],
        absent=sorted(existing - set(wanted)),
    )


def add_new_tenant_partitions(instance: dg.DagsterInstance, plan: TenantPartitionPlan) -> list[str]:
    """Add the partitions of the plan's new tenants; never removes anything. Returns what was added."""
    if plan.to_add:
        instance.add_dynamic_partitions(tenant_partitions.name, plan.to_add)
    return list(plan.to_add)


def prune_tenant_partitions(instance: dg.DagsterInstance, tenant_ids: Iterable[str]) -> list[str]:
    """Remove these tenants' partition keys from the instance (an operator's explicit decision).

    Only the keys go: run and materialisation history stay in the instance, and the warehouse and the raw
    store are not touched. Returns the tenants removed, in order."""
    removed = []
    for tenant_id in tenant_ids:
        instance.delete_dynamic_partition(tenant_partitions.name, tenant_id)
        removed.append(tenant_id)
    return removed


def materialised_partitions_by_tenant(
    instance: dg.DagsterInstance, tenant_ids: Iterable[str]
) -> dict[str, MaterialisedPartitions]:
    """For each tenant, how many of its date × tenant partitions have materialisations: one query per
    asset key in the instance, so cheap enough to run when there are absent tenants to describe."""
    wanted = set(tenant_ids)
    dates: dict[str, set[str]] = defaultdict(set)
    assets: dict[str, set[dg.AssetKey]] = defaultdict(set)
    pairs: dict[str, int] = defaultdict(int)
    for asset_key in instance.get_asset_keys():
        for partition_key in instance.get_materialized_partitions(asset_key):
            date_key, _, tenant_id = str(partition_key).rpartition("|")
            if tenant_id in wanted and date_key:
                dates[tenant_id].add(date_key)
                assets[tenant_id].add(asset_key)
                pairs[tenant_id] += 1
    return {
        t: MaterialisedPartitions(asset_partitions=pairs[t], assets=len(assets[t]), dates=len(dates[t]))
        for t in sorted(wanted)
    }


def absent_tenants_message(absent: list[str]) -> str:
    """The report for tenants kept in the instance though the tenants file no longer lists them."""
    return (
        f"tenants in the Dagster instance but not in the tenants file {tenants_file_path()}: "
        f"{', '.join(absent)}. Their partitions are kept (this sensor never removes partitions); "
        f"if they are gone for good, remove them with: {PRUNE_COMMAND}"
    )


@dg.sensor(
    name="tenant_partitions_sensor",
    description=(
        "Adds the 'tenant' partitions of new tenants in the tenants file. Never removes any: tenants missing "
        f"from the file are reported, and removed only by `{PRUNE_COMMAND}`."
    ),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def tenant_partitions_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Add new tenants' partitions; report absent tenants once per change (the cursor holds the last
    reported set) and on every skipped tick's reason."""
    try:
        plan = plan_tenant_partitions(context.instance)
    except TenantConfigError as exc:
        raise dg.Failure(f"tenants file {tenants_file_path()} is invalid: {exc}") from exc
    cursor = ",".join(plan.absent)
    if plan.absent and cursor != (context.cursor or ""):
        context.log.warning(absent_tenants_message(plan.absent))
    if plan.to_add:
        context.log.info(f"adding tenant partitions: {', '.join(plan.to_add)}")
        return dg.SensorResult(
            dynamic_partitions_requests=[tenant_partitions.build_add_request(plan.to_add)], cursor=cursor
        )
    reason = (
        absent_tenants_message(plan.absent)
        if plan.absent
        else "tenant partitions already match the tenants file"
    )
    return dg.SensorResult(skip_reason=reason, cursor=cursor)
