"""The in-process requests adapter answers the same bytes as the HTTP server; registry and presets."""

from __future__ import annotations

from datetime import datetime, time

import pytest
import requests

from sandbox.shopify import inprocess, registry
from sandbox.shopify.presets import CLOCK_ENV, PRESETS, default_clock
from sandbox.shopify.server import serve

from .conftest import API, next_url, tiny_shop


@pytest.fixture
def both():
    shop = tiny_shop(bucket_size=10_000)
    registry.register("tiny", shop)
    try:
        with serve({"tiny": shop}) as server, requests.Session() as http, requests.Session() as local:
            inprocess.mount(local)
            for session in (http, local):
                session.headers["X-Shopify-Access-Token"] = shop.spec.access_token
            yield shop, server.base_url("tiny"), http, local
    finally:
        registry.unregister("tiny")


def test_same_bytes_over_http_and_in_process(both):
    shop, base, http, local = both
    requests_to_compare = [
        ("/shop.json", {}),
        ("/orders.json", {"status": "any", "limit": 4}),
        ("/orders/count.json", {"status": "closed"}),
        (f"/orders/{shop.orders()[3].id}.json", {}),
        (f"/orders/{shop.orders()[3].id}/refunds.json", {}),
        ("/customers.json", {"limit": 5, "updated_at_min": "2026-03-01T00:00:00-05:00"}),
        ("/products.json", {"limit": 250}),
        ("/locations.json", {}),
        ("/inventory_levels.json", {"location_ids": shop.locations[1].id, "limit": 10}),
        ("/orders.json", {"limit": 500}),
    ]
    for path, params in requests_to_compare:
        over_http = http.get(base + API + path, params=params)
        in_process = local.get("sandbox://tiny" + API + path, params=params)
        assert in_process.status_code == over_http.status_code, path
        assert in_process.content == over_http.content, path
        assert in_process.json() == over_http.json()
        assert in_process.encoding == "utf-8"
        for header in ("Content-Type", "X-Shopify-API-Version"):
            assert in_process.headers.get(header) == over_http.headers.get(header)
        link_http = over_http.headers.get("Link")
        link_local = in_process.headers.get("Link")
        assert (link_http or "").replace(base, "sandbox://tiny") == (link_local or "")
    # following the in-process Link stays in process and matches HTTP page 2
    first = local.get(f"sandbox://tiny{API}/orders.json", params={"status": "any", "limit": 4})
    assert first.url == f"sandbox://tiny{API}/orders.json?status=any&limit=4"
    second_local = local.get(next_url(first.headers))
    second_http = http.get(next_url(http.get(base + f"{API}/orders.json?status=any&limit=4").headers))
    assert second_local.content == second_http.content


def test_unknown_shop_is_a_connection_error():
    session = inprocess.mount(requests.Session())
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"sandbox://no-such-shop{API}/shop.json")


def test_registry_builds_presets_lazily_with_the_pinned_clock(monkeypatch):
    monkeypatch.setenv(CLOCK_ENV, "2026-02-01T00:00:00-05:00")
    registry.unregister("demo-ny")
    try:
        shop = registry.get_shop("demo-ny")
        assert registry.get_shop("demo-ny") is shop
        assert shop.clock == datetime.fromisoformat("2026-02-01T05:00:00+00:00")
        session = registry.mount(requests.Session())
        response = session.get(
            f"sandbox://demo-ny{API}/shop.json", headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_ny"}
        )
        body = response.json()["shop"]
        assert body["myshopify_domain"] == "demo-ny.myshopify.com"
        assert body["timezone"] == "(GMT-05:00) America/New_York"
        assert body["iana_timezone"] == "America/New_York"
        assert body["plan_name"] == "shopify_plus"
        count = session.get(
            f"sandbox://demo-ny{API}/orders/count.json",
            params={"status": "any"},
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_ny"},
        ).json()["count"]
        assert 75 * 30 < count < 75 * 50
    finally:
        registry.unregister("demo-ny")
    with pytest.raises(KeyError):
        registry.get_shop("demo-nowhere")


def test_default_clock_is_local_midnight(monkeypatch):
    monkeypatch.delenv(CLOCK_ENV, raising=False)
    spec = PRESETS["demo-berlin"]
    clock = default_clock(spec)
    assert clock.tzinfo is not None and clock.time() == time(0)
    assert clock.date() == datetime.now(spec.zone).date()
