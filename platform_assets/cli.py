"""`storehouse` command line: the demo (the whole graph for the demo tenants from the in-process
sandbox, then a per-day sales table checked against the sandbox's ground truth) and tenant sync.

The product never imports the sandbox: a simulated shop is known only through
``platform_assets.simulators``, which finds the built-in sandbox by its ``storehouse.simulators`` entry point
(and each API client its transport by the ``storehouse.transports`` one)."""

import argparse
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
from tabulate import tabulate

from platform_assets.ground_truth import DEMO_COLUMNS, compare_with_ground_truth
from platform_assets.settings import DATA_DIR, PROJECT_ROOT, settings, use_default_dagster_home
from platform_assets.simulators import simulated_secrets, simulator_for, tenant_ground_truth
from platform_assets.tags import partition_range_tags
from platform_assets.tenants import (
    Tenant,
    TenantConfigError,
    describe_tenants_file,
    load_tenants,
    unset_token_variables,
    unusable_tokens,
)
from platform_assets.warehouse.tables import ALL_PLATFORMS
from resources.secrets import provide_default_secret
from sensors.tenant_partitions import (
    PRUNE_COMMAND,
    TenantPartitionPlan,
    add_new_tenant_partitions,
    materialised_partitions_by_tenant,
    plan_tenant_partitions,
    prune_tenant_partitions,
)


def _instance() -> dg.DagsterInstance:
    use_default_dagster_home(PROJECT_ROOT)
    return dg.DagsterInstance.get()


def _sandbox_tokens(tenants: dict[str, Tenant]) -> None:
    """Demo tenants point at a simulator (the in-process sandbox): give each connection's secret variables
    (every role the connection names: a token, or a key and a secret) the simulator's own values if
    unset."""
    for tenant in tenants.values():
        for connection in tenant.connections.values():
            offered = simulated_secrets(connection.url)
            for role, variable in connection.secret_variables().items():
                if role in offered:
                    provide_default_secret(variable, offered[role])


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

    tenants = load_tenants()
    _sandbox_tokens(tenants)
    instance = _instance()
    add_new_tenant_partitions(instance, plan_tenant_partitions(instance, tenants))
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
        tags = partition_range_tags(f"{start.isoformat()}|{tenant.id}", f"{end.isoformat()}|{tenant.id}")
        ok = _run_with_progress(job, instance, tags, tenant.id, steps) and ok
    if not ok:
        print("\nA run failed; see the messages above and the run in the Dagster UI (make ui).")
        return 1
    publish_demo_snapshot()
    return _report(tenants, ranges)


def _tenant_today(tenant: Tenant) -> date:
    """A simulated store's own today (its clock), else the tenant's today."""
    for connection in tenant.connections.values():
        simulator = simulator_for(connection.url)
        today = simulator.today(connection.url) if simulator else None
        if today is not None:
            return today
    return datetime.now(ZoneInfo(tenant.timezone or "UTC")).date()


def _report(tenants, ranges: dict[str, tuple[date, date]]) -> int:
    from platform_assets.definitions import build_resources

    warehouse = build_resources()["warehouse"]
    mismatches = 0
    for tenant in tenants.values():
        start, end = ranges[tenant.id]
        frame = warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND date BETWEEN :s AND :e ORDER BY date",
            {"t": tenant.id, "s": start, "e": end},
        )
        # The tenant's total is its rows across platforms; a tenant on several platforms first gets each
        # platform's own table. Never every row at once: that would count each sale twice.
        shown = (list(tenant.connections) if len(tenant.connections) > 1 else []) + [ALL_PLATFORMS]
        for platform in shown:
            rows = frame[frame["platform"] == platform]
            currency = rows["currency"].iloc[0] if len(rows) else "?"
            label = "across platforms" if platform == ALL_PLATFORMS else platform
            print(f"\nagg_daily_sales · {tenant.name} ({tenant.id}) · {label} · {currency}")
            print(
                tabulate(
                    rows[DEMO_COLUMNS].values.tolist(),
                    headers=DEMO_COLUMNS,
                    tablefmt="github",
                    floatfmt=".2f",
                )
            )
        mismatches += _check_with_ground_truth(tenant, frame, start, end)
    print(f"\nWarehouse: {warehouse.url}")
    print(f"Raw store: {DATA_DIR / 'raw'}")
    print("Dagster UI on this instance: make ui  (http://127.0.0.1:3000)")
    return 1 if mismatches else 0


def _check_with_ground_truth(tenant: Tenant, frame: pd.DataFrame, start: date, end: date) -> int:
    """Compare the tenant's rows with the simulators' ground truth and print one verdict line per table;
    the number of figures that differ.

    A tenant on one simulated platform is checked against its store's own ground truth (its platform's
    rows). A tenant on several is one business across sandboxes: a store's ground truth knows only its own
    customers, so each platform's rows and the rows across platforms are checked against the ground truth
    of the simulated world spanning every store (a person counted once, new only on the day and platform
    of their first order anywhere). Real shops have no ground truth and are not checked."""
    rows = frame.to_dict("records")
    checks: list[tuple[str, list]] = []
    if len(tenant.connections) == 1:
        platform, connection = next(iter(tenant.connections.items()))
        simulator = simulator_for(connection.url)
        if simulator is not None:
            checks.append((platform, simulator.ground_truth(connection.url, start, end)))
    else:
        urls = {platform: connection.url for platform, connection in tenant.connections.items()}
        truth = tenant_ground_truth(urls, start, end)
        if truth is not None:
            for platform in [*tenant.connections, ALL_PLATFORMS]:
                checks.append((platform, [row for row in truth if row["platform"] == platform]))
        elif any(simulator_for(url) is not None for url in urls.values()):
            print("→ not checked: no simulated world spans every one of the tenant's shops")
    mismatches = 0
    for platform, truth in checks:
        diffs = compare_with_ground_truth(rows, truth, platform=platform)
        mismatches += len(diffs)
        days = int((frame["platform"] == platform).sum())
        verdict = (
            "every figure equals"
            if not diffs
            else f"{len(diffs)} figure{'s differ' if len(diffs) > 1 else ' differs'} from"
        )
        source = "the sandbox's" if len(checks) == 1 else "the cross-platform"
        print(f"→ {platform}: {days} days; {verdict} {source} ground truth ({platform} rows)")
        for line in diffs[:20]:
            print("   ", line)
    return mismatches


def sync_tenants(prune: bool = False, dry_run: bool = False) -> int:
    """Make the instance's tenant partitions follow the tenants file, saying what changes before it does.

    Validates the file first (exit 1 and nothing changed if it is invalid), prints the plan, adds new
    tenants' partitions, and removes the partitions of tenants absent from the file only with ``prune``.
    With ``dry_run`` it prints the plan and changes nothing."""
    try:
        tenants = load_tenants()
    except TenantConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"tenants file: {describe_tenants_file()}; nothing changed", file=sys.stderr)
        return 1
    with _instance() as instance:
        plan = _print_tenant_plan(instance, tenants)
        _warn_unset_tokens(tenants)
        if dry_run:
            would_remove = f" (--prune would remove: {_names(plan.absent)})" if prune and plan.absent else ""
            print(f"Dry run: nothing changed{would_remove}.")
            return 0
        _apply_tenant_plan(instance, plan, prune)
    return 0


def _print_tenant_plan(instance: dg.DagsterInstance, tenants: dict[str, Tenant]) -> TenantPartitionPlan:
    """The plan, in the order it is applied: what is added, what is already there, what is absent."""
    plan = plan_tenant_partitions(instance, tenants)
    print(f"Tenants file: {describe_tenants_file()}; {len(tenants)} tenants, valid")
    print(f"Dagster instance: {instance.root_directory}")
    print(f"To add: {_names(plan.to_add)}")
    print(f"Already present: {_names(plan.present)}")
    if not plan.absent:
        print("In the instance but not in the tenants file: none")
        return plan
    print("In the instance but not in the tenants file:")
    for tenant_id, counts in materialised_partitions_by_tenant(instance, plan.absent).items():
        print(f"  {tenant_id}: {counts.describe()}")
    return plan


def _apply_tenant_plan(instance: dg.DagsterInstance, plan: TenantPartitionPlan, prune: bool) -> None:
    """Add new tenants; remove absent ones only when asked to, printing exactly what was removed."""
    print(f"Added: {_names(add_new_tenant_partitions(instance, plan))}")
    if not plan.absent:
        return
    if prune:
        removed = prune_tenant_partitions(instance, plan.absent)
        print(
            f"Removed: {_names(removed)} (their partition keys only: run and materialisation history stay "
            "in the instance; the warehouse and the raw store are untouched)"
        )
    else:
        print(f"Kept: {_names(plan.absent)}. To remove their partitions: {PRUNE_COMMAND}")


def _warn_unset_tokens(tenants: dict[str, Tenant]) -> None:
    """Name (never show) each token variable this shell lacks or holds unusable: runs started from here
    would fail."""
    _sandbox_tokens(tenants)
    for tenant_id, variable in unset_token_variables(tenants).items():
        print(
            f"warning: tenant {tenant_id}: {variable} is not set in this shell; export it before starting "
            "`make ui` or the daemon, or its runs fail",
            file=sys.stderr,
        )
    for tenant_id, problem in unusable_tokens(tenants).items():
        print(f"warning: tenant {tenant_id}: {problem}; its runs would fail", file=sys.stderr)


def _names(tenant_ids: list[str]) -> str:
    return ", ".join(tenant_ids) if tenant_ids else "none"


def publish_demo_snapshot() -> None:
    """On a DuckDB warehouse, publish the read snapshot the reporting API reads (the daemon's sensor does it
    after each run; `storehouse demo` runs in-process, without the daemon)."""
    from platform_assets.serving.snapshot import publish_snapshot, snapshot_path

    configured = settings()
    link = snapshot_path(configured)
    if link is not None:
        print(f"Read snapshot for the API: {publish_snapshot(configured.warehouse_url_value(), link)}")


def _positive(text: str) -> int:
    """A whole number of at least 1 (argparse type: a clear error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def serve(host: str | None, port: int | None, workers: int = 1) -> int:
    """Run the reporting API with uvicorn (docs/serving.md), in ``workers`` processes (they share each key's
    rate limit through the store beside the key file). On DuckDB, publish a read snapshot first if none
    exists yet (waiting at most 30 s for a run holding the warehouse)."""
    import uvicorn

    from platform_assets.serving.api.app import create_app
    from platform_assets.serving.snapshot import (
        current_snapshot,
        duckdb_file,
        publish_snapshot,
        snapshot_path,
    )

    use_default_dagster_home(PROJECT_ROOT)
    configured = settings()
    link = snapshot_path(configured)
    live = duckdb_file(configured.warehouse_url_value())
    if link is not None and current_snapshot(link) is None and live is not None and live.exists():
        try:
            published = publish_snapshot(configured.warehouse_url_value(), link, 30.0)
            print(f"Published a first read snapshot: {published}")
        except Exception as exc:  # a run holds the warehouse: serve anyway, the sensor publishes after it
            print(f"warning: no read snapshot yet ({type(exc).__name__}); the API answers 503 until then")
    if not configured.api_keys_path().exists():
        print(f"warning: no API keys in {configured.api_keys_path()}: `storehouse keys create --tenant ID`")
    host, port = host or configured.serve_host, port or configured.serve_port
    print(f"Storehouse reporting API on http://{host}:{port}/api/v1 (docs: http://{host}:{port}/docs)")
    print(f"Dashboard: http://{host}:{port}/dashboard (sign in with an API key)")
    if workers > 1:  # each worker process builds its app from the same settings (the environment)
        app = "platform_assets.serving.api.app:create_app"
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, log_level="info")
    else:
        uvicorn.run(create_app(configured), host=host, port=port, log_level="info")
    return 0


def keys_command(args: argparse.Namespace) -> int:
    """`storehouse keys create|revoke|list`: the reporting API's keys (stored hashed; shown once)."""
    from platform_assets.serving.keys import KeyStore, UnknownKeyError

    store = KeyStore(settings().api_keys_path())
    if args.keys_command == "create":
        tenant = None if args.admin else args.tenant
        if tenant is not None:
            try:
                known = load_tenants()
            except TenantConfigError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            if tenant not in known:
                print(f"error: no tenant {tenant} in {describe_tenants_file()}", file=sys.stderr)
                return 1
        key, record = store.create(tenant, note=args.note)
        print(f"Created key {record.id} for {tenant or 'every tenant (admin)'}. It is shown once, now:")
        print(key)
        print(f"Send it as `Authorization: Bearer <key>`. Stored (hashed) in {store.path}")
        return 0
    if args.keys_command == "revoke":
        try:
            record = store.revoke(args.key_id)
        except UnknownKeyError:
            print(f"error: no key {args.key_id} in {store.path}", file=sys.stderr)
            return 1
        print(f"Revoked key {record.id} ({record.tenant_id or 'admin'}) at {record.revoked_at}")
        return 0
    rows = [
        [k.id, k.tenant_id or "admin (every tenant)", k.created_at, k.revoked_at or "active", k.note]
        for k in store.list()
    ]
    print(f"API keys in {store.path}:")
    print(tabulate(rows, headers=["id", "reads", "created", "revoked", "note"], tablefmt="github"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="materialise the demo tenants and print agg_daily_sales")
    demo_parser.add_argument("--days", type=int, default=30, help="complete days to materialise (default 30)")
    sync_parser = commands.add_parser(
        "sync-tenants",
        help="add the tenants file's new tenants to the Dagster instance; report (or --prune) absent ones",
        description=(
            "Validates the tenants file, prints the plan (tenants to add, already present, and in the "
            "instance but absent from the file), then adds the new tenants' partitions. Absent tenants' "
            "partitions are kept unless --prune is given. Exit status: 0 done, 1 invalid tenants file "
            "(nothing changed), 2 bad arguments."
        ),
    )
    sync_parser.add_argument(
        "--prune",
        action="store_true",
        help="also remove the partitions of tenants that are in the instance but not in the tenants file",
    )
    sync_parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    serve_parser = commands.add_parser(
        "serve", help="run the reporting API (uvicorn) on STOREHOUSE_SERVE_HOST:STOREHOUSE_SERVE_PORT"
    )
    serve_parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (default 8400)")
    serve_parser.add_argument(
        "--workers", type=_positive, default=1, help="uvicorn worker processes (default 1; one rate limit)"
    )
    keys_parser = commands.add_parser("keys", help="create, revoke or list the reporting API's keys")
    keys_commands = keys_parser.add_subparsers(dest="keys_command", required=True)
    create_parser = keys_commands.add_parser("create", help="a new key for one tenant, or --admin for all")
    scope = create_parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--tenant", help="the tenant the key reads")
    scope.add_argument("--admin", action="store_true", help="a key that reads every tenant")
    create_parser.add_argument("--note", default="", help="what the key is for (shown by `keys list`)")
    revoke_parser = keys_commands.add_parser("revoke", help="revoke a key by its id")
    revoke_parser.add_argument("key_id", help="the key's id (8 hex characters, see `keys list`)")
    keys_commands.add_parser("list", help="every key's id, tenant and state (never the key)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.days)
    if args.command == "serve":
        return serve(args.host, args.port, args.workers)
    if args.command == "keys":
        return keys_command(args)
    return sync_tenants(prune=args.prune, dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
