"""A bulk load's day spill (platform_assets/sources/shopify/bulk_fetch.py, DaySpill): each record encoded
once as the raw store's line, buffered per day, compressed as gzip members when the buffer is full, and the
day's file then taken whole as its raw partition: the same records in the same order as a page-by-page
write, whatever the buffer's size."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from platform_assets.sources.shopify import bulk_fetch
from platform_assets.sources.shopify.bulk_fetch import DaySorter, DaySpill
from platform_assets.sources.shopify.raw_fetch import DayWindow
from resources.raw_store import RawStoreResource

UTC_ZONE = ZoneInfo("UTC")
FIRST = date(2025, 1, 1)


def _windows(days: int) -> list[DayWindow]:
    windows = []
    for offset in range(days):
        start = datetime.combine(FIRST + timedelta(days=offset), datetime.min.time(), UTC)
        end = start + timedelta(days=1)
        windows.append(
            DayWindow(
                FIRST + timedelta(days=offset), start, end - timedelta(seconds=1), end, UTC_ZONE, "graphql"
            )
        )
    return windows


def _order(number: int, day: int, hour: int = 12) -> dict:
    updated = datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), UTC) + timedelta(hours=hour)
    return {"id": number, "name": f"#{number}", "note": "ü" * (number % 3), "updated_at": updated.isoformat()}


@pytest.mark.parametrize("buffer_bytes", [1, 300, 16 * 1024 * 1024])
def test_days_files_hold_their_records_in_order_as_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buffer_bytes: int
) -> None:
    """Three batches over three days (one record outside every window): each day's file is gzip members
    (one per spill of its buffer) that read back as the day's lines in arrival order, byte for byte what
    write_partition writes for the same records; the raw store takes it as the partition."""
    monkeypatch.setattr(bulk_fetch, "SPILL_BUFFER_BYTES", buffer_bytes)
    windows = _windows(3)
    sorter = DaySorter(windows)
    spill = DaySpill(tmp_path / "days", level=1)
    batches = [
        [_order(1, 0), _order(2, 2), _order(3, 0)],
        [_order(4, 1), _order(5, 0), _order(6, 5)],  # Order 6: after the last window
        [_order(7, 2), _order(8, 1, hour=23)],
    ]
    for batch in batches:
        spill.add(sorter, batch)
    spill.finish()
    assert spill.records == {FIRST: 3, FIRST + timedelta(days=1): 2, FIRST + timedelta(days=2): 2}
    assert spill.outside == 1
    store = RawStoreResource(base_url=str(tmp_path / "raw"))
    expected = {FIRST: [1, 3, 5], FIRST + timedelta(days=1): [4, 8], FIRST + timedelta(days=2): [2, 7]}
    for day, numbers in expected.items():
        body = spill.path(day).read_bytes()
        members = body.count(b"\x1f\x8b\x08")
        if buffer_bytes == 1:
            assert members == 2  # every batch's lines spilled after it: two batches had this day's
        elif buffer_bytes > 1_000_000:
            assert members == 1  # the whole day at finish()
        reference = RawStoreResource(base_url=str(tmp_path / "reference"))
        reference.write_partition("shopify", "orders", "t", day, [[_order_of(n, batches) for n in numbers]])
        with gzip.open(reference.partition_path("shopify", "orders", "t", day), "rb") as page:
            assert gzip.decompress(body) == page.read()
        result = store.write_compressed_partition(
            "shopify", "orders", "t", day, spill.path(day), len(numbers)
        )
        assert [record["id"] for record in store.read_partition("shopify", "orders", "t", day)] == numbers
        assert (result.records, result.bytes) == (len(numbers), len(body))
    spill.remove()
    assert not (tmp_path / "days").exists()


def _order_of(number: int, batches: list[list[dict]]) -> dict:
    return next(order for batch in batches for order in batch if order["id"] == number)
