"""Listing and counting orders without looking at every order: the engine behind ``orders.json``.

A query first narrows the history to the *candidate days* whose orders can match (``DayBook.days_within``
turns time filters into days through the event-time bounds; ``ids`` and ``since_id`` name days directly,
because an order id encodes its day). Within a day, the filters run over the day's digest and state as of
the clock (numpy arrays, see ``summary.py``), never over rendered orders.

A page needs only the first ``limit`` matches after the cursor in sort order. Every day has bounds on its
sort key (``DayBook.spans``), and days are visited in order of their lowest key: once the matches
collected so far include ``limit`` below the lowest key of the next day, no later day can change the page,
so the scan stops. Sorting by id or ``created_at`` touches one or two days per page; ``updated_at``
(which reaches ``MAX_EVENT_DELAY`` past a day) touches the days that overlap the page.

Sort keys are ``(direction × value, direction × id)`` as in ``paging.py``, so cursors and ``Link``
headers are the same as for any other list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sandbox.shopify.lru import LruCache
from sandbox.shopify.paging import Cursor, Page
from sandbox.shopify.seeding import IDS_PER_DAY
from sandbox.shopify.summary import CANCELLED, CLOSED, FINANCIAL_CODES, DayState, DaySummary
from sandbox.shopify.timeutil import local_date

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop

_UNPAID = (FINANCIAL_CODES["pending"], FINANCIAL_CODES["authorized"])
#: Per-day match lists kept per clock (each a few arrays of the day's matching orders).
MATCH_CACHE_DAYS = 4_096


@dataclass(frozen=True)
class OrderFilter:
    """A validated ``orders.json`` query: filters, sort and the visibility window."""

    status: str = "open"  # open | closed | cancelled | any
    financial: str = "any"  # any | unpaid | a financial_status
    ids: frozenset[int] | None = None
    since_id: int | None = None
    bounds: tuple[tuple[str, float], ...] = ()  # ("updated_at_min", epoch seconds), ... inclusive
    field: str = "id"  # id | created_at | updated_at | processed_at
    direction: int = 1  # 1 ascending, -1 descending
    visible_from: float | None = None  # orders created before this are invisible (no read_all_orders)


@dataclass(frozen=True)
class _Matches:
    """One day's matching orders, sorted by key: key parts and positions within the day."""

    first: np.ndarray
    second: np.ndarray
    positions: np.ndarray


class OrderQuery:
    """One filtered, sorted view of a shop's orders as of its clock."""

    def __init__(self, shop: SandboxShop, order_filter: OrderFilter) -> None:
        self.shop = shop
        self.filter = order_filter
        self._clock = shop.clock_epoch
        self._bounds = dict(order_filter.bounds)
        self._ids = (
            np.array(sorted(order_filter.ids), dtype=np.int64) if order_filter.ids is not None else None
        )
        self._positions = self._candidate_positions()
        # Per-day matches depend only on the filter and the clock: shared by the pages of a walk.
        self._cache: LruCache[tuple[int, OrderFilter, int], _Matches] = shop.cached(
            "order_matches", lambda: LruCache(MATCH_CACHE_DAYS)
        )

    # ----- candidate days --------------------------------------------------------------------------------
    def _candidate_positions(self) -> list[int]:
        """Calendar positions of the days whose orders can match, oldest first."""
        book = self.shop.book
        last = book.position(local_date(self.shop.clock, self.shop.spec.zone))
        days = book.days_within(self._bounds, self.filter.visible_from)
        positions = [book.position(day) for day in days]
        positions = [position for position in positions if position <= last]
        first_ordinal = book.first.toordinal()
        if self.filter.ids is not None:
            wanted = {order_id // IDS_PER_DAY - first_ordinal for order_id in self.filter.ids}
            positions = [position for position in positions if position in wanted]
        if self.filter.since_id is not None:
            floor = self.filter.since_id // IDS_PER_DAY - first_ordinal
            positions = [position for position in positions if position >= floor]
        return positions

    # ----- one day ---------------------------------------------------------------------------------------
    def _mask(self, summary: DaySummary, state: DayState) -> np.ndarray:
        flt = self.filter
        mask = state.exists
        if flt.visible_from is not None:
            mask = mask & (summary.created >= flt.visible_from)
        if flt.status == "open":
            mask = mask & (state.flags == 0)
        elif flt.status == "closed":
            mask = mask & ((state.flags & CLOSED) != 0)
        elif flt.status == "cancelled":
            mask = mask & ((state.flags & CANCELLED) != 0)
        if flt.financial == "unpaid":
            mask = mask & ((state.financial == _UNPAID[0]) | (state.financial == _UNPAID[1]))
        elif flt.financial != "any":
            mask = mask & (state.financial == FINANCIAL_CODES[flt.financial])
        if self._ids is not None:
            mask = mask & np.isin(summary.ids, self._ids)
        if flt.since_id is not None:
            mask = mask & (summary.ids > flt.since_id)
        for key, bound in self._bounds.items():
            values = self._values(key.rsplit("_", 1)[0], summary, state)
            mask = mask & ((values >= bound) if key.endswith("_min") else (values <= bound))
        return mask

    @staticmethod
    def _values(field: str, summary: DaySummary, state: DayState) -> np.ndarray:
        if field == "created_at":
            return summary.created
        if field == "updated_at":
            return state.updated
        if field == "processed_at":
            return summary.processed
        return summary.ids

    def _matches(self, position: int) -> _Matches:
        """The day's matching orders sorted by key."""
        key = (self._clock, self.filter, position)
        matches = self._cache.get(key)
        if matches is None:
            day = self.shop.book.day(position)
            summary = self.shop.days.summary(day)
            state = self.shop.days.state(day, self._clock)
            mask = self._mask(summary, state)
            direction = self.filter.direction
            first = direction * self._values(self.filter.field, summary, state)[mask]
            second = direction * summary.ids[mask]
            order = np.lexsort((second, first))
            matches = _Matches(first[order], second[order], np.flatnonzero(mask)[order])
            self._cache.put(key, matches)
        return matches

    # ----- answers ---------------------------------------------------------------------------------------
    def count(self) -> int:
        """How many orders match."""
        return sum(len(self._matches(position).positions) for position in self._positions)

    def page(self, limit: int, cursor: Cursor | None) -> Page:
        """One page of orders, with the keys and flags ``paging.page`` would give on the full sorted list."""
        if cursor is None:
            hits = self._scan(None, False, limit + 1, 1)
            chosen, has_previous, has_next = hits[:limit], False, len(hits) > limit
        elif cursor.direction == "next":
            hits = self._scan(cursor.key, False, limit + 1, 1)
            chosen, has_next = hits[:limit], len(hits) > limit
            has_previous = bool(self._scan(cursor.key, True, 1, -1))
        else:
            hits = self._scan(cursor.key, False, limit + 1, -1)
            chosen, has_previous = list(reversed(hits[:limit])), len(hits) > limit
            has_next = bool(self._scan(cursor.key, True, 1, 1))
        book, days = self.shop.book, self.shop.days
        return Page(
            items=[days.orders(book.day(position))[index] for _key, position, index in chosen],
            first_key=chosen[0][0] if chosen else None,
            last_key=chosen[-1][0] if chosen else None,
            has_previous=bool(chosen) and has_previous,
            has_next=bool(chosen) and has_next,
        )

    def _scan(
        self, start: tuple[int, ...] | None, inclusive: bool, need: int, sign: int
    ) -> list[tuple[tuple[int, int], int, int]]:
        """Up to ``need`` matches (key, day position, index in the day) in key order (``sign`` 1) or reverse
        key order (-1), beyond ``start`` (or at it too, if ``inclusive``).

        Works in "scan space" (keys times ``sign``), where the scan is always ascending: days are visited
        by their lowest scan key and the scan stops once ``need`` collected matches lie below the next
        day's lowest key (no later day can hold a smaller one).
        """
        lows, highs = self.shop.book.spans(self.filter.field)
        flip = self.filter.direction * sign  # scan key = flip × value
        spans = [
            (lows[position], highs[position], position)
            if flip == 1
            else (-highs[position], -lows[position], position)
            for position in (self._positions if flip == 1 else reversed(self._positions))
        ]
        chunks: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []
        settled = 0  # matches of chunks lying wholly below the current ceiling (they stay below)
        open_chunks: list[np.ndarray] = []  # first key parts of the other chunks
        for index, (_low, high, position) in enumerate(spans):
            if start is not None and high < sign * start[0]:
                continue
            matches = self._matches(position)
            first, second, indexes = matches.first, matches.second, matches.positions
            if sign < 0:
                first, second, indexes = -first[::-1], -second[::-1], indexes[::-1]
            if start is not None:
                head, tail = sign * start[0], sign * start[1]
                after = (second >= tail) if inclusive else (second > tail)
                keep = (first > head) | ((first == head) & after)
                first, second, indexes = first[keep], second[keep], indexes[keep]
            if len(first):
                chunks.append((first, second, position, indexes))
                open_chunks.append(first)
            if index + 1 < len(spans):
                ceiling = spans[index + 1][0]
                below = 0
                still_open = []
                for keys in open_chunks:
                    if keys[-1] < ceiling:
                        settled += len(keys)
                    else:
                        below += int(np.searchsorted(keys, ceiling))
                        still_open.append(keys)
                open_chunks = still_open
                if settled + below >= need:
                    break
        if not chunks:
            return []
        if len(chunks) == 1:
            first, second, position, indexes = chunks[0]
            return [
                ((sign * int(first[i]), sign * int(second[i])), position, int(indexes[i]))
                for i in range(min(need, len(first)))
            ]
        first = np.concatenate([chunk[0] for chunk in chunks])
        second = np.concatenate([chunk[1] for chunk in chunks])
        indexes = np.concatenate([chunk[3] for chunk in chunks])
        owners = np.concatenate([np.full(len(chunk[0]), chunk[2]) for chunk in chunks])
        best = np.lexsort((second, first))[:need]
        return [
            ((sign * int(first[i]), sign * int(second[i])), int(owners[i]), int(indexes[i])) for i in best
        ]
