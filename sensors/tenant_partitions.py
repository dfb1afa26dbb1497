"""Keeps the 'tenant' dynamic partitions in step with the tenants file: new tenants are added (their
partitions appear in the UI, ready to backfill), removed ones are deleted."""

import dagster as dg

from platform_assets.partitions import tenant_partitions
from platform_assets.tenants import TenantConfigError, load_tenants, tenants_file_path


def tenant_partition_requests(instance: dg.DagsterInstance) -> tuple[list[str], list[str]]:
    """(to add, to delete) so the instance's tenant partitions equal the tenants file."""
    wanted = list(load_tenants())
    existing = set(instance.get_dynamic_partitions(tenant_partitions.name))
    return [t for t in wanted if t not in existing], sorted(existing - set(wanted))


@dg.sensor(
    name="tenant_partitions_sensor",
    description="Adds and removes 'tenant' partitions so they match the tenants file.",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def tenant_partitions_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    try:
        to_add, to_delete = tenant_partition_requests(context.instance)
    except TenantConfigError as exc:
        raise dg.Failure(f"tenants file {tenants_file_path()} is invalid: {exc}") from exc
    if not to_add and not to_delete:
        return dg.SkipReason("tenant partitions already match the tenants file")
    requests: list = []
    if to_add:
        requests.append(tenant_partitions.build_add_request(to_add))
    if to_delete:
        requests.append(tenant_partitions.build_delete_request(to_delete))
    context.log.info(f"tenants added: {to_add or 'none'}; removed: {to_delete or 'none'}")
    return dg.SensorResult(dynamic_partitions_requests=requests)


def sync_tenant_partitions(instance: dg.DagsterInstance) -> tuple[list[str], list[str]]:
    """The same, applied directly (used by the demo command before it materialises)."""
    to_add, to_delete = tenant_partition_requests(instance)
    if to_add:
        instance.add_dynamic_partitions(tenant_partitions.name, to_add)
    for tenant_id in to_delete:
        instance.delete_dynamic_partition(tenant_partitions.name, tenant_id)
    return to_add, to_delete
