"""Shopify's REST rate limit: a leaky bucket per store (and app).

Each request adds one call to the bucket; the bucket drains at ``leak_rate`` calls per second. A request
that would overflow it is refused (HTTP 429). Responses report the level as ``used/size``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class LeakyBucket:
    """A thread-safe leaky bucket. ``clock`` returns seconds (monotonic); inject a fake one in tests."""

    def __init__(self, capacity: int, leak_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or leak_rate < 0:
            raise ValueError("bucket capacity must be >= 1 and leak rate >= 0")
        self.capacity = capacity
        self.leak_rate = leak_rate
        self._clock = clock
        self._level = 0.0
        self._last = clock()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._level = max(0.0, self._level - elapsed * self.leak_rate)
        self._last = now

    def try_acquire(self, cost: int = 1) -> tuple[bool, int]:
        """Add ``cost`` calls if they fit. Returns (accepted, calls in the bucket afterwards)."""
        with self._lock:
            self._drain()
            if self._level + cost > self.capacity + 1e-9:
                return False, self._shown()
            self._level += cost
            return True, self._shown()

    def used(self) -> int:
        """Calls currently in the bucket (rounded up, as the call-limit header shows them)."""
        with self._lock:
            self._drain()
            return self._shown()

    def header(self) -> str:
        """The ``X-Shopify-Shop-Api-Call-Limit`` value, e.g. ``"32/40"``."""
        return f"{self.used()}/{self.capacity}"

    def reset(self) -> None:
        """Empty the bucket (tests)."""
        with self._lock:
            self._level = 0.0
            self._last = self._clock()

    def _shown(self) -> int:
        return min(self.capacity, math.ceil(self._level - 1e-9))
