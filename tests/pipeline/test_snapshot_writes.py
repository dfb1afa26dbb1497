"""Snapshots (a full scan of an entity the API keeps no history of: WooCommerce's customers, Shopify's
locations) are streamed into the first day's partition as the pages arrive, never held whole, and the
run's other days are copies of it; a scan that fails midway leaves no partition behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from types import SimpleNamespace

import pytest

from platform_assets.ingest.raw_assets import copied_pages, write_snapshot
from platform_assets.ingest.runs import TenantDays
from resources.raw_store import RawStoreResource

DAYS = [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)]
PAGES = [[{"id": page * 10 + n, "email": f"c{page}{n}@example.com"} for n in range(2)] for page in range(3)]


class LoggingStore(RawStoreResource):
    """The raw store, logging when each partition write begins."""

    def write_partition(self, platform, entity, tenant, day, pages, extra_meta=None, late_meta=None):  # type: ignore[override]
        EVENTS.append(f"write {day}")
        return super().write_partition(platform, entity, tenant, day, pages, extra_meta, late_meta)


EVENTS: list[str] = []


def _scan(fail_after: int | None = None) -> Iterator[list[dict]]:
    for number, page in enumerate(PAGES, start=1):
        if fail_after is not None and number > fail_after:
            raise ConnectionError("the site went away mid-scan")
        EVENTS.append(f"page {number}")
        yield page


def _write(store: RawStoreResource, fetch) -> object:
    tenant = SimpleNamespace(id="acme")
    return write_snapshot(
        "woocommerce", "customers", store, [TenantDays(tenant, DAYS)], lambda t: nullcontext(object()), fetch
    )


def test_the_scan_is_streamed_into_the_first_day_and_copied_to_the_others(tmp_path):
    EVENTS.clear()
    store = LoggingStore(base_url=str(tmp_path))
    scans = []
    result = _write(store, lambda client: scans.append(client) or _scan())
    assert len(scans) == 1, "one scan per tenant, whatever the number of days"
    # the pages arrive while the first partition is being written, not before it
    assert [
        f"write {DAYS[0]}",
        "page 1",
        "page 2",
        "page 3",
        f"write {DAYS[1]}",
        f"write {DAYS[2]}",
    ] == EVENTS
    expected = [record for page in PAGES for record in page]
    lines = [list(store.read_lines("woocommerce", "customers", "acme", day)) for day in DAYS]
    assert [list(store.read_partition("woocommerce", "customers", "acme", day)) for day in DAYS] == [
        expected
    ] * 3
    assert lines[0] == lines[1] == lines[2]
    metas = [store.read_meta("woocommerce", "customers", "acme", day) for day in DAYS]
    assert {meta["records"] for meta in metas} == {6}
    assert len({meta["snapshot_taken_at"] for meta in metas}) == 1
    assert result.metadata["records"].value == 18


def test_a_scan_failing_midway_leaves_no_partition(tmp_path):
    store = LoggingStore(base_url=str(tmp_path))
    with pytest.raises(ConnectionError, match="mid-scan"):
        _write(store, lambda client: _scan(fail_after=2))
    assert not any(store.exists("woocommerce", "customers", "acme", day) for day in DAYS)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "no temporary file left either"


def test_copied_pages_keep_every_line_in_order_in_bounded_pages():
    lines = [f'{{"id": {n}}}\n'.encode() for n in range(12)]
    pages = list(copied_pages(iter(lines), page_lines=5))
    assert [page.records for page in pages] == [5, 5, 2]
    assert b"".join(page.lines for page in pages) == b"".join(lines)
