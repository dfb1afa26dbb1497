"""Reading and staging raw partitions for a staging asset, day by day, in order: in this process for a
few days, in worker processes for long ranges (a backfill), so parsing JSON and typing values (most of a
staging step's CPU) runs beside the warehouse writes instead of before them.

A worker returns each day's rows already as the text the bulk load sends (``text_columns``), which
crosses the process boundary much faster than Decimals and datetimes. At most a few days are in flight,
so memory stays bounded whatever the range. A very big day (a 100,000-orders-a-day store) is split by id
into a share per worker, staged side by side and merged. Python's cyclic garbage collector is paused
while a day is parsed and staged: a day is hundreds of thousands of acyclic objects, and collections
triggered by them would scan everything alive again and again (it doubled the time to parse a day).
"""

from __future__ import annotations

import os
import re
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date

from platform_assets.ingest.runs import TenantDays
from platform_assets.staging.staged import DeadLetter, Staged, unreadable_line
from resources import fast_json
from resources.gc_pause import collector_paused
from resources.raw_store import RawStoreResource
from resources.warehouse import text_columns
from resources.worker_processes import process_pool

#: Stages one raw partition's records of a tenant and day (a source's function, run in the workers too:
#: its module is preloaded by the forkserver, see :func:`resources.worker_processes.preload`).
Stager = Callable[[Iterable[dict], TenantDays, date, RawStoreResource], Staged]

#: Runs whose raw partitions hold at least this many gzipped bytes (about 20,000 orders) are staged in
#: worker processes; smaller ones do not pay for starting them.
PARALLEL_MIN_BYTES = 16_000_000
#: A day with at least this many gzipped bytes (about 25,000 orders) is staged by every worker, each
#: taking a share of its ids, rather than by one: a day of a 100,000-orders-a-day store would otherwise
#: keep one core busy while the other waits. Only for entities whose records are keyed by their id.
SPLIT_MIN_BYTES = 15_000_000
SPLIT_ENTITIES = frozenset({"orders", "customers", "products"})
#: Days staged ahead of the warehouse writes, per worker.
DAYS_AHEAD_PER_WORKER = 2
#: Consecutive days of one tenant written in one transaction, up to this many rows (and 31 days): a
#: DuckDB commit, a registered frame and a DELETE each cost milliseconds whatever their size.
BATCH_ROWS = 100_000
BATCH_DAYS = 31


@dataclass
class StagedDay:
    """One (tenant, day) staged: text columns per table (None: the raw partition is missing).

    Pickled (from a staging worker to the run's process) with each text column packed into one string:
    pickling hundreds of thousands of small strings one by one took longer than staging them.
    """

    td: TenantDays
    day: date
    missing: bool = False
    texts: dict[str, list[list[str | None]]] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    new_fields: dict[str, int] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["texts"] = {table: [pack_column(c) for c in columns] for table, columns in self.texts.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        texts = {table: [unpack_column(c) for c in columns] for table, columns in state["texts"].items()}
        self.__dict__.update({**state, "texts": texts})


_SEPARATOR = "\x1f"  # ASCII unit separator
_NULL_TEXT = "\x1e"  # ASCII record separator, standing for None


def pack_column(column: list[str | None]) -> str | list[str | None]:
    """A text column as one string (values joined by the unit separator, None as the record separator),
    or the column itself when a value holds either character."""
    if None in column:
        packed = _SEPARATOR.join(_NULL_TEXT if value is None else value for value in column)  # type: ignore[misc]
        nulls = sum(1 for value in column if value is None)
    else:
        packed = _SEPARATOR.join(column)  # type: ignore[arg-type]
        nulls = 0
    if packed.count(_SEPARATOR) != len(column) - 1 or packed.count(_NULL_TEXT) != nulls:
        return column
    return packed


def unpack_column(packed: str | list[str | None]) -> list[str | None]:
    """The column :func:`pack_column` packed."""
    if isinstance(packed, list):
        return packed
    values: list[str | None] = packed.split(_SEPARATOR)  # type: ignore[assignment]
    if _NULL_TEXT in packed:
        values = [None if value == _NULL_TEXT else value for value in values]
    return values


def stage_day(
    stage: Stager,
    platform: str,
    entity: str,
    tables: Sequence[tuple[str, int]],
    raw_store: RawStoreResource | str,
    td: TenantDays,
    day: date,
    part: int = 0,
    parts: int = 1,
) -> StagedDay:
    """Read one raw partition and stage it into text columns per table ((name, width) of each).

    With ``parts`` > 1, only the records of share ``part`` (by :func:`share_of` their id) are staged: the
    day's shares, staged in several processes and merged (:func:`merged_day`), give the whole day. Every
    version of an id falls in the same share, so the duplicate check stays exact.
    """
    if isinstance(raw_store, str):
        raw_store = RawStoreResource(base_url=raw_store)
    if not raw_store.exists(platform, entity, td.tenant.id, day):
        return StagedDay(td, day, missing=True)
    unreadable: list[DeadLetter] = []
    with collector_paused():
        lines = raw_store.read_lines(platform, entity, td.tenant.id, day)
        staged = stage(_records_of_share(lines, part, parts, unreadable), td, day, raw_store)
        texts = {name: text_columns(staged.rows.get(name, []), width) for name, width in tables}
    return StagedDay(td, day, False, texts, [*unreadable, *staged.dead_letters], dict(staged.new_fields))


#: A raw line that starts with its record's id, as the raw store writes records keyed by an integer id.
_LEADING_ID = re.compile(rb'^\{"id":(-?\d+)[,}]')


def share_of(record_id: object, parts: int) -> int:
    """The share (0 … parts-1) a record id belongs to, the same for 123 and "123"."""
    return zlib.crc32(str(record_id).encode()) % parts


def _records_of_share(
    lines: Iterable[bytes], part: int, parts: int, unreadable: list[DeadLetter]
) -> Iterator[dict]:
    """The records of one share, parsing only their lines (and those whose id is not up front). A line
    that is not JSON is kept aside in ``unreadable`` (by share 0) and the others go on."""
    for index, line in enumerate(lines):
        match = _LEADING_ID.match(line) if parts > 1 else None
        if match is not None and share_of(int(match.group(1)), parts) != part:
            continue
        try:
            record = fast_json.loads(line)
        except ValueError as error:  # not JSON, or not UTF-8
            if match is not None or part == 0:
                unreadable.append(unreadable_line(index, line, error))
            continue
        if match is not None or parts == 1:
            yield record
            continue
        record_id = record.get("id") if isinstance(record, dict) else None
        if share_of(record_id, parts) == part:
            yield record


def merged_day(shares: Sequence[StagedDay]) -> StagedDay:
    """One day from the days of its shares: rows, dead letters and new fields of every share."""
    first = shares[0]
    if len(shares) == 1 or first.missing:
        return first
    texts = {table: merged_texts(shares, table, len(columns)) for table, columns in first.texts.items()}
    new_fields: Counter[str] = Counter()
    for share in shares:
        new_fields.update(share.new_fields)
    dead_letters = [letter for share in shares for letter in share.dead_letters]
    return StagedDay(first.td, first.day, False, texts, dead_letters, dict(new_fields))


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _raw_bytes(
    raw_store: RawStoreResource, platform: str, entity: str, days: Sequence[tuple[TenantDays, date]]
) -> int:
    total = 0
    for td, day in days:
        try:
            total += int(raw_store.read_meta(platform, entity, td.tenant.id, day).get("bytes") or 0)
        except FileNotFoundError:
            continue
        if total >= PARALLEL_MIN_BYTES:
            break
    return total


def staged_days(
    stage: Stager,
    platform: str,
    entity: str,
    tables: Sequence[tuple[str, int]],
    raw_store: RawStoreResource,
    days: Sequence[tuple[TenantDays, date]],
) -> Iterator[StagedDay]:
    """Every (tenant, day) staged, in the given order."""
    if _raw_bytes(raw_store, platform, entity, days) < PARALLEL_MIN_BYTES:
        for td, day in days:
            yield stage_day(stage, platform, entity, tables, raw_store, td, day)
        return
    workers = _workers()
    base_url = raw_store.base_url
    with process_pool(workers) as pool:

        def submit(td: TenantDays, day: date) -> list[Future[StagedDay]]:
            parts = _shares(raw_store, platform, entity, td, day, workers)
            return [
                pool.submit(stage_day, stage, platform, entity, tables, base_url, td, day, part, parts)
                for part in range(parts)
            ]

        pending: deque[list[Future[StagedDay]]] = deque()
        queue = iter(days)
        try:
            for td, day in queue:
                pending.append(submit(td, day))
                if len(pending) >= workers * DAYS_AHEAD_PER_WORKER:
                    break
            while pending:
                done = merged_day([future.result() for future in pending.popleft()])
                following = next(queue, None)
                if following is not None:
                    pending.append(submit(*following))
                yield done
        finally:
            for futures in pending:
                for future in futures:
                    future.cancel()


def _shares(
    raw_store: RawStoreResource, platform: str, entity: str, td: TenantDays, day: date, workers: int
) -> int:
    """How many processes stage the day: every worker for a big day of an entity keyed by id, else one."""
    if workers == 1 or entity not in SPLIT_ENTITIES:
        return 1
    try:
        size = int(raw_store.read_meta(platform, entity, td.tenant.id, day).get("bytes") or 0)
    except FileNotFoundError:
        return 1
    return workers if size >= SPLIT_MIN_BYTES else 1


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
