"""Customers' order statistics as of the clock, computed from day digests newest day first, on demand.

A customer's record shows ``orders_count``, ``total_spent``, ``last_order_id``/``last_order_name`` and an
``updated_at`` that follows their latest order or refund ("last activity"). Counting needs every day of
the history, but the last activity rarely does: scanning days from the clock backwards, once a customer's
latest activity found so far is at or after the *horizon* of the days still unscanned (their orders'
events all happen before the day after them plus ``MAX_EVENT_DELAY``), nothing older can beat it. So an
order page only scans back as far as its customers' recent orders, while ``customers.json`` completes the
scan. The index lives until the clock moves.

Rules (as before, over non-test orders that exist at the clock): every such order counts; voided ones
add nothing to ``total_spent``; the last order is the one with the highest id; activity is the latest of
the order's creation and its refunds up to the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from sandbox.shopify.daybook import EVENT_DELAY_SECONDS
from sandbox.shopify.model import CustomerStats
from sandbox.shopify.money import from_cents
from sandbox.shopify.timeutil import local_date

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop

_NEVER = np.iinfo(np.int64).min


class CustomerIndex:
    """Per-customer statistics as of one clock, filled in by scanning day digests backwards."""

    def __init__(self, shop: SandboxShop) -> None:
        self._book = shop.book
        self._days = shop.days
        self._lock = shop.lock
        self._clock = shop.clock_epoch
        self._ids = np.array(sorted(customer.id for customer in shop.people.customers), dtype=np.int64)
        size = len(self._ids)
        self._count = np.zeros(size, dtype=np.int64)
        self._spent = np.zeros(size, dtype=np.int64)
        self._last_id = np.zeros(size, dtype=np.int64)
        self._activity = np.full(size, _NEVER, dtype=np.int64)
        clock_day = local_date(shop.clock, shop.spec.zone)
        #: position of the next day to scan (newest first); -1 once the whole history is scanned
        self._next = min(self._book.position(clock_day), len(self._book) - 1)

    # ----- scanning --------------------------------------------------------------------------------------
    def _horizon(self) -> int:
        """Every order of the unscanned days has all its activity before this instant (epoch seconds)."""
        if self._next < 0:
            return _NEVER
        return self._book.start(self._book.day(self._next + 1)) + EVENT_DELAY_SECONDS

    def _scan_day(self) -> None:
        day = self._book.day(self._next)
        summary = self._days.summary(day)
        state = self._days.state(day, self._clock)
        mask = state.exists & ~summary.test & (summary.customer != 0)
        if mask.any():
            index = np.searchsorted(self._ids, summary.customer[mask])
            np.add.at(self._count, index, 1)
            np.add.at(self._spent, index, state.spent[mask])
            np.maximum.at(self._last_id, index, summary.ids[mask])
            np.maximum.at(self._activity, index, state.activity[mask])
        self._next -= 1

    def _complete(self) -> None:
        while self._next >= 0:
            self._scan_day()

    def _position(self, customer_id: int) -> int | None:
        position = int(np.searchsorted(self._ids, customer_id))
        if position < len(self._ids) and self._ids[position] == customer_id:
            return position
        return None

    # ----- answers ---------------------------------------------------------------------------------------
    def last_activity(self, customer_id: int) -> datetime | None:
        """The customer's latest order creation or refund at or before the clock (None without orders)."""
        with self._lock:
            position = self._position(customer_id)
            if position is None:
                return None
            while self._next >= 0 and self._activity[position] < self._horizon():
                self._scan_day()
            if self._count[position] == 0:
                return None
            return datetime.fromtimestamp(int(self._activity[position]), UTC)

    def stats(self, customer_id: int) -> CustomerStats | None:
        """The customer's full statistics (scans the whole history once per clock); None without orders."""
        with self._lock:
            self._complete()
            position = self._position(customer_id)
            if position is None or self._count[position] == 0:
                return None
            return self._stats(position)

    def all_stats(self) -> dict[int, CustomerStats]:
        """Statistics of every customer with at least one order, by customer id."""
        with self._lock:
            self._complete()
            return {
                int(self._ids[position]): self._stats(position) for position in np.flatnonzero(self._count)
            }

    def _stats(self, position: int) -> CustomerStats:
        last_id = int(self._last_id[position])
        located = self._book.locate(last_id)
        assert located is not None
        day, index = located
        return CustomerStats(
            orders_count=int(self._count[position]),
            total_spent=from_cents(int(self._spent[position])),
            last_order_id=last_id,
            last_order_name=f"#{self._book.first_number(day) + index}",
            last_activity=datetime.fromtimestamp(int(self._activity[position]), UTC),
        )
