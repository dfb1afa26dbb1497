"""A GraphQL tenant's history or long range read with one bulk operation, written day by day.

A run of a GraphQL tenant that covers more than ``ShopifyClientResource.bulk_min_days`` business days of
orders, customers or products, or its first sync of the entity (no partition yet), reads the whole range
with ONE bulk query instead of a paginated walk per day: Shopify's own answer for history loads, one job
and one JSONL file instead of hours of paged requests (docs/shopify-graphql.md, "Bulk operations").

The query asks for ``updated_at`` from the first day's window start to the last day's inclusive end, in
the paginated path's search syntax (``resources/shopify/bulk_queries.py``). The runner
(``resources/shopify/bulk.py``) starts or resumes the job (its state is persisted in the raw store's
work folder, one per tenant, entity and range: a run killed mid-load resumes the same job), downloads
the file and reassembles the records with bounded memory. They are translated into REST records, as the
paginated path's are, and each goes to the business day whose window holds its ``updated_at`` (the
paginated path's rule: ``updated_at_min <= updated_at <= updated_at_max``, the last second of the day,
both inclusive; no lower bound on the tenant's start date). Records are spilled per day to local files
of gzip members (:class:`DaySpill`), never all held in memory, and each day's file then becomes its
partition atomically through ``RawStoreResource.write_compressed_partition`` (renamed into place, not
compressed again) with the paginated path's sidecar plus ``fetched_by: bulk``, the job
id, the job's ``objectCount`` and ``rootObjectCount``, and the API versions asked for and served (and any
deprecation reason) over the load's GraphQL requests. The runner reconciles those counts with the file
and with the records stored; the records written plus those outside every day window (none when the
days are contiguous) equal the job's roots.
"""

from __future__ import annotations

import bisect
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.graphql_translate import translate
from resources import fast_json
from resources.gc_pause import collector_paused
from resources.raw_store import RawStoreResource, gzip_member
from resources.shopify.bulk import BulkJobFailed, BulkOperationError, BulkRunner
from resources.shopify.bulk_queries import (
    BULK_ENTITIES,
    BULK_SCOPES,
    ORDERS_REFUNDS_QUERY,
    REFUND_ORDERS_PER_QUERY,
    bulk_window_query,
    drop_child_typenames,
)
from resources.shopify.bulk_state import JsonFileState
from resources.shopify.client import ShopifyClientResource
from resources.shopify.graphql import ACCESS_DENIED, ShopifyGraphQLClient
from resources.shopify.graphql_records import truncated_connections, unwrap_connections

if TYPE_CHECKING:
    from platform_assets.sources.shopify.raw_fetch import DayWindow

#: Records translated (and, for orders, completed with their refunds) at a time.
BATCH = 250
#: Bytes of encoded lines the day spill buffers before it compresses the biggest days' (``DaySpill``). A year
#: of 30 orders a day: peak memory 124 MB at 4 MiB, 157 MB at 16 MiB, the same CPU and files (6.03 MB).
SPILL_BUFFER_BYTES = 4 * 1024 * 1024
#: gzip level of the partitions a bulk load writes. A history load writes once what the paginated path
#: would write day by day: level 1 compresses a year of orders (54 MB of lines) in 0.2 CPU s instead of
#: 0.52 at the raw store's level 6, for files about half as large again (6.0 MB against 4.0).
BULK_COMPRESS_LEVEL = 1


class BulkAccessDenied(BulkJobFailed):
    """A bulk job ended ``ACCESS_DENIED``: the tenant's token lacks a scope the query reads with."""


@dataclass
class BulkDays:
    """What a bulk load of a tenant's range stored: the job, its counts, the records per day."""

    job_id: str
    objects: int
    roots: int
    restarts: int
    resumed: bool
    records: dict[date, int] = field(default_factory=dict)
    outside: int = 0  # roots whose updated_at falls in no day window of the run (gaps between days)

    def summary(self) -> dict[str, object]:
        """The asset metadata's account of the load."""
        return {
            "job_id": self.job_id,
            "object_count": self.objects,
            "root_object_count": self.roots,
            "records_written": sum(self.records.values()),
            "outside_day_windows": self.outside,
            "restarts": self.restarts,
            "resumed": self.resumed,
        }


def wants_bulk(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    entity: str,
    tenant_id: str,
    windows: Sequence[DayWindow],
) -> bool:
    """Whether a GraphQL tenant's run of ``entity`` over ``windows`` reads in bulk (see module doc)."""
    if shopify.bulk_min_days == 0 or entity not in BULK_ENTITIES or not windows:
        return False
    span = (windows[-1].day - windows[0].day).days + 1
    return span > shopify.bulk_min_days or raw_store.newest_day(PLATFORM, entity, tenant_id) is None


def bulk_folder(
    raw_store: RawStoreResource, entity: str, tenant_id: str, windows: Sequence[DayWindow]
) -> Path:
    """The load's state and work files: one folder per tenant, entity and range of days."""
    name = f"bulk-{windows[0].day.isoformat()}-{windows[-1].day.isoformat()}"
    return raw_store.work_folder(PLATFORM, entity, tenant_id) / name


def fetch_in_bulk(
    shopify: ShopifyClientResource,
    raw_store: RawStoreResource,
    client: ShopifyGraphQLClient,
    entity: str,
    tenant_id: str,
    windows: Sequence[DayWindow],
) -> BulkDays:
    """Read ``windows`` (in day order) of ``entity`` with one bulk query and write one partition per
    window. Raises :class:`~resources.shopify.bulk.BulkOperationError` naming the job when the load
    cannot complete (its state kept for the next run where it can go on)."""
    folder = bulk_folder(raw_store, entity, tenant_id, windows)
    state = JsonFileState(folder / "state.json")
    runner = BulkRunner(
        client.bulk_execute,
        folder / "work",
        poll_interval=shopify.bulk_poll_seconds,
        poll_max_interval=shopify.bulk_poll_max_seconds,
    )
    query = bulk_window_query(entity, windows[0].updated_min, windows[-1].updated_max)
    days = DaySorter(windows)

    def store(records: Iterator[dict]) -> tuple[dict[date, int], int]:
        job = state.load() or {}  # the runner's ``downloaded`` state: the job and its counts
        bulk_meta = {
            "fetched_by": "bulk",
            "bulk_job_id": job.get("job_id"),
            "bulk_object_count": job.get("object_count"),
            "bulk_root_object_count": job.get("root_object_count"),
        }
        spill = DaySpill(folder / "days", BULK_COMPRESS_LEVEL)
        try:
            chunks = batched(records, BATCH)
            while True:
                # One batch read, completed, translated and spilled with the cyclic garbage collector
                # paused (resources/gc_pause.py): some 100,000 short-lived acyclic dicts and lists, which
                # made it collect over and over (nearly half the CPU of translating); on between batches.
                with collector_paused():
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    graphql_records = _complete(client, entity, chunk)
                    spill.add(days, translate(entity, graphql_records))
            spill.finish()
            written = {}
            for window in windows:
                meta = {**window.extra_meta(), **bulk_meta}
                # the versions the job's start, polls and refund queries were served as
                late = client.versions.sidecar
                day, count = window.day, spill.records.get(window.day, 0)
                if count:  # the spill's file becomes the partition (moved, not copied)
                    result = raw_store.write_compressed_partition(
                        PLATFORM, entity, tenant_id, day, spill.path(day), count, meta, late, sweep=False
                    )
                else:  # no record that day: an empty partition, as the paginated path writes
                    result = raw_store.write_partition(PLATFORM, entity, tenant_id, day, [], meta, late)
                written[day] = result.records
            # what each day's write would do for its own day, with one listing of the folder
            raw_store.sweep_temporary(PLATFORM, entity, tenant_id, written)
            return written, spill.outside
        finally:
            spill.remove()

    try:
        outcome = runner.run(query, state, store)
    except BulkJobFailed as error:
        if error.error_code != ACCESS_DENIED:
            raise
        raise BulkAccessDenied(
            f"{error}: the access token of tenant {tenant_id!r} may not read {entity} in bulk; the app "
            f"needs the scopes {', '.join(BULK_SCOPES[entity])} (grant them in the shop's app settings, "
            "then run again)",
            job_id=error.job_id,
            error_code=error.error_code,
        ) from None
    written, outside = outcome.value
    shutil.rmtree(folder, ignore_errors=True)
    return BulkDays(
        outcome.job_id, outcome.objects, outcome.roots, outcome.restarts, outcome.resumed, written, outside
    )


def _complete(client: ShopifyGraphQLClient, entity: str, records: list[dict]) -> list[dict]:
    """Reassembled bulk records as the paginated path's records: child ``__typename`` taken out, and the
    refunds of orders that have any read in full (a bulk query cannot hold their connections; see
    ``bulk_queries``), :data:`REFUND_ORDERS_PER_QUERY` orders a request."""
    records = [drop_child_typenames(entity, record) for record in records]
    if entity != "orders":
        return records
    refunded = {record["id"]: record for record in records if record.get("refunds")}
    for ids in batched(list(refunded), REFUND_ORDERS_PER_QUERY):
        nodes = client.execute(ORDERS_REFUNDS_QUERY, {"ids": ids}, operation="orders.refunds")["nodes"]
        for order_id, order in zip(ids, nodes, strict=True):
            if not order or order.get("id") != order_id:
                raise BulkOperationError(
                    f"the refunds of {order_id} could not be read: the shop has no such order"
                )
            truncated: list[dict] = []
            refunds = unwrap_connections(order["refunds"], truncated)
            if truncated:  # named by its path (a second walk, only for this error)
                path = next(truncated_connections(order["refunds"], "refunds"))[0]
                raise BulkOperationError(
                    f"{order_id} has more {path} than one query can bring (a nested connection that "
                    "cannot be paged further); not stored short"
                )
            refunded[order_id]["refunds"] = refunds
    return records


class DaySorter:
    """Which day window a REST record's ``updated_at`` falls in (the paginated path's rule)."""

    def __init__(self, windows: Sequence[DayWindow]) -> None:
        self.windows = list(windows)
        self.highs = [window.updated_max for window in self.windows]

    def day_of(self, record: dict) -> date | None:
        stamp = record.get("updated_at") if isinstance(record, dict) else None
        if not isinstance(stamp, str):
            raise BulkOperationError(
                f"a bulk record has no updated_at to place it in a day: {_named(record)}"
            )
        updated = datetime.fromisoformat(stamp)
        index = bisect.bisect_left(self.highs, updated)
        if index == len(self.windows):
            return None
        low = self.windows[index].updated_min
        return self.windows[index].day if low is None or low <= updated else None


class DaySpill:
    """Records spilled per day to local files of gzip members, ready to become the day's raw partition.

    Each record is encoded once as the raw store's line (``fast_json.dumps_line``) and buffered with its
    day's; when the buffers pass :data:`SPILL_BUFFER_BYTES`, the biggest days' lines are compressed (one
    gzip member per day at ``level``) and appended to their day's file, until the buffers hold half of
    that. The day's partition is then the file itself, copied into place by
    :meth:`RawStoreResource.write_compressed_partition` (concatenated gzip members are one gzip stream to
    every reader), so nothing is read back, decoded or compressed twice; memory stays bounded by the buffer.
    """

    def __init__(self, folder: Path, level: int) -> None:
        self.folder = folder
        self.level = level
        shutil.rmtree(folder, ignore_errors=True)  # a killed run's spill: the records come again
        folder.mkdir(parents=True)
        self.outside = 0
        #: Records per day, spilled or buffered.
        self.records: dict[date, int] = {}
        self._buffers: dict[date, list[bytes]] = {}
        self._sizes: dict[date, int] = {}
        self._buffered = 0

    def path(self, day: date) -> Path:
        """The day's file of gzip members (absent while none was written)."""
        return self.folder / f"{day.isoformat()}.jsonl.gz"

    def add(self, days: DaySorter, records: Iterable[dict]) -> None:
        """Place each record in its day's buffer (or count it outside every day)."""
        buffers, sizes, counts = self._buffers, self._sizes, self.records
        added = 0
        for record in records:
            day = days.day_of(record)
            if day is None:
                self.outside += 1
                continue
            line = fast_json.dumps_line(record)
            buffer = buffers.get(day)
            if buffer is None:
                buffers[day] = buffer = []
                sizes[day] = 0
            buffer.append(line)
            sizes[day] += len(line) + 1
            counts[day] = counts.get(day, 0) + 1
            added += len(line) + 1
        self._buffered += added
        if self._buffered > SPILL_BUFFER_BYTES:
            self._spill(SPILL_BUFFER_BYTES // 2)

    def _spill(self, keep: int) -> None:
        """Compress and append the biggest days' buffers until at most ``keep`` bytes stay buffered."""
        for day in sorted(self._sizes, key=self._sizes.__getitem__, reverse=True):
            if self._buffered <= keep:
                break
            lines = self._buffers.pop(day)
            self._buffered -= self._sizes.pop(day)
            lines.append(b"")  # the last line's newline
            with self.path(day).open("ab") as out:
                out.write(gzip_member(b"\n".join(lines), self.level))

    def finish(self) -> None:
        """Spill every buffered line: each day's file is complete after this."""
        self._spill(0)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _named(record: object) -> str:
    return str(record.get("id")) if isinstance(record, dict) else type(record).__name__
