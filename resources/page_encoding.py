"""Turning an API response into raw-store lines, in worker processes when pages are big.

The raw assets do little with a page of records but store it: parse the response body, check it holds a
list under the resource's key, and write each record as one JSON line. For a Plus shop at its ceiling that
is 20 pages of ~2.8 MB a second, and parsing and re-encoding hold the GIL: one interpreter tops out near
80 % of the ceiling with the machine's other core idle. :class:`PageEncoder` therefore sends big bodies to a
small pool of worker processes, which return the page's lines ready to append to the raw file; the fetching
threads keep only the HTTP requests, the shop's pacer and the gzip compression (zlib releases the GIL).

The lines are byte-for-byte what :meth:`RawStoreResource.write_partition` writes for the parsed records
(:func:`resources.fast_json.dumps_line`), wherever they were encoded.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from resources import fast_json
from resources.gc_pause import collector_paused
from resources.pagination import RecordVersion, record_versions
from resources.worker_processes import preload, process_pool

#: Bodies smaller than this are encoded in the calling thread: shipping them to a worker costs more.
POOL_MIN_BYTES = 256 * 1024


class PageFormatError(ValueError):
    """The response body is not JSON, or holds no list of records under the resource's key."""


@dataclass(frozen=True)
class EncodedPage:
    """One page's records as raw-store JSON lines, each ending in a newline, and the ``updated_at`` of
    its last record (where pages are sorted by it, how far the page reached). ``versions``: each record's
    ``(id, updated_at)``, for the page walk's guard (``resources.pagination``); not part of equality."""

    lines: bytes
    records: int
    last_updated_at: str | None = None
    versions: tuple[RecordVersion | None, ...] = field(default=(), compare=False, repr=False)


def page_records(body: bytes | str, root_key: str) -> list[Any]:
    """The records under ``root_key`` of a response body; :class:`PageFormatError` says what is wrong."""
    try:
        parsed = fast_json.loads(body)
    except ValueError:
        raise PageFormatError("response body is not JSON") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get(root_key), list):
        raise PageFormatError(f"response has no list under {root_key!r}")
    return parsed[root_key]


def encode_page(body: bytes, root_key: str) -> EncodedPage:
    """Parse a response body and encode its records as raw-store lines."""
    # A page is ~150,000 new dicts and lists, none of them cyclic: they are freed before the collector
    # resumes, so it never walks them.
    with collector_paused():
        return encode_records(page_records(body, root_key))


def encode_records(records: list[Any]) -> EncodedPage:
    """Records as raw-store lines."""
    lines = [fast_json.dumps_line(record) for record in records]
    last = records[-1].get("updated_at") if records and isinstance(records[-1], dict) else None
    return EncodedPage(
        b"\n".join(lines) + b"\n" if lines else b"",
        len(lines),
        last if isinstance(last, str) else None,
        tuple(record_versions(records)),
    )


preload(__name__)


def default_workers() -> int:
    """One worker per CPU core."""
    return os.cpu_count() or 1


class PageEncoder:
    """Encodes pages in the calling thread or, from ``min_pool_bytes`` up, in ``workers`` processes.

    Thread-safe; the pool starts on the first big page and stops on :meth:`close` (or leaving the
    ``with`` block). ``workers=0`` encodes every page in the calling thread.
    """

    def __init__(self, workers: int | None = None, *, min_pool_bytes: int = POOL_MIN_BYTES) -> None:
        self.workers = default_workers() if workers is None else workers
        if self.workers < 0:
            raise ValueError(f"workers must be 0 or more, got {self.workers}")
        self.min_pool_bytes = min_pool_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> PageEncoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pool_started(self) -> bool:
        return self._pool is not None

    def encode(self, body: bytes, root_key: str) -> EncodedPage:
        return self.submit(body, root_key).result()

    def submit(self, body: bytes, root_key: str) -> Future[EncodedPage]:
        """Start encoding a page; the future holds the page or the :class:`PageFormatError`. A small page
        (or every page with ``workers=0``) is encoded at once, in the calling thread."""
        if self.workers == 0 or len(body) < self.min_pool_bytes:
            done: Future[EncodedPage] = Future()
            try:
                done.set_result(encode_page(body, root_key))
            except PageFormatError as exc:
                done.set_exception(exc)
            return done
        return self._started().submit(encode_page, body, root_key)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the page encoder is closed")
            if self._pool is None:
                self._pool = process_pool(self.workers)
            return self._pool

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
