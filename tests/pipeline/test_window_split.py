"""When a day's window is split between threads, where it is split, and how a chain's page is cut there.
(The fetch itself, split and unsplit, is tested against the sandbox in test_raw_fetch.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from platform_assets.sources.shopify.window_split import ChainBoard, DayPages
from resources.http import Pacer
from resources.page_encoding import EncodedPage, encode_records

EST = timezone(timedelta(hours=-5))
LOW = datetime(2026, 2, 27, 0, 0, 0, tzinfo=EST)
HIGH = datetime(2026, 2, 27, 23, 59, 59, tzinfo=EST)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def page_up_to(hour: int, minute: int = 0) -> EncodedPage:
    """A page of orders sorted by updated_at whose last record was updated at hour:minute."""
    last = datetime(2026, 2, 27, hour, minute, tzinfo=EST)
    records = [{"id": n, "updated_at": (last - timedelta(minutes=3 - n)).isoformat()} for n in range(4)]
    return encode_records(records)


def board_with(pacer: Pacer) -> tuple[ChainBoard, DayPages]:
    return ChainBoard(pacer), DayPages()


def busy(pacer: Pacer) -> None:
    """Book the bucket full, so the last booking has to wait: the bucket sets the pace."""
    while pacer.reserve() == 0:
        pass


def test_an_idle_bucket_splits_the_chain_with_the_most_pages_left_at_half_its_remaining_range():
    board, day = board_with(Pacer(400, clock=FakeClock()))
    slow = board.start(day, LOW, HIGH)
    fast = board.start(DayPages(), LOW, HIGH)
    board.paged(slow, page_up_to(2), 0.3)  # 2 hours a page: about 11 pages left
    board.paged(fast, page_up_to(12), 0.3)  # 12 hours a page: about 1 page left
    helper = board.split(wait=0)
    assert helper is not None and helper.day is day
    assert slow.high == datetime(2026, 2, 27, 12, 59, 59, tzinfo=EST)  # halfway from 02:00 to 23:59:59
    assert (helper.low, helper.high) == (slow.high + timedelta(seconds=1), HIGH)
    assert day.helpers == 1 and board.splits == 1
    # What the slow chain keeps is still about 5.5 pages by estimate: split again, halfway to 12:59:59.
    second = board.split(wait=0)
    assert second is not None and second.day is day
    assert (second.low, second.high) == (
        datetime(2026, 2, 27, 7, 30, tzinfo=EST),
        helper.low - timedelta(seconds=1),
    )
    assert slow.high == datetime(2026, 2, 27, 7, 29, 59, tzinfo=EST)
    assert day.helpers == 2
    # About 2.75 pages left now, the fast chain 1, the helpers none known yet: nothing worth splitting.
    assert board.split(wait=0) is None
    assert board.splits == 2


def test_a_chain_with_few_pages_left_is_not_split():
    board, day = board_with(Pacer(400, clock=FakeClock()))
    chain = board.start(day, LOW, HIGH)
    board.paged(chain, page_up_to(6), 0.3)  # 6 hours a page: 3 pages left
    assert board.split(wait=0) is None
    assert chain.high == HIGH


def test_a_start_date_window_without_lower_bound_is_not_split():
    board, day = board_with(Pacer(400, clock=FakeClock()))
    chain = board.start(day, None, HIGH)
    board.paged(chain, page_up_to(0, 30), 0.3)
    assert board.split(wait=0) is None


def test_while_the_bucket_binds_only_an_uneven_chain_of_a_shop_one_chain_cannot_keep_up_with_is_split():
    """Two chains, one with most of what is left. A Plus shop (20 a second; one chain makes one request
    per 0.3 s) gets it split; a standard shop (2 a second) does not: its one chain keeps the bucket busy."""
    for bucket, expected in ((400, True), (40, False)):
        pacer = Pacer(bucket, clock=FakeClock())
        busy(pacer)
        board, day = board_with(pacer)
        big = board.start(day, LOW, HIGH)
        small = board.start(DayPages(), LOW, HIGH)
        board.paged(big, page_up_to(1), 0.3)  # about 23 pages left
        board.paged(small, page_up_to(4), 0.3)  # about 5 left
        assert (board.split(wait=0) is not None) is expected, bucket
        even = board_with(pacer)[0]
        first, second = even.start(DayPages(), LOW, HIGH), even.start(DayPages(), LOW, HIGH)
        even.paged(first, page_up_to(2), 0.3)
        even.paged(second, page_up_to(2), 0.3)
        assert even.split(wait=0) is None  # an even share: the bucket is what sets the pace


def test_a_page_past_a_split_is_cut_at_the_split_and_finishes_its_chain():
    board, day = board_with(Pacer(400, clock=FakeClock()))
    chain = board.start(day, LOW, HIGH)
    board.paged(chain, page_up_to(1), 0.3)
    assert board.split(wait=0) is not None
    split_at = chain.high  # 12:29:59
    records = [
        {"id": 1, "updated_at": "2026-02-27T12:29:59-05:00"},
        {"id": 2, "note": "no updated_at: kept (staging counts a second copy once)"},
        {"id": 3, "updated_at": "not a time"},
        {"id": 4, "updated_at": "2026-02-27T12:30:00-05:00"},
        {"id": 5, "updated_at": "2026-02-27T13:00:00-05:00"},
    ]
    kept = board.paged(chain, encode_records(records), 0.3)
    assert split_at == datetime(2026, 2, 27, 12, 29, 59, tzinfo=EST)
    assert kept == EncodedPage(encode_records(records[:3]).lines, 3, "2026-02-27T12:29:59-05:00")
    assert chain.finished
    nothing = board.start(DayPages(), LOW, LOW + timedelta(hours=1))
    assert board.paged(nothing, page_up_to(5), 0.3) is None  # every record past the bound
