"""The raw store: API records exactly as received, one gzipped JSON-lines file per platform/entity/tenant/day.

Layout under ``base_url`` (a local path or any fsspec URL: ``memory://raw``, ``s3://bucket/raw``, ...)::

    {base_url}/{platform}/{entity}/{tenant}/{YYYY-MM-DD}.jsonl.gz     one record per line
    {base_url}/{platform}/{entity}/{tenant}/{YYYY-MM-DD}.meta.json    counts, written_at, caller's extras

Writes are all-or-nothing. Pages are streamed into a temporary file in the same folder
(``.{day}.jsonl.gz.tmp-…``, which readers never look at) and only then moved over the partition:

* local filesystem: ``os.replace`` - an atomic rename; readers see the old file or the new one, never a mix;
* other fsspec filesystems: the temporary object is written completely, then ``fs.mv`` moves it. On object
  stores (S3, GCS, Azure) a "move" is copy + delete; the copy creates the final object atomically (readers see
  the previous complete object or the new complete object), but a crash between copy and delete can leave the
  temporary object behind. It is harmless (its name starts with ``.`` and contains ``.tmp-``) and can be
  swept.

If the pages iterator raises (API failure, crash of the producer), the temporary file is removed and the
existing partition stays as it was. The data file is moved into place before the sidecar is written; if the
sidecar is missing or older, readers still trust the data file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import fsspec
from fsspec.implementations.local import LocalFileSystem

from resources import fast_json
from resources.page_encoding import EncodedPage, encode_records

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]*$")
_RESERVED_META = ("platform", "entity", "tenant", "day", "data_file", "records", "bytes", "written_at")


@dataclass(frozen=True)
class RawWriteResult:
    path: str  # full path/URL of the data file
    records: int
    bytes: int  # size of the gzipped data file


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

    # -- writing ---------------------------------------------------------------------------------------
    def write_partition(
        self,
        platform: str,
        entity: str,
        tenant: str,
        day: date,
        pages: Iterable[list[dict] | EncodedPage],
        extra_meta: dict | None = None,
    ) -> RawWriteResult:
        """Stream ``pages`` into the partition, replacing it atomically; then write the sidecar.

        A page is a list of records, or an :class:`EncodedPage` whose records are already encoded as lines.
        """
        extra = dict(extra_meta or {})
        clash = sorted(set(extra) & set(_RESERVED_META))
        if clash:
            raise ValueError(f"extra_meta may not override {clash}")
        json.dumps(extra, default=_json_default)  # fail before fetching anything if extras are not JSON

        fs, folder, data_path, meta_path = self._paths(platform, entity, tenant, day)
        fs.makedirs(folder, exist_ok=True)
        tmp_path = f"{folder}/.{day.isoformat()}.jsonl.gz.tmp-{uuid.uuid4().hex}"
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
            size = int(fs.size(tmp_path))
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
        return RawWriteResult(path=self._display(fs, data_path), records=records, bytes=size)

    @staticmethod
    def _move(fs: fsspec.AbstractFileSystem, src: str, dst: str) -> None:
        if isinstance(fs, LocalFileSystem):
            os.replace(src, dst)
        else:
            fs.mv(src, dst)

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
        tmp = f"{folder}/.{path.rsplit('/', 1)[-1]}.tmp-{uuid.uuid4().hex}"
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

    def read_meta(self, platform: str, entity: str, tenant: str, day: date) -> dict:
        fs, _, _, meta_path = self._paths(platform, entity, tenant, day)
        try:
            with fs.open(meta_path, "rb") as f:
                return json.loads(f.read())
        except FileNotFoundError:
            raise self._missing(
                "partition metadata", platform, entity, tenant, day, self._display(fs, meta_path)
            ) from None
