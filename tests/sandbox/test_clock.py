"""Moving the clock: later refunds, edits and orders appear; updated_at follows the latest event."""

from __future__ import annotations

import json
from datetime import timedelta

from .conftest import API, call, tiny_shop


def _order_json(shop, order_id: int) -> dict:
    status, _headers, body = call(shop, f"{API}/orders/{order_id}.json")
    assert status == 200
    return json.loads(body)["order"]


def test_a_later_refund_appears_when_the_clock_reaches_it():
    shop = tiny_shop()
    clock = shop.clock
    order = next(
        o for o in shop.orders() if any(r.created_at > clock for r in o.refunds) and not o.cancelled_at
    )
    refund = next(r for r in order.refunds if r.created_at > clock)
    before = _order_json(shop, order.id)
    assert refund.id not in [r["id"] for r in before["refunds"]]
    shop.set_clock(refund.created_at - timedelta(seconds=1))
    assert refund.id not in [r["id"] for r in _order_json(shop, order.id)["refunds"]]
    shop.set_clock(refund.created_at)
    after = _order_json(shop, order.id)
    assert refund.id in [r["id"] for r in after["refunds"]]
    assert after["updated_at"] == refund.created_at.astimezone(shop.spec.zone).isoformat()
    assert after["financial_status"] in {"partially_refunded", "refunded"}
    assert after["current_total_price"] != before["current_total_price"]
    status, _headers, body = call(shop, f"{API}/orders/{order.id}/refunds.json")
    assert refund.id in [r["id"] for r in json.loads(body)["refunds"]]
    # the refund now shows up in an updated_at window that starts at it
    stamp = after["updated_at"].replace("+", "%2B")
    status, _headers, body = call(shop, f"{API}/orders.json", f"status=any&updated_at_min={stamp}&limit=250")
    assert order.id in [o["id"] for o in json.loads(body)["orders"]]
    # and the clock can go back again
    shop.set_clock(clock)
    assert _order_json(shop, order.id) == before


def test_an_edit_that_adds_a_line_changes_the_order_later():
    shop = tiny_shop()
    order = next(o for o in shop.orders() if any(e.added_line_id for e in o.edits))
    edit = next(e for e in order.edits if e.added_line_id)
    shop.set_clock(edit.at - timedelta(seconds=1))
    before = _order_json(shop, order.id)
    shop.set_clock(edit.at)
    after = _order_json(shop, order.id)
    assert len(after["line_items"]) == len(before["line_items"]) + 1
    assert after["line_items"][-1]["id"] == edit.added_line_id
    assert float(after["total_price"]) > float(before["total_price"])
    assert after["updated_at"] == edit.at.astimezone(shop.spec.zone).isoformat()


def test_moving_forward_creates_the_new_days_orders():
    shop = tiny_shop()
    count_before = len(shop.orders())
    last_id = shop.orders()[-1].id
    shop.set_clock(shop.clock + timedelta(days=3))
    new = [o for o in shop.orders() if o.id > last_id]
    assert len(shop.orders()) == count_before + len(new) and new
    assert [o.number for o in new] == list(
        range(shop.orders()[count_before - 1].number + 1, new[-1].number + 1)
    )
    status, _headers, body = call(shop, f"{API}/orders/{new[-1].id}.json")
    assert status == 200
    shop.set_clock(shop.clock - timedelta(days=3))
    assert call(shop, f"{API}/orders/{new[-1].id}.json")[0] == 404


def test_debug_clock_endpoint_moves_the_clock():
    import requests

    from sandbox.shopify import inprocess, registry

    shop = tiny_shop(name="tiny-clock")
    registry.register("tiny-clock", shop)
    try:
        session = inprocess.mount(requests.Session())
        now = session.get("sandbox://tiny-clock/_sandbox/clock.json").json()
        assert now["clock"] == "2026-03-10T00:00:00-04:00" and now["history_start"] == "2026-02-24"
        moved = session.post(
            "sandbox://tiny-clock/_sandbox/clock.json", params={"to": "2026-03-12T08:00:00-04:00"}
        ).json()
        assert moved["clock"] == "2026-03-12T08:00:00-04:00"
        assert shop.clock.isoformat() == "2026-03-12T12:00:00+00:00"
        bad = session.post("sandbox://tiny-clock/_sandbox/clock.json", params={"to": "2026-03-12T08:00:00"})
        assert bad.status_code == 400
        truth = session.get(
            "sandbox://tiny-clock/_sandbox/ground_truth.json",
            params={"start": "2026-03-01", "end": "2026-03-02"},
        ).json()["ground_truth"]
        assert [row["date"] for row in truth] == ["2026-03-01", "2026-03-02"]
    finally:
        registry.unregister("tiny-clock")
