"""`storehouse` command line: the demo (the whole graph for the demo tenants from the in-process Shopify
sandbox, then a per-day sales table checked against the sandbox's ground truth) and tenant sync."""

import argparse
import os
import sys
import threading
import time
import uuid
import warnings
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from tabulate import tabulate

from platform_assets.ground_truth import DEMO_COLUMNS, compare_with_ground_truth
from platform_assets.settings import DATA_DIR, PROJECT_ROOT


def _instance() -> dg.DagsterInstance:
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    return dg.DagsterInstance.get()


def _sandbox_tokens(tenants) -> None:
    """Demo tenants point at the in-process sandbox: give them the sandbox's own tokens if unset."""
    from sandbox.shopify.presets import PRESETS

    for tenant in tenants.values():
        connection = tenant.shopify
        if connection and connection.shop_url.startswith("sandbox://"):
            preset = PRESETS.get(connection.shop_url.removeprefix("sandbox://"))
            if preset is not None:
                os.environ.setdefault(connection.token_env, preset.access_token)


def _run_with_progress(
    job, instance: dg.DagsterInstance, tags: dict[str, str], label: str, total: int
) -> bool:
    run_id = str(uuid.uuid4())
    outcome: dict[str, object] = {}

    def execute() -> None:
        try:
            outcome["result"] = job.execute_in_process(
                instance=instance,
                tags=tags,
                run_id=run_id,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
            )
        except Exception as exc:  # surfaced below
            outcome["error"] = exc

    worker = threading.Thread(target=execute, daemon=True)
    started = time.monotonic()
    worker.start()
    seen: set[str] = set()
    while worker.is_alive() or len(seen) < total:
        records = (
            instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
            if instance.has_run(run_id)
            else []
        )
        for record in records:
            step = record.event_log_entry.step_key
            if step and step not in seen:
                seen.add(step)
                print(f"  [{label}] {time.monotonic() - started:6.1f}s  done: {step}", flush=True)
        if not worker.is_alive():
            break
        time.sleep(0.5)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    result = outcome["result"]
    if not result.success:  # type: ignore[attr-defined]
        for event in result.all_events:  # type: ignore[attr-defined]
            if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                print(f"  [{label}] FAILED {event.step_key}: {event.event_specific_data.error.message}")
    _print_check_problems(label, result.get_asset_check_evaluations())  # type: ignore[attr-defined]
    return bool(result.success)  # type: ignore[attr-defined]


def _print_check_problems(label: str, evaluations: list[dg.AssetCheckEvaluation]) -> None:
    """Every check that did not pass, with its severity and what it says (e.g. planted sandbox defects)."""
    problems = [e for e in evaluations if not e.passed]
    print(f"  [{label}] checks: {len(evaluations) - len(problems)} of {len(evaluations)} passed")
    for evaluation in problems:
        text = evaluation.description or ""
        print(
            f"  [{label}] check {evaluation.severity.value} {evaluation.asset_key.to_user_string()}"
            f" / {evaluation.check_name}: {text}"
        )


def demo(days: int) -> int:
    """Materialise the whole graph for the last `days` complete days of every tenant, print the result."""
    from platform_assets.definitions import defs
    from platform_assets.tenants import load_tenants
    from sensors.tenant_partitions import sync_tenant_partitions

    tenants = load_tenants()
    _sandbox_tokens(tenants)
    instance = _instance()
    sync_tenant_partitions(instance)
    job = defs.resolve_job_def("storehouse_job")
    steps = len(job.graph.node_defs)
    print(f"Storehouse demo: {len(tenants)} tenants, {days} days each, {steps} steps per run")
    print(f"Dagster instance: {instance.root_directory}")
    ok = True
    ranges: dict[str, tuple[date, date]] = {}
    for tenant in tenants.values():
        today = _tenant_today(tenant)
        start, end = max(tenant.start_date, today - timedelta(days=days)), today - timedelta(days=1)
        ranges[tenant.id] = (start, end)
        print(f"\n[{tenant.id}] materialising {start} … {end}")
        tags = {
            "dagster/asset_partition_range_start": f"{start.isoformat()}|{tenant.id}",
            "dagster/asset_partition_range_end": f"{end.isoformat()}|{tenant.id}",
        }
        ok = _run_with_progress(job, instance, tags, tenant.id, steps) and ok
    if not ok:
        print("\nA run failed; see the messages above and the run in the Dagster UI (make ui).")
        return 1
    return _report(tenants, ranges)


def _tenant_today(tenant) -> date:
    from sandbox.shopify.presets import PRESETS, default_clock

    connection = tenant.shopify
    if connection and connection.shop_url.startswith("sandbox://"):
        preset = PRESETS.get(connection.shop_url.removeprefix("sandbox://"))
        if preset is not None:
            return default_clock(preset).date()
    return datetime.now(ZoneInfo(tenant.timezone or "UTC")).date()


def _report(tenants, ranges: dict[str, tuple[date, date]]) -> int:
    from platform_assets.definitions import build_resources
    from sandbox.shopify import registry

    warehouse = build_resources()["warehouse"]
    mismatches = 0
    for tenant in tenants.values():
        start, end = ranges[tenant.id]
        frame = warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND date BETWEEN :s AND :e ORDER BY date",
            {"t": tenant.id, "s": start, "e": end},
        )
        currency = frame["currency"].iloc[0] if len(frame) else "?"
        print(f"\nagg_daily_sales · {tenant.name} ({tenant.id}) · {currency}")
        print(
            tabulate(
                frame[DEMO_COLUMNS].values.tolist(), headers=DEMO_COLUMNS, tablefmt="github", floatfmt=".2f"
            )
        )
        connection = tenant.shopify
        if connection and connection.shop_url.startswith("sandbox://"):
            truth = registry.get_shop(connection.shop_url.removeprefix("sandbox://")).ground_truth(start, end)
            diffs = compare_with_ground_truth(frame.to_dict("records"), truth)
            mismatches += len(diffs)
            verdict = "every figure equals" if not diffs else f"{len(diffs)} figures differ from"
            print(f"→ {len(frame)} days; {verdict} the sandbox's ground truth")
            for line in diffs[:20]:
                print("   ", line)
    print(f"\nWarehouse: {warehouse.url}")
    print(f"Raw store: {DATA_DIR / 'raw'}")
    print("Dagster UI on this instance: make ui  (http://127.0.0.1:3000)")
    return 1 if mismatches else 0


def sync_tenants() -> int:
    from sensors.tenant_partitions import sync_tenant_partitions

    added, removed = sync_tenant_partitions(_instance())
    print(f"tenant partitions added: {added or 'none'}; removed: {removed or 'none'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="materialise the demo tenants and print agg_daily_sales")
    demo_parser.add_argument("--days", type=int, default=30, help="complete days to materialise (default 30)")
    commands.add_parser("sync-tenants", help="make the tenant partitions match the tenants file")
    args = parser.parse_args(argv)
    # Dagster marks backfill_policy as beta; the policy is ours to choose (docs/scaling.md), so the
    # demo's output is not buried under one warning per asset.
    warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
    if args.command == "demo":
        return demo(args.days)
    return sync_tenants()


if __name__ == "__main__":
    sys.exit(main())
