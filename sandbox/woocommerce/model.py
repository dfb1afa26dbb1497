"""``WooSite``: a simulated WooCommerce site, lazily generated day by day, seen as of its clock.

Building a site draws only each local day's order count (the calendar); a day's orders are generated when
a request needs them and kept in a bounded cache, so a site of a million orders never sits in memory.
Listing needs a per-day digest (id, created, modified, status as of the clock), kept compactly per day.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from typing import Any

from sandbox.woocommerce.catalog import Catalog, build_catalog
from sandbox.woocommerce.faults import FaultInjector
from sandbox.woocommerce.orders import ALL_STATUSES, ORDER_ID_BASE, Order, day_count, generate_day
from sandbox.woocommerce.spec import SiteSpec

STATUS_CODES = {status: index for index, status in enumerate(ALL_STATUSES)}


class DayDigest:
    """What listing needs of one day's orders at one clock: ids, created/modified epoch seconds, status."""

    __slots__ = ("ids", "created", "modified", "status")

    def __init__(self, orders: list[Order], clock: datetime) -> None:
        visible = [o for o in orders if o.created <= clock]
        self.ids = array("q", (o.id for o in visible))
        self.created = array("q", (int(o.created.timestamp()) for o in visible))
        self.modified = array("q", (int(o.modified_at(clock).timestamp()) for o in visible))
        self.status = array("b", (STATUS_CODES[o.status_at(clock)] for o in visible))


class WooSite:
    """One simulated site. Thread-safe for concurrent reads.

    ``clock`` is the site's "now" (tz-aware): orders created later do not exist, later events are not
    applied. ``defects`` (settable) plant API bugs; ``faults`` arm host-firewall errors and delays.
    """

    def __init__(self, spec: SiteSpec, clock: datetime) -> None:
        if clock.tzinfo is None:
            raise ValueError("the clock must be timezone-aware")
        self.spec = spec
        self.zone = spec.zone
        self._clock = clock
        self.history_start: date = clock.astimezone(self.zone).date() - timedelta(days=spec.history_days)
        start_instant = datetime.combine(self.history_start, time(0), self.zone)
        self.catalog: Catalog = build_catalog(spec, start_instant, clock)
        self.faults = FaultInjector()
        self.defects: list[Any] = list(spec.defects)
        self._lock = threading.RLock()
        #: Guards the caches (days, digests, listing queries) across server threads.
        self.lock = self._lock
        self._days: list[date] = []
        self._first_ids: list[int] = []
        self._counts: list[int] = []
        self._extend_calendar()
        self._orders: OrderedDict[date, list[Order]] = OrderedDict()
        self._digests: dict[date, DayDigest] = {}
        self.used_nonces: dict[str, dict[str, int]] = {}
        self.query_cache: OrderedDict[Any, list[int]] = OrderedDict()
        from sandbox.woocommerce.api import WooAPI

        self.api = WooAPI(self)

    # ---- calendar and clock -----------------------------------------------------------------------------
    def _extend_calendar(self) -> None:
        last = self._clock.astimezone(self.zone).date()
        day = self._days[-1] + timedelta(days=1) if self._days else self.history_start
        next_id = self._first_ids[-1] + self._counts[-1] if self._days else ORDER_ID_BASE + 1
        while day <= last:
            count = day_count(self.spec, day)
            self._days.append(day)
            self._first_ids.append(next_id)
            self._counts.append(count)
            next_id += count
            day += timedelta(days=1)

    @property
    def clock(self) -> datetime:
        """The site's now."""
        return self._clock

    def set_clock(self, clock: datetime) -> None:
        """Move the clock (new days join the calendar; digests and cached queries are recomputed)."""
        with self._lock:
            self._clock = clock
            self._extend_calendar()
            self._digests.clear()
            self.query_cache.clear()

    @property
    def days(self) -> list[date]:
        """Local days from the history start to the clock's day."""
        return [d for d in self._days if d <= self._clock.astimezone(self.zone).date()]

    def day_counts(self) -> dict[date, int]:
        """Orders generated per local day (including those after the clock on its own day)."""
        return dict(zip(self._days, self._counts, strict=True))

    # ---- orders ----------------------------------------------------------------------------------------
    def day_orders(self, day: date) -> list[Order]:
        """Every order created on local ``day`` (with its whole future), generated on demand and cached."""
        with self._lock:
            cached = self._orders.get(day)
            if cached is not None:
                self._orders.move_to_end(day)
                return cached
            index = self._days.index(day)
            orders = generate_day(self.spec, self.catalog, day, self._first_ids[index])
            self._orders[day] = orders
            while len(self._orders) > 64:
                self._orders.popitem(last=False)
            return orders

    def digest(self, day: date) -> DayDigest:
        """The day's listing digest at the current clock."""
        with self._lock:
            found = self._digests.get(day)
            if found is None:
                found = DayDigest(self.day_orders(day), self._clock)
                self._digests[day] = found
            return found

    def order(self, order_id: int) -> Order | None:
        """The order with this id if it exists at the clock (any status), else None."""
        index = bisect_right(self._first_ids, order_id) - 1
        if index < 0 or order_id >= self._first_ids[index] + self._counts[index]:
            return None
        order = self.day_orders(self._days[index])[order_id - self._first_ids[index]]
        return order if order.created <= self._clock else None

    def orders(self) -> list[Order]:
        """Every order that exists at the clock (small sites and tests: this generates every day)."""
        return [o for day in self.days for o in self.day_orders(day) if o.created <= self._clock]

    def ground_truth(self, start: date, end: date) -> list[dict[str, Any]]:
        """The site's own daily figures for local days ``start``..``end`` (see ``ground_truth.py``)."""
        from sandbox.woocommerce.ground_truth import ground_truth

        return ground_truth(self, start, end)
