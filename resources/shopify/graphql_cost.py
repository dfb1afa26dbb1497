"""Pacing for Shopify's GraphQL Admin API: a local estimate of the shop's cost bucket.

GraphQL is not limited by requests but by *points*: every answer reports, in ``extensions.cost``, the
query's ``requestedQueryCost`` and the bucket's ``throttleStatus`` (``maximumAvailable``,
``currentlyAvailable``, ``restoreRate`` points per second). A query runs only if its requested cost is
available; otherwise Shopify answers ``THROTTLED`` with no data. So before each query the client asks
:meth:`CostPacer.reserve` how long to wait for the query's cost (as learnt from its last answer) to be
available at the restore rate, and every answer corrects the estimate (:meth:`CostPacer.observe`).
One pacer per shop per process (:data:`GRAPHQL_PACERS`), shared by every client and thread of that shop;
the REST bucket is separate (``resources.http.PACERS``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from resources.http import Clock, PacerRegistry


class CostPacer:
    """Thread-safe estimate of one shop's GraphQL cost bucket (points available, restoring over time).

    Until the first answer the bucket is unknown and nothing waits. Reservations that must wait push the
    estimate below zero, so concurrent callers queue behind each other instead of waking together.
    """

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._available: float | None = None
        self._maximum: float | None = None
        self._restore_rate: float | None = None
        self._updated = clock()
        self._reserved = 0.0  # points booked by queries not yet answered
        self._costs: dict[str, float] = {}  # requested cost last reported, per query document

    @property
    def restore_rate(self) -> float | None:
        return self._restore_rate

    @property
    def maximum(self) -> float | None:
        return self._maximum

    def available(self) -> float | None:
        """Points believed available now (None before the first answer)."""
        with self._lock:
            self._restore()
            return self._available

    def known_cost(self, document: str) -> float:
        """The requested cost the shop last reported for ``document`` (0 before it was sent)."""
        with self._lock:
            return self._costs.get(document, 0.0)

    def _restore(self) -> None:
        now = self._clock()
        elapsed = now - self._updated
        self._updated = now
        if self._available is not None and self._restore_rate and self._maximum is not None and elapsed > 0:
            self._available = min(self._maximum, self._available + elapsed * self._restore_rate)

    def reserve(self, cost: float) -> float:
        """Book ``cost`` points and return the seconds to wait before sending the query."""
        with self._lock:
            self._restore()
            self._reserved += cost
            if self._available is None or not self._restore_rate:
                return 0.0
            short = cost - self._available
            self._available -= cost
            return short / self._restore_rate if short > 0 else 0.0

    def observe(self, document: str, booked: float, cost: Mapping[str, Any] | None) -> None:
        """An answer to a query that booked ``booked`` points came back with ``cost`` (its
        ``extensions.cost``, None if it had none): the shop's figures replace the estimate, less what other
        queries have booked and not yet been answered for."""
        with self._lock:
            self._restore()
            self._reserved = max(0.0, self._reserved - booked)
            if not isinstance(cost, Mapping):
                return
            requested = cost.get("requestedQueryCost")
            if isinstance(requested, int | float):
                self._costs[document] = float(requested)
            status = cost.get("throttleStatus")
            if not isinstance(status, Mapping):
                return
            available = status.get("currentlyAvailable")
            maximum = status.get("maximumAvailable")
            rate = status.get("restoreRate")
            if isinstance(maximum, int | float) and maximum > 0:
                self._maximum = float(maximum)
            if isinstance(rate, int | float) and rate > 0:
                self._restore_rate = float(rate)
            if isinstance(available, int | float):
                self._available = float(available) - self._reserved


class CostPacerRegistry:
    """One :class:`CostPacer` per shop (its normalised base URL)."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._pacers: dict[str, CostPacer] = {}
        self._clock = clock

    def get(self, base_url: str) -> CostPacer:
        key = PacerRegistry.normalise_key(base_url)
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                pacer = self._pacers[key] = CostPacer(clock=self._clock)
            return pacer

    def clear(self) -> None:
        with self._lock:
            self._pacers.clear()


#: The process-wide registry: clients of the same shop share its cost bucket estimate.
GRAPHQL_PACERS = CostPacerRegistry()
