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

#: Seeded deletions (``ShopSpec.delete_share``): an order is deleted when a hash of its id falls below the
#: share, ``DELETE_MIN_SECONDS`` plus up to ``DELETE_SPAN_SECONDS`` after its creation.
DELETE_MIN_SECONDS = 3_600
DELETE_SPAN_SECONDS = 71 * 3_600
_HASH_MOD = 1 << 32
_HASH_MUL = 2_654_435_761


def _seeded_fraction(order_id: int, seed: int) -> float:
    """A fraction in [0, 1) fixed by the order id and the shop seed (same as the array version)."""
    return (((order_id % _HASH_MOD) * _HASH_MUL % _HASH_MOD) ^ (seed * 40_503 % _HASH_MOD)) / _HASH_MOD


def _seeded_fractions(ids: np.ndarray, seed: int) -> np.ndarray:
    mixed = (ids.astype(np.uint64) % np.uint64(_HASH_MOD)) * np.uint64(_HASH_MUL) % np.uint64(_HASH_MOD)
    return (mixed ^ np.uint64(seed * 40_503 % _HASH_MOD)).astype(np.float64) / _HASH_MOD


def seeded_deletion(order_id: int, created: int, seed: int, share: float) -> int | None:
    """When a seeded deletion removes the order (epoch seconds), or None if it is never deleted."""
    if share <= 0:
        return None
    fraction = _seeded_fraction(order_id, seed)
    if fraction >= share:
        return None
    return created + DELETE_MIN_SECONDS + int(fraction / share * DELETE_SPAN_SECONDS)


def seeded_deletions(summary: DaySummary, seed: int, share: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions, deletion instants) of the day's orders a seeded deletion removes."""
    if share <= 0 or not len(summary.ids):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fractions = _seeded_fractions(summary.ids, seed)
    positions = np.flatnonzero(fractions < share)
    spans = np.floor(fractions[positions] / share * DELETE_SPAN_SECONDS).astype(np.int64)
    return positions, summary.created[positions].astype(np.int64) + DELETE_MIN_SECONDS + spans


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
        seed: int = 0,
        delete_share: float = 0.0,
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
        self.seed = seed
        self.delete_share = delete_share

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
                if self.delete_share > 0:
                    positions, instants = seeded_deletions(summary, self.seed, self.delete_share)
                    gone = positions[instants <= clock]
                    if len(gone):
                        exists = state.exists.copy()
                        exists[gone] = False
                        state = replace(state, exists=exists)
                self._states[day] = state
            return state

    def delete(self, order_id: int, at: int) -> None:
        """Record that ``order_id`` was deleted at ``at`` (epoch seconds); day states are recomputed."""
        with self._lock:
            self.deleted[order_id] = at
            self._states = {}
            self._state_clock = None

    def deleted_at(self, order_id: int, clock: int, created: int | None = None) -> int | None:
        """When the order was deleted (explicitly, or by the seeded rate given its ``created`` epoch
        seconds), if it was at or before ``clock`` (epoch seconds)."""
        at = self.deleted.get(order_id)
        if created is not None:
            seeded = seeded_deletion(order_id, created, self.seed, self.delete_share)
            if seeded is not None and (at is None or seeded < at):
                at = seeded
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
