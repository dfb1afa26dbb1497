"""A tiny date × tenant pipeline that fails on purpose: a failing asset, and assets with failing checks
(non-blocking ERROR, WARN, blocking ERROR). :class:`Script` decides what fails and with which numbers, so a
test can repeat a failure identically (a retry) or change it."""

import dagster as dg

daily = dg.DailyPartitionsDefinition(start_date="2026-05-01")
tenants = dg.DynamicPartitionsDefinition(name="tenant")
date_tenant = dg.MultiPartitionsDefinition({"date": daily, "tenant": tenants})

PARTITION = "2026-05-12|acme"


class Script(dg.ConfigurableResource):
    error: str = "upstream API answered 503 for tenant acme"
    negative_amounts: int = 3
    duplicate_ids: int = 2


@dg.asset(partitions_def=date_tenant)
def broken_orders(script: Script) -> dg.MaterializeResult:
    raise ValueError(script.error)


@dg.asset(partitions_def=date_tenant)
def orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"partitions": len(context.partition_keys)})


@dg.asset_check(asset=orders, description="Order amounts are never negative")
def orders_amounts_non_negative(script: Script) -> dg.AssetCheckResult:
    n = script.negative_amounts
    return dg.AssetCheckResult(
        passed=n == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{n} orders have a negative amount",
        metadata={
            "negative_amounts": n,
            "checked_rows": 120,
            "sample": dg.MetadataValue.md("| order | amount |\n|---|---|\n| 1001 | -5.00 |"),
        },
    )


@dg.asset_check(asset=orders, description="Every order has a known currency")
def orders_currency_known() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"missing_currency": 1, "share": 0.25},
    )


@dg.asset_check(asset=orders, description="Orders exist")
def orders_not_empty() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"rows": 120})


@dg.asset(partitions_def=date_tenant)
def payments() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset_check(asset=payments, blocking=True, description="Payment ids are unique")
def payments_unique_ids(script: Script) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{script.duplicate_ids} payment ids appear more than once",
        metadata={"duplicate_ids": script.duplicate_ids},
    )


ORDERS = [orders, orders_amounts_non_negative, orders_currency_known, orders_not_empty]
PAYMENTS = [payments, payments_unique_ids]
ALL = [broken_orders, *ORDERS, *PAYMENTS]

definitions = dg.Definitions(
    assets=[broken_orders, orders, payments],
    asset_checks=[*ORDERS[1:], PAYMENTS[1]],
    resources={"script": Script()},
)


def run(
    instance: dg.DagsterInstance,
    defs: list,
    partition_key: str | None = PARTITION,
    tags: dict[str, str] | None = None,
    script: Script | None = None,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        defs,
        partition_key=partition_key,
        instance=instance,
        resources={"script": script or Script()},
        tags=tags,
        raise_on_error=False,
    )


def retry_tags(parent_run_id: str, number: int = 1, root_run_id: str | None = None) -> dict[str, str]:
    """The tags Dagster's run-retry daemon puts on an automatic retry."""
    return {
        "dagster/retry_number": str(number),
        "dagster/parent_run_id": parent_run_id,
        "dagster/root_run_id": root_run_id or parent_run_id,
    }
