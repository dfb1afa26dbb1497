"""The transform benchmark's child process: generate a store's raw partitions, or build every derived
partition from them in one Dagster run, and print one JSON line of figures.

    python -m bench.transform_child generate --store two-years --size full
    python -m bench.transform_child transform --store two-years --size full --warehouse duckdb:///…

Run in a child process so its wall time and peak memory are its own (``peak_rss_mb`` is ``ru_maxrss``
of this process: DuckDB runs inside it, a PostgreSQL server's memory is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from bench.report import Size, peak_rss_mb
from bench.transform_stores import BenchStore, busy_day, heavy_year, serving_store, tiny_store, two_years
from platform_assets.tags import partition_range_tags
from platform_assets.tenants import TenantsResource

STORES = {
    "two-years": two_years,
    "busy-day": busy_day,
    "heavy-year": heavy_year,
    "serving": serving_store,
    # The tiny size's shared store (``--store tiny --size tiny``), what the others are at that size.
    "tiny": lambda size: tiny_store(),
}
RESULT_PREFIX = "RESULT "
#: The sandbox store's platform: its ground truth is compared with that platform's agg_daily_sales rows.
SANDBOX_PLATFORM = "shopify"


def _write_tenants_file(store: BenchStore, path: Path) -> None:
    tenant = {
        "id": store.tenant_id,
        "name": store.tenant_id,
        "start_date": store.start.isoformat(),
        "shopify": {"shop_url": f"sandbox://{store.tenant_id}", "token_env": store.token_env, "api": "rest"},
    }
    path.write_text(yaml.safe_dump({"tenants": [tenant]}))


def _range_tags(store: BenchStore) -> dict[str, str]:
    return partition_range_tags(
        f"{store.start.isoformat()}|{store.tenant_id}", f"{store.end.isoformat()}|{store.tenant_id}"
    )


def _truth_json(figures: Sequence[object]) -> list[dict]:
    return [{k: (str(v) if v is not None else None) for k, v in asdict(f).items()} for f in figures]  # type: ignore[call-overload]


def truth_from_json(rows: list[dict]) -> list[dict]:
    """Ground-truth rows read back from the cache with their types (dates, ints, exact Decimals)."""
    typed = []
    for row in rows:
        out: dict = {}
        for key, value in row.items():
            if key == "date":
                out[key] = date.fromisoformat(value)
            elif key == "currency" or value is None:
                out[key] = value
            elif key in ("orders", "units", "customers", "new_customers", "returning_customers"):
                out[key] = int(value)
            else:
                out[key] = Decimal(value)
        typed.append(out)
    return typed


def generate(store: BenchStore) -> dict:
    """Walk the in-process sandbox through the raw assets (one ranged run) into a fresh cache folder."""
    import dagster as dg

    from platform_assets.sources.shopify.raw_assets import RAW_ASSETS
    from resources.raw_store import RawStoreResource
    from resources.shopify.client import ShopifyClientResource
    from sandbox.shopify import registry
    from sandbox.shopify.generator import build_shop

    work = store.folder.with_name(store.folder.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tenants_file = work / "tenants.yaml"
    _write_tenants_file(store, tenants_file)
    spec = store.spec()
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(tenants_file)
    os.environ[store.token_env] = spec.access_token

    started = time.perf_counter()
    shop = build_shop(spec, store.clock)
    registry.register(spec.name, shop)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [store.tenant_id])
    dg.materialize(
        RAW_ASSETS,
        instance=instance,
        resources={
            "shopify": ShopifyClientResource(),
            "tenants": TenantsResource(),
            "raw_store": RawStoreResource(base_url=str(work / "raw")),
        },
        tags=_range_tags(store),
    )
    raw_seconds = time.perf_counter() - started
    truth_started = time.perf_counter()
    truth = _truth_json(shop.ground_truth(store.start, store.end))
    truth_seconds = time.perf_counter() - truth_started
    raw_bytes = sum(p.stat().st_size for p in (work / "raw").rglob("*.jsonl.gz"))
    record = {
        "store": asdict(store),
        "key": store.key(),
        "generation_seconds": raw_seconds,
        "ground_truth_seconds": truth_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "raw_bytes": raw_bytes,
        "orders_in_truth": sum(int(row["orders"]) for row in truth),
        "ground_truth": truth,
    }
    (work / "complete.json").write_text(json.dumps(record, default=str) + "\n")
    shutil.rmtree(store.folder, ignore_errors=True)
    work.rename(store.folder)
    return {k: v for k, v in record.items() if k != "ground_truth"}


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per step (asset or multi-asset) from the run's event log."""
    import dagster as dg

    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS and entry.step_key in started:
            seconds[entry.step_key] = round(entry.timestamp - started[entry.step_key], 2)
    return seconds


def transform(store: BenchStore, warehouse_url: str, instance_dir: str | None) -> dict:
    """Build every staging, dimension, fact and aggregate partition of the range in one Dagster run."""
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(store.tenants_file)
    import dagster as dg

    from platform_assets.definitions import ALL_ASSETS
    from platform_assets.ground_truth import compare_with_ground_truth
    from platform_assets.sources.registry import api_reading_keys, sources
    from platform_assets.sources.shopify.raw_assets import RAW_ASSETS
    from resources.raw_store import RawStoreResource
    from resources.shopify.client import ShopifyClientResource
    from resources.warehouse import WarehouseResource

    # From the raw files alone: no asset that calls the shop's API (the raw ones, the order deletions).
    raw_keys = {key for asset in RAW_ASSETS for key in asset.keys} | api_reading_keys()
    # The other registered sources' raw and staging assets: the bench tenant sells on Shopify only.
    raw_keys |= {
        key
        for source in sources()
        if source.platform != "shopify"
        for asset in [*source.raw_assets, *source.staging_assets]
        for key in asset.keys
    }
    selection = [key for asset in ALL_ASSETS for key in asset.keys if key not in raw_keys]
    instance = dg.DagsterInstance.local_temp(instance_dir) if instance_dir else dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [store.tenant_id])
    warehouse = WarehouseResource(url=warehouse_url)
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        selection=selection,
        instance=instance,
        resources={
            **{key: resource for source in sources() for key, resource in source.resources.items()},
            "shopify": ShopifyClientResource(),
            "tenants": TenantsResource(),
            "raw_store": RawStoreResource(base_url=str(store.raw_dir)),
            "warehouse": warehouse,
        },
        tags=_range_tags(store),
    )
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    marker = json.loads(store.marker.read_text())
    rows = warehouse.query(
        "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
        "ORDER BY date",
        {"t": store.tenant_id, "p": SANDBOX_PLATFORM, "s": store.start, "e": store.end},
    ).to_dict("records")
    diffs = compare_with_ground_truth(
        rows, truth_from_json(marker["ground_truth"]), platform=SANDBOX_PLATFORM
    )
    counts = warehouse.query(
        "SELECT (SELECT COUNT(*) FROM fact_orders WHERE tenant_id = :t) AS orders, "
        "(SELECT COUNT(*) FROM fact_order_items WHERE tenant_id = :t) AS lines, "
        "(SELECT COUNT(DISTINCT refund_id) FROM fact_refunds WHERE tenant_id = :t) AS refunds, "
        "(SELECT COUNT(*) FROM fact_refunds WHERE tenant_id = :t) AS refund_rows",
        {"t": store.tenant_id},
    ).to_dict("records")[0]
    return {
        "success": result.success,
        "seconds": seconds,
        "peak_rss_mb": peak,
        "steps": _step_seconds(instance, result.run_id),
        "ground_truth_diffs": diffs[:20],
        "ground_truth_diff_count": len(diffs),
        "days_checked": len(rows),
        **{k: int(v) for k, v in counts.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["generate", "transform"])
    parser.add_argument("--store", choices=sorted(STORES), required=True)
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument("--warehouse", help="SQLAlchemy URL (transform)")
    parser.add_argument("--instance-dir", help="an on-disk Dagster instance here (default: in memory)")
    args = parser.parse_args(argv)
    store = STORES[args.store](Size(args.size))
    if args.command == "generate":
        out = generate(store)
    else:
        out = transform(store, args.warehouse, args.instance_dir)
    print(RESULT_PREFIX + json.dumps(out, default=str), flush=True)


if __name__ == "__main__":
    main()
