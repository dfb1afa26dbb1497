"""Deterministic randomness and ids.

Every random stream is derived from the shop seed plus a label (for example the day), through SHA-256
(``sandbox/common/seeding.py``), so one day's orders never depend on another day's, and runs are identical
across processes and machines (Python's ``hash()`` is never used). Ids are int64 numbers built from the
kind of object, the day and a per-day counter, so they grow with time like Shopify's and fit in a signed
64-bit integer.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from itertools import accumulate

from sandbox.common.seeding import hex_token, poisson, rng_for

__all__ = ["IDS_PER_DAY", "DayIds", "cumulative", "hex_token", "poisson", "rng_for", "weighted_index"]

#: Base of each id kind; the day ordinal (~740,000) times 10**7 plus a per-day counter is added to it.
#: Every id stays below 2**53, so JSON readers that parse numbers as doubles keep them exact (as with
#: Shopify's own 13-digit ids).
_ID_BASES: dict[str, int] = {
    "order": 0,
    "line_item": 100_000_000_000_000,
    "shipping_line": 200_000_000_000_000,
    "refund": 300_000_000_000_000,
    "refund_line": 400_000_000_000_000,
    "transaction": 500_000_000_000_000,
    "adjustment": 600_000_000_000_000,
    "fulfillment": 700_000_000_000_000,
}
#: Ids of each kind one day can allocate; an id is its kind's base + day ordinal × IDS_PER_DAY + serial.
IDS_PER_DAY = 10_000_000


def cumulative(weights: Iterable[float]) -> list[float]:
    """Cumulative weights for :func:`weighted_index` (computed once for a fixed population)."""
    return list(accumulate(weights))


def weighted_index(rng: random.Random, cum_weights: list[float]) -> int:
    """The index ``rng.choices(population, cum_weights=cum_weights)`` would pick, drawing exactly the same.

    Mirrors ``Random.choices`` step for step (one ``random()`` scaled by the float total, then a right
    bisection), so precomputing the cumulative weights keeps every random stream byte-identical.
    """
    total = cum_weights[-1] + 0.0
    return bisect_right(cum_weights, rng.random() * total, 0, len(cum_weights) - 1)


class DayIds:
    """Allocates the ids of every object created while generating one day."""

    def __init__(self, day: date) -> None:
        self._offset = day.toordinal() * IDS_PER_DAY
        self._counters: dict[str, int] = {}

    def next(self, kind: str) -> int:
        """The next id of this kind for the day."""
        count = self._counters.get(kind, 0) + 1
        if count >= IDS_PER_DAY:
            raise OverflowError(f"more than {IDS_PER_DAY} {kind} ids in one day")
        self._counters[kind] = count
        return _ID_BASES[kind] + self._offset + count
