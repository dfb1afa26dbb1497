"""The WooCommerce sandbox sites the ``woocommerce`` bench section reads, and where the transform's raw
store is cached.

Three sites per size: ``orders`` (the ingestion grid's site: one busy day fetched again and again over
HTTP), ``customers`` (100,000 registered customers at full size: the daily full scan) and the transform's
``history`` store (many days of orders, generated once through the raw assets and the in-process sandbox,
cached under ``bench/.cache/woocommerce/`` in a folder named after a hash of its recipe, like the Shopify
stores of ``transform_stores``; a ``complete.json`` marker says the cache is whole and holds the
generation's figures and the sandbox's ground truth).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from bench.report import Size
from bench.transform_stores import BenchStore
from sandbox.woocommerce.spec import SiteSpec

CACHE_DIR = Path(__file__).parent / ".cache" / "woocommerce"
#: Bump when the way raw stores are generated changes, so old caches are not reused.
GENERATION_VERSION = 2
NY = ZoneInfo("America/New_York")
#: Environment variable sizing the transform's store at full size (orders in all; default 1,000,000).
ORDERS_ENV = "STOREHOUSE_BENCH_WOO_ORDERS"
FULL_ORDERS = 1_000_000
FULL_DAYS = 731
WEEK_FACTOR = (5 + 2 * 1.2) / 7


@dataclass(frozen=True)
class WooBenchStore(BenchStore):
    """One sandbox site and the business days the transform builds (``start``..``end``, site-local)."""

    cache_dir: ClassVar[Path] = CACHE_DIR
    generation_version: ClassVar[int] = GENERATION_VERSION

    @property
    def tenant_id(self) -> str:
        return f"bench-woo-{self.label}"

    @property
    def key_env(self) -> str:
        return self.tenant_id.upper().replace("-", "_") + "_KEY"

    @property
    def secret_env(self) -> str:
        return self.tenant_id.upper().replace("-", "_") + "_SECRET"

    def spec(self) -> SiteSpec:  # type: ignore[override]
        return SiteSpec(
            name=self.tenant_id,
            seed=23,
            timezone="America/New_York",
            currency="USD",
            country="US",
            orders_per_day=self.orders_per_day,
            history_days=self.history_days,
            customers=self.customers,
            products=40,
        )


def _store(label: str, orders_per_day: float, days: int, customers: int, end: date) -> WooBenchStore:
    """A site whose history is the ``days`` business days ending at ``end`` (clock: the midnight after)."""
    start = end - timedelta(days=days - 1)
    clock = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=NY)
    return WooBenchStore(label, orders_per_day, days, customers, clock, start, end)


def history(size: Size, orders: int = FULL_ORDERS) -> WooBenchStore:
    """The transform's store: ``orders`` orders (about: the sandbox draws each day's count) over up to two
    years ending 2025-12-31; fewer than 731 days below 100,000 orders so a day stays a realistic size."""
    if size.tiny:
        return _store("history-tiny", 40, 4, 200, date(2025, 12, 31))
    days = FULL_DAYS if orders >= 100_000 else max(30, orders // 500)
    # The sandbox's weekends sell 20 % more than orders_per_day: 5.7 % more on average over a week.
    per_day = round(orders / days / WEEK_FACTOR, 1)
    label = "history" if orders == FULL_ORDERS else f"history-{orders // 1000}k"
    return _store(label, per_day, days, max(2_000, orders // 100), date(2025, 12, 31))


@dataclass(frozen=True)
class GridSite:
    """The ingestion grid's site: ``orders_per_day`` orders a day; the fetched day is the last whole one."""

    name: str
    orders_per_day: float
    customers: int
    clock: datetime

    def spec(self) -> SiteSpec:
        return SiteSpec(
            name=self.name,
            seed=29,
            timezone="America/New_York",
            currency="USD",
            country="US",
            orders_per_day=self.orders_per_day,
            history_days=3,
            customers=self.customers,
            products=40,
        )

    @property
    def day(self) -> date:
        return self.clock.date() - timedelta(days=1)


CLOCK = datetime(2026, 3, 2, tzinfo=NY)


def orders_site(size: Size) -> GridSite:
    """A site selling 2,000 orders a day (tiny: 150), the grid fetching one of its days per run."""
    return GridSite("bench-woo-orders", 150 if size.tiny else 2_000, 500 if size.tiny else 5_000, CLOCK)


def customers_site(size: Size) -> GridSite:
    """A site with 100,000 registered customers (tiny: 400), whose full scan is the daily snapshot."""
    return GridSite("bench-woo-customers", 5, 400 if size.tiny else 100_000, CLOCK)
