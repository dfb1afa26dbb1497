"""The raw store: API records exactly as received, one gzipped JSON-lines file per platform/entity/tenant/day.

Layout under ``base_url`` (a local path or any fsspec URL: ``memory://raw``, ``s3://bucket/raw``, ...)::

    {base_url}/{platform}/{entity}/{tenant}/{YYYY-MM-DD}.jsonl.gz     one record per line
    {base_url}/{platform}/{entity}/{tenant}/{YYYY-MM-DD}.meta.json    counts, written_at, caller's extras

Writes are all-or-nothing. Pages are streamed into a temporary file in the same folder
(``.{day}.jsonl.gz.tmp-{host}-{pid}-{random}``) and only then moved over the partition:

* local filesystem: ``os.replace`` - an atomic rename; readers see the old file or the new one, never a mix;
* other fsspec filesystems: the temporary object is written completely, then ``fs.mv`` moves it. On object
  stores (S3, GCS, Azure) a "move" is copy + delete; the copy creates the final object atomically (readers see
  the previous complete object or the new complete object), but a crash between copy and delete can leave the
  temporary object behind. It is harmless (its name starts with ``.`` and contains ``.tmp-``) and is
  swept like any other left-over temporary file (below).

If the pages iterator raises (API failure, crash of the producer), the temporary file is removed and the
existing partition stays as it was. The data file is moved into place before the sidecar is written; if the
sidecar is missing or older, readers still trust the data file.

Temporary files are never data. Readers open a partition by its exact name (``{day}.jsonl.gz``) and
nothing lists a folder for anything but those names, so a temporary file is never read, whatever is left.
A killed writer (kill -9, OOM) cannot remove its own temporary files; the next successful write of the
same partition does (:func:`stale_temporary`): it removes that partition's temporary files (data and
sidecar) whose writer is known to be gone, and never those of another partition. A temporary file is
stale when

* its name carries this host and a process id that is no longer running (the writer died), or
* it has not been modified for :data:`STALE_TEMP_SECONDS` (any host, any filesystem; also names from
  before the host and pid were recorded).

A concurrent writer of the same partition is running, on this host (its pid is alive) or elsewhere
(it keeps writing, so its file stays younger than the limit), and its file is left alone.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import fsspec
from fsspec.implementations.local import LocalFileSystem

from resources import fast_json
from resources.page_encoding import EncodedPage, encode_records
from resources.worker_processes import process_running

_DATA_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl\.gz$")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]*$")
_RESERVED_META = ("platform", "entity", "tenant", "day", "data_file", "records", "bytes", "written_at")

#: What follows the day in the name of a temporary data file or sidecar (``.{day}`` before it).
_TEMP_KINDS = (".jsonl.gz.tmp-", ".meta.json.tmp-")
#: A partition's temporary file untouched this long is a dead writer's, whoever wrote it: a live writer
#: appends a page at least every few minutes, and a whole day is written within minutes.
STALE_TEMP_SECONDS = 6 * 3600
#: ``{host}-{pid}-{random}`` after ``.tmp-`` (the host may itself contain ``-``).
_TEMP_OWNER = re.compile(r"^(?P<host>.+)-(?P<pid>\d+)-(?P<token>[0-9a-f]{32})$")


def _host_tag() -> str:
    """This host's name as it appears in temporary file names (path-safe)."""
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _temp_suffix() -> str:
    """``.tmp-{host}-{pid}-{random}``: who is writing, so a later write can tell a dead writer's file."""
    return f".tmp-{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex}"


def stale_temporary(name: str, modified: float | None, now: float) -> bool:
    """Whether the temporary file ``name`` (last modified at ``modified``, epoch seconds, None if unknown)
    was left by a writer that is gone: its pid on this host is dead, or it is older than
    :data:`STALE_TEMP_SECONDS`."""
    owner = _TEMP_OWNER.match(name.rsplit(".tmp-", 1)[-1]) if ".tmp-" in name else None
    if owner is not None and owner["host"] == _host_tag() and not process_running(int(owner["pid"])):
        return True
    return modified is not None and now - modified > STALE_TEMP_SECONDS


@dataclass(frozen=True)
class RawWriteResult:
    path: str  # full path/URL of the data file
    records: int
    bytes: int  # size of the gzipped data file


def gzip_member(lines: bytes, level: int) -> bytes:
    """``lines`` (JSON lines, each ending in a newline) as one gzip member at ``level``, no name and no
    time in its header: members appended one after another make a file
    :meth:`RawStoreResource.write_compressed_partition` takes."""
    return gzip.compress(lines, compresslevel=level, mtime=0)


def _take(fs: fsspec.AbstractFileSystem, source: str, target: str) -> None:
    """Move the local file ``source`` to ``target`` on ``fs``: a rename on the same local filesystem, else
    a copy then the source removed."""
    if isinstance(fs, LocalFileSystem):
        try:
            os.replace(source, target)
            return
        except OSError as error:
            if error.errno != errno.EXDEV:  # another device: copied below
                raise
        shutil.copyfile(source, target)
    else:
        fs.put_file(source, target)
    os.unlink(source)


def _check_extra(extra: dict, name: str) -> None:
    """Refuse sidecar extras that would override a reserved key or are not JSON."""
    clash = sorted(set(extra) & set(_RESERVED_META))
    if clash:
        raise ValueError(f"{name} may not override {clash}")
    json.dumps(extra, default=_json_default)  # fail before fetching anything if extras are not JSON


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _check_segment(name: str, value: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.match(value) or ".." in value:
        raise ValueError(f"{name} must be a simple path segment ([A-Za-z0-9_.=-], no '..'), got {value!r}")
    return value


def _check_day(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"day must be a datetime.date, got {type(day).__name__}")
    return day


def _modified(fs: fsspec.AbstractFileSystem, path: str, entry: dict) -> float | None:
    """Last modification of a listed file in epoch seconds, or None when the filesystem does not say."""
    raw = entry.get("mtime", entry.get("LastModified", entry.get("last_modified", entry.get("created"))))
    if raw is None:
        try:
            raw = fs.modified(path)
        except Exception:  # noqa: BLE001 - not every filesystem implements it
            return None
    if isinstance(raw, datetime):
        return (raw if raw.tzinfo else raw.replace(tzinfo=UTC)).timestamp()
    if isinstance(raw, int | float):
        return float(raw)
    return None


class RawStoreResource(dg.ConfigurableResource):
    """Raw API records as gzipped JSON lines, one file per platform/entity/tenant/day (see module doc)."""

    base_url: str = "data/raw"
    #: gzip level of the data files. 6 (gzip's own default) compresses a page of 250 orders 2-3 times
    #: faster than 9 for files about 5 % larger; at a Plus shop's ceiling that is most of a CPU core.
    compress_level: int = 6

    # -- paths -----------------------------------------------------------------------------------------
    def _fs(self) -> tuple[fsspec.AbstractFileSystem, str]:
        fs, root = fsspec.core.url_to_fs(self.base_url)
        return fs, root.rstrip("/")

    def _folder(self, root: str, platform: str, entity: str, tenant: str) -> str:
        parts = [
            _check_segment("platform", platform),
            _check_segment("entity", entity),
            _check_segment("tenant", tenant),
        ]
        return "/".join([root, *parts])

    def _display(self, fs: fsspec.AbstractFileSystem, path: str) -> str:
        if isinstance(fs, LocalFileSystem):
            return path
        return fs.unstrip_protocol(path)

    def partition_path(self, platform: str, entity: str, tenant: str, day: date) -> str:
        """Full path (local) or URL (fsspec) of the partition's data file."""
        fs, root = self._fs()
        day = _check_day(day)
        return self._display(fs, f"{self._folder(root, platform, entity, tenant)}/{day.isoformat()}.jsonl.gz")

    def _paths(self, platform: str, entity: str, tenant: str, day: date) -> tuple[Any, str, str, str]:
        fs, root = self._fs()
        day = _check_day(day)
        folder = self._folder(root, platform, entity, tenant)
        return fs, folder, f"{folder}/{day.isoformat()}.jsonl.gz", f"{folder}/{day.isoformat()}.meta.json"

    def work_folder(self, platform: str, entity: str, tenant: str) -> Path:
        """A local folder for a load's working files (a bulk operation's state and download), beside the
        partitions in a hidden ``.work`` folder when the store is a local folder, else under the system's
        temporary folder (a remote store cannot hold files that are appended to and renamed in place)."""
        fs, root = self._fs()
        folder = self._folder(root, platform, entity, tenant)
        if isinstance(fs, LocalFileSystem):
            return Path(folder) / ".work"
        return Path(tempfile.gettempdir()) / "storehouse-raw-work" / folder.replace("://", "/").lstrip("/")

    # -- writing ---------------------------------------------------------------------------------------
    def write_partition(
        self,
        platform: str,
        entity: str,
        tenant: str,
        day: date,
        pages: Iterable[list[dict] | EncodedPage],
        extra_meta: dict | None = None,
        late_meta: Callable[[], dict] | None = None,
    ) -> RawWriteResult:
        """Stream ``pages`` into the partition, replacing it atomically; then write the sidecar.

        A page is a list of records, or an :class:`EncodedPage` whose records are already encoded as lines.
        ``late_meta()``, called once the pages are read, adds to the sidecar what is known only then (e.g.
        the API version the source answered with).
        """
        extra = dict(extra_meta or {})
        _check_extra(extra, "extra_meta")
        fs, folder, data_path, meta_path, tmp_path = self._write_target(platform, entity, tenant, day)
        records = 0
        try:
            with (
                fs.open(tmp_path, "wb") as raw,
                gzip.GzipFile(
                    filename=f"{day.isoformat()}.jsonl",
                    fileobj=raw,
                    mode="wb",
                    compresslevel=self.compress_level,
                    mtime=0,
                ) as gz,
            ):
                for page in pages:
                    if not isinstance(page, EncodedPage):
                        page = encode_records(page)
                    gz.write(page.lines)
                    records += page.records
        except BaseException:
            self._remove_quietly(fs, tmp_path)
            raise
        return self._publish(
            fs,
            folder,
            tmp_path,
            (data_path, meta_path),
            (platform, entity, tenant, day),
            records,
            extra,
            late_meta,
        )

    def write_compressed_partition(
        self,
        platform: str,
        entity: str,
        tenant: str,
        day: date,
        gzip_file: str | os.PathLike[str],
        records: int,
        extra_meta: dict | None = None,
        late_meta: Callable[[], dict] | None = None,
        *,
        sweep: bool = True,
    ) -> RawWriteResult:
        """Replace the partition atomically with ``gzip_file``, a local file already holding its ``records``
        records as gzipped JSON lines (one gzip stream, or several gzip members one after the other: the
        readers, Python's ``gzip`` and DuckDB's, read concatenated members as one stream); then write the
        sidecar, exactly as :meth:`write_partition` does.

        For a writer that compressed its lines as it went (a bulk load's day spill), so the day is not
        decompressed, re-encoded or compressed again here. ``gzip_file`` is TAKEN: renamed to the
        partition's temporary file when it is on the store's local filesystem (no copy: creating files is
        what costs here), else copied there and removed; the temporary file is then moved over the
        partition as :meth:`write_partition`'s is. A failure (a bad ``late_meta`` included) leaves the old
        partition as it was and no temporary file. The caller vouches for ``records`` and for the bytes
        being whole gzip members of JSON lines (:func:`gzip_member`); they are not read back.
        ``sweep=False`` leaves the day's stale temporary files to :meth:`sweep_temporary` (one listing of
        the folder for many days, instead of one per day).
        """
        extra = dict(extra_meta or {})
        _check_extra(extra, "extra_meta")
        if records < 0:
            raise ValueError(f"records must be >= 0, got {records}")
        fs, folder, data_path, meta_path, tmp_path = self._write_target(platform, entity, tenant, day)
        try:
            _take(fs, os.fspath(gzip_file), tmp_path)
        except BaseException:
            self._remove_quietly(fs, tmp_path)
            raise
        return self._publish(
            fs,
            folder,
            tmp_path,
            (data_path, meta_path),
            (platform, entity, tenant, day),
            records,
            extra,
            late_meta,
            sweep,
        )

    def _write_target(
        self, platform: str, entity: str, tenant: str, day: date
    ) -> tuple[fsspec.AbstractFileSystem, str, str, str, str]:
        """Where a write of the day's partition goes: (filesystem, folder, data path, sidecar path, a new
        temporary data path beside them), the folder created."""
        fs, folder, data_path, meta_path = self._paths(platform, entity, tenant, day)
        fs.makedirs(folder, exist_ok=True)
        return fs, folder, data_path, meta_path, f"{folder}/.{day.isoformat()}.jsonl.gz{_temp_suffix()}"

    def _publish(
        self,
        fs: fsspec.AbstractFileSystem,
        folder: str,
        tmp_path: str,
        paths: tuple[str, str],
        partition: tuple[str, str, str, date],
        records: int,
        extra: dict,
        late_meta: Callable[[], dict] | None,
        sweep: bool = True,
    ) -> RawWriteResult:
        """Move a complete temporary data file over the partition, then write its sidecar (see the module
        doc) and, if ``sweep``, remove the day's stale temporary files; the temporary file is removed if
        anything fails before the move."""
        data_path, meta_path = paths
        platform, entity, tenant, day = partition
        try:
            size = int(fs.size(tmp_path))
            if late_meta is not None:  # before the move: a bad extra leaves the old partition in place
                late = dict(late_meta())
                _check_extra(late, "late_meta")
                extra.update(late)
            self._move(fs, tmp_path, data_path)
        except BaseException:
            self._remove_quietly(fs, tmp_path)
            raise

        meta = {
            "platform": platform,
            "entity": entity,
            "tenant": tenant,
            "day": day.isoformat(),
            "data_file": data_path.rsplit("/", 1)[-1],
            "records": records,
            "bytes": size,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **extra,
        }
        self._write_small_atomically(
            fs, folder, meta_path, json.dumps(meta, default=_json_default, indent=2, sort_keys=True)
        )
        if sweep:
            self._sweep_temporary(fs, folder, day)
        return RawWriteResult(path=self._display(fs, data_path), records=records, bytes=size)

    @staticmethod
    def _move(fs: fsspec.AbstractFileSystem, src: str, dst: str) -> None:
        if isinstance(fs, LocalFileSystem):
            os.replace(src, dst)
        else:
            fs.mv(src, dst)

    def sweep_temporary(self, platform: str, entity: str, tenant: str, days: Iterable[date]) -> list[str]:
        """Remove the stale temporary files of these days' partitions, listing their folder once: what each
        write does for its own day, for a writer of many days that asked it not to (``sweep=False``)."""
        fs, root = self._fs()
        return self._sweep_temporary(fs, self._folder(root, platform, entity, tenant), *days)

    def _sweep_temporary(self, fs: fsspec.AbstractFileSystem, folder: str, *days: date) -> list[str]:
        """Remove the stale temporary files (:func:`stale_temporary`) of these days' data files and
        sidecars; returns the names removed. Never fails the write that calls it."""
        wanted = {day.isoformat() for day in days}

        def ours(name: str) -> bool:  # ``.{day}.jsonl.gz.tmp-…`` or ``.{day}.meta.json.tmp-…`` of a day asked
            return name[1:11] in wanted and name.startswith(_TEMP_KINDS, 11) and name[0] == "."

        removed: list[str] = []
        try:
            # Names only: a folder of a year of partitions holds ~730 files, and asking each one's details
            # for every day written made a year's write quadratic (134,000 stats for 365 days). A local
            # folder is listed by the OS directly (fsspec's ls normalises each of its ~730 paths).
            if isinstance(fs, LocalFileSystem):
                paths = [f"{folder}/{name}" for name in os.listdir(folder) if ours(name)]
            else:
                paths = [str(path) for path in fs.ls(folder, detail=False)]
        except Exception:  # noqa: BLE001 - sweeping is housekeeping; the partition is already written
            return removed
        now = time.time()
        for path in paths:
            name = path.rsplit("/", 1)[-1]
            if not ours(name):
                continue
            try:
                entry = fs.info(path)
            except Exception:  # noqa: BLE001 - gone meanwhile (another writer swept it)
                continue
            if entry.get("type") != "file":
                continue
            if stale_temporary(name, _modified(fs, path, entry), now):
                self._remove_quietly(fs, path)
                removed.append(name)
        return removed

    @staticmethod
    def _remove_quietly(fs: fsspec.AbstractFileSystem, path: str) -> None:
        try:
            if fs.exists(path):
                fs.rm(path)
        except Exception:  # noqa: BLE001 - cleanup must not mask the original error
            pass

    def _write_small_atomically(
        self, fs: fsspec.AbstractFileSystem, folder: str, path: str, text: str
    ) -> None:
        tmp = f"{folder}/.{path.rsplit('/', 1)[-1]}{_temp_suffix()}"
        try:
            with fs.open(tmp, "wb") as f:
                f.write(text.encode("utf-8"))
            self._move(fs, tmp, path)
        except BaseException:
            self._remove_quietly(fs, tmp)
            raise

    # -- reading ---------------------------------------------------------------------------------------
    def exists(self, platform: str, entity: str, tenant: str, day: date) -> bool:
        fs, _, data_path, _ = self._paths(platform, entity, tenant, day)
        return bool(fs.exists(data_path))

    def newest_day(self, platform: str, entity: str, tenant: str) -> date | None:
        """The newest day with a partition of ``entity`` for the tenant, or None before the first one."""
        fs, _, data_path, _ = self._paths(platform, entity, tenant, date(2000, 1, 1))
        try:
            names = fs.ls(data_path.rsplit("/", 1)[0], detail=False)
        except FileNotFoundError:
            return None
        days = [m.group(1) for name in names if (m := _DATA_FILE.match(str(name).rsplit("/", 1)[-1]))]
        return date.fromisoformat(max(days)) if days else None

    def _missing(self, what: str, platform: str, entity: str, tenant: str, day: date, path: str) -> Exception:
        return FileNotFoundError(
            f"raw {what} not found: platform={platform} entity={entity} tenant={tenant} "
            f"day={day.isoformat()} ({path})"
        )

    def read_partition(self, platform: str, entity: str, tenant: str, day: date) -> Iterator[dict]:
        """Records of the partition, streamed. Raises ``FileNotFoundError`` naming the partition when missing.

        The check happens on the call, not on the first ``next()``.
        """
        fs, _, data_path, _ = self._paths(platform, entity, tenant, day)
        if not fs.exists(data_path):
            raise self._missing("partition", platform, entity, tenant, day, self._display(fs, data_path))
        return self._iter_records(fs, data_path)

    def read_lines(self, platform: str, entity: str, tenant: str, day: date) -> Iterator[bytes]:
        """The partition's records as their raw JSON lines (newline included), unparsed, streamed; for a
        reader that only parses some of them. Raises ``FileNotFoundError`` naming the partition."""
        fs, _, data_path, _ = self._paths(platform, entity, tenant, day)
        if not fs.exists(data_path):
            raise self._missing("partition", platform, entity, tenant, day, self._display(fs, data_path))
        return self._iter_lines(fs, data_path)

    @staticmethod
    def _iter_lines(fs: fsspec.AbstractFileSystem, path: str) -> Iterator[bytes]:
        with fs.open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            for line in gz:
                if line.strip():
                    yield line

    @classmethod
    def _iter_records(cls, fs: fsspec.AbstractFileSystem, path: str) -> Iterator[dict]:
        for line in cls._iter_lines(fs, path):
            yield fast_json.loads(line)  # json.loads, parsed by orjson when it can

    def local_file(self, platform: str, entity: str, tenant: str, day: date) -> str | None:
        """The partition's data file as a local path, for a reader that opens it itself (DuckDB); None when
        the store is not on the local filesystem or the partition does not exist."""
        fs, _, data_path, _ = self._paths(platform, entity, tenant, day)
        if not isinstance(fs, LocalFileSystem) or not fs.exists(data_path):
            return None
        return str(data_path)

    def read_meta(self, platform: str, entity: str, tenant: str, day: date) -> dict:
        fs, _, _, meta_path = self._paths(platform, entity, tenant, day)
        try:
            with fs.open(meta_path, "rb") as f:
                return json.loads(f.read())
        except FileNotFoundError:
            raise self._missing(
                "partition metadata", platform, entity, tenant, day, self._display(fs, meta_path)
            ) from None
