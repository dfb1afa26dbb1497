"""Pages encoded as raw-store lines, in the calling thread and in worker processes; the collector pause."""

from __future__ import annotations

import gc
import json
import threading

import pytest

from resources.gc_pause import collector_paused
from resources.page_encoding import EncodedPage, PageEncoder, PageFormatError, encode_page

RECORDS = [
    {"id": 1, "name": "#1001", "note": "Grüße – ✓", "total_price": "12.50", "rate": 1e-05, "lines": []},
    {"id": 2, "name": "#1002", "note": None, "tags": "vip, 😀", "rate": 0.2, "lines": [{"id": 7, "qty": 2}]},
]
BODY = json.dumps({"orders": RECORDS}).encode()
#: What the raw store has always written for these records: compact stdlib JSON, ASCII-escaped, one a line.
EXPECTED = b"".join(json.dumps(record, separators=(",", ":")).encode() + b"\n" for record in RECORDS)


@pytest.fixture
def pooled():
    with PageEncoder(workers=1, min_pool_bytes=0) as encoder:
        yield encoder


def test_a_page_is_encoded_as_the_raw_store_lines_of_its_records():
    assert encode_page(BODY, "orders") == EncodedPage(EXPECTED, 2)
    assert encode_page(b'{"orders": []}', "orders") == EncodedPage(b"", 0)


def test_worker_processes_encode_the_same_bytes(pooled):
    assert pooled.encode(BODY, "orders") == EncodedPage(EXPECTED, 2)
    assert pooled.pool_started


def test_small_pages_stay_in_the_calling_thread():
    with PageEncoder(workers=2) as encoder:
        assert encoder.encode(BODY, "orders") == EncodedPage(EXPECTED, 2)
        assert not encoder.pool_started


@pytest.mark.parametrize("where", ["thread", "pool"])
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>maintenance</html>", "response body is not JSON"),
        (b'{"errors": "Not Found"}', "response has no list under 'orders'"),
        (b'{"orders": {"id": 1}}', "response has no list under 'orders'"),
        (b"[]", "response has no list under 'orders'"),
    ],
)
def test_a_bad_page_says_what_is_wrong(where, body, problem, pooled):
    encoder = pooled if where == "pool" else PageEncoder(workers=0)
    with pytest.raises(PageFormatError) as info:
        encoder.encode(body, "orders")
    assert str(info.value) == problem


def test_a_closed_encoder_refuses_pages_for_its_pool():
    encoder = PageEncoder(workers=1, min_pool_bytes=0)
    encoder.close()
    with pytest.raises(RuntimeError, match="the page encoder is closed"):
        encoder.encode(BODY, "orders")


def test_negative_workers_are_refused():
    with pytest.raises(ValueError, match="workers must be 0 or more, got -1"):
        PageEncoder(workers=-1)


def test_the_collector_stays_paused_until_the_last_thread_leaves():
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other_thread() -> None:
        with collector_paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_thread)
    with collector_paused():
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other thread is still inside
    leave.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector_paused(), collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
