"""Raw ingestion fetches a run's days concurrently: the windows of one shop share its one pacer and stay
under its bucket, and the partitions and the outcome are exactly those of fetching day after day."""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import raw_fetch
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.raw_fetch import FetchOutcome, fetch_days
from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyAPIError, ShopifyClientResource
from sandbox.shopify.generator import build_shop
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ShopSpec

CLOCK = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # midnight in New York
NOW = CLOCK + timedelta(hours=12)
DAYS = [date(2026, 2, 24) + timedelta(days=i) for i in range(4)]  # 24-27 February


def spec(name: str, **overrides) -> ShopSpec:
    values = {
        "name": name,
        "seed": 11,
        "orders_per_day": 30.0,
        "history_days": 8,
        "customers": 60,
        "products": 10,
        "plan": "plus",
    }
    return ShopSpec(**{**values, **overrides})


def tenant(name: str, url: str, start: date, monkeypatch, token: str) -> Tenant:
    env = "TEST_RAW_FETCH_" + name.upper().replace("-", "_")
    monkeypatch.setenv(env, token)
    return Tenant(
        id=name,
        name=name,
        start_date=start,
        connections={"shopify": ShopifyConnection(shop_url=url, token_env=env, api="rest")},
    )


class InFlight:
    """Wraps a sandbox shop's API to count the requests it is answering at the same moment."""

    def __init__(self, shop) -> None:
        self._handle = shop.api.handle
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0
        shop.api.handle = self

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self._handle(*args, **kwargs)
        finally:
            with self._lock:
                self.now -= 1


def partitions(root: Path) -> dict[str, bytes | dict]:
    """Every raw file under ``root``: data files as bytes, sidecars without their written_at."""
    found: dict[str, bytes | dict] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = str(path.relative_to(root))
            if path.name.endswith(".meta.json"):
                meta = json.loads(path.read_text())
                meta.pop("written_at")
                found[key] = meta
            else:
                found[key] = path.read_bytes()
    return found


def test_concurrent_windows_share_the_shop_pacer_and_stay_under_its_bucket(tmp_path, monkeypatch):
    shop = build_shop(spec("t-bucket", bucket_size=6, leak_rate=12.0, latency_seconds=0.02), CLOCK)
    in_flight = InFlight(shop)
    clients = []

    def recording_client_for(shopify, tenant, encoder=None):
        client = real_client_for(shopify, tenant, encoder)
        clients.append(client)
        return client

    real_client_for = raw_fetch.client_for
    monkeypatch.setattr(raw_fetch, "client_for", recording_client_for)
    # A bucket of 6 leaking 12/s (Shopify's buckets leak size/20 per second; this one is told to the pacer).
    # One chain per day, so the requests can be counted exactly (splitting days: the tests below).
    resource = ShopifyClientResource(
        page_size=5, max_concurrent_windows=4, leak_rate_per_second=12.0, split_windows=False
    )
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    with serve({"t-bucket": shop}) as server:
        url = server.base_url("t-bucket")
        td = TenantDays(tenant("t-bucket", url, date(2026, 2, 1), monkeypatch, shop.spec.access_token), DAYS)
        started = time.monotonic()
        outcome = fetch_days(resource, raw_store, "orders", [td], NOW)
        elapsed = time.monotonic() - started
        with resource.for_shop(url, shop.spec.access_token) as counter:
            counts = [
                counter.count_orders(
                    datetime(d.year, d.month, d.day, 5, tzinfo=UTC),
                    datetime(d.year, d.month, d.day, 5, tzinfo=UTC) + timedelta(days=1, seconds=-1),
                )
                for d in DAYS
            ]

    assert len(clients) == 1 + len(DAYS)  # shop.json, then one client (one HTTP session) per day
    assert len({id(client.pacer) for client in clients}) == 1
    pages = sum(-(-count // 5) or 1 for count in counts)
    assert outcome.api == {"requests": 1 + pages, "retries": 0, "throttled": 0}
    assert outcome.records == sum(counts) > 100
    assert outcome.written == DAYS
    assert in_flight.most >= 2  # the days were fetched concurrently...
    assert in_flight.most <= 4  # ...and never more than the configured windows
    # No 429 above, yet the bucket set the pace: 5 calls of burst (one slot of headroom), then 12/s.
    assert elapsed >= (outcome.api["requests"] - 5) / 12.0 * 0.8
    for day, count in zip(DAYS, counts, strict=True):
        assert raw_store.read_meta("shopify", "orders", "t-bucket", day)["records"] == count


def test_concurrent_fetch_writes_what_a_day_by_day_fetch_writes(tmp_path, monkeypatch):
    shops = {
        "t-ny": build_shop(spec("t-ny", latency_seconds=0.01), CLOCK),
        "t-berlin": build_shop(spec("t-berlin", seed=12, timezone="Europe/Berlin"), CLOCK),
    }
    days = [DAYS[0] - timedelta(days=1), *DAYS, CLOCK.date() + timedelta(days=2)]  # skipped, 4, not begun
    outcomes: dict[str, FetchOutcome] = {}
    with serve(shops) as server:
        tenants = [
            TenantDays(
                tenant(name, server.base_url(name), DAYS[0], monkeypatch, shop.spec.access_token), days
            )
            for name, shop in shops.items()
        ]
        for mode, windows, side_by_side in (("sequential", 1, 1), ("concurrent", 4, 2)):
            # Days not split between threads, so the files match byte for byte (a split day holds the
            # same lines in another order: the tests below).
            resource = ShopifyClientResource(
                page_size=7,
                max_concurrent_windows=windows,
                max_concurrent_tenants=side_by_side,
                split_windows=False,
            )
            raw_store = RawStoreResource(base_url=str(tmp_path / mode))
            outcomes[mode] = fetch_days(resource, raw_store, "orders", tenants, NOW)

    sequential, concurrent = outcomes["sequential"], outcomes["concurrent"]
    assert partitions(tmp_path / "concurrent") == partitions(tmp_path / "sequential")
    assert len(partitions(tmp_path / "sequential")) == 2 * 2 * len(DAYS)
    assert concurrent.records == sequential.records > 200
    assert concurrent.written == sequential.written == sorted(DAYS + DAYS)
    assert concurrent.skipped == sequential.skipped
    assert list(concurrent.skipped) == [
        "t-ny/2026-02-23",
        "t-ny/2026-03-03",
        "t-berlin/2026-02-23",
        "t-berlin/2026-03-03",
    ]
    assert concurrent.api == sequential.api
    assert set(concurrent.tenants) == {"t-ny", "t-berlin"}
    first = gzip.decompress((tmp_path / "concurrent/shopify/orders/t-ny/2026-02-24.jsonl.gz").read_bytes())
    meta = json.loads((tmp_path / "concurrent/shopify/orders/t-ny/2026-02-24.meta.json").read_text())
    assert meta["updated_at_min"] is None  # the start date takes everything updated before it
    assert meta["records"] == first.count(b"\n")


def test_a_failing_day_fails_the_run_and_leaves_no_partial_partition(tmp_path, monkeypatch):
    shop = build_shop(spec("t-fail"), CLOCK)
    shop.faults.add("updated_at_min=2026-02-26T00", "status", status=400, times=1000)
    resource = ShopifyClientResource(page_size=7, max_concurrent_windows=4)
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    with serve({"t-fail": shop}) as server:
        td = TenantDays(
            tenant(
                "t-fail", server.base_url("t-fail"), date(2026, 2, 1), monkeypatch, shop.spec.access_token
            ),
            DAYS,
        )
        with pytest.raises(ShopifyAPIError, match="HTTP 400"):
            fetch_days(resource, raw_store, "orders", [td], NOW)
    assert not raw_store.exists("shopify", "orders", "t-fail", date(2026, 2, 26))
    assert not list((tmp_path / "raw").rglob(".*tmp-*"))


def _order_lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines()


BIG_DAY = DAYS[2]


@contextlib.contextmanager
def one_big_day(name: str, monkeypatch, arm=None):
    """A busy shop served over HTTP (400 orders on ``BIG_DAY``, 40 pages of 10) and the run of that day;
    ``arm(shop)`` plants faults first."""
    shop = build_shop(spec(name, orders_per_day=400.0, customers=300, latency_seconds=0.02), CLOCK)
    if arm is not None:
        arm(shop)
    with serve({name: shop}) as server:
        start = date(2026, 2, 1)
        yield TenantDays(
            tenant(name, server.base_url(name), start, monkeypatch, shop.spec.access_token), [BIG_DAY]
        )


def fetch_big_day(td: TenantDays, raw_store: RawStoreResource, split: bool = True) -> FetchOutcome:
    resource = ShopifyClientResource(page_size=10, max_concurrent_windows=4, split_windows=split)
    return fetch_days(resource, raw_store, "orders", [td], NOW)


def test_idle_threads_split_a_big_day_and_its_partition_holds_every_order_once(tmp_path, monkeypatch):
    """A daily run of a busy shop: one day of 40 pages. Without splitting, one chain pages it alone;
    with it, the idle threads take over halves of what is left, and the partition holds exactly the
    orders of the unsplit fetch, each once."""
    outcomes: dict[bool, FetchOutcome] = {}
    with one_big_day("t-big", monkeypatch) as td:
        for split in (False, True):
            outcomes[split] = fetch_big_day(td, RawStoreResource(base_url=str(tmp_path / str(split))), split)

    unsplit, split = outcomes[False], outcomes[True]
    whole = _order_lines(tmp_path / "False/shopify/orders/t-big" / f"{BIG_DAY}.jsonl.gz")
    pieces = _order_lines(tmp_path / "True/shopify/orders/t-big" / f"{BIG_DAY}.jsonl.gz")
    ids = [json.loads(line)["id"] for line in pieces]
    assert unsplit.splits == 0
    assert split.splits >= 2
    assert len(ids) == len(set(ids)) == len(whole) == unsplit.records == split.records > 350
    assert sorted(pieces) == sorted(whole)
    # shop.json, the day's pages, and the count the walk asks for once it passes 20 pages
    assert unsplit.api["requests"] == 1 + -(-len(whole) // 10) + 1
    # Each split costs at most a partly filled page and the page its victim had asked for ahead.
    assert unsplit.api["requests"] < split.api["requests"] <= unsplit.api["requests"] + 2 * split.splits
    meta = json.loads((tmp_path / "True/shopify/orders/t-big" / f"{BIG_DAY}.meta.json").read_text())
    assert meta["records"] == len(whole)


def test_a_failing_helper_fails_its_day_and_leaves_no_partial_partition(tmp_path, monkeypatch):
    """A helper's range starts halfway through what is left of the day, so at noon or later (10:00–23:59
    local: how far the day's own chain got first depends on the machine's speed): the API refuses any such
    range, and the day (paged by its own chain, from midnight, without trouble) is not written."""
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))

    def refuse_afternoons(shop) -> None:
        for hours in ("T1", "T2"):  # updated_at_min from 10:00 through 23:59
            shop.faults.add(f"updated_at_min={BIG_DAY}{hours}", "status", status=400, times=1000)

    with (
        one_big_day("t-helper", monkeypatch, refuse_afternoons) as td,
        pytest.raises(ShopifyAPIError, match="HTTP 400"),
    ):
        fetch_big_day(td, raw_store)
    assert not raw_store.exists("shopify", "orders", "t-helper", BIG_DAY)
    assert not list((tmp_path / "raw").rglob(".*tmp-*"))


def test_a_helper_that_cannot_start_fails_its_day_instead_of_hanging(tmp_path, monkeypatch):
    """The client of the first helper cannot be made (say, its token vanished from the environment):
    the day it was to help fails with that error and the fetch ends."""
    made: list[int] = []
    real_client_for = raw_fetch.client_for

    def failing_third_client(shopify, tenant, encoder=None):
        made.append(1)
        if len(made) == 3:  # shop.json's, the day's own, then the first helper's
            raise RuntimeError("no client for the helper")
        return real_client_for(shopify, tenant, encoder)

    monkeypatch.setattr(raw_fetch, "client_for", failing_third_client)
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    with (
        one_big_day("t-nohelp", monkeypatch) as td,
        pytest.raises(RuntimeError, match="no client for the helper"),
    ):
        fetch_big_day(td, raw_store)
    assert len(made) >= 3
    assert not raw_store.exists("shopify", "orders", "t-nohelp", BIG_DAY)
