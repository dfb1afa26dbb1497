"""The demo's warehouse, built reproducibly, and a checksum of every one of its tables.

What ``storehouse demo`` builds (``platform_assets/cli.py``): the whole asset graph, one ranged run per demo
tenant, for the last 30 complete days of ``demo-ny`` and ``demo-berlin`` (the sandbox presets, tenants as in
``platform_assets/config/demo_tenants.yaml``, on their Shopify shops only: this net predates demo-ny's
WooCommerce wholesale site, which ``tests/pipeline/test_two_platform_tenant.py`` covers), into one
warehouse. Here it is built the way the tests' harness runs the graph
(``tests/pipeline/harness.make_pipeline``: in-process sandbox shop, throwaway raw store, ephemeral instance),
with every moving part pinned so the tables do not depend on today's date:

* each demo shop is the preset spec (its own seed; no ``STOREHOUSE_SANDBOX_DEFECTS``) built with its clock
  at the start of ``DEMO_TODAY`` in its own timezone, which is the sandbox's default clock on that day;
* the pipeline's clock is the shop's clock (the harness monkeypatches ``platform_assets.clock``);
* the tenants' ``start_date: -30d`` is resolved against ``DEMO_TODAY``.

The expected checksums live in ``demo_warehouse_checksums.json`` beside this file. Regenerate them only
on purpose (a deliberate change of the warehouse, e.g. a new conformed table), from the code whose tables
are the reference::

    .venv/bin/python -m tests.regression.demo_warehouse            # rewrite the JSON file
    .venv/bin/python -m tests.regression.demo_warehouse --dump DIR  # also write every table's canonical rows

and commit the JSON with the change that explains it.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

CHECKSUMS_FILE = Path(__file__).parent / "demo_warehouse_checksums.json"

#: The day the demo is run: the sandbox shops' "today" (their clock is its start, in each shop's timezone).
DEMO_TODAY = date(2026, 6, 1)
#: `storehouse demo --days`' default: the last 30 complete days.
DEMO_DAYS = 30
#: The demo tenants (platform_assets/config/demo_tenants.yaml): id, start_date as "-Nd", timezone override.
DEMO_TENANTS = (("demo-ny", 30, None), ("demo-berlin", 30, "Europe/Berlin"))
#: The Shopify Admin API each demo tenant reads through (the tenants file's ``api``).
DEMO_APIS = {"demo-ny": "rest", "demo-berlin": "graphql"}

#: Columns left out of the checksum, per table, with the reason. Everything else of every table counts.
#: Only values that differ between two builds of the same code on the same pinned data belong here: the
#: harness pins the pipeline's clock, so every timestamp the pipeline takes from ``platform_assets.clock``
#: (``staged_at``, ``snapshot_taken_at``, dead letters' ``first_seen``/``last_seen``) is reproducible and
#: checked; only values taken from the machine's wall clock vary.
EXCLUDED_COLUMNS: dict[str, dict[str, str]] = {
    "staged_partitions": {
        "fetched_at": (
            "the raw store's written_at: the wall-clock time (datetime.now) at which the raw file was "
            "written, not the pipeline's pinned clock, so it differs on every build"
        ),
    },
}


def demo_ranges() -> dict[str, tuple[date, date]]:
    """Each demo tenant's materialised days, as ``storehouse demo`` chooses them on DEMO_TODAY."""
    end, earliest = DEMO_TODAY - timedelta(days=1), DEMO_TODAY - timedelta(days=DEMO_DAYS)
    return {
        tenant: (max(DEMO_TODAY - timedelta(days=start_days_ago), earliest), end)
        for tenant, start_days_ago, _ in DEMO_TENANTS
    }


@dataclass
class DemoWarehouse:
    """The built warehouse: its URL, each tenant's harness Pipeline (one warehouse and instance) and each
    tenant's differences from its pinned shop's ground truth over the demo's days (taken while the pinned
    shops are registered: afterwards the registry serves the default presets again)."""

    url: str
    pipelines: dict
    ground_truth_diffs: dict[str, list[str]]


def build_demo_warehouse(base: Path, monkeypatch: pytest.MonkeyPatch) -> DemoWarehouse:
    """Materialise the whole graph for both demo tenants into one DuckDB warehouse under ``base``."""
    from sandbox.shopify import registry
    from sandbox.shopify.presets import PRESETS
    from tests.pipeline.harness import make_pipeline

    monkeypatch.delenv("STOREHOUSE_SANDBOX_DEFECTS", raising=False)
    base.mkdir(parents=True, exist_ok=True)
    url = f"duckdb:///{base / 'warehouse.duckdb'}"
    instance = dg.DagsterInstance.ephemeral()
    pipelines = {}
    ranges = demo_ranges()
    try:
        for tenant, start_days_ago, timezone in DEMO_TENANTS:
            spec = copy.deepcopy(PRESETS[tenant])
            clock = datetime.combine(DEMO_TODAY, time(0), tzinfo=spec.zone)
            pipeline = make_pipeline(
                base / tenant,
                monkeypatch,
                spec,
                clock,
                DEMO_TODAY - timedelta(days=start_days_ago),
                warehouse_url=url,
                instance=instance,
                tenant_timezone=timezone,
                api=DEMO_APIS[tenant],
            )
            pipeline.materialise(*ranges[tenant])
            pipelines[tenant] = pipeline
        diffs = {tenant: pipelines[tenant].ground_truth_diffs(*ranges[tenant]) for tenant in pipelines}
    finally:
        for tenant, _, _ in DEMO_TENANTS:  # later users of the presets get the default shops again
            registry.unregister(tenant)
    return DemoWarehouse(url, pipelines, diffs)


# ---------------------------------------------------------------- checksums


def render(value) -> str:
    """A canonical, exact text for one value: decimals with their scale, floats round-trip, text quoted."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return "[" + ",".join(render(v) for v in value) + "]"
    return f"{type(value).__name__}:{value}"


def table_rows(conn, name: str) -> tuple[list[str], list[str]]:
    """The table's checked columns (sorted by name) and its rows as canonical lines, sorted."""
    excluded = EXCLUDED_COLUMNS.get(name, {})
    every = conn.execute(sa.text(f'SELECT * FROM "{name}" LIMIT 0')).keys()
    columns = sorted(column for column in every if column not in excluded)
    select = ", ".join(f'"{c}"' for c in columns)
    rows = conn.execute(sa.text(f'SELECT {select} FROM "{name}"')).fetchall()
    return columns, sorted("\t".join(render(v) for v in row) for row in rows)


def checksum_tables(engine_url: str, dump_dir: Path | None = None) -> dict[str, dict]:
    """Every table of the warehouse: its checked columns, row count and SHA-256 of its sorted rows."""
    engine = sa.create_engine(engine_url)
    sums: dict[str, dict] = {}
    try:
        with engine.connect() as conn:
            for name in sorted(sa.inspect(conn).get_table_names()):
                columns, lines = table_rows(conn, name)
                digest = hashlib.sha256()
                for line in lines:
                    digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
                sums[name] = {"rows": len(lines), "sha256": digest.hexdigest(), "columns": columns}
                if dump_dir is not None:
                    dump_dir.mkdir(parents=True, exist_ok=True)
                    text = "\t".join(columns) + "\n" + "".join(f"{line}\n" for line in lines)
                    (dump_dir / f"{name}.tsv").write_text(text)
    finally:
        engine.dispose()
    return sums


def load_expected() -> dict[str, dict]:
    return json.loads(CHECKSUMS_FILE.read_text())["tables"]


def write_expected(sums: dict[str, dict]) -> None:
    document = {
        "about": (
            "Checksums of every table of the demo's warehouse (tests/regression/demo_warehouse.py): "
            f"both demo tenants, {DEMO_DAYS} days up to {DEMO_TODAY - timedelta(days=1)}, pinned clock. "
            "Regenerate only on purpose: .venv/bin/python -m tests.regression.demo_warehouse"
        ),
        "excluded_columns": EXCLUDED_COLUMNS,
        "tables": sums,
    }
    CHECKSUMS_FILE.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the demo's warehouse and rewrite its checksums.")
    parser.add_argument("--dump", type=Path, help="also write each table's canonical rows to DIR/<table>.tsv")
    parser.add_argument("--check", action="store_true", help="compare with the file instead of rewriting it")
    parser.add_argument("--keep", type=Path, help="build in DIR and keep it (warehouse.duckdb, raw stores)")
    args = parser.parse_args(argv)
    monkeypatch = pytest.MonkeyPatch()
    try:
        with tempfile.TemporaryDirectory(prefix="storehouse-demo-warehouse-") as temp:
            built = build_demo_warehouse(args.keep or Path(temp), monkeypatch)
            sums = checksum_tables(built.url, args.dump)
    finally:
        monkeypatch.undo()
    if args.check:
        problems = compare(load_expected(), sums)
        print("\n".join(problems) or f"all {len(sums)} tables match {CHECKSUMS_FILE}")
        return 1 if problems else 0
    write_expected(sums)
    print(f"wrote {CHECKSUMS_FILE}: {len(sums)} tables")
    return 0


def compare(expected: dict[str, dict], actual: dict[str, dict], dump_hint: str = "") -> list[str]:
    """Every difference, one line per table, naming it."""
    problems = []
    for name in sorted(set(expected) - set(actual)):
        problems.append(f"{name}: missing from the warehouse (expected {expected[name]['rows']} rows)")
    for name in sorted(set(actual) - set(expected)):
        problems.append(
            f"{name}: not in {CHECKSUMS_FILE.name} ({actual[name]['rows']} rows); a table added on purpose "
            "must be added to the file deliberately (see tests/regression/demo_warehouse.py)"
        )
    for name in sorted(set(expected) & set(actual)):
        want, got = expected[name], actual[name]
        if want == got:
            continue
        detail = [f"rows {want['rows']} expected, {got['rows']} now"]
        if want["columns"] != got["columns"]:
            gone = sorted(set(want["columns"]) - set(got["columns"]))
            new = sorted(set(got["columns"]) - set(want["columns"]))
            detail.append(f"columns gone {gone}, new {new}" if gone or new else "same columns")
        if want["sha256"] != got["sha256"]:
            detail.append(f"content sha256 {want['sha256'][:16]}… expected, {got['sha256'][:16]}… now")
        problems.append(f"{name}: " + "; ".join(detail) + dump_hint.format(table=name))
    return problems


if __name__ == "__main__":
    sys.exit(main())
