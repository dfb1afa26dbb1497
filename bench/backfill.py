"""Backfill through Dagster: a year of one tenant's daily partitions, from raw files to aggregates,
launched as a real asset backfill on a real instance (storage as deployed, ``deploy/postgres/dagster.yaml``
on a fresh database, or SQLite when no PostgreSQL server answers; the queued run coordinator; the daemon
launching each run in its own process), under each backfill policy.

* ``single_run``: the whole year in one run (the assets loop over the days themselves);
* ``multi_run:N``: N days per run;
* ``per_partition``: one run per day. At full size this is measured on a sample of days and the year is
  extrapolated from the per-run cost (365 runs take longer than the benchmark's budget; the detail says so).

The policies are compared on a year of a light store (20 orders a day), where what differs between them,
Dagster's cost per run, is not hidden by the work. The target (a year of a 2,000-orders-a-day store in
under 10 minutes) is then measured itself under the default policy (:func:`heavy_year`), on a raw store
generated once and cached like the transform section's.

Per-run overhead is what a run costs beyond its days' work: (per-partition seconds per run) minus
(single-run seconds per day). The raw files are fetched once from the sandbox over HTTP before the clock
starts; the backfill selects every asset but the raw ones.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import yaml

from bench.proctree import descendants, stop_left_behind
from bench.report import Figure, Size
from platform_assets.tags import partition_range_tags

SECTION = "Backfill through Dagster"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench-backfill"
#: The sandbox store's platform: its ground truth is compared with that platform's agg_daily_sales rows.
SANDBOX_PLATFORM = "shopify"
TOKEN_ENV = "BENCH_BACKFILL_SHOPIFY_TOKEN"
TIMEZONE = "America/New_York"
#: ``sqlite`` runs the backfills on a SQLite instance instead of PostgreSQL.
INSTANCE_ENV = "STOREHOUSE_BENCH_INSTANCE"
INSTANCE_DATABASE = "storehouse_bench_instance"


@dataclass(frozen=True)
class Plan:
    """How much a size measures."""

    orders_per_day: float
    days: int
    multi_run_days: int
    per_partition_sample: int
    max_concurrent_runs: int = 2
    #: The daemons' loop interval: None is Dagster's own (30 s, what a deployment runs); the smoke test's
    #: tiny size sets it lower (``bench.fast_daemon``) so that its backfills do not wait 30 s twice each.
    daemon_interval_seconds: float | None = None
    #: Whether the target's store (:func:`heavy_year`) is backfilled apart. At the tiny size it is not: the
    #: light store there is the tiny heavy store's size (20 orders a day over 3 days), so the single_run
    #: backfill above measures the target's figure as well, and a third daemon, code server, instance
    #: and run would repeat it on a store of the same size.
    heavy_year_apart: bool = True


PLANS = {
    # What a backfill policy changes is the number of runs, so the policies are compared on a year of a
    # light store, where Dagster's own cost shows; `heavy_year` then measures the target's store.
    "full": Plan(orders_per_day=20, days=365, multi_run_days=92, per_partition_sample=6),
    # The smoke test's size: every step once, multi_run skipped (the same code path as per_partition).
    # The daemon loops every 2 s instead of 30 s (pickup and completion figures are not measured here).
    # The light store is the tiny heavy store's size (bench.transform_stores.tiny_store: 20 orders a day
    # over 3 days), so its single_run backfill gives the target's figure too (heavy_year_apart).
    "tiny": Plan(
        orders_per_day=20,
        days=3,
        multi_run_days=0,
        per_partition_sample=1,
        daemon_interval_seconds=2,
        heavy_year_apart=False,
    ),
}


@dataclass
class BackfillResult:
    """One backfill, timed from its launch: when the daemon picked it up, each run's duration, the end."""

    policy: str
    days: int
    wall_seconds: float
    pickup_seconds: float
    run_seconds: list[float]
    instance: str = ""  # the instance's storage: PostgreSQL or SQLite

    @property
    def runs(self) -> int:
        return len(self.run_seconds)

    @property
    def mean_run_seconds(self) -> float:
        return sum(self.run_seconds) / len(self.run_seconds)


def _instance_yaml(home: Path, max_concurrent_runs: int, postgres: bool) -> str:
    """The bench instance: storage as deployed (``deploy/postgres/dagster.yaml``'s run, event-log and
    schedule storage on ``$DAGSTER_PG_URL``) when ``postgres``, else SQLite in ``home``."""
    if postgres:
        deployed = yaml.safe_load((PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
        storage = {key: deployed[key] for key in ("run_storage", "event_log_storage", "schedule_storage")}
    else:
        storage = {"storage": {"sqlite": {"base_dir": str(home / "storage")}}}
    return yaml.safe_dump(
        {
            **storage,
            "local_artifact_storage": {
                "module": "dagster._core.storage.root",
                "class": "LocalArtifactStorage",
                "config": {"base_dir": str(home)},
            },
            "run_coordinator": {
                "module": "dagster._core.run_coordinator",
                "class": "QueuedRunCoordinator",
                "config": {"dequeue_interval_seconds": 1},
            },
            "concurrency": {
                "runs": {"max_concurrent_runs": max_concurrent_runs},
                "pools": {"default_limit": 1},
            },
            # Only the backfill runs: the project's automation sensor would start runs of its own (today's
            # partitions, as on a live instance) beside the measured ones.
            "auto_materialize": {"enabled": False, "use_sensors": False},
            "telemetry": {"enabled": False},
        }
    )


def _workspace_yaml() -> str:
    return yaml.safe_dump(
        {
            "load_from": [
                {
                    "python_module": {
                        "module_name": "platform_assets.definitions",
                        "working_directory": str(PROJECT_ROOT),
                    }
                }
            ]
        }
    )


@contextmanager
def _daemon(
    home: Path, env: dict[str, str], interval_seconds: float | None = None
) -> Iterator[subprocess.Popen]:
    """``dagster-daemon run`` on the instance in ``home``; stopped (SIGINT, then kill) on exit. With
    ``interval_seconds`` the daemons loop at that interval instead of 30 s (``bench.fast_daemon``)."""
    log = (home / "daemon.log").open("w")
    command = [str(Path(sys.executable).parent / "dagster-daemon")]
    if interval_seconds is not None:
        command = [sys.executable, "-m", "bench.fast_daemon", str(interval_seconds)]
    process = subprocess.Popen(
        [*command, "run", "-w", str(home / "workspace.yaml")],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # It is stopped with SIGINT: give it the default action even when the benchmark runs in a shell's
        # background, which starts it with SIGINT ignored (kept across exec).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        yield process
    finally:
        # The daemon's code servers and run workers are its children: stopping the daemon leaves them to
        # their heartbeat, and a code server whose instance is gone (the benchmark drops its database next)
        # never notices its runs ended and lives on. Each is stopped here, whatever it does.
        below = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stop_left_behind(below)
        log.close()


def _wait_for_backfill_daemon(instance, timeout: float) -> None:
    """Wait until the daemon is up (its backfill loop has reported in), so its start is not timed."""
    deadline = time.perf_counter() + timeout
    while "BACKFILL" not in instance.get_daemon_heartbeats():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the Dagster daemon did not start in {timeout:.0f} s")
        time.sleep(0.5)


def _partition_keys(days: list[date], tenant: str) -> list[str]:
    return [f"{day.isoformat()}|{tenant}" for day in days]


def _launch_and_wait(
    home: Path,
    env: dict[str, str],
    policy: str,
    days: list[date],
    timeout: float,
    tenant: str = TENANT,
    daemon_interval_seconds: float | None = None,
) -> BackfillResult:
    """Launch an asset backfill of every non-raw asset over ``days`` and wait for it to finish."""
    import dagster as dg
    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
    from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
    from dagster._core.utils import make_new_backfill_id

    from platform_assets.definitions import defs
    from platform_assets.sources.registry import api_reading_keys

    instance = dg.DagsterInstance.from_config(str(home))
    instance.add_dynamic_partitions("tenant", [tenant])
    asset_graph = defs.resolve_asset_graph()
    # From the raw files alone: no asset that calls the shop's API (the raw ones, the order deletions).
    offline = api_reading_keys()
    selection = [
        key
        for key in asset_graph.materializable_asset_keys
        if asset_graph.get(key).group_name != "raw" and key not in offline
    ]
    daemon_env = {**env, "DAGSTER_HOME": str(home), "STOREHOUSE_BACKFILL_POLICY": policy}
    with _daemon(home, daemon_env, daemon_interval_seconds):
        _wait_for_backfill_daemon(instance, timeout=120)
        backfill_id = make_new_backfill_id()
        started = time.perf_counter()  # launched_at below is this moment on the wall clock
        instance.add_backfill(
            PartitionBackfill.from_asset_partitions(
                backfill_id=backfill_id,
                asset_graph=asset_graph,
                partition_names=_partition_keys(days, tenant),
                asset_selection=selection,
                backfill_timestamp=time.time(),
                tags={},
                dynamic_partitions_store=instance,
                all_partitions=False,
                title=f"bench {policy}",
                description=None,
                run_config=None,
            )
        )
        done = {
            BulkActionStatus.COMPLETED_SUCCESS,
            BulkActionStatus.COMPLETED_FAILED,
            BulkActionStatus.FAILED,
            BulkActionStatus.CANCELED,
            BulkActionStatus.COMPLETED,
        }
        while True:
            backfill = instance.get_backfill(backfill_id)
            if backfill is not None and backfill.status in done:
                break
            if time.perf_counter() - started > timeout:
                raise TimeoutError(
                    f"backfill {policy} did not finish in {timeout:.0f} s; see {home / 'daemon.log'}"
                )
            time.sleep(0.5 if daemon_interval_seconds else 1)
        runs = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id}))
        failed = [r.dagster_run.run_id for r in runs if r.dagster_run.status != DagsterRunStatus.SUCCESS]
        if failed or backfill.status != BulkActionStatus.COMPLETED_SUCCESS:
            raise RuntimeError(
                f"backfill {policy} ended {backfill.status.value} with failed runs {failed}; "
                f"the daemon's errors (its log is removed with the instance):\n{_daemon_errors(home)}"
            )
        launched_at = time.time() - (time.perf_counter() - started)
        wall = max(r.end_time for r in runs if r.end_time) - launched_at
        pickup = min(r.create_timestamp.timestamp() for r in runs) - launched_at
        run_seconds = [r.end_time - r.start_time for r in runs if r.start_time and r.end_time]
    return BackfillResult(policy, len(days), wall, pickup, run_seconds)


def _checked_backfill(
    home: Path,
    env: dict[str, str],
    plan: Plan,
    policy: str,
    days: list[date],
    timeout: float,
    truth: list,
    tenant: str = TENANT,
) -> BackfillResult:
    """A backfill of ``days`` on a new instance in ``home`` (its warehouse there too), checked against
    ``truth``. The instance is on PostgreSQL as deployed when a server answers (a database of its own,
    dropped afterwards), else on SQLite (``$STOREHOUSE_BENCH_INSTANCE=sqlite`` asks for SQLite)."""
    from bench.transform import drop_postgres, fresh_postgres

    instance_url = None
    if os.environ.get(INSTANCE_ENV, "postgres") != "sqlite":
        # Named for this process, so a benchmark and the smoke test can run at once.
        instance_url = fresh_postgres(f"{INSTANCE_DATABASE}_{os.getpid()}")
    pg_env = {"DAGSTER_PG_URL": instance_url} if instance_url else {}
    instance_yaml = _instance_yaml(home, plan.max_concurrent_runs, postgres=instance_url is not None)
    (home / "dagster.yaml").write_text(instance_yaml)
    (home / "workspace.yaml").write_text(_workspace_yaml())
    warehouse_url = f"duckdb:///{home / 'warehouse.duckdb'}"
    env = {**env, **pg_env, "STOREHOUSE_WAREHOUSE_URL": warehouse_url}
    try:
        with mock.patch.dict(os.environ, pg_env):
            result = _launch_and_wait(
                home,
                env,
                policy,
                days,
                timeout,
                tenant=tenant,
                daemon_interval_seconds=plan.daemon_interval_seconds,
            )
    finally:
        if instance_url:
            drop_postgres(instance_url)
    _check_against_ground_truth(warehouse_url, truth, days, tenant=tenant)
    return replace(result, instance="PostgreSQL" if instance_url else "SQLite")


def _daemon_errors(home: Path, last: int = 40) -> str:
    """The last lines of the daemon's log that report a failure."""
    lines = (home / "daemon.log").read_text(errors="replace").splitlines()
    failures = [line for line in lines if "FAILURE" in line or "ERROR" in line or "Error" in line]
    return "\n".join(failures[-last:])


def _shop_spec(plan: Plan):
    from sandbox.shopify.spec import ShopSpec

    return ShopSpec(
        name=TENANT,
        seed=4404,
        timezone=TIMEZONE,
        currency="USD",
        orders_per_day=plan.orders_per_day,
        history_days=plan.days + 1,
        customers=max(200, int(plan.orders_per_day * 20)),
        products=60,
        plan="plus",
        # Fetching the raw files is not what this section measures: no throttling while it runs.
        bucket_size=100_000,
        leak_rate=100_000,
        access_token="shpat_bench_backfill",
    )


def _fetch_raw(env: dict[str, str], days: list[date]) -> float:
    """Fetch every raw partition of ``days`` from the sandbox into the raw store ``env`` names (one ranged
    run, with the tenants file and token ``env`` sets)."""
    import dagster as dg

    from platform_assets.definitions import ALL_ASSETS, build_resources

    started = time.perf_counter()
    with mock.patch.dict(os.environ, env):
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("tenant", [TENANT])
        raw_assets = [
            asset
            for asset in ALL_ASSETS
            if asset.group_names_by_key and set(asset.group_names_by_key.values()) == {"raw"}
        ]
        dg.materialize(
            raw_assets,
            instance=instance,
            resources=build_resources(),
            tags=partition_range_tags(f"{days[0].isoformat()}|{TENANT}", f"{days[-1].isoformat()}|{TENANT}"),
        )
    return time.perf_counter() - started


def _check_against_ground_truth(
    warehouse_url: str, truth: list, days: list[date], tenant: str = TENANT
) -> None:
    from platform_assets.ground_truth import compare_with_ground_truth
    from resources.warehouse import WarehouseResource

    warehouse = WarehouseResource(url=warehouse_url)
    rows = warehouse.query(
        "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
        "ORDER BY date",
        {"t": tenant, "p": SANDBOX_PLATFORM, "s": days[0], "e": days[-1]},
    ).to_dict("records")
    diffs = compare_with_ground_truth(rows, truth, platform=SANDBOX_PLATFORM)
    if diffs:
        raise AssertionError(
            f"the backfilled agg_daily_sales differs from the sandbox's ground truth: {diffs[:5]}"
        )


def run(size: Size) -> list[Figure]:
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.server import serve

    plan = PLANS[size.name]
    spec = _shop_spec(plan)
    zone = ZoneInfo(TIMEZONE)
    clock = datetime.combine(date(2026, 3, 1), dtime(0), tzinfo=zone)
    days = [clock.date() - timedelta(days=plan.days - i) for i in range(plan.days)]
    shop = build_shop(spec, clock)
    figures: list[Figure] = []
    with (
        tempfile.TemporaryDirectory(prefix="storehouse-bench-backfill-") as tmp,
        serve({TENANT: shop}) as server,
    ):
        root = Path(tmp)
        tenants_file = root / "tenants.yaml"
        tenants_file.write_text(
            yaml.safe_dump(
                {
                    "tenants": [
                        {
                            "id": TENANT,
                            "name": "Backfill benchmark store",
                            "start_date": days[0].isoformat(),
                            "shopify": {
                                "shop_url": server.base_url(TENANT),
                                "token_env": TOKEN_ENV,
                                "api": "rest",
                            },
                        }
                    ]
                }
            )
        )
        base_env = {
            **os.environ,
            TOKEN_ENV: spec.access_token,
            "STOREHOUSE_TENANTS_FILE": str(tenants_file),
            "STOREHOUSE_RAW_STORE_URL": str(root / "raw"),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        base_env.pop("STOREHOUSE_WAREHOUSE_URL", None)
        fetch_seconds = _fetch_raw(
            {**base_env, "STOREHOUSE_WAREHOUSE_URL": f"duckdb:///{root / 'unused.duckdb'}"},
            days,
        )
        orders = sum(figure.orders for figure in shop.ground_truth(days[0], days[-1]))

        def backfill(
            policy: str, policy_days: list[date], timeout: float, warehouse_from: Path | None = None
        ) -> BackfillResult:
            home = root / policy.replace(":", "-")
            home.mkdir()
            if warehouse_from is not None:  # re-backfilling days of a warehouse that holds the history
                shutil.copy(warehouse_from / "warehouse.duckdb", home / "warehouse.duckdb")
            truth = shop.ground_truth(policy_days[0], policy_days[-1])
            return _checked_backfill(home, base_env, plan, policy, policy_days, timeout, truth)

        single = backfill("single_run", days, timeout=1200)
        multi = (
            backfill(f"multi_run:{plan.multi_run_days}", days, timeout=1200) if plan.multi_run_days else None
        )
        sample = days[-plan.per_partition_sample :]
        # A sample of days re-backfilled one run each into the single run's warehouse: dimensions need
        # the history before the sample (new vs returning customers), as in any later backfill.
        per_partition = backfill("per_partition", sample, timeout=1200, warehouse_from=root / "single_run")

    concurrency = plan.max_concurrent_runs
    work_per_day = single.mean_run_seconds / single.days
    overhead = per_partition.mean_run_seconds - work_per_day
    # 365 one-day runs, `concurrency` at a time, after the daemon picks the backfill up.
    year_per_partition = (
        per_partition.pickup_seconds + per_partition.mean_run_seconds * plan.days / concurrency
    )
    detail = f"{plan.days} days × {plan.orders_per_day:,.0f} orders/day ({orders:,} orders counted)"
    figures += [
        Figure(
            SECTION,
            "raw files fetched before the backfill (not timed below)",
            fetch_seconds,
            "s",
            detail=detail,
        ),
        Figure(
            SECTION,
            "backfill, single_run (the default)",
            single.wall_seconds,
            "s",
            target=600,
            detail=f"{single.runs} run of {single.mean_run_seconds:.0f} s; the daemon picked the backfill "
            f"up after {single.pickup_seconds:.0f} s; {detail}; {single.instance} instance",
        ),
        Figure(
            SECTION,
            "backfill, one run per partition (extrapolated)",
            year_per_partition,
            "s",
            target=600,
            ratio=year_per_partition / single.wall_seconds,
            ratio_to="single_run",
            detail=f"measured {per_partition.runs} one-day runs of {per_partition.mean_run_seconds:.1f} s "
            f"on average; {plan.days} of them, {concurrency} at a time",
        ),
        Figure(
            SECTION,
            "per-run overhead",
            overhead,
            "s",
            detail=f"a one-day run ({per_partition.mean_run_seconds:.1f} s) minus a day's share of the "
            f"single run ({work_per_day:.2f} s)",
        ),
    ]
    figures.append(heavy_year(size) if plan.heavy_year_apart else light_year_as_target(plan, single, orders))
    if multi is not None:
        figures.insert(
            2,
            Figure(
                SECTION,
                f"backfill, multi_run({plan.multi_run_days})",
                multi.wall_seconds,
                "s",
                target=600,
                ratio=multi.wall_seconds / single.wall_seconds,
                ratio_to="single_run",
                detail=f"{multi.runs} runs of {multi.mean_run_seconds:.0f} s on average, "
                f"{concurrency} at a time",
            ),
        )
    return figures


def _target_figure(orders_per_day: float, orders: int, result: BackfillResult, source: str) -> Figure:
    """The target's figure: a single_run backfill of a store selling ``orders_per_day`` (``orders`` counted
    over ``result.days`` days), raw files to aggregates through the daemon, equal to the ground truth;
    ``source`` says where its raw files came from."""
    return Figure(
        SECTION,
        f"a year of a {orders_per_day:,.0f}-orders-a-day store, single_run",
        result.wall_seconds,
        "s",
        target=600,
        detail=f"{result.days} days, {orders:,} orders counted, raw files to aggregates; "
        f"1 run of {result.mean_run_seconds:.0f} s, picked up after {result.pickup_seconds:.0f} s; "
        f"{result.instance} instance; ground truth equal; {source}",
        extra={"run_seconds": round(result.mean_run_seconds, 1), "days": result.days},
    )


def light_year_as_target(plan: Plan, single: BackfillResult, orders: int) -> Figure:
    """The target's figure from the light store's single_run backfill, when the plan's light store is the
    target's store size (the tiny size: ``Plan.heavy_year_apart`` is False): the same measurement, a
    single_run backfill from raw files to aggregates through the daemon, checked against the ground
    truth, on a store of the target's orders a day, without running it a second time."""
    return _target_figure(
        plan.orders_per_day,
        orders,
        single,
        "the single_run backfill above (the light store is the target's size here; raw files fetched from "
        "the sandbox)",
    )


def heavy_year(size: Size) -> Figure:
    """The target itself: a year of a 2,000-orders-a-day store (730,000 orders) backfilled from raw files to
    aggregates under the default policy through the daemon, checked against the ground truth. Its raw
    store is generated once through the in-process sandbox and cached, as the transform section's are."""
    from bench.transform import ensure_generated
    from bench.transform_child import truth_from_json
    from bench.transform_stores import heavy_year as heavy_store

    store = heavy_store(size)
    marker, cached = ensure_generated(store, size)
    days = [store.start + timedelta(days=n) for n in range(store.days())]
    with tempfile.TemporaryDirectory(prefix="storehouse-bench-heavy-") as tmp:
        env = {
            **os.environ,
            "STOREHOUSE_TENANTS_FILE": str(store.tenants_file),
            "STOREHOUSE_RAW_STORE_URL": str(store.raw_dir),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        truth = truth_from_json(marker["ground_truth"])
        result = _checked_backfill(
            Path(tmp), env, PLANS[size.name], "single_run", days, 1800, truth, tenant=store.tenant_id
        )
    return _target_figure(
        store.orders_per_day,
        marker["orders_in_truth"],
        result,
        f"raw store generated in {marker['generation_seconds']:.0f} s "
        f"({'cached' if cached else 'this run'}, not counted)",
    )
