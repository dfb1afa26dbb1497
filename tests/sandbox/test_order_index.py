"""The lazy indexes give exactly the answers of a brute-force walk over every order.

Candidate days (found through the event-time bounds) must never miss an order, pages cut by the ordered
day scan must equal pages cut from the fully sorted list, and the digests' clock-dependent states, the
customer index, the inventory and the ground truth must match the model's own methods at any clock.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.shopify.customer_index import CustomerIndex
from sandbox.shopify.inventory import _moves
from sandbox.shopify.order_query import OrderFilter, OrderQuery
from sandbox.shopify.paging import Cursor
from sandbox.shopify.summary import CANCELLED, CLOSED, FINANCIAL_STATUSES
from sandbox.shopify.timing import MAX_EVENT_DELAY, PROCESSED_MAX_LEAD

from . import reference
from .conftest import API, CLOCK, call, tax_inclusive_shop, tiny_shop

# Small stores, built once: a busy one with many edge cases, one longer than the 60-day window, and a
# tax-inclusive German one (totals, refunds and the ground truth without tax on top).
SHOPS = {
    "busy": tiny_shop(orders_per_day=7.0, history_days=20),
    "long": tiny_shop(name="long", seed=9, orders_per_day=2.5, history_days=70),
    "vat": tax_inclusive_shop("vat-busy"),
}
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _set_clock(shop, shift_hours: int) -> None:
    shop.set_clock(CLOCK + timedelta(hours=shift_hours))


@st.composite
def queries(draw):
    """(shop, clock shift, reference query, limit, cursor)."""
    name = draw(st.sampled_from(sorted(SHOPS)))
    shop = SHOPS[name]
    shift = draw(st.integers(-24 * 25, 24 * 6))
    _set_clock(shop, shift)
    first = int((shop.clock - timedelta(days=shop.spec.history_days + 3)).timestamp())
    last = int((shop.clock + timedelta(days=3)).timestamp())
    bounds = {}
    for name_ in ("created_at", "updated_at", "processed_at"):
        if draw(st.integers(0, 2)) == 0:  # a window [low, low + span], either end possibly open
            low = draw(st.integers(first, last)) + draw(st.sampled_from([0, 0, 0.5]))
            span = draw(st.integers(0, 6 * 86400))
            if draw(st.integers(0, 3)):
                bounds[name_ + "_min"] = low
            if draw(st.integers(0, 3)):
                bounds[name_ + "_max"] = low + span
    ids = [order.id for order in shop.orders()]
    chosen_ids = None
    if ids and draw(st.booleans()) and draw(st.booleans()):
        chosen_ids = frozenset(draw(st.lists(st.sampled_from(ids), max_size=12)) + [ids[0] + 7_654_321, 42])
    since_id = draw(st.sampled_from(ids)) if ids and draw(st.integers(0, 4)) == 0 else None
    query = reference.Query(
        status=draw(st.sampled_from(["any", "any", "any", "open", "closed", "cancelled"])),
        financial=draw(st.sampled_from(["any"] * 8 + ["unpaid", *FINANCIAL_STATUSES])),
        ids=chosen_ids,
        since_id=since_id,
        bounds=bounds,
        field=draw(st.sampled_from(["id", "created_at", "updated_at", "processed_at"])),
        direction=draw(st.sampled_from([1, -1])),
        visible_from=(shop.clock - timedelta(days=60)).timestamp() if draw(st.booleans()) else None,
    )
    limit = draw(st.integers(1, 20))
    cursor = None
    rows = reference.order_rows(shop, query)
    if draw(st.booleans()):
        if rows and draw(st.booleans()):
            key = draw(st.sampled_from([key for key, _order in rows]))
        else:
            key = (draw(st.integers(-(2**45), 2**45)), draw(st.integers(-(2**45), 2**45)))
        cursor = Cursor("orders", (), draw(st.sampled_from(["next", "previous"])), key, None)
    return shop, query, limit, cursor


def _indexed(shop, query: reference.Query) -> OrderQuery:
    return OrderQuery(
        shop,
        OrderFilter(
            status=query.status,
            financial=query.financial,
            ids=query.ids,
            since_id=query.since_id,
            bounds=tuple(sorted(query.bounds.items())),
            field=query.field,
            direction=query.direction,
            visible_from=query.visible_from,
        ),
    )


@SETTINGS
@given(queries())
def test_indexed_pages_and_counts_match_the_brute_force_listing(case):
    shop, query, limit, cursor = case
    expected = reference.order_page(shop, query, limit, cursor)
    got = _indexed(shop, query).page(limit, cursor)
    assert [order.id for order in got.items] == [order.id for order in expected.items]
    assert (got.first_key, got.last_key) == (expected.first_key, expected.last_key)
    assert (got.has_previous, got.has_next) == (expected.has_previous, expected.has_next)
    assert _indexed(shop, query).count() == len(reference.order_rows(shop, query))


@pytest.mark.parametrize("name", sorted(SHOPS))
def test_every_one_day_window_finds_every_order(name):
    """Exhaustive over the candidate-day bounds: each local day as a window of each time field."""
    shop = SHOPS[name]
    for shift in (-24 * 20, -24 * 3 - 7, 0, 24 * 4 + 5):
        _set_clock(shop, shift)
        days = shop.book.days()
        for day in [days[0] - timedelta(days=1), *days, days[-1] + timedelta(days=1)]:
            start = shop.book.start(day) if day in days else None
            if start is None:
                continue
            for field in ("created_at", "updated_at", "processed_at"):
                bounds = {field + "_min": start, field + "_max": start + 86399}
                query = reference.Query(status="any", bounds=bounds, field=field)
                expected = [order.id for _key, order in reference.order_rows(shop, query)]
                got = _indexed(shop, query)
                assert got.count() == len(expected), (day, field)
                assert [order.id for order in got.page(250, None).items] == expected[:250], (day, field)


@pytest.mark.parametrize("field", ["id", "created_at", "updated_at", "processed_at"])
@pytest.mark.parametrize("direction", [1, -1])
def test_walking_forward_and_back_in_any_sort_order_sees_every_order_once(field, direction):
    shop = SHOPS["busy"]
    _set_clock(shop, -24 * 6)
    query = reference.Query(status="any", field=field, direction=direction)
    expected = [order.id for _key, order in reference.order_rows(shop, query)]
    indexed = _indexed(shop, query)
    seen, cursor = [], None
    while True:
        result = indexed.page(7, cursor)
        seen += [order.id for order in result.items]
        if not result.has_next:
            break
        cursor = Cursor("orders", (), "next", result.last_key, None)
    assert seen == expected
    back, cursor = [], Cursor("orders", (), "previous", result.first_key, None)
    while True:
        result = indexed.page(7, cursor)
        back = [order.id for order in result.items] + back
        if not result.has_previous:
            break
        cursor = Cursor("orders", (), "previous", result.first_key, None)
    assert back == expected[: len(expected) - len(seen[-((len(seen) - 1) % 7 + 1) :])]


def test_a_window_only_reads_the_days_that_can_feed_it():
    shop = tiny_shop(orders_per_day=20.0, history_days=120)
    day = shop.clock - timedelta(days=90)
    bounds = {"updated_at_min": day.timestamp(), "updated_at_max": (day + timedelta(days=1)).timestamp()}
    query = _indexed(shop, reference.Query(status="any", bounds=bounds))
    assert query.count() > 0
    # 51 creation days can hold an order updated that day: nothing after it, nothing before its reach
    assert shop.days.generated_days <= MAX_EVENT_DELAY.days + 2
    assert shop.days.summarized_days <= MAX_EVENT_DELAY.days + 2


def test_customers_on_a_page_are_resolved_without_the_whole_history():
    # few customers ordering every day: each one's latest activity is found within days of the clock,
    # then the scan needs the MAX_EVENT_DELAY days before it, not the 200 days of history
    shop = tiny_shop(orders_per_day=20.0, history_days=200, customers=8, guest_share=0.0)
    status, _headers, body = call(shop, f"{API}/orders.json", "status=any&limit=20")
    assert status == 200 and '"customer":{' in body.decode()
    assert shop.days.summarized_days < MAX_EVENT_DELAY.days + 10 < len(shop.book)


def test_fields_without_customer_never_scan_for_customers():
    shop = tiny_shop(orders_per_day=20.0, history_days=200, customers=400)
    day = shop.clock - timedelta(days=150)
    query = (
        f"status=any&limit=50&fields=id,updated_at&updated_at_min={quote(day.isoformat())}"
        f"&updated_at_max={quote((day + timedelta(days=1)).isoformat())}"
    )
    status, _headers, body = call(shop, f"{API}/orders.json", query)
    assert status == 200 and json.loads(body)["orders"]
    assert shop.days.summarized_days <= MAX_EVENT_DELAY.days + 2


@SETTINGS
@given(st.sampled_from(sorted(SHOPS)), st.integers(-24 * 25, 24 * 6))
def test_day_states_follow_the_model_at_any_clock(name, shift):
    shop = SHOPS[name]
    _set_clock(shop, shift)
    clock = shop.clock
    for day in shop.book.days():
        summary = shop.days.summary(day)
        state = shop.days.state(day, shop.clock_epoch)
        for position, order in enumerate(shop.days.orders(day)):
            assert summary.ids[position] == order.id
            assert bool(state.exists[position]) == (order.created_at <= clock)
            if order.created_at > clock:
                continue
            assert state.updated[position] == int(order.updated_at(clock).timestamp())
            assert bool(state.flags[position] & CLOSED) == (order.closed_at_at(clock) is not None)
            assert bool(state.flags[position] & CANCELLED) == (order.cancelled_at_at(clock) is not None)
            assert FINANCIAL_STATUSES[state.financial[position]] == order.financial_status_at(clock)


def test_every_order_keeps_to_the_event_time_bounds():
    shop = tiny_shop(orders_per_day=30.0, history_days=40, refund_share=0.6, edit_share=0.6)
    for order in shop.all_generated_orders():
        moments = [order.created_at, *(edit.at for edit in order.edits)]
        moments += [transaction.created_at for transaction in order.transactions]
        moments += [refund.created_at for refund in order.refunds]
        moments += [m for m in (order.paid_at, order.voided_at, order.cancelled_at, order.closed_at) if m]
        assert max(moments) < order.created_at + MAX_EVENT_DELAY
        assert order.created_at - PROCESSED_MAX_LEAD < order.processed_at <= order.created_at


@SETTINGS
@given(
    st.sampled_from(sorted(SHOPS)),
    st.integers(-24 * 25, 24 * 6),
    st.integers(-5, 25),
    st.integers(0, 40),
    st.integers(-5, 25),
    st.integers(0, 10),
)
def test_ground_truth_matches_the_whole_history_computation(name, shift, start, length, start2, length2):
    shop = SHOPS[name]
    _set_clock(shop, shift)
    for offset, days in ((start, length), (start2, length2)):  # two ranges: the first-order index grows
        first = shop.history_start + timedelta(days=offset)
        last = first + timedelta(days=days)
        assert shop.ground_truth(first, last) == reference.ground_truth(shop, first, last)


@SETTINGS
@given(st.sampled_from(sorted(SHOPS)), st.integers(-24 * 25, 24 * 6), st.randoms(use_true_random=False))
def test_customer_statistics_match_whole_history_counts(name, shift, rng):
    shop = SHOPS[name]
    _set_clock(shop, shift)
    expected = reference.customer_stats(shop)
    customers = [customer.id for customer in shop.people.customers]
    rng.shuffle(customers)
    lazy = CustomerIndex(shop)
    for customer_id in customers[:10]:  # answered from a partial, newest-first scan
        stats = expected.get(customer_id)
        assert lazy.last_activity(customer_id) == (stats.last_activity if stats else None)
    assert CustomerIndex(shop).all_stats() == expected


@SETTINGS
@given(st.sampled_from(sorted(SHOPS)), st.integers(-24 * 25, 24 * 6))
def test_inventory_moves_match_the_orders(name, shift):
    shop = SHOPS[name]
    _set_clock(shop, shift)
    delta, moved = _moves(shop)
    locations = len(shop.locations)
    got = {}
    for variant_index, variant in enumerate(shop.catalog.variants):
        for location_index, location in enumerate(shop.locations):
            key = variant_index * locations + location_index
            if moved[key] != _never():
                got[(variant.id, location.id)] = (int(delta[key]), int(moved[key]))
    expected = reference.inventory_moves(shop)
    assert got == {key: (units, int(at.timestamp())) for key, (units, at) in expected.items()}


def _never() -> int:
    import numpy as np

    return int(np.iinfo(np.int64).min)


@pytest.fixture(autouse=True)
def _reset_clocks():
    yield
    for shop in SHOPS.values():
        shop.set_clock(CLOCK)
