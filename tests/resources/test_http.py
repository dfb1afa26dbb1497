"""Unit tests of the generic HTTP pieces: retry policy, Retry-After parsing, the pacer and its registry."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
import requests

from resources.http import (
    Pacer,
    PacerRegistry,
    RetriesExhausted,
    RetryingRequester,
    RetryPolicy,
    default_leak_rate,
    parse_call_limit,
    parse_retry_after,
)
from tests.resources.conftest import FakeTime


def test_full_jitter_backoff_is_bounded_and_capped():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=30.0)
    rng = random.Random(1)
    for n in range(1, 20):
        cap = min(30.0, 0.5 * 2 ** (n - 1))
        waits = [policy.backoff(n, rng) for _ in range(200)]
        assert all(0 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.8  # really spread over the whole range
    assert policy.backoff(10_000, rng) <= 30.0  # no overflow for huge retry numbers


def test_retry_after_wins_over_backoff_and_is_bounded():
    policy = RetryPolicy(retry_after_max=60.0)
    assert policy.wait_for(5, 2.0) == 2.0
    assert policy.wait_for(1, 1000.0) == 60.0
    assert RetryPolicy.is_retryable_status(429) and RetryPolicy.is_retryable_status(503)
    assert not RetryPolicy.is_retryable_status(404) and not RetryPolicy.is_retryable_status(401)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_parse_retry_after():
    assert parse_retry_after("2.0") == 2.0
    assert parse_retry_after(" 3 ") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 01 Mar 2024 12:00:05 GMT", now=lambda: now) == 5.0


def test_parse_call_limit_and_default_leak_rate():
    assert parse_call_limit("32/40") == (32.0, 40.0)
    for bad in ("x/40", "", "3/0", None, "12"):
        assert parse_call_limit(bad) is None
    assert [default_leak_rate(s) for s in (40, 80, 400)] == [2.0, 4.0, 20.0]


def test_pacer_lets_a_burst_through_then_spaces_requests():
    t = FakeTime()
    pacer = Pacer(10, 20.0, clock=t.monotonic)  # capacity 9 (one slot headroom)
    assert [pacer.reserve() for _ in range(9)] == [0.0] * 9
    waits = [pacer.reserve() for _ in range(3)]
    assert waits == pytest.approx([0.05, 0.10, 0.15])  # queued reservations are spaced 1/leak apart
    t.now += 1.0  # everything has drained
    assert pacer.reserve() == 0.0
    assert pacer.total_wait == pytest.approx(0.30)


def test_pacer_trusts_the_server_count_plus_outstanding_requests():
    t = FakeTime()
    pacer = Pacer(clock=t.monotonic)
    assert (pacer.bucket_size, pacer.leak_rate) == (40, 2.0)
    assert pacer.reserve() == 0.0
    pacer.release("38/40")  # someone else uses the bucket too
    assert pacer.level == 38 and pacer.outstanding == 0
    assert pacer.reserve() == pytest.approx(0.0)  # 38 + 1 <= 39 (one slot headroom)
    assert pacer.reserve() == pytest.approx(0.5)  # 40 > 39 by one -> 1 / (2/s)
    assert pacer.outstanding == 2
    pacer.release("39/40")  # the first answered; the second is still on its way: 39 + 1
    assert pacer.level == 40 and pacer.outstanding == 1
    pacer.release(None)  # no header (network error): estimate kept
    assert pacer.level == 40 and pacer.outstanding == 0


def test_pacer_learns_bucket_size_and_throttling():
    t = FakeTime()
    pacer = Pacer(clock=t.monotonic)
    pacer.reserve()
    pacer.release("10/400")  # a Plus shop: bigger bucket, faster leak
    assert (pacer.bucket_size, pacer.leak_rate, pacer.level) == (400, 20.0, 10)
    pacer.reserve()
    pacer.reserve()
    pacer.release("400/400", throttled=True)  # a 429: full, plus the request still outstanding
    assert pacer.level == 401
    pacer.release("garbage")
    assert pacer.level == 401 and pacer.outstanding == 0
    t.now += 1.0
    assert pacer.level == pytest.approx(381)


def test_pacer_self_corrects_a_too_pessimistic_leak_rate():
    """Configured 0.5/s but the server drains much faster: its count keeps us from waiting for nothing."""
    t = FakeTime()
    pacer = Pacer(10, 0.5, clock=t.monotonic)
    for _ in range(50):
        assert pacer.reserve() == 0.0
        t.now += 0.05
        pacer.release("1/10")
    assert pacer.total_wait == 0.0


def test_an_older_response_released_late_does_not_lower_the_estimate():
    """Two requests in flight: the server counts both (2/10), but the first one's response, reporting
    1/10, comes back last. The estimate keeps both requests (and, conservatively, the first one again,
    still in flight when the newer header came)."""
    t = FakeTime()
    pacer = Pacer(10, 0.5, clock=t.monotonic)
    pacer.reserve()
    pacer.reserve()
    pacer.release("2/10")  # the second request's response
    pacer.release("1/10")  # the first one's, older
    assert pacer.level == 3.0


def test_configured_leak_rate_is_kept_when_size_changes():
    t = FakeTime()
    pacer = Pacer(40, 5.0, clock=t.monotonic)
    pacer.reserve()
    pacer.release("0/80")
    assert (pacer.bucket_size, pacer.leak_rate) == (80, 5.0)
    pacer.set_leak_rate(None)
    assert pacer.leak_rate == 4.0


def test_registry_shares_one_pacer_per_shop():
    registry = PacerRegistry()
    a = registry.get("https://Acme.myshopify.com/")
    assert registry.get("https://acme.myshopify.com") is a
    assert registry.get("https://globex.myshopify.com") is not a
    assert registry.get("http://127.0.0.1:8000/demo-ny") is not registry.get("http://127.0.0.1:8000/demo-la")
    assert registry.get("https://acme.myshopify.com", leak_rate=7.0) is a and a.leak_rate == 7.0
    assert len(registry) == 4


def test_pacer_is_thread_safe_under_contention():
    """200 reservations from 8 threads: the waits handed out are exactly the serial schedule."""
    t = FakeTime()
    pacer = Pacer(10, 20.0, clock=t.monotonic)
    waits: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(25):
            w = pacer.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    waits.sort()
    assert waits[:9] == [0.0] * 9
    assert waits[9:] == pytest.approx([k / 20.0 for k in range(1, 192)])


class _ScriptedAdapter(requests.adapters.BaseAdapter):
    """A transport adapter replaying a script of responses/exceptions (what the in-process sandbox does)."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.timeouts = []

    def send(self, request, timeout=None, **kwargs):
        self.timeouts.append(timeout)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        response = requests.Response()
        response.status_code, response.headers["Retry-After"] = item, "0.25"
        response._content = b"{}"
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


def test_requester_works_with_mounted_adapters_and_passes_timeouts():
    session = requests.Session()
    adapter = _ScriptedAdapter(
        [requests.exceptions.ChunkedEncodingError("cut"), requests.exceptions.ReadTimeout("slow"), 429, 200]
    )
    session.mount("fake://", adapter)
    t = FakeTime()
    requester = RetryingRequester(
        session, connect_timeout=1.5, read_timeout=9.0, sleep=t.sleep, rng=random.Random(3)
    )
    assert requester.request("GET", "fake://shop/x.json?token=abc").status_code == 200
    assert adapter.timeouts == [(1.5, 9.0)] * 4
    assert requester.stats.as_dict()["retries"] == 3 and requester.stats.throttled == 1
    assert t.sleeps[2] == 0.25  # the 429's Retry-After


def test_requester_gives_up_with_the_last_failure():
    session = requests.Session()
    session.mount("fake://", _ScriptedAdapter([requests.exceptions.ConnectionError("down")] * 3))
    requester = RetryingRequester(session, policy=RetryPolicy(max_attempts=3), sleep=lambda s: None)
    with pytest.raises(RetriesExhausted) as info:
        requester.request("GET", "fake://shop/x.json?secret=1")
    assert str(info.value) == "GET /x.json failed after 3 attempts: ConnectionError"
    assert info.value.response is None and isinstance(info.value.error, requests.exceptions.ConnectionError)


def _retry_state(attempt: int, response: requests.Response | None = None) -> object:
    import tenacity

    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    if response is not None:
        state.set_result(response)
    else:
        try:
            raise requests.exceptions.ReadTimeout("slow")
        except requests.exceptions.ReadTimeout:
            import sys

            state.set_exception(sys.exc_info())
    return state


def test_wait_retry_after_honours_seconds_and_http_dates_else_backs_off():
    from resources.http import WaitRetryAfter

    wait = WaitRetryAfter(RetryPolicy(backoff_base=0.5, backoff_max=30.0), random.Random(7))
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "1.5"
    assert wait(_retry_state(4, response)) == 1.5
    soon = datetime.now(UTC).timestamp() + 30
    response.headers["Retry-After"] = datetime.fromtimestamp(soon, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= wait(_retry_state(1, response)) <= 30
    del response.headers["Retry-After"]
    assert all(0 <= wait(_retry_state(3, response)) <= 2.0 for _ in range(50))  # 0.5 * 2**2
    assert all(0 <= wait(_retry_state(2)) <= 1.0 for _ in range(50))  # a network error: backoff


def test_retry_condition_matches_todays_rules():
    from resources.http import retry_condition

    retry = retry_condition(RetryPolicy())
    for status, expected in ((429, True), (500, True), (503, True), (404, False), (200, False)):
        response = requests.Response()
        response.status_code = status
        assert retry(_retry_state(1, response)) is expected
    assert retry(_retry_state(1)) is True


def test_a_non_transient_error_is_not_retried():
    session = requests.Session()
    adapter = _ScriptedAdapter([requests.exceptions.InvalidHeader("bad"), 200])
    session.mount("fake://", adapter)
    requester = RetryingRequester(session, sleep=lambda s: None)
    with pytest.raises(requests.exceptions.InvalidHeader):
        requester.request("GET", "fake://shop/x.json")
    assert requester.stats.retries == 0 and len(adapter.script) == 1
