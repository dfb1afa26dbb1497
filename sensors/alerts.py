"""Alert sensors: notify on failed runs and on failed (ERROR) or warning (WARN) asset checks.

* :data:`alert_on_run_failure` - a ``run_failure_sensor``: one ``run_failure`` alert per failed run.
* :data:`alert_on_asset_checks` - reads the ``ASSET_CHECK_EVALUATION`` events of every finished run
  (``SUCCESS`` and ``FAILURE``) and sends one ``check_failure`` (severity ERROR) or ``check_warning``
  (severity WARN) alert per failed evaluation.

Both watch every run of the Dagster instance (UI, schedules, sensors, CLI, ``materialize``), start RUNNING
and send through the notifiers configured in the environment (:mod:`resources.notifiers`), read afresh on
every tick so a changed variable needs no reload.

Deduplication (documented in ``docs/alerts.md``):

* Per tick: both sensors keep a cursor over run-status events, so a finished run is looked at once.
* Per check: the check sensor remembers, in its cursor, ``(run id, check key, partition) -> fingerprint``
  of every failed evaluation it handled and never alerts one twice.
* Retries: a run with tag ``dagster/retry_number`` > 0 (an automatic retry of ``dagster/parent_run_id``)
  does not re-alert a failure identical to its parent's, i.e. with the same
  :meth:`~resources.notifiers.Alert.fingerprint` (kind, assets, check, partition, severity, what failed,
  key metadata). A different failure, or one the parent did not have, alerts.
  Manual re-executions (no retry number) always alert.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from platform_assets.ingest.partitions import tenant_partitions
from platform_assets.tags import (
    PARENT_RUN_ID_TAG,
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    RETRY_NUMBER_TAG,
    partition_dimension_tag,
)
from resources.notifiers import Alert, AlertKind, Notifiers, asset_path, dagster_ui_url, truncate

RUN_FAILURE_SENSOR_NAME = "alert_on_run_failure"
CHECK_SENSOR_NAME = "alert_on_asset_checks"
MINIMUM_INTERVAL_SECONDS = 30

TENANT_DIMENSION = tenant_partitions.name  # "tenant"
TENANT_TAG = partition_dimension_tag(TENANT_DIMENSION)

#: Metadata entries shown in a check alert ("key metadata"): scalar values only, at most this many.
MAX_DETAILS = 10
MAX_DETAIL_TEXT = 200
#: Failed steps described in a run-failure alert.
MAX_FAILED_STEPS = 5

#: The check sensor: runs read per tick, the tick's time budget (sensor evaluations time out at 60 s by
#: default), and how many runs' failed checks the cursor remembers.
RUNS_PER_TICK = 25
TICK_BUDGET_SECONDS = 30.0
REMEMBERED_RUNS = 200

_FINISHED_EVENTS = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)


# ---------------------------------------------------------------------------------------------------------
# What a run covers: partition or range, tenants
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunScope:
    partition: str | None = None
    partition_range: tuple[str, str] | None = None
    tenants: tuple[str, ...] = ()


def _tenant_of(key: str) -> str | None:
    """The tenant of a date × tenant key ('2026-05-12|acme' -> 'acme'; dimensions are sorted by name)."""
    parts = key.split("|")
    return parts[1] if len(parts) == 2 else None


def run_scope(tags: Mapping[str, str], instance: dg.DagsterInstance | None = None) -> RunScope:
    """Partition (or range) and tenants of a run, from its tags.

    A range's tenants are those between the first and last key's tenant in the instance's 'tenant'
    partitions (Dagster's multi-partition ranges are date range × tenant range).
    """
    if tags.get(PARTITION_TAG):
        key = tags[PARTITION_TAG]
        tenant = tags.get(TENANT_TAG) or _tenant_of(key)
        return RunScope(partition=key, tenants=(tenant,) if tenant else ())
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        first, last = _tenant_of(start), _tenant_of(end)
        tenants: tuple[str, ...] = ()
        if first and last:
            tenants = (first,) if first == last else _tenants_between(first, last, instance)
        return RunScope(partition_range=(start, end), tenants=tenants)
    return RunScope()


def _tenants_between(first: str, last: str, instance: dg.DagsterInstance | None) -> tuple[str, ...]:
    known: list[str] = []
    if instance is not None:
        try:
            known = list(instance.get_dynamic_partitions(TENANT_DIMENSION))
        except Exception:  # the partitions are a nicety here; the range's ends are always known
            known = []
    if first in known and last in known:
        i, j = known.index(first), known.index(last)
        return tuple(known[min(i, j) : max(i, j) + 1])
    return (first, last)


def _retry_number(run: dg.DagsterRun) -> int:
    try:
        return int(run.tags.get(RETRY_NUMBER_TAG, "0"))
    except ValueError:
        return 0


def _parent_run_id(run: dg.DagsterRun) -> str | None:
    return run.parent_run_id or run.tags.get(PARENT_RUN_ID_TAG)


def is_retry(run: dg.DagsterRun) -> bool:
    return _retry_number(run) > 0 and _parent_run_id(run) is not None


# ---------------------------------------------------------------------------------------------------------
# Run failures
# ---------------------------------------------------------------------------------------------------------
def error_text(error: object) -> str:
    """The meaningful message of a serialized error: Dagster's wrappers ("Error occurred while executing
    op …") are unwrapped to the user's exception; no stack trace."""
    current: Any = error
    while (
        getattr(current, "cause", None) is not None
        and (getattr(current, "cls_name", None) or "").startswith("Dagster")
        and getattr(current, "cls_name", "") != "DagsterAssetCheckFailedError"
    ):
        current = current.cause
    message = (getattr(current, "message", None) or "").strip()
    # "dagster._core.errors.X: text" -> "X: text"
    head, sep, rest = message.partition(": ")
    if sep and "." in head and " " not in head:
        message = f"{head.rsplit('.', 1)[-1]}: {rest}"
    return message


def _step_assets(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dict[str, list[str]]:
    """step key -> asset paths it materializes or checks, from the run's execution plan."""
    if not run.execution_plan_snapshot_id:
        return {}
    try:
        snapshot = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    except Exception:
        return {}
    out: dict[str, list[str]] = {}
    for step in snapshot.steps:
        keys: list[str] = []
        for output in step.outputs:
            props = output.properties
            if props is None:
                continue
            key = props.asset_key or (props.asset_check_key.asset_key if props.asset_check_key else None)
            if key is not None and asset_path(key) not in keys:
                keys.append(asset_path(key))
        out[step.key] = keys
    return out


def _events(
    instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType
) -> list[dg.EventLogEntry]:
    return list(instance.all_logs(run_id, of_type=event_type))


#: How Dagster's code server words the death of a run's process, in the engine event it records before
#: failing the run ("... was terminated by signal 9 (SIGKILL). ..." or "... unexpectedly exited with code 1.")
_RUN_PROCESS_CRASH = "Run execution process for "
_STEP_ENDS = (
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
)


def run_process_crash(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """How the run's process died, as its code server recorded it (None if it did not die)."""
    for entry in reversed(_events(instance, run_id, dg.DagsterEventType.ENGINE_EVENT)):
        message = (entry.message or "").strip()
        if _RUN_PROCESS_CRASH in message:
            message = message[message.index(_RUN_PROCESS_CRASH) :]
            # "Run execution process for <run id> was terminated by signal 9 (SIGKILL)." - the first sentence
            return message.split(". ", 1)[0].rstrip(".").replace(f" for {run_id}", "") + "."
    return None


def unfinished_steps(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Steps of the run that started and never ended (succeeded, failed or were skipped), in start order."""
    started = [e.dagster_event.step_key for e in _events(instance, run_id, dg.DagsterEventType.STEP_START)]
    ended = {
        e.dagster_event.step_key for event_type in _STEP_ENDS for e in _events(instance, run_id, event_type)
    }
    return [key for key in dict.fromkeys(started) if key and key not in ended]


def run_failure_alert(instance: dg.DagsterInstance, run: dg.DagsterRun, ui_base_url: str) -> Alert:
    """The ``run_failure`` alert of a failed run, built from its events: each failed step's error (Dagster
    wrappers removed); when no step failed, how the run's process died and the steps it left unfinished
    (a killed run), else the run's own failure reason."""
    step_failures = _events(instance, run.run_id, dg.DagsterEventType.STEP_FAILURE)
    steps_to_assets = _step_assets(instance, run) if step_failures else {}
    assets: list[str] = []
    lines: list[str] = []
    for entry in step_failures[:MAX_FAILED_STEPS]:
        event = entry.dagster_event
        step_key = event.step_key if event else None
        data = event.event_specific_data if event else None
        message = error_text(getattr(data, "error", None)) or (entry.message or "").strip()
        step_assets = steps_to_assets.get(step_key or "", [])
        assets += [a for a in step_assets if a not in assets]
        lines.append(f"step {step_key}: {message}" if len(step_failures) > 1 else message)
    if len(step_failures) > MAX_FAILED_STEPS:
        lines.append(f"... and {len(step_failures) - MAX_FAILED_STEPS} more failed steps")
    if not lines:
        crash = run_process_crash(instance, run.run_id)
        if crash is not None:
            # The run's process died (kill -9, OOM killer): no step failed; those running never ended.
            unfinished = unfinished_steps(instance, run.run_id)
            steps_to_assets = _step_assets(instance, run) if unfinished else {}
            for step_key in unfinished:
                assets += [a for a in steps_to_assets.get(step_key, []) if a not in assets]
            lines.append(crash)
            if unfinished:
                lines.append(f"Unfinished step{'s' if len(unfinished) > 1 else ''}: {', '.join(unfinished)}")
        else:
            run_failures = _events(instance, run.run_id, dg.DagsterEventType.RUN_FAILURE)
            last = run_failures[-1] if run_failures else None
            data = last.dagster_event.event_specific_data if last and last.dagster_event else None
            lines.append(
                error_text(getattr(data, "error", None)) or (last.message if last else "") or "the run failed"
            )
    if not assets and run.asset_selection:
        assets = sorted(asset_path(k) for k in run.asset_selection)
    scope = run_scope(run.tags, instance)
    return Alert(
        kind=AlertKind.RUN_FAILURE,
        run_id=run.run_id,
        job_name=run.job_name,
        summary=truncate("\n".join(lines)),
        ui_base_url=ui_base_url,
        tenants=scope.tenants,
        assets=tuple(assets),
        partition=scope.partition,
        partition_range=scope.partition_range,
        retry_number=_retry_number(run),
    )


def is_repeat_of_parent_failure(instance: dg.DagsterInstance, run: dg.DagsterRun, alert: Alert) -> bool:
    """True for an automatic retry whose failure is identical to its (failed) parent run's."""
    if not is_retry(run):
        return False
    parent = instance.get_run_by_id(_parent_run_id(run) or "")
    if parent is None or parent.status != dg.DagsterRunStatus.FAILURE:
        return False
    return run_failure_alert(instance, parent, alert.ui_base_url).fingerprint() == alert.fingerprint()


@dg.run_failure_sensor(
    name=RUN_FAILURE_SENSOR_NAME,
    description="Sends a run_failure alert (webhook / Slack / email, see docs/alerts.md) per failed run.",
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    alert = run_failure_alert(context.instance, run, dagster_ui_url())
    if is_repeat_of_parent_failure(context.instance, run, alert):
        context.log.info(
            f"run {run.run_id} (retry {alert.retry_number} of {_parent_run_id(run)}) failed the same way "
            "as its parent: not alerted again"
        )
        return
    Notifiers.from_env().send(alert, context.log)


# ---------------------------------------------------------------------------------------------------------
# Asset checks
# ---------------------------------------------------------------------------------------------------------
def _detail_value(value: object) -> str | int | float | bool | None:
    raw = getattr(value, "value", None)
    if isinstance(raw, float) and not math.isfinite(raw):
        return str(raw)  # JSON has no NaN/inf
    if isinstance(raw, bool | int | float):
        return raw
    if type(value).__name__ in ("TextMetadataValue", "PathMetadataValue", "UrlMetadataValue"):
        text = getattr(value, "text", None) or getattr(value, "path", None) or getattr(value, "url", None)
        if isinstance(text, str) and "\n" not in text and len(text) <= MAX_DETAIL_TEXT:
            return text
    return None


def key_metadata(metadata: Mapping[str, object]) -> tuple[tuple[str, str | int | float | bool], ...]:
    """Scalar metadata (counts, ratios, short texts) of a check result; tables and markdown stay in the UI."""
    out = []
    for label, value in metadata.items():
        scalar = _detail_value(value)
        if scalar is not None:
            out.append((label, scalar))
    return tuple(out[:MAX_DETAILS])


def _check_spec_description(
    repository_def: dg.RepositoryDefinition | None, check_key: dg.AssetCheckKey
) -> str | None:
    if repository_def is None:
        return None
    try:
        return repository_def.asset_graph.get_check_spec(check_key).description
    except Exception:  # a check of another code location, or not a regular check
        return None


def check_alert(
    run: dg.DagsterRun,
    evaluation: dg.AssetCheckEvaluation,
    ui_base_url: str,
    instance: dg.DagsterInstance | None = None,
    spec_description: str | None = None,
) -> Alert:
    """The ``check_failure`` (ERROR) or ``check_warning`` (WARN) alert of one failed check evaluation.

    The partition is the evaluation's own (checks with a ``partitions_def`` in single-partition runs),
    else the run's partition or range from its tags.
    """
    warn = evaluation.severity == dg.AssetCheckSeverity.WARN
    scope = run_scope(run.tags, instance)
    if evaluation.partition:
        tenant = _tenant_of(evaluation.partition)
        scope = RunScope(partition=evaluation.partition, tenants=(tenant,) if tenant else scope.tenants)
    summary = evaluation.description or spec_description or f"check {evaluation.check_name} did not pass"
    return Alert(
        kind=AlertKind.CHECK_WARNING if warn else AlertKind.CHECK_FAILURE,
        run_id=run.run_id,
        job_name=run.job_name,
        summary=truncate(summary),
        ui_base_url=ui_base_url,
        tenants=scope.tenants,
        assets=(asset_path(evaluation.asset_key),),
        partition=scope.partition,
        partition_range=scope.partition_range,
        check_name=evaluation.check_name,
        check_description=spec_description if spec_description != summary else None,
        severity=evaluation.severity.value,
        blocking=evaluation.blocking,
        details=key_metadata(evaluation.metadata),
        retry_number=_retry_number(run),
    )


def failed_check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    evaluations = []
    for entry in _events(instance, run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        data = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if isinstance(data, dg.AssetCheckEvaluation) and not data.passed:
            evaluations.append(data)
    return evaluations


def dedupe_key(check_key: dg.AssetCheckKey, partition: str | None) -> str:
    """'asset/path:check@partition' (the run id is the outer key of :class:`CheckAlertCursor`)."""
    return f"{asset_path(check_key.asset_key)}:{check_key.name}@{partition or ''}"


@dataclass
class CheckAlertCursor:
    """The check sensor's cursor: the last run-status event handled (``after``, a storage id) and, for the
    last :data:`REMEMBERED_RUNS` runs with failed checks, ``dedupe_key -> fingerprint`` of each failed
    check (alerted or suppressed). Holds no secrets: ids, check keys, partitions and hashes only."""

    after: int = -1
    runs: OrderedDict[str, dict[str, str]] = field(default_factory=OrderedDict)

    @classmethod
    def from_json(cls, raw: str | None) -> CheckAlertCursor | None:
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(
                after=int(data["after"]), runs=OrderedDict((k, dict(v)) for k, v in data.get("runs", []))
            )
        except (ValueError, KeyError, TypeError):
            return None

    def to_json(self) -> str:
        return json.dumps(
            {"v": 1, "after": self.after, "runs": list(self.runs.items())}, separators=(",", ":")
        )

    def seen(self, run_id: str, key: str) -> str | None:
        return self.runs.get(run_id, {}).get(key)

    def remember(self, run_id: str, key: str, fingerprint: str) -> None:
        self.runs.setdefault(run_id, {})[key] = fingerprint
        self.runs.move_to_end(run_id)
        while len(self.runs) > REMEMBERED_RUNS:
            self.runs.popitem(last=False)


def _finished_run_events(instance: dg.DagsterInstance, after: int, limit: int) -> list[tuple[int, str]]:
    """(storage id, run id) of RUN_SUCCESS and RUN_FAILURE events after ``after``, in storage order, cut so
    that no event is skipped when one of the two queries hit ``limit``."""
    merged: list[tuple[int, str]] = []
    horizon: int | None = None
    for event_type in _FINISHED_EVENTS:
        records = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(event_type=event_type, after_storage_id=after),
            limit=limit,
            ascending=True,
        ).records
        merged += [(r.storage_id, r.event_log_entry.run_id) for r in records]
        if len(records) == limit:
            horizon = min(horizon, records[-1].storage_id) if horizon is not None else records[-1].storage_id
    merged.sort()
    return [item for item in merged if horizon is None or item[0] <= horizon]


def _latest_finished_storage_id(instance: dg.DagsterInstance) -> int:
    latest = -1
    for event_type in _FINISHED_EVENTS:
        records = instance.fetch_run_status_changes(event_type, limit=1, ascending=False).records
        if records:
            latest = max(latest, records[0].storage_id)
    return latest


def process_run_checks(
    context: dg.SensorEvaluationContext,
    run: dg.DagsterRun,
    cursor: CheckAlertCursor,
    notifiers: Notifiers,
    ui_base_url: str,
) -> tuple[int, int]:
    """Alert the failed checks of one finished run; returns (alerts sent, alerts suppressed)."""
    sent = suppressed = 0
    parent_id = _parent_run_id(run) if is_retry(run) else None
    for evaluation in failed_check_evaluations(context.instance, run.run_id):
        check_key = dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name)
        alert = check_alert(
            run,
            evaluation,
            ui_base_url,
            context.instance,
            _check_spec_description(context.repository_def, check_key),
        )
        key = dedupe_key(check_key, alert.partition_text)
        fingerprint = alert.fingerprint()
        if cursor.seen(run.run_id, key) is not None:
            suppressed += 1
            continue
        cursor.remember(run.run_id, key, fingerprint)
        if parent_id is not None and cursor.seen(parent_id, key) == fingerprint:
            context.log.info(
                f"{alert.kind.value} {key} of run {run.run_id} (retry {alert.retry_number} of {parent_id}) "
                "is identical to its parent's: not alerted again"
            )
            suppressed += 1
            continue
        notifiers.send(alert, context.log)
        sent += 1
    return sent, suppressed


@dg.sensor(
    name=CHECK_SENSOR_NAME,
    description=(
        "Sends a check_failure (ERROR) or check_warning (WARN) alert for every failed asset check of a "
        "finished run (webhook / Slack / email, see docs/alerts.md); one alert per run, check and partition."
    ),
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_asset_checks(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    cursor = CheckAlertCursor.from_json(context.cursor)
    if cursor is None:
        # Like Dagster's run-status sensors: start from now, do not alert the instance's history.
        cursor = CheckAlertCursor(after=_latest_finished_storage_id(context.instance))
        context.update_cursor(cursor.to_json())
        return dg.SkipReason(f"initialised: alerting on runs finishing after event {cursor.after}")

    started = time.monotonic()
    notifiers = Notifiers.from_env()
    ui_base_url = dagster_ui_url()
    runs = sent = suppressed = 0
    for storage_id, run_id in _finished_run_events(context.instance, cursor.after, RUNS_PER_TICK):
        if time.monotonic() - started > TICK_BUDGET_SECONDS:
            context.log.info("tick time budget used up; the remaining runs are handled next tick")
            break
        run = context.instance.get_run_by_id(run_id)
        if run is not None:
            try:
                run_sent, run_suppressed = process_run_checks(context, run, cursor, notifiers, ui_base_url)
            except Exception as exc:
                # Never fail the tick: its cursor would not be saved and the alerts already sent for
                # earlier runs would go out again on the next tick.
                context.log.error(
                    f"could not alert the asset checks of run {run_id}: "
                    f"{type(exc).__name__}: {notifiers.redact(str(exc))[:300]}"
                )
            else:
                sent, suppressed, runs = sent + run_sent, suppressed + run_suppressed, runs + 1
        cursor.after = storage_id
        context.update_cursor(cursor.to_json())
    return dg.SkipReason(
        f"{runs} finished run(s) read, {sent} check alert(s) sent, {suppressed} duplicate(s) suppressed"
    )


ALERT_SENSORS: list[dg.SensorDefinition] = [alert_on_run_failure, alert_on_asset_checks]
