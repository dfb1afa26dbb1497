"""Lazily generated order days: a bounded cache of each day's orders and a permanent digest of every day.

A day's orders are generated on first use (from the day's own random stream, so the result never depends
on which days were generated before or were evicted since) and kept in a least-recently-used cache
bounded by a number of orders. The first time a day is generated its compact :class:`DaySummary` is
extracted and kept for good; the summaries are what the listing, counting, customer, inventory and
ground-truth indexes read, so they never need more than the days they touch. Day states as of the clock
are cached until the clock moves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sandbox.shopify.daybook import DayBook
from sandbox.shopify.gc_pause import collector_paused
from sandbox.shopify.summary import DayState, DaySummary, SummaryContext, summarize

if TYPE_CHECKING:
    from sandbox.shopify.model import DayGenerator, Order

#: Default bound of the order cache (whole days are kept; a Python order takes about 4 KB). Enough for
#: the ~51 days an ``updated_at`` window reaches back at 1,400 orders a day.
DAY_CACHE_ORDERS = 100_000


class DayStore:
    """The orders of every day of a :class:`DayBook`, generated on demand. Thread-safe."""

    def __init__(
        self,
        book: DayBook,
        generator: DayGenerator,
        context: SummaryContext,
        lock: threading.RLock,
        max_orders: int = DAY_CACHE_ORDERS,
    ) -> None:
        self.book = book
        self.context = context
        self.max_orders = max_orders
        self._generator = generator
        self._lock = lock
        self._days: OrderedDict[date, list[Order]] = OrderedDict()
        self._cached_orders = 0
        self._summaries: dict[date, DaySummary] = {}
        self._states: dict[date, DayState] = {}
        self._state_clock: int | None = None
        self.generated_days = 0  # how many times a day was generated (cache misses), for tests and benches
        #: Deleted orders: order id -> epoch seconds of the deletion (``SandboxShop.delete_order``). From
        #: that instant on the order no longer exists: every index reads ``state.exists``.
        self.deleted: dict[int, int] = {}

    # ----- orders ----------------------------------------------------------------------------------------
    def orders(self, day: date) -> list[Order]:
        """Every order created on ``day`` (including those after the clock), in id order."""
        return self._load(day, hot=True)

    def _load(self, day: date, hot: bool) -> list[Order]:
        """The day's orders, generated if needed. ``hot`` days become the most recently used; days loaded
        only for their digest (``hot`` false) go in at the cold end, so that a scan over many days evicts
        its own days rather than the ones being served."""
        with self._lock:
            orders = self._days.get(day)
            if orders is not None:
                if hot:
                    self._days.move_to_end(day)
                return orders
            if self.book.count(day) == 0:
                return []
            with collector_paused():
                orders = self._generator.generate_day(day, self.book.first_number(day))
                if day not in self._summaries:
                    self._summaries[day] = summarize(day, orders, self.context)
            self.generated_days += 1
            while self._days and self._cached_orders + len(orders) > self.max_orders:
                _evicted, dropped = self._days.popitem(last=False)
                self._cached_orders -= len(dropped)
            self._days[day] = orders
            self._days.move_to_end(day, last=hot)
            self._cached_orders += len(orders)
            return orders

    def order(self, order_id: int) -> Order | None:
        """The generated order with this id (whether or not it exists at the clock), else None."""
        located = self.book.locate(order_id)
        if located is None:
            return None
        day, index = located
        order = self.orders(day)[index]
        return order if order.id == order_id else None

    def cached_days(self) -> list[date]:
        """Days whose orders are in the cache, least recently used first."""
        with self._lock:
            return list(self._days)

    def clear_cache(self) -> None:
        """Drop every cached day's orders (summaries stay); later reads regenerate them."""
        with self._lock:
            self._days.clear()
            self._cached_orders = 0

    # ----- digests ---------------------------------------------------------------------------------------
    def summary(self, day: date) -> DaySummary:
        """The day's compact digest (generating the day once if it never was)."""
        with self._lock:
            summary = self._summaries.get(day)
            if summary is None:
                self._load(day, hot=False)
                summary = self._summaries.get(day)
                if summary is None:  # a day without orders
                    summary = summarize(day, [], self.context)
                    self._summaries[day] = summary
            return summary

    @property
    def summarized_days(self) -> int:
        """How many days have a digest (each was generated at least once)."""
        return len(self._summaries)

    def state(self, day: date, clock: int) -> DayState:
        """The day's orders as of ``clock`` (epoch seconds); cached until another clock is asked for."""
        with self._lock:
            if clock != self._state_clock:
                self._states = {}
                self._state_clock = clock
            state = self._states.get(day)
            if state is None:
                summary = self.summary(day)
                state = _without_deleted(summary, summary.state_at(clock), self.deleted, clock)
                self._states[day] = state
            return state

    def delete(self, order_id: int, at: int) -> None:
        """Record that ``order_id`` was deleted at ``at`` (epoch seconds); day states are recomputed."""
        with self._lock:
            self.deleted[order_id] = at
            self._states = {}
            self._state_clock = None

    def deleted_at(self, order_id: int, clock: int) -> int | None:
        """When the order was deleted, if it was at or before ``clock`` (epoch seconds)."""
        at = self.deleted.get(order_id)
        return at if at is not None and at <= clock else None


def _without_deleted(summary: DaySummary, state: DayState, deleted: dict[int, int], clock: int) -> DayState:
    """``state`` with the orders deleted at or before ``clock`` marked as not existing."""
    gone = [order_id for order_id, at in deleted.items() if at <= clock]
    if not gone or not len(summary.ids):
        return state
    hit = np.isin(summary.ids, np.array(gone, dtype=np.int64))
    if not hit.any():
        return state
    return replace(state, exists=state.exists & ~hit)
