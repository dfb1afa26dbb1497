"""The order calendar of a store: which local days have how many orders, and where each day sits in time.

Orders are generated lazily, a day at a time, so the shop keeps only this compact calendar eagerly: each
day's order count (the first draw of the day's random stream, cheap without generating the orders), the
number of the day's first order (order numbers run on across days), and the UTC instants of local
midnights. Order ids encode their day (``seeding.DayIds``: day ordinal × 10**7 + position), so an id maps
to its day without any index.

The event-time bounds of ``timing.py`` (``MAX_EVENT_DELAY``, ``PROCESSED_MAX_LEAD``) turn a time window
into the few days whose orders can fall into it: an order created on day D has ``created_at`` in D,
``processed_at`` at most ``PROCESSED_MAX_LEAD`` earlier, and every later event (so ``updated_at`` and
its refunds) before ``created_at + MAX_EVENT_DELAY``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sandbox.shopify.seeding import IDS_PER_DAY
from sandbox.shopify.timeutil import day_start
from sandbox.shopify.timing import MAX_EVENT_DELAY, PROCESSED_MAX_LEAD

#: ``MAX_EVENT_DELAY`` and ``PROCESSED_MAX_LEAD`` in whole seconds (timestamps are epoch seconds).
EVENT_DELAY_SECONDS = int(MAX_EVENT_DELAY.total_seconds())
PROCESSED_LEAD_SECONDS = int(PROCESSED_MAX_LEAD.total_seconds())

#: The time fields orders can be filtered and sorted by.
TIME_FIELDS = ("created_at", "updated_at", "processed_at")


class DayBook:
    """Order counts, first order numbers and local-midnight instants of the days ``first``..``last``."""

    def __init__(
        self, first: date, zone: ZoneInfo, count_day: Callable[[date], int], first_number: int = 1001
    ):
        self.first = first
        self.last = first - timedelta(days=1)
        self._zone = zone
        self._count_day = count_day
        self._counts: list[int] = []
        self._numbers: list[int] = [first_number]  # number of each day's first order, plus one past the end
        self._starts: list[int] = [int(day_start(first, zone).timestamp())]  # midnights, one past the end
        self._spans: dict[str, tuple[list[int], list[int]]] = {}
        self._dates: list[date] = []

    # ----- growth ----------------------------------------------------------------------------------------
    def extend(self, until: date) -> None:
        """Add the days up to ``until`` (never shrinks: the history only grows as the clock moves)."""
        day = self.last + timedelta(days=1)
        while day <= until:
            count = self._count_day(day)
            self._counts.append(count)
            self._numbers.append(self._numbers[-1] + count)
            self._starts.append(int(day_start(day + timedelta(days=1), self._zone).timestamp()))
            self._dates.append(day)
            self.last = day
            day += timedelta(days=1)

    # ----- days ------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._counts)

    def day(self, position: int) -> date:
        """The day at ``position`` (0 is the first day of the history)."""
        if 0 <= position < len(self._dates):
            return self._dates[position]
        return self.first + timedelta(days=position)

    def position(self, day: date) -> int:
        """Position of ``day`` in the calendar (may lie outside ``[0, len)``)."""
        return (day - self.first).days

    def days(self) -> list[date]:
        """Every day of the calendar, oldest first."""
        return list(self._dates)

    def count(self, day: date) -> int:
        """Orders created on ``day`` (0 outside the calendar)."""
        position = self.position(day)
        return self._counts[position] if 0 <= position < len(self) else 0

    def first_number(self, day: date) -> int:
        """The order number (``order_number``) of the day's first order."""
        return self._numbers[self.position(day)]

    def start(self, day: date) -> int:
        """Epoch seconds of the local midnight starting ``day`` (a day of the calendar, or the next one)."""
        return self._starts[self.position(day)]

    def local_days(self, epochs: np.ndarray) -> np.ndarray:
        """Local date ordinals of instants (epoch seconds) from the day before the calendar to its end."""
        positions = np.searchsorted(np.asarray(self._starts, dtype=np.int64), epochs, side="right") - 1
        return positions + self.first.toordinal()

    # ----- ids -------------------------------------------------------------------------------------------
    def locate(self, order_id: int) -> tuple[date, int] | None:
        """(day, index within the day) of an order id, or None if no such order was generated."""
        ordinal, serial = divmod(order_id, IDS_PER_DAY)
        if not self.first.toordinal() <= ordinal <= self.last.toordinal():
            return None
        day = date.fromordinal(ordinal)
        if not 1 <= serial <= self.count(day):
            return None
        return day, serial - 1

    # ----- time windows ----------------------------------------------------------------------------------
    def spans(self, field: str) -> tuple[list[int], list[int]]:
        """Inclusive bounds of ``field`` over each day's orders: (lowest values, highest values) by position.

        ``field`` is ``id`` or a time field (epoch seconds). Exact for ``id`` and ``created_at``; wider for
        ``processed_at`` (up to ``PROCESSED_MAX_LEAD`` before the day) and ``updated_at`` (up to
        ``MAX_EVENT_DELAY`` after it). Both lists ascend with the day.
        """
        cached = self._spans.get(field)
        if cached is not None and len(cached[0]) == len(self):
            return cached
        if field == "id":
            ordinals = np.arange(len(self), dtype=np.int64) + self.first.toordinal()
            lows = ordinals * IDS_PER_DAY + 1
            highs = lows + np.maximum(np.asarray(self._counts, dtype=np.int64), 1) - 1
        else:
            starts = np.asarray(self._starts, dtype=np.int64)
            lows, highs = starts[:-1], starts[1:] - 1
            if field == "processed_at":
                lows = lows - PROCESSED_LEAD_SECONDS
            elif field == "updated_at":
                highs = highs + EVENT_DELAY_SECONDS
        spans = (lows.tolist(), highs.tolist())
        self._spans[field] = spans
        return spans

    def days_within(self, bounds: dict[str, float], visible_from: float | None = None) -> list[date]:
        """Days whose orders can match inclusive time bounds (``{field}_min`` / ``{field}_max``, epoch),
        and were created at or after ``visible_from``.

        Never misses an order: a day is left out only if one field's :meth:`spans` lie wholly outside
        its bounds.
        """
        low, high = 0, len(self)
        for field in TIME_FIELDS:
            floor = bounds.get(field + "_min")
            ceiling = bounds.get(field + "_max")
            if field == "created_at" and visible_from is not None:
                floor = visible_from if floor is None else max(floor, visible_from)
            if floor is None and ceiling is None:
                continue
            lows, highs = self.spans(field)
            if floor is not None:  # from the first day whose highest value reaches the floor
                low = max(low, bisect_left(highs, floor))
            if ceiling is not None:  # up to the last day whose lowest value is within the ceiling
                high = min(high, bisect_right(lows, ceiling))
        return [self.day(position) for position in range(low, high)]

    def days_touching(self, start: date, end: date) -> tuple[date, date]:
        """The days whose orders can count on, or be refunded on, a local day in ``[start, end]``.

        An order counts on the day of its ``processed_at`` (its creation day or the day before) and its
        refunds come before ``created_at + MAX_EVENT_DELAY``.
        """
        floor = bisect_left(self._starts, self._midnight(start) - EVENT_DELAY_SECONDS) - 1
        first = self.day(max(0, floor))
        last = min(end + timedelta(days=1), self.last)
        return first, last

    def _midnight(self, day: date) -> int:
        position = self.position(day)
        if 0 <= position < len(self._starts):
            return self._starts[position]
        return int(day_start(day, self._zone).timestamp())
