"""Cursor pagination over HTTP: every order exactly once for every page size, Link headers, 400s."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests

from sandbox.shopify.server import serve

from .conftest import API, call, next_url, tiny_shop

PAGE_INFO_ERROR = (
    "{name} cannot be passed when page_info is present. "
    "See https://shopify.dev/api/usage/pagination-rest for more information."
)


@pytest.fixture(scope="module")
def served():
    shop = tiny_shop(bucket_size=1_000_000)  # hundreds of quick requests: no throttling here
    with serve({"tiny": shop}) as server, requests.Session() as session:
        session.headers["X-Shopify-Access-Token"] = shop.spec.access_token
        yield shop, server, session


def _walk(
    session: requests.Session, url: str, params: dict | None, rel: str = "next"
) -> tuple[list[int], int]:
    ids: list[int] = []
    pages = 0
    while url:
        response = session.get(url, params=params)
        assert response.status_code == 200, response.text
        ids.extend(order["id"] for order in response.json()["orders"])
        pages += 1
        url, params = next_url(response.headers, rel), None
    return ids, pages


def test_every_page_size_walks_every_order_exactly_once(served):
    shop, server, session = served
    base = server.base_url("tiny") + f"{API}/orders.json"
    count = session.get(server.base_url("tiny") + f"{API}/orders/count.json", params={"status": "any"}).json()
    total = count["count"]
    expected = sorted(order.id for order in shop.orders())
    assert total == len(expected) > 40
    for limit in range(1, 251):
        # fields=id keeps the bodies small; the cursor carries it to later pages
        ids, pages = _walk(session, base, {"status": "any", "limit": limit, "fields": "id"})
        assert ids == expected, f"limit={limit}"
        assert pages == max(1, -(-total // limit))
    for limit in (1, 7, 50, 250):
        ids, _pages = _walk(session, base, {"status": "any", "limit": limit})
        assert ids == expected, f"limit={limit} (full bodies)"


def test_links_go_forward_and_back(served):
    _shop, server, session = served
    first = session.get(server.base_url("tiny") + f"{API}/orders.json", params={"status": "any", "limit": 5})
    assert 'rel="previous"' not in first.headers["Link"]
    assert first.headers["Link"].startswith(f"<{server.base_url('tiny')}{API}/orders.json?limit=5&page_info=")
    second = session.get(next_url(first.headers))
    assert 'rel="previous"' in second.headers["Link"] and 'rel="next"' in second.headers["Link"]
    back = session.get(next_url(second.headers, "previous"))
    assert back.json() == first.json()
    # Walking backwards from the last page visits everything in reverse page order.
    ids, _pages = _walk(
        session, server.base_url("tiny") + f"{API}/orders.json", {"status": "any", "limit": 250}
    )
    last_url = server.base_url("tiny") + f"{API}/orders.json"
    response = session.get(last_url, params={"status": "any", "limit": 9})
    while next_url(response.headers):
        response = session.get(next_url(response.headers))
    assert "next" not in response.headers["Link"]
    collected = [o["id"] for o in response.json()["orders"]]
    while next_url(response.headers, "previous"):
        response = session.get(next_url(response.headers, "previous"))
        collected = [o["id"] for o in response.json()["orders"]] + collected
    assert collected == ids


def test_single_page_has_no_link(served):
    _shop, server, session = served
    response = session.get(
        server.base_url("tiny") + f"{API}/orders.json", params={"status": "any", "limit": 250}
    )
    assert "Link" not in response.headers


def test_page_info_with_another_parameter_is_rejected(served):
    _shop, server, session = served
    first = session.get(server.base_url("tiny") + f"{API}/orders.json", params={"status": "any", "limit": 3})
    response = session.get(next_url(first.headers) + "&status=any&updated_at_min=2026-03-01")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "status": PAGE_INFO_ERROR.format(name="status"),
            "updated_at_min": PAGE_INFO_ERROR.format(name="updated_at_min"),
        }
    }
    # limit and fields are allowed with page_info
    ok = session.get(next_url(first.headers).replace("limit=3", "limit=4") + "&fields=id,name")
    assert ok.status_code == 200
    assert all(set(order) == {"id", "name"} for order in ok.json()["orders"])
    assert len(ok.json()["orders"]) == 4


def test_page_info_carries_the_filters(shop):
    status, headers, body = call(shop, f"{API}/orders.json", "status=cancelled&limit=1")
    cancelled = [o.id for o in shop.orders() if o.cancelled_at_at(shop.clock)]
    assert len(cancelled) >= 2
    seen = [json.loads(body)["orders"][0]["id"]]
    url = next_url(headers)
    while url:
        path, query = url.removeprefix("sandbox://tiny").split("?", 1)
        status, headers, body = call(shop, path, query)
        seen += [o["id"] for o in json.loads(body)["orders"]]
        url = next_url(headers)
    assert seen == cancelled


def test_invalid_page_info_and_limits(shop):
    status, _headers, body = call(shop, f"{API}/orders.json", "page_info=not-a-cursor")
    assert (status, json.loads(body)) == (400, {"errors": {"page_info": "Invalid value."}})
    status, _headers, body = call(shop, f"{API}/orders.json", "limit=251")
    assert (status, json.loads(body)) == (400, {"errors": "Limit exceeds maximum limit of 250"})
    status, _headers, body = call(shop, f"{API}/orders.json", "limit=0")
    assert status == 400
    status, _headers, body = call(shop, f"{API}/orders.json", "status=any")
    assert status == 200 and len(json.loads(body)["orders"]) == 50  # default limit
    # a cursor of one endpoint is refused by another
    _status, headers, _body = call(shop, f"{API}/customers.json", "limit=1")
    token = next_url(headers).split("page_info=")[1]
    status, _headers, body = call(shop, f"{API}/orders.json", f"page_info={token}")
    assert (status, json.loads(body)) == (400, {"errors": {"page_info": "Invalid value."}})


def test_order_parameter_sorts_by_updated_at(shop):
    status, _headers, body = call(shop, f"{API}/orders.json", "status=any&limit=250&order=updated_at+asc")
    stamps = [o["updated_at"] for o in json.loads(body)["orders"]]
    instants = [datetime.fromisoformat(s) for s in stamps]
    assert instants == sorted(instants)
