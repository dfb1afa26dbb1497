from __future__ import annotations

import random

import pytest

from resources.http import PacerRegistry
from resources.shopify.client import ShopifyClientResource
from tests.resources.stub_server import StubServer

TOKEN = "shpat_test_0123456789abcdef_SECRET"


class FakeTime:
    """A clock and a sleep that advances it, recording every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def stub() -> StubServer:
    with StubServer() as server:
        yield server


@pytest.fixture
def open_client(fake_time):
    """Opens a client with ``factory(*args, **kwargs)`` (a resource's ``for_shop``, ``for_connection``,
    ...) plus the test options every client resource takes: fake sleep, a private pacer registry on the
    fake clock and seeded jitter. Every client opened is closed after the test."""
    clients = []

    def _open(factory, *args, **kwargs):
        client = factory(
            *args,
            sleep=fake_time.sleep,
            pacers=PacerRegistry(clock=fake_time.monotonic),
            rng=random.Random(7),
            **kwargs,
        )
        clients.append(client)
        return client

    yield _open
    for client in clients:
        client.close()


@pytest.fixture
def make_client(open_client):
    """Shopify client factory (``open_client``: fake sleep, pacers on the fake clock, seeded jitter)."""

    def _make(shop_url: str, token: str = TOKEN, **config):
        return open_client(ShopifyClientResource(**config).for_shop, shop_url, token)

    return _make
