"""RawStoreResource on a local directory and on fsspec's memory:// filesystem."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime

import fsspec
import pytest

from platform_assets.settings import PROJECT_ROOT
from resources import raw_store
from resources.page_encoding import encode_page, encode_records
from resources.raw_store import RawStoreResource, RawWriteResult

DAY = date(2024, 3, 1)
ORDERS = [
    {
        "id": 450789469,
        "name": "#1001",
        "total_price": "598.94",
        "email": "ü@example.com",
        "refunds": [{"refund_line_items": [{"subtotal": 195.66}]}],
        "cancelled_at": None,
    },
    {"id": 450789470, "name": "#1002", "total_price": "10.00", "line_items": []},
    {"id": 450789471, "name": "#1003", "total_price": "0.00", "tags": "a, b"},
]


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    if request.param == "local":
        yield RawStoreResource(base_url=str(tmp_path / "raw"))
    else:
        root = f"memory://raw-{uuid.uuid4().hex}"
        yield RawStoreResource(base_url=root)
        fs = fsspec.filesystem("memory")
        if fs.exists(root):
            fs.rm(root, recursive=True)


def _listing(store: RawStoreResource) -> list[str]:
    fs, root = fsspec.core.url_to_fs(store.base_url)
    return sorted(p.rsplit("/", 1)[-1] for p in fs.find(f"{root}/shopify/orders/acme"))


def test_round_trip_and_layout(store):
    snapshot = datetime(2024, 3, 2, 3, 0, tzinfo=UTC)
    result = store.write_partition(
        "shopify",
        "orders",
        "acme",
        DAY,
        iter([ORDERS[:2], [], ORDERS[2:]]),
        extra_meta={"snapshot_taken_at": snapshot, "window_start": "2024-03-01T00:00:00-05:00"},
    )
    assert isinstance(result, RawWriteResult)
    assert result.records == 3
    assert result.path == store.partition_path("shopify", "orders", "acme", DAY)
    assert result.path.endswith("/shopify/orders/acme/2024-03-01.jsonl.gz")
    assert store.exists("shopify", "orders", "acme", DAY)
    assert not store.exists("shopify", "orders", "acme", date(2024, 3, 2))
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS

    # The file is plain gzip + JSON lines, exactly json.dumps(record, separators=(",", ":")) per line.
    with fsspec.open(result.path, "rb") as f:
        raw = f.read()
    assert result.bytes == len(raw)
    expected = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in ORDERS)
    assert gzip.decompress(raw).decode() == expected

    meta = store.read_meta("shopify", "orders", "acme", DAY)
    assert meta["records"] == 3 and meta["bytes"] == result.bytes
    assert meta["snapshot_taken_at"] == "2024-03-02T03:00:00+00:00"
    assert meta["window_start"] == "2024-03-01T00:00:00-05:00"
    assert (meta["day"], meta["tenant"], meta["data_file"]) == ("2024-03-01", "acme", "2024-03-01.jsonl.gz")
    written_at = datetime.fromisoformat(meta["written_at"])
    assert written_at.tzinfo is not None and abs((datetime.now(UTC) - written_at).total_seconds()) < 60
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]


def test_empty_partition(store):
    result = store.write_partition("shopify", "orders", "acme", DAY, [])
    assert result.records == 0
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == []
    assert store.read_meta("shopify", "orders", "acme", DAY)["records"] == 0


def test_crash_mid_write_keeps_previous_partition(store):
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS], extra_meta={"run": 1})

    def failing_pages():
        yield [{"id": 1}, {"id": 2}]
        yield [{"id": 3}]
        raise ConnectionError("API went away mid-stream")

    with pytest.raises(ConnectionError, match="mid-stream"):
        store.write_partition("shopify", "orders", "acme", DAY, failing_pages(), extra_meta={"run": 2})

    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS
    assert store.read_meta("shopify", "orders", "acme", DAY)["run"] == 1
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]  # no temp file left


def test_crash_on_first_write_leaves_nothing(store):
    def failing_pages():
        yield [{"id": 1}]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write_partition("shopify", "orders", "acme", DAY, failing_pages())
    assert not store.exists("shopify", "orders", "acme", DAY)
    assert _listing(store) == []


def test_rewrite_replaces_and_is_idempotent(store):
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])
    first = store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    second = store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS[:1]
    assert (first.records, first.bytes, first.path) == (second.records, second.bytes, second.path)
    with fsspec.open(first.path, "rb") as f:
        content = f.read()
    # gzip mtime is fixed: the same records give byte-identical files
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    with fsspec.open(first.path, "rb") as f:
        assert f.read() == content
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]


def test_encoded_pages_write_the_same_file_as_their_records(store):
    by_records = store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:2], ORDERS[2:]])
    with fsspec.open(by_records.path, "rb") as f:
        content = f.read()
    body = json.dumps({"orders": ORDERS[:2]}).encode()
    mixed = store.write_partition("shopify", "orders", "acme", DAY, [encode_page(body, "orders"), ORDERS[2:]])
    assert (mixed.records, mixed.bytes) == (3, by_records.bytes)
    with fsspec.open(mixed.path, "rb") as f:
        assert f.read() == content
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS


def test_partitions_are_independent(store):
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    store.write_partition("shopify", "orders", "globex", DAY, [ORDERS[1:2]])
    store.write_partition("shopify", "customers", "acme", DAY, [[{"id": 9}]])
    store.write_partition("shopify", "orders", "acme", date(2024, 3, 2), [ORDERS[2:]])
    assert [r["id"] for r in store.read_partition("shopify", "orders", "acme", DAY)] == [450789469]
    assert [r["id"] for r in store.read_partition("shopify", "orders", "globex", DAY)] == [450789470]
    assert [r["id"] for r in store.read_partition("shopify", "customers", "acme", DAY)] == [9]
    next_day = store.read_partition("shopify", "orders", "acme", date(2024, 3, 2))
    assert [r["id"] for r in next_day] == [450789471]


def test_missing_partition_errors_name_it(store):
    with pytest.raises(FileNotFoundError) as info:
        store.read_partition("shopify", "orders", "acme", DAY)
    assert "platform=shopify entity=orders tenant=acme day=2024-03-01" in str(info.value)
    assert "2024-03-01.jsonl.gz" in str(info.value)
    with pytest.raises(FileNotFoundError, match="metadata not found: platform=shopify"):
        store.read_meta("shopify", "orders", "acme", DAY)


def test_reading_streams(store):
    pages = [[{"id": i} for i in range(p * 100, p * 100 + 100)] for p in range(30)]
    store.write_partition("shopify", "orders", "acme", DAY, iter(pages))
    records = store.read_partition("shopify", "orders", "acme", DAY)
    assert next(records) == {"id": 0}
    assert sum(1 for _ in records) == 2999


def test_input_validation(store):
    with pytest.raises(ValueError, match="tenant"):
        store.write_partition("shopify", "orders", "../etc", DAY, [])
    with pytest.raises(ValueError, match="entity"):
        store.partition_path("shopify", "orders/x", "acme", DAY)
    with pytest.raises(TypeError, match="datetime.date"):
        store.partition_path("shopify", "orders", "acme", datetime(2024, 3, 1))
    with pytest.raises(ValueError, match="may not override"):
        store.write_partition("shopify", "orders", "acme", DAY, [ORDERS], extra_meta={"records": 5})
    with pytest.raises(TypeError, match="not JSON serialisable"):
        store.write_partition("shopify", "orders", "acme", DAY, [ORDERS], extra_meta={"x": object()})
    assert not store.exists("shopify", "orders", "acme", DAY)


def test_default_base_url_is_relative_data_raw(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = RawStoreResource()
    assert store.base_url == "data/raw"
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])
    assert (tmp_path / "data/raw/shopify/orders/acme/2024-03-01.jsonl.gz").is_file()
    assert (tmp_path / "data/raw/shopify/orders/acme/2024-03-01.meta.json").is_file()


# -- temporary files left by killed writers ----------------------------------------------------------------
_KILLED_WRITER = """
import sys, time
from datetime import date
from resources.raw_store import RawStoreResource

def pages():
    yield [{"id": 1}]
    print("writing", flush=True)
    time.sleep(120)  # killed here, in the middle of the partition

RawStoreResource(base_url=sys.argv[1]).write_partition("shopify", "orders", "acme", date(2024, 3, 1), pages())
"""


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _temp_name(day: date, kind: str, pid: int) -> str:
    return f".{day.isoformat()}.{kind}.tmp-{raw_store._host_tag()}-{pid}-{uuid.uuid4().hex}"


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write_of_its_partition(tmp_path):
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    folder = tmp_path / "raw" / "shopify" / "orders" / "acme"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, store.base_url],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "writing\n"
    finally:
        writer.kill()
        writer.wait(timeout=30)
    (left,) = _names(folder)
    assert left.startswith(f".2024-03-01.jsonl.gz.tmp-{raw_store._host_tag()}-{writer.pid}-")
    assert not store.exists("shopify", "orders", "acme", DAY)

    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])
    assert _names(folder) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS


def test_the_sweep_keeps_other_partitions_and_running_writers_temporary_files(tmp_path):
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    folder = tmp_path / "raw" / "shopify" / "orders" / "acme"
    other_tenant = tmp_path / "raw" / "shopify" / "orders" / "globex"
    folder.mkdir(parents=True)
    other_tenant.mkdir(parents=True)
    dead = _dead_pid()
    stale = [_temp_name(DAY, "jsonl.gz", dead), _temp_name(DAY, "meta.json", dead)]
    running = _temp_name(DAY, "jsonl.gz", os.getpid())  # a concurrent writer of the same partition
    other_day = _temp_name(date(2024, 3, 2), "jsonl.gz", dead)
    for name in [*stale, running, other_day]:
        (folder / name).write_bytes(b"partial")
    (other_tenant / stale[0]).write_bytes(b"partial")

    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])

    assert _names(folder) == sorted(["2024-03-01.jsonl.gz", "2024-03-01.meta.json", running, other_day])
    assert _names(other_tenant) == [stale[0]]


def test_temporary_files_without_a_known_writer_are_swept_once_old(tmp_path):
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    folder = tmp_path / "raw" / "shopify" / "orders" / "acme"
    folder.mkdir(parents=True)
    # Names written before writers recorded host and pid, and a file of another host.
    old = f".2024-03-01.jsonl.gz.tmp-{uuid.uuid4().hex}"
    fresh = f".2024-03-01.jsonl.gz.tmp-{uuid.uuid4().hex}"
    elsewhere_old = f".2024-03-01.meta.json.tmp-other-host-{_dead_pid()}-{uuid.uuid4().hex}"
    elsewhere_fresh = f".2024-03-01.jsonl.gz.tmp-other-host-{_dead_pid()}-{uuid.uuid4().hex}"
    for name in (old, fresh, elsewhere_old, elsewhere_fresh):
        (folder / name).write_bytes(b"partial")
    past = time.time() - raw_store.STALE_TEMP_SECONDS - 60
    for name in (old, elsewhere_old):
        os.utime(folder / name, (past, past))

    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])

    assert _names(folder) == sorted(["2024-03-01.jsonl.gz", "2024-03-01.meta.json", fresh, elsewhere_fresh])


def test_old_temporary_objects_are_swept_on_fsspec_filesystems(store, monkeypatch):
    fs, root = fsspec.core.url_to_fs(store.base_url)
    folder = f"{root}/shopify/orders/acme"
    fs.makedirs(folder, exist_ok=True)
    left = f".2024-03-01.jsonl.gz.tmp-other-host-1-{uuid.uuid4().hex}"
    fs.pipe(f"{folder}/{left}", b"partial")

    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    assert _listing(store) == sorted([left, "2024-03-01.jsonl.gz", "2024-03-01.meta.json"])

    later = time.time() + raw_store.STALE_TEMP_SECONDS + 60
    monkeypatch.setattr(raw_store.time, "time", lambda: later)
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS])
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]


def test_readers_never_see_temporary_files(tmp_path):
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    for entity in ("orders", "shop"):
        folder = tmp_path / "raw" / "shopify" / entity / "acme"
        folder.mkdir(parents=True)
        with gzip.open(folder / _temp_name(DAY, "jsonl.gz", os.getpid()), "wb") as f:
            f.write(b'{"id": 1, "iana_timezone": "Asia/Tokyo"}\n')
        (folder / _temp_name(DAY, "meta.json", os.getpid())).write_text('{"records": 1}')

    assert not store.exists("shopify", "orders", "acme", DAY)
    with pytest.raises(FileNotFoundError):
        store.read_partition("shopify", "orders", "acme", DAY)
    with pytest.raises(FileNotFoundError):
        store.read_meta("shopify", "orders", "acme", DAY)
    assert store.newest_day("shopify", "shop", "acme") is None

    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS[:1]
    assert store.read_meta("shopify", "orders", "acme", DAY)["records"] == 1


def _members(tmp_path, batches: list[list[dict]], level: int = 1):
    """A local file of one gzip member per batch of records, as a bulk load's day spill writes it."""
    path = tmp_path / "spill.jsonl.gz"
    with open(path, "wb") as out:
        for batch in batches:
            out.write(raw_store.gzip_member(encode_records(batch).lines, level))
    return path


def test_a_file_of_gzip_members_becomes_the_partition_read_as_one_stream(store, tmp_path):
    """write_compressed_partition: the spill's members are the partition, byte for byte; Python's gzip and
    DuckDB read the three members as one stream, the records in order; the sidecar is write_partition's;
    the spill file is taken (moved or copied, then gone)."""
    import duckdb

    spill = _members(tmp_path, [ORDERS[:1], ORDERS[1:2], ORDERS[2:]])
    body = spill.read_bytes()
    result = store.write_compressed_partition(
        "shopify", "orders", "acme", DAY, spill, 3, {"fetched_by": "bulk"}, lambda: {"api_version": "2025-10"}
    )
    assert (result.records, result.bytes) == (3, len(body))
    assert not spill.exists()
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS
    with fsspec.open(result.path, "rb") as f:
        assert f.read() == body
    meta = store.read_meta("shopify", "orders", "acme", DAY)
    assert {key: meta[key] for key in ("records", "bytes", "fetched_by", "api_version", "data_file")} == {
        "records": 3,
        "bytes": len(body),
        "fetched_by": "bulk",
        "api_version": "2025-10",
        "data_file": "2024-03-01.jsonl.gz",
    }
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]
    local = store.local_file("shopify", "orders", "acme", DAY)
    if local is not None:
        ids = duckdb.sql(
            f"SELECT id FROM read_json('{local}', format='newline_delimited', compression='gzip', "
            "columns={'id': 'BIGINT'})"
        ).fetchall()
        assert ids == [(450789469,), (450789470,), (450789471,)]


def test_a_failed_compressed_write_keeps_the_previous_partition_and_leaves_no_temporary_file(store, tmp_path):
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]], extra_meta={"run": 1})

    def refused() -> dict:
        raise ValueError("late_meta could not be read")

    spill = _members(tmp_path, [ORDERS])
    with pytest.raises(ValueError, match="^late_meta could not be read$"):
        store.write_compressed_partition("shopify", "orders", "acme", DAY, spill, 3, {"run": 2}, refused)
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS[:1]
    assert store.read_meta("shopify", "orders", "acme", DAY)["run"] == 1
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]

    with pytest.raises(FileNotFoundError):  # nothing to take: nothing written, nothing left
        store.write_compressed_partition("shopify", "orders", "acme", DAY, tmp_path / "absent.gz", 3)
    assert _listing(store) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]
    with pytest.raises(ValueError, match=r"^records must be >= 0, got -1$"):
        store.write_compressed_partition("shopify", "orders", "acme", DAY, _members(tmp_path, [ORDERS]), -1)


def test_a_compressed_write_killed_before_its_move_leaves_the_old_partition(tmp_path, monkeypatch):
    """Killed between the temporary file and the rename: the old partition is whole, and the temporary
    file (a dead writer's once the process is gone) is removed by the next write's sweep."""
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    folder = tmp_path / "raw" / "shopify" / "orders" / "acme"
    store.write_partition("shopify", "orders", "acme", DAY, [ORDERS[:1]])

    class Killed(BaseException):
        pass

    def killed_move(fs, src, dst):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(RawStoreResource, "_move", staticmethod(killed_move))
        patched.setattr(
            RawStoreResource, "_remove_quietly", staticmethod(lambda fs, path: None)
        )  # no cleanup
        with pytest.raises(Killed):
            store.write_compressed_partition(
                "shopify", "orders", "acme", DAY, _members(tmp_path, [ORDERS]), 3
            )
    (left,) = [name for name in _names(folder) if ".tmp-" in name]
    assert left.startswith(".2024-03-01.jsonl.gz.tmp-")
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS[:1]
    dead_writers = _temp_name(DAY, "jsonl.gz", _dead_pid())
    os.rename(folder / left, folder / dead_writers)  # its writer is gone now
    store.write_compressed_partition(
        "shopify", "orders", "acme", DAY, _members(tmp_path, [ORDERS]), 3, sweep=False
    )
    assert len([name for name in _names(folder) if ".tmp-" in name]) == 1  # left to sweep_temporary
    assert store.sweep_temporary("shopify", "orders", "acme", [DAY]) == [dead_writers]
    assert _names(folder) == ["2024-03-01.jsonl.gz", "2024-03-01.meta.json"]
    assert list(store.read_partition("shopify", "orders", "acme", DAY)) == ORDERS


def test_one_sweep_for_many_days_removes_only_their_dead_writers_files(tmp_path):
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    folder = tmp_path / "raw" / "shopify" / "orders" / "acme"
    folder.mkdir(parents=True)
    dead, second, third = _dead_pid(), date(2024, 3, 2), date(2024, 3, 3)
    swept = [_temp_name(DAY, "jsonl.gz", dead), _temp_name(second, "meta.json", dead)]
    kept = [
        _temp_name(third, "jsonl.gz", dead),
        _temp_name(second, "jsonl.gz", os.getpid()),
        "2024-03-02.jsonl.gz",
    ]
    for name in [*swept, *kept]:
        (folder / name).write_bytes(b"partial")
    assert sorted(store.sweep_temporary("shopify", "orders", "acme", [DAY, second])) == sorted(swept)
    assert _names(folder) == sorted(kept)
    assert store.sweep_temporary("shopify", "orders", "acme", []) == []
