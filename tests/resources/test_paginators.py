"""The shared paginators (resources/pagination.py) against small routed fake REST APIs (``responses``):
the page-number one as WooCommerce serves pages (page/per_page, X-WP-Total, X-WP-TotalPages), the
Link-header cursor one as Shopify does (page_info), each with PageWalk's loop protections."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from resources.pagination import (
    LinkHeaderCursorPaginator,
    PageNumberPaginator,
    PageWalk,
    PaginationLoopError,
    PaginatorError,
    paginate,
)

API = "https://shop.example/wp-json/wc/v3/orders"
#: The totals headers a WooCommerce-like API sends; its client names them.
WOO_HEADERS = {"total_pages_header": "X-WP-TotalPages", "total_records_header": "X-WP-Total"}


def _orders(count: int, first_id: int = 1) -> list[dict]:
    return [{"id": i, "date_modified_gmt": "2026-01-01T00:00:00"} for i in range(first_id, first_id + count)]


def woo_api(records: list[dict], *, headers: bool = True, repeat_first_page: bool = False):
    """A WooCommerce-like list endpoint: ``page`` (1-based) and ``per_page``, totals in headers."""

    def callback(request: requests.PreparedRequest):
        query = dict(parse_qsl(urlsplit(request.url).query))
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 10))
        if repeat_first_page:
            page = 1
        body = records[(page - 1) * per_page : page * per_page]
        extra = {}
        if headers:
            extra = {"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(-(-len(records) // per_page))}
        return 200, extra, json.dumps(body)

    return callback


def _walk_ids(paginator: PageNumberPaginator, params: dict | None = None) -> tuple[list[int], list[dict]]:
    session = requests.Session()
    queries: list[dict] = []

    def fetch(query: dict) -> requests.Response:
        queries.append(dict(query))
        return session.get(API, params=query)

    ids = [
        record["id"]
        for response in paginate(fetch, paginator, params, records=lambda r: r.json())
        for record in response.json()
    ]
    return ids, queries


@responses.activate
def test_page_number_paginator_walks_every_page_by_the_total_pages_header():
    responses.add_callback(responses.GET, API, callback=woo_api(_orders(23)))
    paginator = PageNumberPaginator(per_page=10, walk=PageWalk("GET /orders", page_size=10), **WOO_HEADERS)
    ids, queries = _walk_ids(paginator, {"orderby": "modified"})
    assert ids == list(range(1, 24))
    assert [q["page"] for q in queries] == [1, 2, 3]
    assert all(q["per_page"] == 10 and q["orderby"] == "modified" for q in queries)
    assert (paginator.total_pages, paginator.total_records) == (3, 23)
    assert paginator.walk is not None and paginator.walk.expected_records == 23


@responses.activate
def test_page_number_paginator_without_headers_stops_at_a_short_page():
    responses.add_callback(responses.GET, API, callback=woo_api(_orders(20), headers=False))
    ids, queries = _walk_ids(PageNumberPaginator(per_page=10))
    assert ids == list(range(1, 21))
    assert [q["page"] for q in queries] == [1, 2, 3]  # page 3 is empty: the end


@responses.activate
def test_page_number_paginator_one_page_and_an_empty_list():
    responses.add_callback(responses.GET, API, callback=woo_api([]))
    ids, queries = _walk_ids(PageNumberPaginator(per_page=10, **WOO_HEADERS))
    assert ids == [] and len(queries) == 1


@responses.activate
def test_page_number_walk_serving_the_same_page_again_is_stopped():
    responses.add_callback(responses.GET, API, callback=woo_api(_orders(30), repeat_first_page=True))
    paginator = PageNumberPaginator(per_page=10, walk=PageWalk("GET /orders", page_size=10), **WOO_HEADERS)
    with pytest.raises(PaginationLoopError, match="page 2 repeats 10 record ids already seen"):
        _walk_ids(paginator)


@responses.activate
def test_page_number_walk_is_capped_by_max_pages():
    def endless(request):  # fresh records forever, no totals
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        return 200, {}, json.dumps(_orders(10, first_id=page * 10))

    responses.add_callback(responses.GET, API, callback=endless)
    walk = PageWalk("GET /orders", page_size=10, max_pages=5)
    paginator = PageNumberPaginator(per_page=10, walk=walk, **WOO_HEADERS)
    with pytest.raises(PaginationLoopError, match=r"at most 5 pages \(max_pages\)"):
        _walk_ids(paginator)


SHOP = "https://acme.example/admin/api/2025-07/orders.json"


@responses.activate
def test_link_header_paginator_sends_only_the_cursor_and_kept_params():
    def shop(request):
        query = dict(parse_qsl(urlsplit(request.url).query))
        cursor = query.get("page_info")
        nxt = {None: "c1", "c1": "c2", "c2": None}[cursor]
        link = f'<https://elsewhere.example/x.json?page_info={nxt}&limit=2>; rel="next"'
        headers = {"Link": link} if nxt else {}
        first = {None: 1, "c1": 3, "c2": 5}[cursor]
        return 200, headers, json.dumps({"orders": _orders(2, first)})

    responses.add_callback(responses.GET, SHOP, callback=shop)
    session = requests.Session()
    queries: list[dict] = []

    def fetch(query):
        queries.append(dict(query))
        return session.get(SHOP, params=query)

    paginator = LinkHeaderCursorPaginator(walk=PageWalk("GET /orders.json", page_size=2))
    pages = list(paginate(fetch, paginator, {"status": "any", "limit": 2, "fields": "id"}))
    assert len(pages) == 3
    assert queries[1:] == [
        {"page_info": "c1", "limit": "2", "fields": "id"},
        {"page_info": "c2", "limit": "2", "fields": "id"},
    ]
    assert all(call.request.url.startswith(SHOP) for call in responses.calls)


@responses.activate
def test_link_header_paginator_stops_a_repeated_cursor_and_a_link_without_cursor():
    looping = {"Link": '<https://a/x?page_info=same>; rel="next"'}
    responses.add(responses.GET, SHOP, json={"orders": []}, headers=looping)
    session = requests.Session()
    paginator = LinkHeaderCursorPaginator(walk=PageWalk("GET /orders.json", page_size=2))
    with pytest.raises(PaginationLoopError, match="same cursor"):
        list(paginate(lambda q: session.get(SHOP, params=q), paginator, {}))

    no_cursor = {"Link": '<https://a/x?limit=2>; rel="next"'}
    responses.replace(responses.GET, SHOP, json={"orders": []}, headers=no_cursor)
    with pytest.raises(PaginatorError, match="no page_info"):
        list(paginate(lambda q: session.get(SHOP, params=q), LinkHeaderCursorPaginator(), {}))
