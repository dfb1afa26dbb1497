"""Run tag names, each spelled once: Dagster's own (which Storehouse reads and writes) and Storehouse's.

Dagster's tags say what a run covers; ``storehouse/*`` tags say why a run was started and for whom, so an
operator can filter runs in the UI (e.g. every run the late-change sensor started for one tenant).
"""

from __future__ import annotations

# -- Dagster's ------------------------------------------------------------------------------------------
#: The one partition key of a single-partition run ("2026-05-12|acme").
PARTITION_TAG = "dagster/partition"
#: First and last partition keys of a run over a range of days (one tenant per range).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
#: How many times Dagster has retried the run automatically (0 for the first attempt).
RETRY_NUMBER_TAG = "dagster/retry_number"
#: The run a re-execution was started from.
PARENT_RUN_ID_TAG = "dagster/parent_run_id"


def partition_dimension_tag(dimension: str) -> str:
    """The tag holding one dimension of a multi-partitioned run's key: ``dagster/partition/tenant``."""
    return f"{PARTITION_TAG}/{dimension}"


def partition_range_tags(start_key: str, end_key: str) -> dict[str, str]:
    """Tags asking for one run over the partition keys ``start_key`` … ``end_key`` (same tenant)."""
    return {RANGE_START_TAG: start_key, RANGE_END_TAG: end_key}


# -- Storehouse's ---------------------------------------------------------------------------------------
#: What started the run: "daily-schedule", "late-change-sensor" or "reports-sensor".
TRIGGER_TAG = "storehouse/trigger"
#: The tenant a scheduled or sensor run is for.
TENANT_TAG = "storehouse/tenant"
#: The tenant's timezone, and where it came from, when the daily schedule planned the run.
TIMEZONE_TAG = "storehouse/timezone"
#: The tenant-local date on which the daily schedule planned the run.
LOCAL_DATE_TAG = "storehouse/local_date"
#: The days a late-change run restates.
RESTATES_TAG = "storehouse/restates"
#: The orders whose late changes caused the run.
CHANGED_ORDERS_TAG = "storehouse/changed_orders"
#: The run after which a report run was requested, and how that run ended (SUCCESS or FAILURE).
AFTER_RUN_TAG = "storehouse/after_run"
AFTER_RUN_STATUS_TAG = "storehouse/after_run_status"
