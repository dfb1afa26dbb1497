"""Reads while the pipeline writes: the API answers, with whole figures, while a writer restates the
warehouse (DuckDB: the writer publishes a snapshot after each commit; PostgreSQL: live tables read in a
read-only transaction)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from platform_assets.serving.snapshot import current_snapshot, publish_snapshot
from platform_assets.warehouse import tables as t
from resources.warehouse import WarehouseResource
from tests.serving.conftest import Served, serving

VERSIONS = 4
PATH = "/api/v1/tenants/acme/sales/daily"
PARAMS = {"start": "2026-11-01", "end": "2026-11-02", "platform": "all"}


def restate(warehouse: WarehouseResource, version: int) -> None:
    """One "run": every acme row of agg_daily_sales gets net_sales = total_sales = version, a row at a
    time with pauses inside one transaction, so a reader of uncommitted or half-copied data would see
    rows of two versions."""
    sales = t.AGG_DAILY_SALES.table
    value = Decimal(version)
    with warehouse.transaction() as conn:
        for day in ("2026-11-01", "2026-11-02"):
            for platform in ("all", "shopify"):
                conn.execute(
                    sa.update(sales)
                    .where(sales.c.tenant_id == "acme", sales.c.date == day, sales.c.platform == platform)
                    .values(net_sales=value, total_sales=value)
                )
                time.sleep(0.005)


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def writable(request, tmp_path):
    with serving(request.param, tmp_path) as built:
        yield built


def test_the_api_answers_whole_figures_while_a_writer_restates_and_publishes(writable: Served):
    warehouse = WarehouseResource(url=writable.url)

    def run(version: int) -> None:
        restate(warehouse, version)
        if writable.snapshot is not None:
            publish_snapshot(writable.url, writable.snapshot)

    run(0)
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def hammer() -> None:
        requests = 0
        while not done.is_set() or requests < 5:
            response = writable.client.get(PATH, params=PARAMS, headers=writable.headers(writable.admin))
            requests += 1
            if response.status_code != 200:
                problems.append(f"{response.status_code}: {response.text}")
                continue
            figures = {(row["net_sales"], row["total_sales"]) for row in response.json()["data"]}
            if len(figures) != 1 or len(response.json()["data"]) != 2:
                problems.append(f"half-written: {figures}")
                continue
            ((net, total),) = figures
            seen.append(int(Decimal(net)))

    readers = [threading.Thread(target=hammer) for _ in range(3)]
    for reader in readers:
        reader.start()
    for version in range(1, VERSIONS + 1):
        run(version)
    done.set()
    for reader in readers:
        reader.join(timeout=60)

    assert problems == []
    assert seen and set(seen) <= set(range(VERSIONS + 1))
    final = writable.client.get(PATH, params=PARAMS, headers=writable.headers(writable.admin)).json()["data"]
    assert [row["net_sales"] for row in final] == [f"{VERSIONS}.00", f"{VERSIONS}.00"]
    warehouse.engine().dispose()


def test_duckdb_snapshots_are_new_files_behind_one_link_and_old_ones_are_pruned(tmp_path):
    with serving("duckdb", tmp_path) as built:
        first = current_snapshot(built.snapshot)
        for _ in range(3):
            publish_snapshot(built.url, built.snapshot)
        newest = current_snapshot(built.snapshot)
        assert newest != first and built.snapshot.is_symlink()
        published = sorted(tmp_path.glob(f"{built.snapshot.name}.*"))
        assert newest in published and len(published) == 3  # the current one and the two before it
        assert first not in published


@pytest.mark.postgres
def test_postgresql_reads_are_read_only(tmp_path):
    with serving("postgresql", tmp_path) as built:
        reader = built.client.app.state.reader
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"), reader.read() as conn:
            conn.execute(sa.delete(t.AGG_DAILY_SALES.table))


def test_the_api_answers_while_another_process_holds_the_duckdb_write_lock(tmp_path):
    """A run in another process holds the live DuckDB file (its single-writer lock) mid-transaction: the API
    reads only the snapshot, so it answers."""
    with serving("duckdb", tmp_path) as built:
        live = sa.engine.make_url(built.url).database
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('BEGIN'); "
                "c.execute('DELETE FROM agg_daily_sales'); print('holding', flush=True); sys.stdin.read()",
                live,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "holding"
            with pytest.raises(sa.exc.DBAPIError, match="lock"):
                WarehouseResource(url=built.url, lock_timeout_seconds=0).connect().__enter__()
            response = built.client.get(PATH, params=PARAMS, headers=built.headers(built.acme))
            assert response.status_code == 200
            assert [row["net_sales"] for row in response.json()["data"]] == ["90.00", "-5.01"]
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
