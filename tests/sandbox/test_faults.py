"""Fault injection over HTTP and in process: error statuses, delays and dropped connections."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.shopify import inprocess, registry
from sandbox.shopify.server import serve

from .conftest import API, tiny_shop


@pytest.fixture
def served():
    shop = tiny_shop(bucket_size=10_000)
    with serve({"tiny": shop}) as server, requests.Session() as session:
        session.headers["X-Shopify-Access-Token"] = shop.spec.access_token
        yield shop, server.base_url("tiny"), session


def test_status_fault_fires_the_given_number_of_times(served):
    shop, base, session = served
    shop.faults.add("orders.json", "status", status=503, times=2)
    first, second, third = (session.get(base + f"{API}/orders.json") for _ in range(3))
    assert (first.status_code, first.json()) == (503, {"errors": "Service Unavailable"})
    assert second.status_code == 503
    assert third.status_code == 200
    shop.faults.add("shop.json", "status", status=429)
    throttled = session.get(base + f"{API}/shop.json")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2.0"
    assert session.get(base + f"{API}/products.json").status_code == 200  # other paths unaffected


def test_delay_fault(served):
    shop, base, session = served
    shop.faults.add("orders/count", "delay", delay=0.3)
    started = time.monotonic()
    response = session.get(base + f"{API}/orders/count.json")
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    shop.faults.add("orders/count", "delay", delay=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(base + f"{API}/orders/count.json", timeout=0.2)


def test_drop_fault_closes_the_connection(served):
    shop, base, session = served
    shop.faults.add("customers.json", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(base + f"{API}/customers.json")
    assert session.get(base + f"{API}/customers.json").status_code == 200
    assert shop.faults.pending() == []


def test_faults_in_process():
    shop = tiny_shop(name="tiny-faults")
    registry.register("tiny-faults", shop)
    try:
        session = inprocess.mount(requests.Session())
        session.headers["X-Shopify-Access-Token"] = shop.spec.access_token
        url = f"sandbox://tiny-faults{API}/orders.json"
        shop.faults.add("orders.json", "drop")
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(url)
        shop.faults.add("orders.json", "delay", delay=5.0)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.get(url, timeout=(1, 0.1))
        assert time.monotonic() - started < 1.0
        shop.faults.add("orders.json", "status", status=502)
        assert session.get(url).status_code == 502
        assert session.get(url).status_code == 200
    finally:
        registry.unregister("tiny-faults")


def test_latency_is_applied_per_response():
    shop = tiny_shop(latency_seconds=0.05)
    headers = {"X-Shopify-Access-Token": shop.spec.access_token}
    slept: list[float] = []
    shop.api.handle("GET", f"{API}/shop.json", "", headers, "x", sleep=slept.append)
    assert slept == [0.05]


def test_fault_kinds_are_validated():
    shop = tiny_shop()
    with pytest.raises(ValueError):
        shop.faults.add("orders", "explode")
