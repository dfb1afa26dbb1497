"""The sandbox stores the transform benchmark reads, and where their raw stores are cached.

Two stores per size: ``two-years`` (about 1,000,000 orders over 731 days at full size) and ``busy-day``
(one day of a 100,000-orders-a-day store). Generating a raw store walks the in-process sandbox API through
the raw assets (slow: minutes at full size), so it is done once and cached under ``bench/.cache/`` in a
folder named after a hash of the spec; a ``complete.json`` marker says the cache is whole and holds the
generation's figures and the ground truth.

At the tiny size (the smoke tests') the sections' Shopify stores are one store, :func:`tiny_store`:
generating a raw store is a Dagster run in a child process, most of a smoke test's cost, so the
transform and serving smoke tests share one generation (:func:`generation_lock` makes the first one
generate it and the others wait and reuse it). The busy day stays a store of its own. (The tiny backfill
section does not read it: its light store is the tiny store's size, and that backfill gives the target's
figure, ``bench.backfill.Plan.heavy_year_apart``.)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from bench.report import Size
from sandbox.shopify.spec import ShopSpec

CACHE_DIR = Path(__file__).parent / ".cache" / "transform"
#: Bump when the way raw stores are generated changes, so old caches are not reused.
GENERATION_VERSION = 1
NY = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class BenchStore:
    """One sandbox store and the business days the benchmark builds (``start``..``end``, tenant-local),
    cached under ``cache_dir`` in a folder named after its recipe and ``generation_version``."""

    cache_dir: ClassVar[Path] = CACHE_DIR
    generation_version: ClassVar[int] = GENERATION_VERSION

    label: str
    orders_per_day: float
    history_days: int
    customers: int
    clock: datetime
    start: date
    end: date

    @property
    def tenant_id(self) -> str:
        return f"bench-{self.label}"

    def spec(self) -> ShopSpec:
        return ShopSpec(
            name=self.tenant_id,
            seed=11,
            timezone="America/New_York",
            currency="USD",
            orders_per_day=self.orders_per_day,
            history_days=self.history_days,
            customers=self.customers,
            plan="plus",
            bucket_size=1_000_000,  # no API pacing: generation is not an ingest benchmark
            leak_rate=1_000_000.0,
        )

    def key(self) -> str:
        recipe = {**asdict(self), "version": self.generation_version}
        digest = hashlib.sha256(json.dumps(recipe, default=str, sort_keys=True).encode()).hexdigest()
        return f"{self.label}-{digest[:12]}"

    @property
    def folder(self) -> Path:
        return self.cache_dir / self.key()

    @property
    def raw_dir(self) -> Path:
        return self.folder / "raw"

    @property
    def marker(self) -> Path:
        return self.folder / "complete.json"

    @property
    def tenants_file(self) -> Path:
        return self.folder / "tenants.yaml"

    @property
    def token_env(self) -> str:
        return self.tenant_id.upper().replace("-", "_") + "_SHOPIFY_TOKEN"

    def days(self) -> int:
        return (self.end - self.start).days + 1


def _store(label: str, orders_per_day: float, days: int, customers: int, end: date) -> BenchStore:
    """A store whose history is the ``days`` business days ending at ``end`` (clock: the midnight after)."""
    start = end - timedelta(days=days - 1)
    clock = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=NY)
    return BenchStore(label, orders_per_day, days, customers, clock, start, end)


def tiny_store() -> BenchStore:
    """The tiny size's one Shopify store (20 orders a day over 3 days): the two-years store and the serving
    store of the smoke tests (and the backfill target's year, were a tiny run to backfill it apart),
    generated once and shared (module docstring)."""
    return _store("tiny", 20, 3, 200, date(2025, 12, 31))


def two_years(size: Size) -> BenchStore:
    """~1,000,000 orders over 2024-01-01 … 2025-12-31 (weekends sell 15 % more: 1,312 a day on average)."""
    if size.tiny:
        return tiny_store()
    return _store("two-years", 1312, 731, 10_000, date(2025, 12, 31))


def busy_day(size: Size) -> BenchStore:
    """One day of a store selling 100,000 orders a day."""
    if size.tiny:
        return _store("busy-day-tiny", 300, 1, 500, date(2025, 6, 2))
    return _store("busy-day", 100_000, 1, 100_000, date(2025, 6, 2))


def heavy_year(size: Size) -> BenchStore:
    """A year of a store selling 2,000 orders a day: the backfill target's store (``bench.backfill``)."""
    if size.tiny:
        return tiny_store()
    return _store("heavy-year", 2000, 365, 40_000, date(2025, 12, 31))


#: Orders a day of the serving benchmark's store at full size; unset: the transform's two-years store.
SERVING_ORDERS_ENV = "STOREHOUSE_BENCH_SERVING_ORDERS_PER_DAY"


def serving_store(size: Size) -> BenchStore:
    """The store the serving benchmark (``bench.serving``) reads. Full size: the two-years store (its
    warehouse is the transform section's), or, with ``$STOREHOUSE_BENCH_SERVING_ORDERS_PER_DAY``, the same
    two years at that many orders a day (a smaller store when the big one is not generated yet). Tiny:
    :func:`tiny_store`, whose raw store the transform smoke test generates (read only; the
    serving section builds its warehouse in a folder of its own)."""
    if size.tiny:
        return tiny_store()
    per_day = float(os.environ.get(SERVING_ORDERS_ENV) or 0)
    if per_day <= 0:
        return two_years(size)
    customers = max(500, round(10_000 * per_day / 1312))
    return _store(f"serving-{per_day:g}-a-day", per_day, 731, customers, date(2025, 12, 31))


@contextmanager
def generation_lock(store: BenchStore) -> Iterator[None]:
    """Held while a store's raw store is checked and, if missing, generated: sections (or smoke tests on
    other xdist workers) asking for the same store at once generate it once, the others wait for it."""
    store.cache_dir.mkdir(parents=True, exist_ok=True)
    with open(store.cache_dir / f"{store.key()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_marker(store: BenchStore) -> dict | None:
    """The cached generation's record, or None when the store has not been generated completely."""
    if not store.marker.exists():
        return None
    return json.loads(store.marker.read_text())
