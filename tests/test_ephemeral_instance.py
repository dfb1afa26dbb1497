"""The suite's ephemeral instances (tests/ephemeral_instance.py, installed by tests/conftest.py) record what
Dagster's own do: the same events in the same order, the same materialised and failed partitions, the same
check evaluations, from the run's thread and from threads a step starts."""

import threading
from datetime import date

import dagster as dg

from tests import ephemeral_instance
from tests.ephemeral_instance import HeldEventLogStorage, HeldRunStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2026-03-01", end_date="2026-03-05")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def orders(context: dg.AssetExecutionContext) -> None:
    """Logs from a thread of its own, as the raw assets' fetch threads do."""
    logger = threading.Thread(target=context.log.info, args=("from a fetch thread",))
    logger.start()
    logger.join()
    context.add_output_metadata({"days": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, deps=[orders], backfill_policy=dg.BackfillPolicy.single_run())
def sales(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    if context.run.tags.get("fail") == "yes":
        raise RuntimeError("planted failure")
    return dg.MaterializeResult(metadata={"first": context.partition_key_range.start})


@dg.asset_check(asset=sales, partitions_def=DAYS)
def sales_days(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    days = context.partition_key_range
    return dg.AssetCheckResult(
        passed=days.start != "2026-03-01", metadata={"days": f"{days.start}..{days.end}"}
    )


def _record(instance: dg.DagsterInstance) -> dict:
    """What two ranged runs (the second failing at ``sales``) leave in the instance, without ids or times."""
    results = []
    for start, end, fail in (("2026-03-01", "2026-03-03", "no"), ("2026-03-03", "2026-03-04", "yes")):
        results.append(
            dg.materialize(
                [orders, sales, sales_days],
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": start,
                    "dagster/asset_partition_range_end": end,
                    "fail": fail,
                },
                raise_on_error=False,
            )
        )
    runs = instance.get_runs()
    events = [
        (
            entry.dagster_event.event_type_value if entry.dagster_event else "log",
            entry.step_key,
            entry.dagster_event.partition if entry.dagster_event else entry.user_message,
        )
        for run in reversed(runs)
        for entry in instance.all_logs(run.run_id)
        if entry.dagster_event is None or entry.dagster_event.event_type_value != "ENGINE_EVENT"
    ]
    sales_key = dg.AssetKey("sales")
    return {
        "success": [result.success for result in results],
        "statuses": [run.status for run in reversed(runs)],
        "events": events,
        "materialised": {
            key: sorted(instance.get_materialized_partitions(dg.AssetKey(key))) for key in ("orders", "sales")
        },
        "latest_sales": instance.get_latest_materialization_event(sales_key).asset_materialization.partition,
        "checks": sorted(
            (e.metadata["days"].value, e.passed)
            for result in results
            for e in result.get_asset_check_evaluations()
        ),
    }


def test_the_held_instance_records_what_dagsters_own_records():
    held = dg.DagsterInstance.ephemeral()
    assert isinstance(held.event_log_storage, HeldEventLogStorage)
    assert isinstance(held.run_storage, HeldRunStorage)
    ephemeral_instance.uninstall()
    try:
        plain = dg.DagsterInstance.ephemeral()
        assert type(plain.event_log_storage).__name__ == "InMemoryEventLogStorage"
        expected = _record(plain)
    finally:
        ephemeral_instance.install()
    got = _record(held)
    assert got == expected
    assert expected["success"] == [True, False]
    assert expected["materialised"] == {
        "orders": ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"],
        "sales": ["2026-03-01", "2026-03-02", "2026-03-03"],
    }
    assert expected["checks"] == [("2026-03-01..2026-03-03", False)]
    assert ("log", "orders", "from a fetch thread") in expected["events"]
    planned = [
        (step, day) for kind, step, day in expected["events"] if kind == "ASSET_MATERIALIZATION_PLANNED"
    ]
    assert sorted(planned) == sorted(
        (step, day)
        for step in ("orders", "sales")
        for day in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-03", "2026-03-04")
    )
    assert date.fromisoformat(expected["latest_sales"]) == date(2026, 3, 3)


def test_a_connection_asked_for_inside_another_is_a_transaction_of_its_own():
    """Run storage code that asks for a connection while it holds one gets a connection of its own (as
    with Dagster's storages), which reads what was committed; the outer transaction commits at its end."""
    storage = dg.DagsterInstance.ephemeral().run_storage
    assert isinstance(storage, HeldRunStorage)
    with storage.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE committed_rows (n INTEGER)")
        conn.exec_driver_sql("CREATE TABLE outer_rows (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO committed_rows VALUES (1)")
    with storage.connect() as outer:
        outer.exec_driver_sql("INSERT INTO outer_rows VALUES (2)")
        with storage.connect() as inner:
            assert inner is not outer
            assert inner.exec_driver_sql("SELECT n FROM committed_rows").scalars().all() == [1]
    with storage.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM outer_rows").scalars().all() == [2]
