"""Each buyer identity's first counted order as of the clock: what makes a customer "new" on a day.

``new_customers`` on day D counts the identities whose first counted order ever (earliest
``processed_at`` among the orders that exist at the clock, are not test orders and are not voided) falls
on D. The index keeps one minimum per identity code (``summary.IdentityTable``) and grows over a prefix
of the history: to judge days up to D only the days up to D + 1 matter (an order counts on the day of its
``processed_at``, which is its creation day or the day before), so a ground truth of early days never
touches later ones. It lives until the clock moves.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sandbox.shopify.summary import VOIDED

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop

_UNSEEN = np.iinfo(np.int64).max


class FirstOrders:
    """Earliest counted ``processed_at`` per identity code over the days summarised so far."""

    def __init__(self, shop: SandboxShop) -> None:
        self._book = shop.book
        self._days = shop.days
        self._lock = shop.lock
        self._clock = shop.clock_epoch
        self._first = np.full(0, _UNSEEN, dtype=np.int64)
        self._covered = -1  # position of the last day folded in

    def _fold(self, position: int) -> None:
        day = self._book.day(position)
        summary = self._days.summary(day)
        state = self._days.state(day, self._clock)
        mask = state.exists & ~summary.test & (state.financial != VOIDED) & (summary.identity >= 0)
        codes = summary.identity[mask]
        if len(codes) and codes.max() >= len(self._first):
            grown = np.full(int(codes.max()) + 1, _UNSEEN, dtype=np.int64)
            grown[: len(self._first)] = self._first
            self._first = grown
        np.minimum.at(self._first, codes, summary.processed[mask])

    def first_days(self, codes: np.ndarray, through: date) -> np.ndarray:
        """Local date ordinals of the first counted order of identity ``codes``, judged from the days up to
        ``through`` (-1 for identities without a counted order there)."""
        with self._lock:
            target = min(self._book.position(through), len(self._book) - 1)
            while self._covered < target:
                self._covered += 1
                self._fold(self._covered)
            firsts = np.full(len(codes), _UNSEEN, dtype=np.int64)
            known = codes < len(self._first)
            firsts[known] = self._first[codes[known]]
            return np.where(firsts == _UNSEEN, -1, self._book.local_days(firsts))
