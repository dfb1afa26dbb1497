"""Shopify bulk operations: run one bulk query for a shop and hand its records to the caller, surviving a
run killed at any point.

A bulk query is Shopify's way to read a whole shop at once: ``bulkOperationRunQuery`` starts a job, the
job runs on Shopify's side (minutes to hours), and when ``COMPLETED`` it leaves one JSONL file at a signed
URL. :class:`BulkRunner` drives one such load (docs/shopify-client.md, "Bulk operations"):

1. **Start or resume.** The job id is persisted (:mod:`resources.shopify.bulk_state`) before polling, and a
   ``starting`` mark with the id of the shop's previous job before the mutation is even sent, so a run
   killed between Shopify starting the job and our writing its id still finds it: a newer job running the
   same query. A persisted job is resumed, never started twice. When Shopify answers that another job is
   in progress, the runner adopts it if it runs our query, else waits (``busy_timeout``) for it to finish
   and then fails naming it.
2. **Poll** ``node(id)`` until the job is ``COMPLETED``, ``FAILED``, ``CANCELED`` or ``EXPIRED``: first
   ``poll_interval`` seconds after the start (or resume), each wait then half as long again as the one
   before, up to ``poll_max_interval`` (Shopify asks apps to poll sparingly; a job of minutes is looked at
   a dozen times, not hundreds, and one that ends early is still seen early). ``EXPIRED`` (or a result
   URL that expired before we downloaded it) runs the query again; ``FAILED`` with a transient code
   (``INTERNAL_SERVER_ERROR``, ``TIMEOUT``) runs it again up to ``max_restarts`` times; any other failure
   raises :class:`BulkJobFailed` naming the code and the job.
   A ``partialDataUrl`` is never read: part of a result is not a result.
3. **Download** the file streamed to ``work_dir`` (:func:`~resources.shopify.bulk_http.download`).
4. **Reconcile and reassemble.** ``consume(records)`` is given the records, each root with its connections
   as plain lists, read in one pass over the file (:meth:`~resources.shopify.bulk_jsonl.JsonlIndex.stream`:
   each line parsed once, the ids checked unique in an on-disk index). The lines and roots read must equal
   the job's ``objectCount`` and ``rootObjectCount`` (:class:`BulkCountMismatch` otherwise): that check,
   like every check of the file, is made before the last record is given, so ``consume`` must store
   nothing before it has read them all. When a child comes after another root than its own, that pass
   stops (``ChildOutOfPlace``) and ``consume`` is called again with the records read through the index
   (:meth:`~resources.shopify.bulk_jsonl.JsonlIndex.build`, then ``records``), checked before the first.
5. **Clear** the state and the work files, only once ``consume`` has returned.

GraphQL goes through any ``execute(query, variables) -> data`` callable (:data:`GraphQLExecute`): in the
pipeline, the GraphQL client's :meth:`~resources.shopify.graphql.ShopifyGraphQLClient.bulk_execute` (its one
retrying, paced POST). No token, no result URL ever reaches the state, a log line or an exception.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from resources.http import Sleep
from resources.secrets import install_log_filter, scrub
from resources.shopify.bulk_http import BulkDownloadGone, GraphQLExecute, download
from resources.shopify.bulk_jsonl import BulkShape, ChildOutOfPlace, IndexCounts, JsonlIndex
from resources.shopify.bulk_state import BulkState
from resources.shopify.client import ShopifyAPIError

log = logging.getLogger(__name__)
install_log_filter(__name__)

T = TypeVar("T")
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
#: ``FAILED`` codes worth running the query again for (Shopify's side broke, not our query or access).
TRANSIENT_CODES = frozenset({"INTERNAL_SERVER_ERROR", "TIMEOUT"})
IN_PROGRESS_CODE = "OPERATION_IN_PROGRESS"
#: Attempts at sending the start mutation when its answer is lost (each after looking for the job).
START_ATTEMPTS = 3
#: Each wait between two polls of a running job is this times the one before ...
POLL_GROWTH = 1.5
#: ... up to this times the first (when the caller sets no ``poll_max_interval``).
POLL_MAX_FACTOR = 10.0
_FIELDS = "id status errorCode objectCount rootObjectCount url partialDataUrl query"
RUN_MUTATION = (
    "mutation RunBulk($query: String!) { bulkOperationRunQuery(query: $query) "
    f"{{ bulkOperation {{ {_FIELDS} }} userErrors {{ field message code }} }} }}"
)
NODE_QUERY = f"query BulkJob($id: ID!) {{ node(id: $id) {{ ... on BulkOperation {{ {_FIELDS} }} }} }}"
CURRENT_QUERY = f"query CurrentBulkJob {{ currentBulkOperation {{ {_FIELDS} }} }}"


class BulkOperationError(Exception):
    """A bulk load that cannot go on. ``job_id`` (a GID) and ``error_code`` when they are known."""

    def __init__(self, message: str, *, job_id: str | None = None, error_code: str | None = None) -> None:
        super().__init__(scrub(message))
        self.job_id = job_id
        self.error_code = error_code


class BulkJobFailed(BulkOperationError):
    """The job ended ``FAILED`` (not transient, or out of restarts) or ``CANCELED``."""


class BulkShopBusy(BulkOperationError):
    """Another job, not running our query, kept the shop's bulk slot for longer than ``busy_timeout``."""


class BulkCountMismatch(BulkOperationError):
    """The file does not hold the ``objectCount`` lines or ``rootObjectCount`` roots the job reported."""


@dataclass(frozen=True)
class BulkQuery:
    """A bulk query (one top-level connection) and where its child lines go in their parents."""

    query: str
    shape: BulkShape

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.query.encode("utf-8")).hexdigest()

    def runs(self, job: dict | None) -> bool:
        """Whether ``job`` (a BulkOperation as Shopify shows it) runs this query."""
        return job is not None and " ".join(str(job.get("query") or "").split()) == " ".join(
            self.query.split()
        )


@dataclass(frozen=True)
class BulkOutcome(Generic[T]):
    """What a load did: the job, its counts, how often it was run again, whether it was resumed, and what
    ``consume`` returned."""

    job_id: str
    objects: int
    roots: int
    records: int
    restarts: int
    resumed: bool
    value: T


class BulkRunner:
    """Runs a bulk load of one shop (see module doc); make one runner per load (per :class:`BulkState`).

    ``work_dir`` holds the downloaded file and its index while the load runs: a local folder of the
    load's own, emptied of work files (also those a killed run left) once the load is stored.
    ``poll_timeout`` (None: none) bounds one run's wait for the job; the job keeps running on Shopify's
    side and the next run resumes it. The wait between polls starts at ``poll_interval`` and grows by
    :data:`POLL_GROWTH` each poll up to ``poll_max_interval`` (None: :data:`POLL_MAX_FACTOR` times
    ``poll_interval``; equal to it: a fixed interval). ``sleep``, ``clock`` and ``fetch`` (the
    download: ``fetch(url, destination) -> bytes``) are injectable for tests.
    """

    def __init__(
        self,
        execute: GraphQLExecute,
        work_dir: str | os.PathLike[str],
        *,
        poll_interval: float = 5.0,
        poll_max_interval: float | None = None,
        poll_timeout: float | None = None,
        busy_timeout: float = 600.0,
        max_restarts: int = 2,
        fetch: Callable[[str, str], int] = download,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if poll_interval < 0 or busy_timeout < 0 or max_restarts < 0:
            raise ValueError("poll_interval, busy_timeout and max_restarts must be >= 0")
        if poll_max_interval is not None and poll_max_interval < poll_interval:
            raise ValueError(
                f"poll_max_interval ({poll_max_interval:g} s) must be >= poll_interval ({poll_interval:g} s)"
            )
        self.execute = execute
        self.work_dir = Path(work_dir)
        self.poll_interval = poll_interval
        self.poll_max_interval = (
            poll_max_interval if poll_max_interval is not None else poll_interval * POLL_MAX_FACTOR
        )
        self.poll_timeout = poll_timeout
        self.busy_timeout = busy_timeout
        self.max_restarts = max_restarts
        self.fetch = fetch
        self._sleep = sleep
        self._clock = clock

    # ----- the load ----------------------------------------------------------------------------------------
    def run(
        self, bulk: BulkQuery, state: BulkState, consume: Callable[[Iterator[dict]], T]
    ) -> BulkOutcome[T]:
        """Run (or resume) ``bulk`` and give its records to ``consume``, which must store them all before
        it returns; then forget the load. Raises :class:`BulkOperationError` (state kept where a later run
        can go on from it)."""
        saved = self._own_state(bulk, state)
        resumed = saved is not None
        restarts = int(saved.get("restarts", 0)) if saved else 0
        while True:
            if (
                saved is not None
                and saved.get("phase") == "downloaded"
                and (self.work_dir / saved["file"]).exists()
            ):
                return self._finish(bulk, state, saved, consume, restarts, resumed)
            job = self._job(bulk, state, saved, restarts)
            job = self._poll(job)
            status, code, job_id = job["status"], job.get("errorCode"), job["id"]
            again = status == "EXPIRED" or (status == "FAILED" and code in TRANSIENT_CODES)
            if status == "COMPLETED":
                try:
                    saved = self._download(job, bulk, state, restarts)
                    continue
                except BulkDownloadGone:
                    again, status = True, "URL_EXPIRED"
            if again and restarts < self.max_restarts:
                restarts += 1
                log.warning(
                    "bulk job %s ended %s %s; running the query again (%d/%d)",
                    job_id,
                    status,
                    code or "",
                    restarts,
                    self.max_restarts,
                )
                saved = {"phase": "restart", "fingerprint": bulk.fingerprint, "restarts": restarts}
                state.save(saved)
                continue
            state.clear()
            partial = "; its partial data was not used" if job.get("partialDataUrl") else ""
            tried = f" after {restarts} restarts" if restarts else ""
            raise BulkJobFailed(
                f"bulk job {job_id} ended {status}{f' with error {code}' if code else ''}{tried}{partial}",
                job_id=job_id,
                error_code=code,
            )

    def _own_state(self, bulk: BulkQuery, state: BulkState) -> dict | None:
        """The persisted state if it is this query's; another query's is dropped (its job, if still
        running, is someone else's now: see :meth:`_start`)."""
        saved = state.load()
        if saved is not None and saved.get("fingerprint") != bulk.fingerprint:
            log.warning("bulk state of another query (job %s) dropped", saved.get("job_id"))
            state.clear()
            return None
        return saved

    # ----- start / resume ----------------------------------------------------------------------------------
    def _job(self, bulk: BulkQuery, state: BulkState, saved: dict | None, restarts: int) -> dict:
        """Our job: the persisted one, the one a killed start left behind, or a new one."""
        if saved is not None and saved.get("job_id") and saved.get("phase") in {"running", "downloaded"}:
            job = self._node(saved["job_id"])
            if job is not None:
                log.info("bulk job %s resumed (%s)", job["id"], job["status"])
                return job
        if saved is not None and saved.get("phase") == "starting":
            job = self._left_behind(bulk, saved)
            if job is not None:
                self._save_job(state, bulk, job, restarts)
                log.info("bulk job %s adopted after an interrupted start (%s)", job["id"], job["status"])
                return job
        return self._start(bulk, state, restarts)

    def _left_behind(self, bulk: BulkQuery, saved: dict) -> dict | None:
        """The job an interrupted start may have created: the shop's current job if it is newer than the
        one current before the start and runs our query."""
        current = self._current()
        if current is not None and current["id"] != saved.get("previous_job") and bulk.runs(current):
            return current
        return None

    def _start(self, bulk: BulkQuery, state: BulkState, restarts: int) -> dict:
        waited_since: float | None = None
        for attempt in range(1, START_ATTEMPTS + 1):
            current = self._current()
            if current is not None and current["status"] not in TERMINAL and bulk.runs(current):
                self._save_job(state, bulk, current, restarts)
                log.info("bulk job %s already runs this query: adopted", current["id"])
                return current
            marker = {
                "phase": "starting",
                "fingerprint": bulk.fingerprint,
                "previous_job": current["id"] if current is not None else None,
                "restarts": restarts,
            }
            state.save(marker)
            try:
                answer = self.execute(RUN_MUTATION, {"query": bulk.query})["bulkOperationRunQuery"]
            except ShopifyAPIError as error:
                # The answer was lost: the job may exist. Look for it before trying again.
                log.warning("bulk start: %s (attempt %d/%d)", error, attempt, START_ATTEMPTS)
                left = self._left_behind(bulk, marker)
                if left is not None:
                    self._save_job(state, bulk, left, restarts)
                    return left
                if attempt == START_ATTEMPTS:
                    raise
                continue
            job = answer.get("bulkOperation")
            if job is not None:
                self._save_job(state, bulk, job, restarts)
                log.info("bulk job %s started", job["id"])
                return job
            errors = answer.get("userErrors") or []
            busy = [
                e
                for e in errors
                if e.get("code") == IN_PROGRESS_CODE or "already in progress" in str(e.get("message"))
            ]
            if not busy:
                state.clear()
                messages = "; ".join(str(e.get("message")) for e in errors) or "no job and no error"
                raise BulkOperationError(f"bulkOperationRunQuery refused the query: {messages}")
            running_id = _gid_in(str(busy[0].get("message")))
            running = self._node(running_id) if running_id else self._current()
            if running is not None and bulk.runs(running):
                self._save_job(state, bulk, running, restarts)
                log.info("bulk job %s already runs this query: adopted", running["id"])
                return running
            waited_since = waited_since if waited_since is not None else self._clock()
            self._wait_until_free(running, running_id, waited_since)
        raise BulkShopBusy(
            f"the shop's bulk slot stayed busy after {START_ATTEMPTS} attempts to start", job_id=None
        )

    def _wait_until_free(self, running: dict | None, running_id: str | None, since: float) -> None:
        """Wait for another app's (or query's) job to end, within ``busy_timeout`` of the first refusal."""
        job_id = running["id"] if running is not None else running_id
        while running is None or running["status"] not in TERMINAL:
            if self._clock() - since >= self.busy_timeout:
                raise BulkShopBusy(
                    f"another bulk job ({job_id}, not running this query) kept the shop busy for more than "
                    f"{self.busy_timeout:g} s; not starting a second one",
                    job_id=job_id,
                )
            self._sleep(self.poll_interval)
            running = self._node(job_id) if job_id else self._current()
            if running is None:
                return

    def _save_job(self, state: BulkState, bulk: BulkQuery, job: dict, restarts: int) -> None:
        state.save(
            {"phase": "running", "fingerprint": bulk.fingerprint, "job_id": job["id"], "restarts": restarts}
        )

    # ----- polling -----------------------------------------------------------------------------------------
    def poll_waits(self) -> Iterator[float]:
        """The waits before each poll of a running job: ``poll_interval``, then each half as long again as
        the one before (:data:`POLL_GROWTH`), up to ``poll_max_interval``."""
        wait = self.poll_interval
        while True:
            yield wait
            wait = min(wait * POLL_GROWTH, self.poll_max_interval)

    def _poll(self, job: dict) -> dict:
        started = self._clock()
        waits = self.poll_waits()
        while job["status"] not in TERMINAL:
            wait = next(waits)
            if self.poll_timeout is not None:
                left = self.poll_timeout - (self._clock() - started)
                if left <= 0:
                    raise BulkOperationError(
                        f"bulk job {job['id']} still {job['status']} after {self.poll_timeout:g} s; it keeps "
                        "running and the next run resumes it",
                        job_id=job["id"],
                    )
                wait = min(wait, left)  # the last look comes at the timeout, not a long wait past it
            self._sleep(wait)
            polled = self._node(job["id"])
            if polled is None:
                raise BulkOperationError(f"bulk job {job['id']} is unknown to the shop", job_id=job["id"])
            job = polled
        log.info("bulk job %s %s: %s objects", job["id"], job["status"], job.get("objectCount"))
        return job

    def _node(self, job_id: str) -> dict | None:
        node = self.execute(NODE_QUERY, {"id": job_id}).get("node")
        return node if node and node.get("id") else None

    def _current(self) -> dict | None:
        return self.execute(CURRENT_QUERY, {}).get("currentBulkOperation")

    # ----- download and records ----------------------------------------------------------------------------
    def _download(self, job: dict, bulk: BulkQuery, state: BulkState, restarts: int) -> dict:
        """The completed job's file in ``work_dir``; the state says so (phase ``downloaded``)."""
        name = f"{_number(job['id'])}.jsonl"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        url = job.get("url")
        if url:
            size = self.fetch(url, str(self.work_dir / name))
        else:  # a job with no object has no file
            (self.work_dir / name).write_bytes(b"")
            size = 0
        saved = {
            "phase": "downloaded",
            "fingerprint": bulk.fingerprint,
            "job_id": job["id"],
            "file": name,
            "object_count": int(job.get("objectCount") or 0),
            "root_object_count": int(job.get("rootObjectCount") or 0),
            "restarts": restarts,
        }
        state.save(saved)
        log.info("bulk job %s: %d bytes downloaded", job["id"], size)
        return saved

    def _sweep(self) -> None:
        """Remove the load's work files: this job's, and those a killed run left of a job run before it
        (an expired job's partial download, an index never finished)."""
        for pattern in WORK_FILES:
            for leftover in self.work_dir.glob(pattern):
                leftover.unlink(missing_ok=True)

    def _finish(
        self,
        bulk: BulkQuery,
        state: BulkState,
        saved: dict,
        consume: Callable[[Iterator[dict]], T],
        restarts: int,
        resumed: bool,
    ) -> BulkOutcome[T]:
        path = self.work_dir / saved["file"]
        job_id = saved["job_id"]
        expected = (saved["object_count"], saved["root_object_count"])

        def check(counts: IndexCounts) -> None:
            if (counts.objects, counts.roots) != expected:
                path.unlink(missing_ok=True)
                state.save({**saved, "phase": "running"})
                raise BulkCountMismatch(
                    f"bulk job {job_id} reported {expected[0]} objects and {expected[1]} roots, its file "
                    f"holds {counts.objects} lines and {counts.roots} roots; the file is discarded "
                    "and will be downloaded again",
                    job_id=job_id,
                )

        given = 0

        def counted(records: Iterator[dict]) -> Iterator[dict]:
            nonlocal given
            given = 0
            for record in records:
                given += 1
                yield record

        with JsonlIndex(path, path.with_suffix(".index.sqlite"), bulk.shape) as index:
            try:
                # One pass over the file (each line parsed once), checked at its end (see JsonlIndex.stream)
                value = consume(counted(index.stream(check)))
            except ChildOutOfPlace as out_of_place:
                log.info("bulk job %s: %s; reading it through the index", job_id, out_of_place)
                check(index.build())
                value = consume(counted(index.records()))
            counts = index.counts
        if counts is None or given != counts.roots:  # None: the file was not read to its end
            of = f"the {counts.roots}" if counts is not None else f"the {expected[1]} (reported)"
            raise BulkCountMismatch(
                f"consume took {given} of {of} records of bulk job {job_id}; state kept", job_id=job_id
            )
        state.clear()
        self._sweep()
        log.info("bulk job %s: %d records stored", job_id, given)
        return BulkOutcome(job_id, counts.objects, counts.roots, given, restarts, resumed, value)


WORK_FILES = ("*.jsonl", "*.jsonl.part", "*.index.sqlite", "*.index.sqlite-journal")


def _number(gid: str) -> str:
    """``gid://shopify/BulkOperation/123`` -> ``123`` (a file name safe part)."""
    tail = gid.rsplit("/", 1)[-1]
    return "".join(ch for ch in tail if ch.isalnum()) or "job"


def _gid_in(message: str) -> str | None:
    """The ``gid://shopify/BulkOperation/…`` named in a userError's message."""
    start = message.find("gid://shopify/BulkOperation/")
    if start < 0:
        return None
    end = start + len("gid://shopify/BulkOperation/")
    while end < len(message) and message[end].isdigit():
        end += 1
    return message[start:end]


__all__ = [
    "BulkCountMismatch",
    "BulkJobFailed",
    "BulkOperationError",
    "BulkOutcome",
    "BulkQuery",
    "BulkRunner",
    "BulkShape",
    "BulkShopBusy",
    "GraphQLExecute",
]
