"""Reading and staging raw partitions for a staging asset, day by day, in order: in this process for a
few days, in worker processes for long ranges (a backfill), so parsing JSON and typing values (most of a
staging step's CPU) runs beside the warehouse writes instead of before them.

A worker returns each day's rows already as the text the bulk load sends (``text_columns``), which
crosses the process boundary much faster than Decimals and datetimes. At most a few days are in flight,
so memory stays bounded whatever the range. Python's cyclic garbage collector is paused while a day is
parsed and staged: a day is hundreds of thousands of acyclic objects, and collections triggered by them
would scan everything alive again and again (it doubled the time to parse a day).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from platform_assets.runs import TenantDays
from platform_assets.shopify import staging
from resources.gc_pause import collector_paused
from resources.raw_store import RawStoreResource
from resources.warehouse import text_columns
from resources.worker_processes import preload, worker_context

preload("platform_assets.shopify.staging_assets")  # what the staging workers run

Stager = Callable[[Iterable[dict], TenantDays, date, RawStoreResource], staging.Staged]

#: Runs whose raw partitions hold at least this many gzipped bytes (about 20,000 orders) are staged in
#: worker processes; smaller ones do not pay for starting them.
PARALLEL_MIN_BYTES = 16_000_000
#: Days staged ahead of the warehouse writes, per worker.
DAYS_AHEAD_PER_WORKER = 2
#: Consecutive days of one tenant written in one transaction, up to this many rows (and 31 days): a
#: DuckDB commit, a registered frame and a DELETE each cost milliseconds whatever their size.
BATCH_ROWS = 100_000
BATCH_DAYS = 31


@dataclass
class StagedDay:
    """One (tenant, day) staged: text columns per table (None: the raw partition is missing)."""

    td: TenantDays
    day: date
    missing: bool = False
    texts: dict[str, list[list[str | None]]] = field(default_factory=dict)
    dead_letters: list[staging.DeadLetter] = field(default_factory=list)
    new_fields: dict[str, int] = field(default_factory=dict)


def stage_day(
    stage: Stager,
    entity: str,
    tables: Sequence[tuple[str, int]],
    raw_store: RawStoreResource | str,
    td: TenantDays,
    day: date,
) -> StagedDay:
    """Read one raw partition and stage it into text columns per table ((name, width) of each)."""
    if isinstance(raw_store, str):
        raw_store = RawStoreResource(base_url=raw_store)
    if not raw_store.exists("shopify", entity, td.tenant.id, day):
        return StagedDay(td, day, missing=True)
    with collector_paused():
        staged = stage(raw_store.read_partition("shopify", entity, td.tenant.id, day), td, day, raw_store)
        texts = {name: text_columns(staged.rows.get(name, []), width) for name, width in tables}
    return StagedDay(td, day, False, texts, staged.dead_letters, dict(staged.new_fields))


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _raw_bytes(raw_store: RawStoreResource, entity: str, days: Sequence[tuple[TenantDays, date]]) -> int:
    total = 0
    for td, day in days:
        try:
            total += int(raw_store.read_meta("shopify", entity, td.tenant.id, day).get("bytes") or 0)
        except FileNotFoundError:
            continue
        if total >= PARALLEL_MIN_BYTES:
            break
    return total


def staged_days(
    stage: Stager,
    entity: str,
    tables: Sequence[tuple[str, int]],
    raw_store: RawStoreResource,
    days: Sequence[tuple[TenantDays, date]],
) -> Iterator[StagedDay]:
    """Every (tenant, day) staged, in the given order."""
    if _raw_bytes(raw_store, entity, days) < PARALLEL_MIN_BYTES:
        for td, day in days:
            yield stage_day(stage, entity, tables, raw_store, td, day)
        return
    workers = _workers()
    base_url = raw_store.base_url
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
        pending: deque[Future[StagedDay]] = deque()
        queue = iter(days)
        try:
            for td, day in queue:
                pending.append(pool.submit(stage_day, stage, entity, tables, base_url, td, day))
                if len(pending) >= workers * DAYS_AHEAD_PER_WORKER:
                    break
            while pending:
                done = pending.popleft().result()
                following = next(queue, None)
                if following is not None:
                    pending.append(pool.submit(stage_day, stage, entity, tables, base_url, *following))
                yield done
        finally:
            for future in pending:
                future.cancel()


def _rows(staged: StagedDay) -> int:
    return sum(len(columns[0]) for columns in staged.texts.values() if columns)


def batches(days: Iterable[StagedDay]) -> Iterator[list[StagedDay]]:
    """Consecutive staged days of one tenant, grouped up to ``BATCH_ROWS`` rows or ``BATCH_DAYS`` days."""
    batch: list[StagedDay] = []
    rows = 0
    for staged in days:
        if batch and (
            staged.td.tenant.id != batch[0].td.tenant.id or rows >= BATCH_ROWS or len(batch) >= BATCH_DAYS
        ):
            yield batch
            batch, rows = [], 0
        batch.append(staged)
        rows += _rows(staged)
    if batch:
        yield batch


def merged_texts(batch: Sequence[StagedDay], table: str, width: int) -> list[list[str | None]]:
    """One table's text columns of every day in the batch, concatenated in order."""
    merged: list[list[str | None]] = [[] for _ in range(width)]
    for staged in batch:
        for column, values in zip(merged, staged.texts.get(table) or [[] for _ in range(width)], strict=True):
            column.extend(values)
    return merged
