"""Same spec and clock give byte-identical answers; one day's orders depend on nothing but that day."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sandbox.shopify.generator import OrderGenerator, build_shop

from .conftest import API, CLOCK, call, next_url, tiny_spec


def _fingerprint(shop) -> str:
    digest = hashlib.sha256()
    for path, query in [
        (f"{API}/shop.json", ""),
        (f"{API}/customers.json", "limit=250"),
        (f"{API}/products.json", "limit=250"),
        (f"{API}/locations.json", ""),
        (
            f"{API}/inventory_levels.json",
            f"location_ids={shop.locations[0].id},{shop.locations[1].id}&limit=250",
        ),
    ]:
        digest.update(call(shop, path, query)[2])
    path, query = f"{API}/orders.json", "status=any&limit=7"
    while True:
        status, headers, body = call(shop, path, query)
        assert status == 200
        digest.update(body)
        digest.update(headers.get("Link", "").encode())
        url = next_url(headers)
        if url is None:
            return digest.hexdigest()
        path, query = url.split("sandbox://tiny", 1)[1].split("?", 1)


def test_same_spec_and_clock_give_identical_bytes():
    assert _fingerprint(build_shop(tiny_spec(), CLOCK)) == _fingerprint(build_shop(tiny_spec(), CLOCK))


def test_another_seed_gives_another_store():
    assert _fingerprint(build_shop(tiny_spec(), CLOCK)) != _fingerprint(build_shop(tiny_spec(seed=8), CLOCK))


def test_a_day_is_generated_from_its_own_random_stream():
    shop = build_shop(tiny_spec(), CLOCK)
    day = date(2026, 3, 5)
    on_day = [o for o in shop.orders() if o.created_at.astimezone(shop.spec.zone).date() == day]
    assert on_day, "the tiny shop should have orders on 5 March"
    fresh = OrderGenerator(shop.spec, shop.catalog, shop.people, shop.locations)
    fresh.prepare_until(day)
    # Generated alone (no other day before it), the day's orders are the same objects field by field.
    alone = fresh.generate_day(day, on_day[0].number)
    assert [(o.id, o.created_at, o.total_price_at(CLOCK)) for o in alone] == [
        (o.id, o.created_at, o.total_price_at(CLOCK)) for o in on_day
    ]
    # ...and generating the previous day first changes nothing either.
    fresh.generate_day(day - timedelta(days=1), 1)
    again = fresh.generate_day(day, on_day[0].number)
    assert [o.id for o in again] == [o.id for o in on_day]
