"""Failing checks of a tenant, read from the Dagster instance (check results are events there, not rows
in the warehouse).

For each check, the newest evaluation for the tenant counts: a check that failed on Monday's run and
passed on Tuesday's is not failing. The tenant of an evaluation is its partition's ``tenant`` dimension,
else that of the run it ran in (its partition or range tags). Only the newest
:data:`EVALUATIONS_READ` evaluations are read, so a check not evaluated for a long time is not listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

from platform_assets.tags import PARTITION_TAG, RANGE_START_TAG

EVALUATIONS_READ = 2000


@dataclass(frozen=True)
class FailingCheck:
    """A check whose newest evaluation for the tenant did not pass."""

    asset: str
    check: str
    severity: str
    partition: str | None
    description: str | None
    run_id: str


#: Reads a tenant's failing checks; None when the instance cannot be read (the status says unknown).
CheckReader = Callable[[str], list[FailingCheck] | None]


def _tenant_of_key(key: str | None) -> str | None:
    return key.rsplit("|", 1)[1] if key and "|" in key else None


class InstanceCheckReader:
    """Reads the newest check evaluations of the Dagster instance (``DAGSTER_HOME``), opened lazily."""

    def __init__(self, instance: dg.DagsterInstance | None = None) -> None:
        self._instance = instance
        self._run_tenants: dict[str, str | None] = {}

    def _tenant_of_run(self, instance: dg.DagsterInstance, run_id: str) -> str | None:
        if run_id not in self._run_tenants:
            run = instance.get_run_by_id(run_id)
            tags = run.tags if run else {}
            self._run_tenants[run_id] = _tenant_of_key(tags.get(PARTITION_TAG) or tags.get(RANGE_START_TAG))
        return self._run_tenants[run_id]

    def __call__(self, tenant_id: str) -> list[FailingCheck] | None:
        try:
            instance = self._instance = self._instance or dg.DagsterInstance.get()
            records = instance.get_event_records(
                dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION),
                limit=EVALUATIONS_READ,
                ascending=False,
            )
        except Exception:  # an instance that cannot be read makes the status say "unknown", never a 500
            return None
        newest: dict[tuple[str, str], FailingCheck | None] = {}
        for record in records:
            entry = record.event_log_entry
            data = entry.dagster_event.event_specific_data if entry.dagster_event else None
            if not isinstance(data, dg.AssetCheckEvaluation):
                continue
            tenant = _tenant_of_key(data.partition) or self._tenant_of_run(instance, entry.run_id)
            key = (data.asset_key.to_user_string(), data.check_name)
            if tenant != tenant_id or key in newest:
                continue
            newest[key] = (
                None
                if data.passed
                else FailingCheck(
                    key[0], key[1], data.severity.value, data.partition, data.description, entry.run_id
                )
            )
        return sorted((check for check in newest.values() if check), key=lambda c: (c.asset, c.check))
