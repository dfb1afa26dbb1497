"""The ``woocommerce`` bench section's child process: generate the transform's raw store, build the whole
WooCommerce part of the graph from it, or take and stage the customers' daily full scan; it prints one
JSON line of figures.

    python -m bench.woocommerce_child generate --size full [--orders 1000000]
    python -m bench.woocommerce_child transform --size full --warehouse duckdb:///… [--orders …]
    python -m bench.woocommerce_child customers --url http://127.0.0.1:PORT/site --work DIR --day D …

Run in a child process so its wall time and memory are its own (the parent samples the process tree's
resident memory; ``customers`` also reports each step's peak above the memory it started from, read from
``VmHWM`` after resetting it through ``/proc/self/clear_refs``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bench.report import Size
from bench.woocommerce_stores import WooBenchStore, history
from platform_assets.tags import partition_range_tags

RESULT_PREFIX = "RESULT "
PLATFORM = "woocommerce"
#: agg_daily_sales figures compared with the sandbox's own ground truth, day by day.
COUNT_FIGURES = ("orders", "units", "customers", "new_customers", "returning_customers")


def _status_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process in MB (0 where /proc is not there)."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def reset_peak() -> float:
    """Reset this process's peak resident memory to its current one (Linux ≥ 4.0); returns the current MB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def peak_mb() -> float:
    """Peak resident memory of this process since the last :func:`reset_peak`, in MB."""
    return _status_mb("VmHWM")


def write_tenants_file(
    path: Path, tenant_id: str, site_url: str, key_env: str, secret_env: str, start: date
) -> None:
    """A tenants file with one tenant connected to one WooCommerce site."""
    tenant = {
        "id": tenant_id,
        "name": tenant_id,
        "start_date": start.isoformat(),
        "connections": {
            PLATFORM: {"site_url": site_url, "consumer_key_env": key_env, "consumer_secret_env": secret_env}
        },
    }
    path.write_text(yaml.safe_dump({"tenants": [tenant]}))


def _range_tags(tenant_id: str, start: date, end: date) -> dict[str, str]:
    return partition_range_tags(f"{start.isoformat()}|{tenant_id}", f"{end.isoformat()}|{tenant_id}")


def _other_sources_keys() -> set:
    """The raw and staging asset keys of every source but WooCommerce (the bench tenant sells on
    WooCommerce only)."""
    from platform_assets.sources.registry import sources

    return {
        key
        for source in sources()
        if source.platform != PLATFORM
        for asset in [*source.raw_assets, *source.staging_assets]
        for key in asset.keys
    }


def _resources(raw_dir: Path, warehouse_url: str | None = None) -> dict:
    from platform_assets.sources.registry import sources
    from platform_assets.tenants import TenantsResource
    from resources.raw_store import RawStoreResource
    from resources.warehouse import WarehouseResource

    found: dict = {key: resource for source in sources() for key, resource in source.resources.items()}
    found |= {"tenants": TenantsResource(), "raw_store": RawStoreResource(base_url=str(raw_dir))}
    if warehouse_url:
        found["warehouse"] = WarehouseResource(url=warehouse_url)
    return found


def _step_seconds(instance: Any, run_id: str) -> dict[str, float]:
    from bench.transform_child import _step_seconds as steps

    return steps(instance, run_id)


# ---------------------------------------------------------------------------------------------------------
# The transform's raw store
# ---------------------------------------------------------------------------------------------------------
def generate(store: WooBenchStore) -> dict:
    """Walk the in-process sandbox through the WooCommerce raw assets into a fresh cache folder: settings,
    products, coupons and orders over the whole range in one run, the customers' snapshot on the last day
    only (the snapshot's own daily cost is the section's customers part)."""
    import dagster as dg

    from platform_assets.sources.woocommerce.raw_assets import RAW_ASSETS, raw_woocommerce_customers
    from sandbox.woocommerce import registry
    from sandbox.woocommerce.generator import build_site

    work = store.folder.with_name(store.folder.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    spec = store.spec()
    tenants_file = work / "tenants.yaml"
    url = f"woosandbox://{store.tenant_id}"
    write_tenants_file(tenants_file, store.tenant_id, url, store.key_env, store.secret_env, store.start)
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(tenants_file)
    os.environ[store.key_env] = spec.consumer_key
    os.environ[store.secret_env] = spec.consumer_secret

    started = time.perf_counter()
    site = build_site(spec, store.clock)
    registry.register(spec.name, site)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [store.tenant_id])
    resources = _resources(work / "raw")
    customers_key = raw_woocommerce_customers.key
    ranged = [key for asset in RAW_ASSETS for key in asset.keys if key != customers_key]
    dg.materialize(
        RAW_ASSETS,
        selection=ranged,
        instance=instance,
        resources=resources,
        tags=_range_tags(store.tenant_id, store.start, store.end),
    )
    dg.materialize(
        RAW_ASSETS,
        selection=[customers_key],
        instance=instance,
        resources=resources,
        tags=_range_tags(store.tenant_id, store.end, store.end),
    )
    raw_seconds = time.perf_counter() - started
    truth = site.ground_truth(store.start, store.end)
    raw_bytes = sum(p.stat().st_size for p in (work / "raw").rglob("*.jsonl.gz"))
    orders_dir = work / "raw" / PLATFORM / "orders" / store.tenant_id
    raw_orders = sum(json.loads(meta.read_text())["records"] for meta in orders_dir.glob("*.meta.json"))
    record = {
        "store": {k: str(v) for k, v in store.__dict__.items()},
        "key": store.key(),
        "generation_seconds": raw_seconds,
        "raw_bytes": raw_bytes,
        "raw_orders": raw_orders,
        "orders_created": sum(count for day, count in site.day_counts().items() if day <= store.end),
        "orders_in_truth": sum(int(row["orders"]) for row in truth),
        "ground_truth": json.loads(json.dumps(truth, default=str)),
    }
    (work / "complete.json").write_text(json.dumps(record, default=str) + "\n")
    shutil.rmtree(store.folder, ignore_errors=True)
    work.rename(store.folder)
    return {k: v for k, v in record.items() if k != "ground_truth"}


def ground_truth_diffs(rows: list[dict], truth: list[dict]) -> list[str]:
    """Days where agg_daily_sales' WooCommerce counts or total sales differ from the sandbox's (days
    without a counted order may have no row)."""
    by_day = {str(row["date"])[:10]: row for row in rows}
    diffs = []
    for expected in truth:
        day = str(expected["date"])[:10]
        row = by_day.get(day)
        if row is None:
            if int(expected["orders"]):
                diffs.append(f"{day}: missing")
            continue
        for name in COUNT_FIGURES:
            if int(row[name]) != int(expected[name]):
                diffs.append(f"{day} {name}: {row[name]} != {expected[name]}")
        if Decimal(str(row["total_sales"])) != Decimal(str(expected["total_sales"])):
            diffs.append(f"{day} total_sales: {row['total_sales']} != {expected['total_sales']}")
    return diffs


def transform(store: WooBenchStore, warehouse_url: str) -> dict:
    """Build every WooCommerce staging, conformed, core and mart partition of the range in one Dagster run
    (a single-run backfill), then compare agg_daily_sales with the sandbox's ground truth."""
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(store.tenants_file)
    import dagster as dg

    from platform_assets.definitions import ALL_ASSETS
    from platform_assets.sources.woocommerce.raw_assets import RAW_ASSETS

    skipped = _other_sources_keys() | {key for asset in RAW_ASSETS for key in asset.keys}
    selection = [key for asset in ALL_ASSETS for key in asset.keys if key not in skipped]
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [store.tenant_id])
    resources = _resources(store.raw_dir, warehouse_url)
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        selection=selection,
        instance=instance,
        resources=resources,
        tags=_range_tags(store.tenant_id, store.start, store.end),
    )
    seconds = time.perf_counter() - started
    warehouse = resources["warehouse"]
    rows = warehouse.query(
        "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
        "ORDER BY date",
        {"t": store.tenant_id, "p": PLATFORM, "s": store.start, "e": store.end},
    ).to_dict("records")
    marker = json.loads(store.marker.read_text())
    diffs = ground_truth_diffs(rows, marker["ground_truth"])
    counts = warehouse.query(
        "SELECT (SELECT COUNT(*) FROM stg_woocommerce_orders WHERE tenant_id = :t) AS staged_orders, "
        "(SELECT COUNT(*) FROM fact_orders WHERE tenant_id = :t) AS orders, "
        "(SELECT COUNT(*) FROM fact_order_items WHERE tenant_id = :t) AS lines, "
        "(SELECT COUNT(*) FROM fact_refunds WHERE tenant_id = :t) AS refund_rows, "
        "(SELECT COUNT(*) FROM dlq_records WHERE tenant_id = :t) AS dead_letters",
        {"t": store.tenant_id},
    ).to_dict("records")[0]
    return {
        "success": result.success,
        "seconds": seconds,
        "steps": _step_seconds(instance, result.run_id),
        "ground_truth_diffs": diffs[:20],
        "ground_truth_diff_count": len(diffs),
        "days_checked": len(rows),
        **{k: int(v) for k, v in counts.items()},
    }


# ---------------------------------------------------------------------------------------------------------
# The customers' daily full scan
# ---------------------------------------------------------------------------------------------------------
def customers(url: str, tenant_id: str, day: date, work: Path, warehouse_url: str) -> dict:
    """Take the customers' snapshot of ``day`` as ``raw_woocommerce_customers`` does (the same
    ``write_snapshot`` call and fetch, over HTTP), with the settings snapshot the staging reads, then stage
    it with the real ``woocommerce_customer_staging`` asset in one Dagster run."""
    key_env, secret_env = "BENCH_WOO_CUSTOMERS_KEY", "BENCH_WOO_CUSTOMERS_SECRET"
    tenants_file = work / "tenants.yaml"
    write_tenants_file(tenants_file, tenant_id, url, key_env, secret_env, day)
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(tenants_file)
    import dagster as dg

    from platform_assets.definitions import ALL_ASSETS
    from platform_assets.ingest.raw_assets import write_snapshot
    from platform_assets.ingest.runs import TenantDays
    from platform_assets.sources.woocommerce.raw_fetch import client_for, settings_record
    from platform_assets.sources.woocommerce.staging_assets import woocommerce_customer_staging
    from platform_assets.tenants import Tenant, TenantsResource
    from resources.raw_store import RawStoreResource
    from resources.woocommerce.client import WooCommerceClientResource, WooCommerceSiteClient

    tenant = TenantsResource().all()[tenant_id]
    raw_store = RawStoreResource(base_url=str(work / "raw"))
    woocommerce = WooCommerceClientResource()
    clients = []

    def open_client(tenant: Tenant) -> WooCommerceSiteClient:  # the raw asset's, kept for its counters
        client = client_for(woocommerce, tenant)
        clients.append(client)
        return client

    runs = [TenantDays(tenant, [day])]
    write_snapshot(
        PLATFORM,
        "settings",
        raw_store,
        runs,
        open_client,
        lambda c: [[settings_record(c.get_store_settings())]],
    )
    base = reset_peak()
    cpu = time.process_time()
    started = time.perf_counter()
    write_snapshot(PLATFORM, "customers", raw_store, runs, open_client, lambda c: c.iter_customers())
    fetch_seconds = time.perf_counter() - started
    fetch_cpu = time.process_time() - cpu
    fetch_peak = peak_mb() - base
    stats = clients[-1].stats
    meta = raw_store.read_meta(PLATFORM, "customers", tenant_id, day)
    path = Path(raw_store.local_file(PLATFORM, "customers", tenant_id, day) or "")
    json_bytes = sum(len(line) for line in raw_store.read_lines(PLATFORM, "customers", tenant_id, day))

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [tenant_id])
    resources = _resources(work / "raw", warehouse_url)
    base = reset_peak()
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        selection=list(woocommerce_customer_staging.keys),
        instance=instance,
        resources=resources,
        tags=_range_tags(tenant_id, day, day),
    )
    stage_seconds = time.perf_counter() - started
    stage_peak = peak_mb() - base
    staged = (
        resources["warehouse"]
        .query("SELECT COUNT(*) AS n FROM stg_woocommerce_customers WHERE tenant_id = :t", {"t": tenant_id})
        .to_dict("records")[0]["n"]
    )
    return {
        "success": result.success,
        "records": int(meta["records"]),
        "fetch_seconds": fetch_seconds,
        "fetch_peak_above_mb": fetch_peak,
        "fetch_cpu_seconds": fetch_cpu,
        "requests": int(stats.get("requests", 0)),
        "retries": int(stats.get("retries", 0)),
        "raw_bytes": path.stat().st_size if path.name else 0,
        "json_bytes": json_bytes,
        "stage_seconds": stage_seconds,
        "stage_step_seconds": _step_seconds(instance, result.run_id),
        "stage_peak_above_mb": stage_peak,
        "staged_rows": int(staged),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["generate", "transform", "customers"])
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument(
        "--orders", type=int, default=None, help="orders of the transform's store (full size)"
    )
    parser.add_argument("--warehouse", help="SQLAlchemy URL (transform, customers)")
    parser.add_argument("--url", help="the site's URL (customers)")
    parser.add_argument("--tenant", help="the tenant id (customers)")
    parser.add_argument("--day", type=date.fromisoformat, help="the snapshot's day (customers)")
    parser.add_argument("--work", type=Path, help="a folder for the raw store and tenants file (customers)")
    args = parser.parse_args(argv)
    if args.command == "customers":
        out = customers(args.url, args.tenant, args.day, args.work, args.warehouse)
    else:
        size = Size(args.size)
        store = history(size) if args.orders is None else history(size, args.orders)
        out = generate(store) if args.command == "generate" else transform(store, args.warehouse)
    print(RESULT_PREFIX + json.dumps(out, default=str), flush=True)


if __name__ == "__main__":
    main()
