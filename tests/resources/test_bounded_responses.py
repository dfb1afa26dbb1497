"""Every response is bounded: a total deadline (body download included) and a maximum body size. A body
dripping in slower than the deadline is retried like a timeout, then a clear error; a body over the size
limit is a clear error at once, without reading it all."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import requests

from resources.http import (
    ResponseDeadlineExceeded,
    ResponseTooLarge,
    RetriesExhausted,
    RetryingRequester,
    RetryPolicy,
)
from resources.shopify.client import ShopifyAPIError
from tests.resources.stub_server import Reply

V = "/admin/api/2026-10"
LIMIT = {"X-Shopify-Shop-Api-Call-Limit": "1/40"}
END = datetime(2024, 1, 1, tzinfo=UTC)
BODY = json.dumps({"orders": [{"id": 1}]}).encode()  # 23 bytes


def dripping(seconds_per_byte: float) -> Reply:
    """The body one byte at a time; each byte arrives well within the read timeout."""
    return Reply(
        200,
        headers={**LIMIT, "Content-Length": str(len(BODY))},
        stream=[bytes([b]) for b in BODY],
        drip=seconds_per_byte,
    )


def test_a_body_dripping_past_the_deadline_is_retried_then_a_clear_error(stub, make_client):
    stub.route(f"{V}/orders.json", dripping(0.02))  # about 0.5 s for the whole body
    client = make_client(stub.base_url, max_attempts=3, response_deadline_seconds=0.2)
    started = time.monotonic()
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, END))
    elapsed = time.monotonic() - started
    assert str(info.value) == (
        f"GET {V}/orders.json -> network error (ResponseDeadlineExceeded); gave up after 3 attempts"
    )
    assert info.value.attempts == 3 and info.value.status is None
    assert len(stub.hits(f"{V}/orders.json")) == 3 and client.stats["retries"] == 2
    assert elapsed < 3 * 0.2 + 1.0  # each attempt gave up at its deadline, not at the body's end


def test_the_same_drip_within_the_deadline_is_read_whole(stub, make_client):
    stub.route(f"{V}/orders.json", dripping(0.01))
    client = make_client(stub.base_url, response_deadline_seconds=5.0)
    assert list(client.iter_orders(None, END)) == [[{"id": 1}]]
    assert client.stats["retries"] == 0


def test_a_declared_body_over_the_limit_is_refused_unread_and_not_retried(stub, make_client):
    stub.route(f"{V}/orders.json", Reply(200, b" " * 5000 + BODY, LIMIT))
    client = make_client(stub.base_url, max_response_bytes=1000)
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, END))
    assert str(info.value) == (
        f"GET {V}/orders.json -> HTTP 200: response body declares 5,023 bytes, more than the limit of "
        "1,000 bytes (max_response_bytes); not read further"
    )
    assert info.value.status == 200 and info.value.attempts == 1
    assert len(stub.hits(f"{V}/orders.json")) == 1


def test_an_undeclared_body_over_the_limit_stops_reading_at_the_limit(stub, make_client):
    """No Content-Length: the server would send 256 MB; the client stops a little past 256 KB."""
    total = 256 * 1024 * 1024
    piece = b" " * (64 * 1024)
    pieces = (piece for _ in range(total // len(piece)))
    stub.route(f"{V}/orders.json", Reply(200, headers=LIMIT, stream=pieces))
    client = make_client(stub.base_url, max_response_bytes=256 * 1024)
    with pytest.raises(ShopifyAPIError) as info:
        list(client.iter_orders(None, END))
    assert str(info.value) == (
        f"GET {V}/orders.json -> HTTP 200: response body passed 262,144 bytes, more than the limit of "
        "262,144 bytes (max_response_bytes); not read further"
    )
    assert len(stub.hits(f"{V}/orders.json")) == 1
    waited = time.monotonic()
    while not stub.streamed and time.monotonic() - waited < 10:
        time.sleep(0.01)
    assert stub.streamed and stub.streamed[0] < total // 8  # the server was cut off early


def test_the_requester_raises_the_bounds_as_request_exceptions(stub):
    """At the requester level: the deadline is a ``Timeout`` (transient, retried), the size is not."""
    stub.route("/slow.json", dripping(0.05))
    stub.route("/big.json", Reply(200, b"x" * 100))
    session = requests.Session()
    policy = RetryPolicy(max_attempts=1)
    requester = RetryingRequester(session, policy=policy, response_deadline=0.1, max_response_bytes=50)
    assert issubclass(ResponseDeadlineExceeded, requests.exceptions.Timeout)
    with pytest.raises(RetriesExhausted) as slow:
        requester.request("GET", f"{stub.base_url}/slow.json")
    assert isinstance(slow.value.error, ResponseDeadlineExceeded)
    with pytest.raises(ResponseTooLarge) as big:
        requester.request("GET", f"{stub.base_url}/big.json?secret=1")
    assert str(big.value) == (
        "HTTP 200: response body declares 100 bytes, more than the limit of 50 bytes (max_response_bytes); "
        "not read further"
    )
    assert big.value.path == "/big.json"
    with pytest.raises(ValueError, match="^response_deadline must be > 0 seconds, got 0$"):
        RetryingRequester(session, response_deadline=0)
    session.close()
