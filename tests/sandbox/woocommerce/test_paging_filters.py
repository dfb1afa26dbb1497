"""Paging (page/per_page/offset, totals headers, WordPress Link headers), validation errors and filters."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.sandbox.woocommerce.conftest import BASE, walk

PER_PAGE_ERROR = {
    "code": "rest_invalid_param",
    "message": "Invalid parameter(s): per_page",
    "data": {
        "status": 400,
        "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
        "details": {
            "per_page": {
                "code": "rest_out_of_bounds",
                "message": "per_page must be between 1 (inclusive) and 100 (inclusive)",
                "data": None,
            }
        },
    },
}


def test_totals_and_link_headers(site, session):
    total = len([o for o in site.orders() if o.status_at(site.clock) != "trash"])
    first = session.get(f"{BASE}/orders", params={"per_page": 25})
    assert first.headers["X-WP-Total"] == str(total)
    pages = -(-total // 25)
    assert first.headers["X-WP-TotalPages"] == str(pages)
    assert first.headers["Link"] == f'<{BASE}/orders?per_page=25&page=2>; rel="next"'
    second = session.get(f"{BASE}/orders", params={"per_page": 25, "page": 2})
    assert second.headers["Link"] == (
        f'<{BASE}/orders?per_page=25&page=1>; rel="prev", <{BASE}/orders?per_page=25&page=3>; rel="next"'
    )
    last = session.get(f"{BASE}/orders", params={"per_page": 25, "page": pages})
    assert set(last.links) == {"prev"} and len(last.json()) == total - 25 * (pages - 1)
    beyond = session.get(f"{BASE}/orders", params={"per_page": 25, "page": pages + 1})
    assert beyond.status_code == 200 and beyond.json() == []
    walked = walk(session, f"{BASE}/orders")
    assert len(walked) == total == len({o["id"] for o in walked})
    default = session.get(f"{BASE}/orders")
    assert len(default.json()) == 10  # per_page defaults to 10
    dates = [o["date_created_gmt"] for o in walked]
    assert dates == sorted(dates, reverse=True)  # default orderby date, order desc


def test_offset_and_orderby(site, session):
    by_id = walk(session, f"{BASE}/orders", orderby="id", order="asc")
    assert [o["id"] for o in by_id] == sorted(o["id"] for o in by_id)
    shifted = session.get(
        f"{BASE}/orders", params={"orderby": "id", "order": "asc", "offset": 5, "per_page": 3}
    ).json()
    assert [o["id"] for o in shifted] == [o["id"] for o in by_id[5:8]]
    by_modified = walk(session, f"{BASE}/orders", orderby="modified", order="asc")
    stamps = [o["date_modified_gmt"] for o in by_modified]
    assert stamps == sorted(stamps)


def test_per_page_over_100_is_the_exact_wordpress_error(session):
    response = session.get(f"{BASE}/orders", params={"per_page": 101})
    assert response.status_code == 400
    assert response.json() == PER_PAGE_ERROR
    zero = session.get(f"{BASE}/orders", params={"per_page": 0})
    assert zero.status_code == 400 and zero.json()["data"]["params"] == PER_PAGE_ERROR["data"]["params"]
    page = session.get(f"{BASE}/orders", params={"page": 0}).json()
    assert page["data"]["params"] == {"page": "page must be greater than or equal to 1"}
    bad = session.get(f"{BASE}/orders", params={"orderby": "total"}).json()
    assert bad["message"] == "Invalid parameter(s): orderby"
    assert (
        bad["data"]["params"]["orderby"]
        == "orderby is not one of date, id, include, title, slug, and modified."
    )
    assert session.get(f"{BASE}/orders", params={"after": "yesterday"}).json()["data"]["params"] == {
        "after": "Invalid date."
    }


def test_not_found_errors(session):
    assert session.get(f"{BASE}/nonsense").json() == {
        "code": "rest_no_route",
        "message": "No route was found matching the URL and request method.",
        "data": {"status": 404},
    }
    missing = session.get(f"{BASE}/orders/999999999")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "woocommerce_rest_shop_order_invalid_id",
        "message": "Invalid ID.",
        "data": {"status": 404},
    }


def test_status_filter(site, session):
    completed = walk(session, f"{BASE}/orders", status="completed")
    assert completed and {o["status"] for o in completed} == {"completed"}
    both = walk(session, f"{BASE}/orders", status="completed,refunded")
    assert {o["status"] for o in both} == {"completed", "refunded"}
    assert not [o for o in walk(session, f"{BASE}/orders") if o["status"] == "trash"]  # any excludes trash
    assert {o["status"] for o in walk(session, f"{BASE}/orders", status="trash")} == {"trash"}


def test_modified_after_in_site_time_and_in_gmt(site, session):
    everything = walk(session, f"{BASE}/orders")
    # 2026-02-20 10:00 in New York is 15:00 UTC
    local = walk(session, f"{BASE}/orders", modified_after="2026-02-20T10:00:00")
    gmt = walk(session, f"{BASE}/orders", modified_after="2026-02-20T15:00:00", dates_are_gmt="true")
    expected = {o["id"] for o in everything if o["date_modified_gmt"] > "2026-02-20T15:00:00"}
    assert {o["id"] for o in local} == {o["id"] for o in gmt} == expected
    assert expected and len(expected) < len(everything)
    window = walk(
        session,
        f"{BASE}/orders",
        modified_after="2026-02-20T15:00:00",
        modified_before="2026-02-22T15:00:00",
        dates_are_gmt="true",
    )
    assert {o["id"] for o in window} == {
        o["id"] for o in everything if "2026-02-20T15:00:00" < o["date_modified_gmt"] < "2026-02-22T15:00:00"
    }
    # an old order refunded later is found by modified_after but not by after (created)
    created = walk(session, f"{BASE}/orders", after="2026-02-20T10:00:00")
    assert {o["id"] for o in created} == {
        o["id"] for o in everything if o["date_created"] > "2026-02-20T10:00:00"
    }
    assert expected - {o["id"] for o in created}


def test_after_with_an_offset_is_an_instant(session):
    instant = datetime(2026, 2, 25, 12, 0, tzinfo=ZoneInfo("UTC"))
    a = walk(session, f"{BASE}/orders", after=instant.isoformat())
    b = walk(session, f"{BASE}/orders", after="2026-02-25T07:00:00")
    assert [o["id"] for o in a] == [o["id"] for o in b]


def test_moving_the_clock_shows_later_changes_to_a_modified_after_sync(site, session):
    from datetime import timedelta

    before = site.clock
    stamp = before.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
    assert walk(session, f"{BASE}/orders", modified_after=stamp, dates_are_gmt="true") == []
    site.set_clock(before + timedelta(days=10))
    changed = walk(session, f"{BASE}/orders", modified_after=stamp, dates_are_gmt="true", status="any,trash")
    old = [o for o in changed if o["date_created_gmt"] < stamp]
    assert old, "orders created before the first sync changed after it (payments, completions, refunds)"
    assert all(o["date_modified_gmt"] > stamp for o in changed)
    assert any(o["refunds"] for o in old) or any(o["status"] == "completed" for o in old)
    new = [o for o in changed if o["date_created_gmt"] >= stamp]
    assert new and len(site.days) == 51
