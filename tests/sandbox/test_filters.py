"""Order list filters: status default, time windows (inclusive, any offset), ids, fields, 60-day window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .conftest import API, CLOCK, call, fetch_all, tiny_shop


def _ids(shop, query: str) -> list[int]:
    return [order["id"] for order in fetch_all(shop, "orders", query)]


def _count(shop, query: str) -> int:
    status, _headers, body = call(shop, f"{API}/orders/count.json", query)
    assert status == 200
    return json.loads(body)["count"]


def test_status_defaults_to_open(shop):
    clock = shop.clock
    every = shop.orders()
    open_ids = [o.id for o in every if o.closed_at_at(clock) is None and o.cancelled_at_at(clock) is None]
    closed_ids = [o.id for o in every if o.closed_at_at(clock) is not None]
    cancelled_ids = [o.id for o in every if o.cancelled_at_at(clock) is not None]
    assert 0 < len(open_ids) < len(every) and closed_ids and cancelled_ids
    assert _ids(shop, "limit=250") == open_ids
    assert _ids(shop, "status=open&limit=250") == open_ids
    assert _ids(shop, "status=closed&limit=250") == closed_ids
    assert _ids(shop, "status=cancelled&limit=250") == cancelled_ids
    assert _ids(shop, "status=any&limit=250") == [o.id for o in every]
    assert _count(shop, "") == len(open_ids)
    assert _count(shop, "status=any") == len(every)
    status, _headers, body = call(shop, f"{API}/orders.json", "status=bogus")
    assert status == 400


def test_updated_at_window_is_inclusive_in_any_offset(shop):
    orders = fetch_all(shop, "orders", "status=any&limit=250")
    target = orders[len(orders) // 2]
    stamp = target["updated_at"]  # shop offset, e.g. 2026-03-04T18:12:09-05:00
    assert stamp[-6:] in {"-05:00", "-04:00"}
    instant = datetime.fromisoformat(stamp)
    same = [o["id"] for o in orders if datetime.fromisoformat(o["updated_at"]) == instant]
    exact = f"status=any&limit=250&updated_at_min={stamp}&updated_at_max={stamp}".replace("+", "%2B")
    assert _ids(shop, exact) == same
    as_utc = instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(shop, f"status=any&limit=250&updated_at_min={as_utc}&updated_at_max={as_utc}") == same
    in_berlin = instant.astimezone(ZoneInfo("Europe/Berlin"))
    encoded = in_berlin.isoformat().replace("+", "%2B")
    assert _ids(shop, f"status=any&limit=250&updated_at_min={encoded}&updated_at_max={encoded}") == same
    # A "+" left unencoded arrives as a space; the sandbox still reads the offset.
    raw_plus = in_berlin.isoformat()
    assert _ids(shop, f"status=any&limit=250&updated_at_min={raw_plus}&updated_at_max={raw_plus}") == same
    # Without an offset the shop's timezone applies.
    naive = instant.astimezone(shop.spec.zone).replace(tzinfo=None).isoformat()
    assert _ids(shop, f"status=any&limit=250&updated_at_min={naive}&updated_at_max={naive}") == same
    later = (instant + timedelta(seconds=1)).isoformat().replace("+", "%2B")
    after = _ids(shop, f"status=any&limit=250&updated_at_min={later}")
    assert target["id"] not in after
    assert sorted(after) == sorted(
        o["id"] for o in orders if datetime.fromisoformat(o["updated_at"]) > instant
    )
    status, _headers, body = call(shop, f"{API}/orders.json", "updated_at_min=yesterday")
    assert (status, json.loads(body)) == (400, {"errors": {"updated_at_min": "updated_at_min is invalid"}})


def test_created_and_processed_windows_follow_local_days(shop):
    zone = shop.spec.zone
    day_start = datetime(2026, 3, 5, tzinfo=zone)
    next_day = datetime(2026, 3, 6, tzinfo=zone)
    query = "status=any&limit=250&processed_at_min=2026-03-05&processed_at_max=2026-03-05T23:59:59"
    expected = [o.id for o in shop.orders() if day_start <= o.processed_at < next_day]
    assert expected and _ids(shop, query) == expected
    query = (
        "status=any&limit=250&created_at_min=2026-03-05T00:00:00-05:00"
        "&created_at_max=2026-03-05T23:59:59-05:00"
    )
    expected = [o.id for o in shop.orders() if day_start <= o.created_at < next_day]
    assert _ids(shop, query) == expected


def test_ids_since_id_and_fields(shop):
    every = [o.id for o in shop.orders()]
    picked = every[3:6]
    assert _ids(shop, "status=any&ids=" + ",".join(map(str, picked))) == picked
    assert _ids(shop, f"status=any&limit=250&since_id={every[-4]}") == every[-3:]
    status, _headers, body = call(shop, f"{API}/orders.json", "status=any&limit=2&fields=id,total_price,nope")
    assert [set(order) for order in json.loads(body)["orders"]] == [{"id", "total_price"}] * 2
    status, _headers, body = call(shop, f"{API}/orders/{every[0]}.json", "fields=id,name")
    assert set(json.loads(body)["order"]) == {"id", "name"}


def test_orders_older_than_60_days_need_read_all_orders():
    spec_args = {"history_days": 75, "orders_per_day": 1.0}
    full = tiny_shop(**spec_args)
    limited = tiny_shop(**spec_args, scopes={"read_orders", "read_customers", "read_products"})
    cutoff = CLOCK - timedelta(days=60)
    old = [o for o in full.orders() if o.created_at < cutoff]
    recent = [o for o in full.orders() if o.created_at >= cutoff]
    assert old and recent
    assert _count(full, "status=any") == len(old) + len(recent)
    assert _count(limited, "status=any") == len(recent)
    assert _ids(limited, "status=any&limit=250") == [o.id for o in recent]
    status, _headers, _body = call(limited, f"{API}/orders/{old[0].id}.json")
    assert status == 404
    assert call(full, f"{API}/orders/{old[0].id}.json")[0] == 200
    status, _headers, _body = call(limited, f"{API}/orders/{old[0].id}/refunds.json")
    assert status == 404


def test_customer_and_product_filters(shop):
    customers = fetch_all(shop, "customers", "limit=250")
    assert len(customers) == len([c for c in shop.people.customers if c.created_at <= shop.clock])
    old = [c for c in customers if c["updated_at"] == c["created_at"] and c["orders_count"] == 0]
    assert old, "some customers were never touched since they were created"
    middle = customers[len(customers) // 2]["updated_at"].replace("+", "%2B")
    recent = fetch_all(shop, "customers", f"limit=250&updated_at_min={middle}")
    assert recent and all(
        datetime.fromisoformat(c["updated_at"]) >= datetime.fromisoformat(middle.replace("%2B", "+"))
        for c in recent
    )
    status, _headers, body = call(shop, f"{API}/customers/count.json")
    assert json.loads(body) == {"count": len(customers)}
    products = fetch_all(shop, "products", "limit=250")
    assert len(products) == 6
    status, _headers, body = call(shop, f"{API}/products/count.json")
    assert json.loads(body) == {"count": 6}
