"""Clients written for real Shopify (dlt, Airbyte, plain scripts) against the sandbox over real HTTP.

They expect a shop at the root of its own origin, ``/admin/oauth/access_scopes.json`` and
``events.json``. Here a plain ``requests`` client, not the project's Shopify client, talks to a
``serve()``d shop the way such clients talk to ``https://{shop}.myshopify.com``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import requests

from sandbox.shopify.events import ID_SCALE
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve, shop_from_host
from sandbox.shopify.timeutil import iso_local

from .conftest import API, call, tiny_shop
from .server_cli import server_cli

TOKEN = "shpat_sandbox_tiny"
ALL_SCOPES = [
    "read_all_orders",
    "read_customers",
    "read_fulfillments",
    "read_inventory",
    "read_locations",
    "read_orders",
    "read_products",
    "read_shipping",
]


def walk(session: requests.Session, url: str, params: dict | None = None, key: str = "orders") -> list[dict]:
    """Every item of a list endpoint, following ``rel="next"`` links as foreign clients do."""
    items: list[dict] = []
    response = session.get(url, params=params, timeout=10)
    while True:
        assert response.status_code == 200, response.text
        items.extend(response.json()[key])
        if "next" not in response.links:
            return items
        response = session.get(response.links["next"]["url"], timeout=10)


def client(token: str | None = TOKEN) -> requests.Session:
    session = requests.Session()
    if token is not None:
        session.headers["X-Shopify-Access-Token"] = token
    return session


@pytest.fixture(scope="module")
def pinned() -> SandboxShop:
    """The tiny shop with a bucket big enough for whole-store walks (module-wide: read only)."""
    return tiny_shop(bucket_size=100_000)


# ----- a shop at the root of its own origin ---------------------------------------------------------------
def test_own_port_serves_the_same_orders_as_the_path_prefix(pinned: SandboxShop):
    with serve({"tiny": pinned}, shop_ports={"tiny": 0}) as server:
        origin = server.origin("tiny")
        assert (
            origin == f"http://127.0.0.1:{server.shop_ports['tiny']}"
            and server.shop_ports["tiny"] != server.port
        )
        session = client()
        params = {"status": "any", "limit": 7}
        first = session.get(f"{origin}{API}/orders.json", params=params, timeout=10)
        assert first.links["next"]["url"].startswith(f"{origin}{API}/orders.json?limit=7&page_info=")
        at_root = walk(session, f"{origin}{API}/orders.json", params)
        prefixed = walk(session, f"{server.base_url('tiny')}{API}/orders.json", params)
    assert len(at_root) == 76
    assert [order["id"] for order in at_root] == sorted(order.id for order in pinned.orders())
    assert at_root == prefixed


def test_own_port_serves_one_shop_only_and_its_sandbox_endpoints(pinned: SandboxShop):
    other = tiny_shop(name="tiny-two", seed=9)
    with serve({"tiny": pinned, "tiny-two": other}, shop_ports={"tiny": 0}) as server:
        origin = server.origin("tiny")
        assert requests.get(f"{origin}/_sandbox/clock.json", timeout=10).json() == {
            "shop": "tiny",
            "clock": "2026-03-10T00:00:00-04:00",
            "timezone": "America/New_York",
            "history_start": "2026-02-24",
        }
        shop_json = client().get(f"{origin}{API}/shop.json", timeout=10)
        assert shop_json.json()["shop"]["name"] == "tiny"
        assert client().get(f"{origin}/tiny-two{API}/shop.json", timeout=10).status_code == 404
        with pytest.raises(KeyError):
            server.origin("tiny-two")
    with pytest.raises(KeyError):
        serve({"tiny": pinned}, shop_ports={"nope": 0}).__enter__()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("tiny.myshopify.com", "tiny"),
        ("tiny.myshopify.com:443", "tiny"),
        ("TINY.localhost:8765", "tiny"),
        ("tiny.localhost", "tiny"),
        ("other.myshopify.com", None),
        ("tiny.example.com", None),
        ("127.0.0.1:8765", None),
        ("[::1]:8765", None),
        (None, None),
    ],
)
def test_shop_from_host(host: str | None, expected: str | None, pinned: SandboxShop):
    assert shop_from_host(host, {"tiny": pinned}) == expected


def test_host_header_routes_to_the_shop_at_the_root(pinned: SandboxShop):
    with serve({"tiny": pinned}) as server:
        loopback = f"http://127.0.0.1:{server.port}"
        for host in ("tiny.myshopify.com", f"tiny.localhost:{server.port}"):
            session = client()
            session.headers["Host"] = host  # what a proxy or a *.localhost resolver delivers
            ids: list[int] = []
            response = session.get(f"{loopback}{API}/orders.json", params={"status": "any", "limit": 30})
            while True:
                assert response.status_code == 200, response.text
                ids.extend(order["id"] for order in response.json()["orders"])
                if "next" not in response.links:
                    break
                url = response.links["next"]["url"]
                assert url.startswith(f"http://{host}{API}/orders.json?limit=30&page_info=")
                response = session.get(loopback + url[len(f"http://{host}") :], timeout=10)
            assert ids == sorted(order.id for order in pinned.orders())
        # The path prefix keeps working, and a Host naming no served shop falls back to it.
        prefixed = client().get(f"{loopback}/tiny{API}/orders/count.json", params={"status": "any"})
        assert prefixed.json() == {"count": 76}
        stranger = client()
        stranger.headers["Host"] = "other.myshopify.com"
        assert stranger.get(f"{loopback}{API}/orders/count.json", timeout=10).status_code == 404
        fallback = stranger.get(
            f"{loopback}/tiny{API}/orders/count.json", params={"status": "any"}, timeout=10
        )
        assert fallback.json() == {"count": 76}


def test_cli_gives_every_shop_its_own_port():
    args = ["--port", "0", "--port-per-shop", "--shops", "demo-ny", "--clock", "2026-02-01T00:00:00-05:00"]
    with server_cli("sandbox.shopify.server", *args) as cli:
        lines = [cli.process.stdout.readline() for _ in range(5)]
        assert lines[3].split()[0] == "origin", lines
        origin = lines[3].split()[1]
        assert origin.startswith("http://127.0.0.1:") and lines[1].split()[1] != origin
        assert lines[4].startswith("Host routing: Host {shop}.myshopify.com or {shop}.localhost on port ")
        scopes = requests.get(
            f"{origin}/admin/oauth/access_scopes.json",
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_ny"},
            timeout=10,
        )
        assert scopes.status_code == 200 and len(scopes.json()["access_scopes"]) == len(ALL_SCOPES)


# ----- granted scopes -------------------------------------------------------------------------------------
def test_access_scopes_lists_the_granted_scopes(pinned: SandboxShop):
    narrow = tiny_shop(name="narrow", scopes={"read_products", "read_orders"})
    with serve({"tiny": pinned, "narrow": narrow}, shop_ports={"tiny": 0}) as server:
        url = f"{server.origin('tiny')}/admin/oauth/access_scopes.json"
        granted = client().get(url, timeout=10)
        assert granted.status_code == 200
        assert granted.json() == {"access_scopes": [{"handle": scope} for scope in ALL_SCOPES]}
        narrow_url = f"{server.base_url('narrow')}/admin/oauth/access_scopes.json"
        assert client("shpat_sandbox_narrow").get(narrow_url, timeout=10).json() == {
            "access_scopes": [{"handle": "read_orders"}, {"handle": "read_products"}]
        }
        for session in (client(None), client("shpat_wrong")):
            refused = session.get(url, timeout=10)
            assert refused.status_code == 401
            assert refused.json() == {
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            }
        # Only the unversioned path exists, and it is read only.
        assert client().get(f"{server.origin('tiny')}{API}/oauth/access_scopes.json").status_code == 404
        assert client().post(url, timeout=10).status_code == 404


# ----- the activity log -----------------------------------------------------------------------------------
def _events(shop: SandboxShop, query: str = "") -> list[dict]:
    status, _headers, body = call(shop, f"{API}/events.json", query)
    assert status == 200, body
    return json.loads(body)["events"]


def _count(shop: SandboxShop, query: str = "") -> int:
    status, _headers, body = call(shop, f"{API}/events/count.json", query)
    assert status == 200, body
    return json.loads(body)["count"]


def test_events_of_one_order_tell_its_story(pinned: SandboxShop):
    cancelled = next(order for order in pinned.orders() if order.cancelled_at and order.refunds)
    story = [
        event for event in _events(pinned, "filter=Order&limit=250") if event["subject_id"] == cancelled.id
    ]
    story += [
        event
        for event in _events(pinned, f"filter=Order&limit=250&since_id={story[-1]['id']}")
        if event["subject_id"] == cancelled.id
    ]
    assert [event["verb"] for event in story] == [
        "placed",
        "confirmed",
        "sale_success",
        "cancelled",
        "refund_success",
    ]
    confirmed = story[1]
    name = f"#{cancelled.number}"
    buyer = confirmed["arguments"][1]
    assert confirmed == {
        "id": int(cancelled.created_at.timestamp()) * ID_SCALE + (cancelled.number % 50_000) * 10 + 1,
        "subject_id": cancelled.id,
        "created_at": iso_local(cancelled.created_at, pinned.spec.zone),
        "subject_type": "Order",
        "verb": "confirmed",
        "arguments": [name, buyer],
        "body": None,
        "message": f'Received new order <a href="/admin/orders/{cancelled.id}">{name}</a> by {buyer}',
        "author": "Shopify",
        "description": f"Received new order {name} by {buyer}.",
        "path": f"/admin/orders/{cancelled.id}",
    }
    refund = cancelled.refunds[0]
    assert story[4]["arguments"] == [f"{refund.transaction.amount:.2f} USD"]
    assert story[4]["message"] == (
        f'<a href="/admin/orders/{cancelled.id}/transactions/{refund.transaction.id}">'
        f"We successfully refunded {refund.transaction.amount:.2f} USD</a>"
    )


def test_event_filters_match_the_store(pinned: SandboxShop):
    clock = pinned.clock
    orders = pinned.orders()
    by_creation = [order.id for order in sorted(orders, key=lambda order: (order.created_at, order.number))]
    placed = _events(pinned, "verb=placed&limit=250")
    assert [event["subject_id"] for event in placed] == by_creation
    assert _count(pinned, "verb=placed") == 76
    refunded = _events(pinned, "filter=Order&verb=refund_success&limit=250")
    assert len(refunded) == sum(len(order.refunds_at(clock)) for order in orders) == 10
    assert _count(pinned, "filter=Order&verb=cancelled") == sum(1 for o in orders if o.cancelled_at) == 6
    products = _events(pinned, "filter=Product")
    assert [event["subject_id"] for event in products] == [
        8000002000101,
        8000002000303,
        8000002000202,
        8000002000606,
        8000002000505,
        8000002000404,
    ]
    assert {event["verb"] for event in products} == {"create"}
    assert _count(pinned, "filter=Order,Product") == _count(pinned) == 372
    assert _count(pinned, "filter=order") == 366
    assert _count(pinned, "filter=Customer") == 0
    assert _count(pinned, "filter=Order&verb=destroy") == 0  # the sandbox never deletes orders
    every = _events(pinned, "limit=250") + _events(
        pinned, f"limit=250&since_id={_events(pinned, 'limit=250')[-1]['id']}"
    )
    assert len(every) == 372 and [event["id"] for event in every] == sorted({event["id"] for event in every})
    window = _events(pinned, "created_at_min=2026-03-05T00:00:00-05:00&created_at_max=2026-03-06&limit=250")
    expected = [
        event["id"]
        for event in every
        if "2026-03-05T00:00:00-05:00" <= event["created_at"] <= "2026-03-06T00:00:00-05:00"
    ]
    assert [event["id"] for event in window] == expected and len(expected) == 37


def test_events_paginate_with_link_headers_at_the_shop_origin(pinned: SandboxShop):
    with serve({"tiny": pinned}, shop_ports={"tiny": 0}) as server:
        url = f"{server.origin('tiny')}{API}/events.json"
        session = client()
        paged = walk(session, url, {"filter": "Order", "verb": "sale_success", "limit": 9}, key="events")
        whole = session.get(url, params={"filter": "Order", "verb": "sale_success", "limit": 250}).json()
        first = session.get(url, params={"limit": 100}, timeout=10)
        after = walk(session, url, {"since_id": first.json()["events"][-1]["id"], "limit": 100}, key="events")
        count = session.get(f"{url[: -len('.json')]}/count.json", timeout=10).json()
        unauthorized = client(None).get(url, timeout=10).status_code
    assert paged == whole["events"] and len(paged) == 74
    assert first.links["next"]["url"].startswith(
        f"{server.origin('tiny')}{API}/events.json?limit=100&page_info="
    )
    assert len(first.json()["events"]) + len(after) == count["count"] == 372
    assert unauthorized == 401


def test_events_follow_the_token_and_the_clock():
    without_orders = tiny_shop(scopes={"read_products"})
    assert _count(without_orders) == 6
    protected = tiny_shop(forbidden_resources={"orders"})
    assert _count(protected) == 6
    shop = tiny_shop(bucket_size=100_000)
    before = {event["id"]: event for event in _events(shop, "limit=250")}
    before.update({event["id"]: event for event in _events(shop, f"limit=250&since_id={max(before)}")})
    shop.set_clock(shop.clock + timedelta(days=2))
    after = _events(shop, "limit=250")
    after += _events(shop, f"limit=250&since_id={after[-1]['id']}")
    after_by_id = {event["id"]: event for event in after}
    assert all(after_by_id[event_id] == event for event_id, event in before.items())
    newer = [event for event in after if event["id"] not in before]
    assert newer and min(event["id"] for event in newer) > max(before) and len(after) == _count(shop)
    assert datetime.fromisoformat(newer[-1]["created_at"]) <= shop.clock
