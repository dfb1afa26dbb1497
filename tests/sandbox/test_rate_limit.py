"""The leaky bucket: unit behaviour with a fake clock, and 429s over HTTP."""

from __future__ import annotations

import requests

from sandbox.shopify.bucket import LeakyBucket
from sandbox.shopify.server import serve

from .conftest import API, tiny_shop

THROTTLED = {
    "errors": "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_fills_and_leaks():
    clock = FakeClock()
    bucket = LeakyBucket(capacity=3, leak_rate=2.0, clock=clock)
    assert [bucket.try_acquire() for _ in range(4)] == [(True, 1), (True, 2), (True, 3), (False, 3)]
    assert bucket.header() == "3/3"
    clock.now += 0.5  # one call leaked
    assert bucket.header() == "2/3"
    assert bucket.try_acquire() == (True, 3)
    clock.now += 10
    assert bucket.header() == "0/3"


def test_plans_size_the_bucket():
    assert tiny_shop(plan="standard").bucket.capacity == 40
    assert tiny_shop(plan="standard").bucket.leak_rate == 2.0
    assert tiny_shop(plan="plus").bucket.capacity == 400
    assert tiny_shop(plan="plus", bucket_size=5, leak_rate=0.5).bucket.capacity == 5


def test_429_with_retry_after_when_the_bucket_is_full():
    shop = tiny_shop(bucket_size=3, leak_rate=0.001)
    with serve({"tiny": shop}) as server, requests.Session() as session:
        session.headers["X-Shopify-Access-Token"] = shop.spec.access_token
        url = server.base_url("tiny") + f"{API}/shop.json"
        limits = []
        for _ in range(3):
            response = session.get(url)
            assert response.status_code == 200
            limits.append(response.headers["X-Shopify-Shop-Api-Call-Limit"])
        assert limits == ["1/3", "2/3", "3/3"]
        throttled = session.get(url)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "2.0"
        assert throttled.headers["X-Shopify-Shop-Api-Call-Limit"] == "3/3"
        assert throttled.json() == THROTTLED
        shop.bucket.reset()
        assert session.get(url).status_code == 200
