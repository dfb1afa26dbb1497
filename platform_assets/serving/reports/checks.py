"""Which checks failed on the days a report covers, read from the Dagster instance.

For every check of the pipeline (schema, reconciliation and completeness checks, each source's checks),
the newest evaluation covering the report's tenant and a day of its period decides that day: a failed
one (ERROR or WARN) is reported at the top of the report. An evaluation covers the partition it was
stored with or, for a ranged run (where Dagster stores it without a partition: docs/checks.md), every
day of the run's range for the run's tenant. A check still planned (its run not finished) decides
nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from platform_assets.quality.completeness import COMPLETENESS_CHECKS
from platform_assets.quality.reconciliation import RECONCILIATION_CHECKS
from platform_assets.quality.table_checks import SCHEMA_CHECKS
from platform_assets.serving.kpis import Period
from platform_assets.serving.reports.content import FailedCheck
from platform_assets.sources.registry import sources
from platform_assets.tags import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG

#: Evaluations read per check, newest first: enough for a few weeks of daily and hourly runs.
HISTORY = 100


@cache
def watched_check_keys() -> tuple[dg.AssetCheckKey, ...]:
    """Every check of the pipeline below the reports."""
    checks = [
        *SCHEMA_CHECKS,
        *(check for source in sources() for check in source.checks),
        *RECONCILIATION_CHECKS,
        *COMPLETENESS_CHECKS,
    ]
    return tuple(key for check in checks for key in check.check_keys)


def _split(key: str) -> tuple[date, str] | None:
    """'2026-12-06|acme' -> (2026-12-06, 'acme') (date × tenant keys list the dimensions by name)."""
    day, _, tenant = key.partition("|")
    try:
        return date.fromisoformat(day), tenant
    except ValueError:
        return None


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


class _Runs:
    """Run tags by run id, each run read once."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self._instance = instance
        self._tags: dict[str, dict[str, str]] = {}

    def tags(self, run_id: str) -> dict[str, str]:
        if run_id not in self._tags:
            run = self._instance.get_run_by_id(run_id) if run_id else None
            self._tags[run_id] = dict(run.tags) if run is not None else {}
        return self._tags[run_id]


def covered_days(record: AssetCheckExecutionRecord, runs: _Runs, tenant_id: str, period: Period) -> set[date]:
    """The days of ``period`` of ``tenant_id`` the evaluation ``record`` speaks for."""
    if record.partition:
        parsed = _split(record.partition)
        if parsed and parsed[1] == tenant_id and parsed[0] in period:
            return {parsed[0]}
        return set()
    tags = runs.tags(record.run_id)
    if PARTITION_TAG in tags:
        first = last = _split(tags[PARTITION_TAG])
    else:
        first, last = _split(tags.get(RANGE_START_TAG, "")), _split(tags.get(RANGE_END_TAG, ""))
    if first is None or last is None or tenant_id not in {first[1], last[1]}:
        return set()
    if first[1] != last[1] and first[0] != last[0]:
        return set()  # a range over several dates and tenants: not ours to interpret
    return {day for day in _days(first[0], last[0]) if day in period}


def _failed(record: AssetCheckExecutionRecord) -> bool:
    if record.status == AssetCheckExecutionRecordStatus.FAILED:
        return True
    evaluation = record.evaluation
    return evaluation is not None and not evaluation.passed


def failed_checks(
    instance: dg.DagsterInstance,
    tenant_id: str,
    period: Period,
    check_keys: Iterable[dg.AssetCheckKey] | None = None,
) -> tuple[FailedCheck, ...]:
    """The checks (default: :func:`watched_check_keys`) whose newest finished evaluation for a day of the
    tenant's ``period`` did not pass, one entry per check and day, by day."""
    runs = _Runs(instance)
    found: list[FailedCheck] = []
    wanted = set(period.dates())
    for key in check_keys if check_keys is not None else watched_check_keys():
        decided: set[date] = set()
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=HISTORY)
        for record in history:
            if record.status == AssetCheckExecutionRecordStatus.PLANNED:
                continue
            days = covered_days(record, runs, tenant_id, period) - decided
            if not days:
                continue
            decided |= days
            if _failed(record):
                evaluation = record.evaluation
                severity = evaluation.severity.value if evaluation is not None else "ERROR"
                description = (evaluation.description or "") if evaluation is not None else ""
                found.extend(
                    FailedCheck(key.asset_key.to_user_string(), key.name, severity, day, description)
                    for day in sorted(days)
                )
            if decided >= wanted:
                break
    return tuple(sorted(found, key=lambda check: (check.day or date.min, check.asset, check.check)))
