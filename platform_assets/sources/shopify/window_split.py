"""Splitting a day's window between fetching threads, so a shop's last big days do not page alone.

A raw run fetches a tenant's days side by side, one chain of pages per day. Days are not the same size
(the most recent days of a store hold the most orders, since older orders have moved on to the days they
were last updated), and a chain can only go as fast as the API answers one page after another (about
300 ms a page). So a run's last seconds are spent on its biggest days alone, with the shop's rate limit
unused; and a daily run of a busy shop is one chain of 26 pages, about 3 requests a second where a Plus
shop allows 20.

When a thread has no day left to start, it takes over the upper half of what remains of the chain with
the most pages left, by estimate: pages come sorted by ``updated_at``, so a chain that has paged
``pages`` pages from ``low`` up to ``reached`` has about ``pages × (high − reached) / (reached − low)``
pages left. The chain keeps ``[low, split]``, stops at the first record past ``split`` (dropping it and
those after it from its page), and the new chain pages ``[split + 1 s, high]``, which may be split again.
The pages of every chain of a day go into the day's one partition, written by the thread that started
the day: a day is still written whole and atomically, or not at all.

A split costs a partly filled page (and the page its chain had already asked for ahead), so it is made
only for a chain with at least ``SPLIT_MIN_PAGES`` pages left, and only where it buys time: while no
request has had to wait for the shop's bucket (the chains are bound by the API's latency, and the rate
limit has room), or when the chain's share of what is left is well over an even one and, left to page
alone, it could not keep up with the bucket (one chain makes a request per response time; a standard
shop's 2 a second are kept up with, a Plus shop's 20 are not).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from resources import fast_json
from resources.http import Pacer
from resources.page_encoding import EncodedPage
from resources.shopify.client import ShopifyShopClient

#: A chain is split only when it has at least this many pages left by the estimate,
SPLIT_MIN_PAGES = 4.0
#: ... and only when no request has waited for the shop's bucket in this many seconds,
BUCKET_IDLE_SECONDS = 1.0
#: ... or when its pages left are at least this many times an even share of what all chains have left
#: and one chain makes fewer requests a second than the bucket lets through.
UNEVEN_SHARE = 1.25
_SECOND = timedelta(seconds=1)


class DayAborted(Exception):
    """The day's partition failed elsewhere: a helper chain stops."""


@dataclass
class Chain:
    """One thread paging ``[low, high]`` of a day (both inclusive, ``low`` None: no lower bound)."""

    day: DayPages
    low: datetime | None
    high: datetime
    pages: int = 0
    reached: datetime | None = None  # updated_at of the last record received
    finished: bool = False

    def pages_left(self) -> float:
        """Pages still to come, estimated from the pace so far; 0 when nothing can be estimated."""
        if self.finished or self.pages == 0 or self.reached is None or self.low is None:
            return 0.0
        covered = (self.reached - self.low).total_seconds()
        left = (self.high - self.reached).total_seconds()
        if covered <= 0 or left <= 0:
            return 0.0
        return self.pages * left / covered


@dataclass
class _HelperDone:
    error: BaseException | None = None


@dataclass
class DayPages:
    """The pages of one day, from its own chain and from the helper chains split off it."""

    helpers: int = 0  # helper chains split off this day and not done yet
    aborted: bool = False
    inbox: queue.SimpleQueue[EncodedPage | _HelperDone] = field(default_factory=queue.SimpleQueue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_helper(self) -> None:
        with self.lock:
            self.helpers += 1

    def merged(self, own: Iterable[EncodedPage]) -> Iterator[EncodedPage]:
        """Every page of the day: the own chain's, with the helpers' taken in between, then the helpers'
        until the last is done. Raises a helper's error (after which helpers stop)."""
        try:
            for page in own:
                yield page
                yield from self._received(block=False)
            yield from self._received(block=True)
        except BaseException:
            self.aborted = True
            raise

    def _received(self, *, block: bool) -> Iterator[EncodedPage]:
        while True:
            if block:
                with self.lock:
                    if self.helpers == 0:  # no chain of the day is left to split: none can be added
                        return
                item = self.inbox.get()
            else:
                try:
                    item = self.inbox.get_nowait()
                except queue.Empty:
                    return
            if isinstance(item, _HelperDone):
                with self.lock:
                    self.helpers -= 1
                if item.error is not None:
                    raise item.error
                continue
            yield item


class ChainBoard:
    """The chains of one tenant's fetch in flight; hands out splits to idle threads."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._lock = threading.Condition()
        self._chains: list[Chain] = []
        self._response_seconds: float | None = None
        self.splits = 0

    def start(self, day: DayPages, low: datetime | None, high: datetime) -> Chain:
        chain = Chain(day, low, high)
        with self._lock:
            self._chains.append(chain)
        return chain

    def paged(self, chain: Chain, page: EncodedPage, response_seconds: float | None) -> EncodedPage | None:
        """Record a page of ``chain`` (and how long the API takes to answer, on average); the page cut at
        the chain's bound, or None when nothing of it is within. A cut page finishes the chain."""
        with self._lock:
            if response_seconds is not None:
                self._response_seconds = response_seconds
            high = chain.high
            reached = _updated_at(page.last_updated_at)
            if reached is not None:
                chain.reached = reached
            chain.pages += 1
            past = chain.reached is not None and chain.reached >= high + _SECOND
            if past:
                chain.finished = True
            self._lock.notify_all()
        if not past:
            return page
        kept = _lines_before(page, high + _SECOND)
        return kept if kept.records else None

    def finish(self, chain: Chain) -> None:
        with self._lock:
            chain.finished = True
            self._chains = [c for c in self._chains if c is not chain]
            self._lock.notify_all()

    def helper_done(self, chain: Chain, error: BaseException | None = None) -> None:
        """A helper chain is over (with the error that ended it, which its day's writer raises)."""
        self.finish(chain)
        chain.day.inbox.put(_HelperDone(error))

    def split(self, wait: float = 0.5) -> Chain | None:
        """A new chain taking the upper half of the chain with the most pages left, if one is worth
        splitting now; waits up to ``wait`` seconds for one. None when there is none."""
        with self._lock:
            victim = self._worth_splitting()
            if victim is None and self._chains:
                self._lock.wait(wait)
                victim = self._worth_splitting()
            if victim is None:
                return None
            assert victim.reached is not None
            split_at = (victim.reached + (victim.high - victim.reached) / 2).replace(microsecond=0)
            helper = Chain(victim.day, split_at + _SECOND, victim.high)
            victim.high = split_at
            victim.day.add_helper()
            self._chains.append(helper)
            self.splits += 1
            return helper

    def active(self) -> bool:
        with self._lock:
            return bool(self._chains)

    def _worth_splitting(self) -> Chain | None:
        """The chain with the most pages left, if splitting it shortens the fetch: it would still be
        paging when the others are done (its share of what is left is well over one chain's), or the
        bucket has room that no chain is using."""
        if not self._chains:
            return None
        victim = max(self._chains, key=Chain.pages_left)
        left = victim.pages_left()
        if left < SPLIT_MIN_PAGES or victim.reached is None or victim.reached + _SECOND >= victim.high:
            return None
        if self._bucket_idle():
            return victim
        total = sum(chain.pages_left() for chain in self._chains)
        uneven = left * len(self._chains) >= UNEVEN_SHARE * total
        return victim if uneven and self._one_chain_falls_behind() else None

    def _bucket_idle(self) -> bool:
        """No request waited for the bucket lately, and it has room for more than one (a bucket just
        found full, by the first answers' headers, has not made anyone wait yet)."""
        pacer = self._pacer
        return not pacer.waited_within(BUCKET_IDLE_SECONDS) and pacer.bucket_size - pacer.level >= 2

    def _one_chain_falls_behind(self) -> bool:
        """Whether a chain alone makes fewer requests than the bucket lets through (one per response)."""
        return self._response_seconds is not None and self._response_seconds * self._pacer.leak_rate > 1.0


def help_day(chain: Chain, board: ChainBoard, client: ShopifyShopClient, entity: str) -> None:
    """Page a helper chain into its day's inbox; its end (or error) is posted last."""
    day = chain.day
    error: BaseException | None = None
    try:
        for page in chain_pages(chain, board, client, entity):
            if day.aborted:
                raise DayAborted()
            day.inbox.put(page)
    except BaseException as exc:  # noqa: BLE001 - handed to the day's writer, which raises it
        error = exc
    finally:
        board.helper_done(chain, error)


def chain_pages(
    chain: Chain, board: ChainBoard, client: ShopifyShopClient, entity: str
) -> Iterator[EncodedPage]:
    """The pages of a chain's range, cut where a split left it; the chain leaves the board at the end."""
    try:
        for page in client.iter_window(entity, chain.low, chain.high):
            kept = board.paged(chain, page, client.mean_response_seconds())
            if kept is not None:
                yield kept
            if chain.finished:
                return
    finally:
        board.finish(chain)


def _lines_before(page: EncodedPage, bound: datetime) -> EncodedPage:
    """The page's lines up to the first record updated at or after ``bound`` (lines are in updated_at
    order). A record without a readable updated_at is kept: at worst it is stored twice, which staging
    counts once."""
    kept: list[bytes] = []
    last: str | None = None
    for line in page.lines.splitlines(keepends=True):
        value = fast_json.loads(line).get("updated_at")
        updated = _updated_at(value)
        if updated is not None and updated >= bound:
            break
        kept.append(line)
        last = value if updated is not None else last
    return EncodedPage(b"".join(kept), len(kept), last)


def _updated_at(value: object) -> datetime | None:
    """An API timestamp (ISO 8601 with offset), or None when it is missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
