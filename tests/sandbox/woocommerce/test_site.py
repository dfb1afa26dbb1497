"""Determinism, the data quirks, refunds and the ground truth of a small site."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.orders import ALL_STATUSES
from tests.sandbox.woocommerce.conftest import BASE, CLOCK, small_spec, walk

COUNTED = {"processing", "completed", "on-hold", "refunded"}


def test_same_spec_and_clock_give_identical_answers(site):
    other = build_site(small_spec(), CLOCK)
    query = "per_page=100&page=2&status=any"
    first = site.api.handle("GET", "/wp-json/wc/v3/orders", query, {}, "https://x", is_ssl=False)
    second = other.api.handle("GET", "/wp-json/wc/v3/orders", query, {}, "https://x", is_ssl=False)
    assert first == second  # both anonymous 401s: compare authenticated bodies too
    auth = {
        "Authorization": "Basic "
        + __import__("base64")
        .b64encode(f"{site.spec.consumer_key}:{site.spec.consumer_secret}".encode())
        .decode()
    }
    first = site.api.handle("GET", "/wp-json/wc/v3/orders", query, auth, "https://x")
    second = other.api.handle("GET", "/wp-json/wc/v3/orders", query, auth, "https://x")
    assert first[0] == 200 and first == second
    assert len(json.loads(first[2])) == 100


def test_every_status_occurs_and_date_paid_only_on_paid_orders(site, session):
    orders = walk(session, f"{BASE}/orders", status="any") + walk(session, f"{BASE}/orders", status="trash")
    statuses = {o["status"] for o in orders}
    assert statuses == set(ALL_STATUSES)
    assert len(orders) == len(site.orders())
    for order in orders:
        if order["status"] in ("pending", "failed", "checkout-draft", "cancelled", "trash"):
            assert order["date_paid"] is None and order["date_paid_gmt"] is None
    assert any(o["customer_id"] == 0 and o["billing"]["email"] for o in orders)  # guests
    assert any(o["customer_id"] > 0 for o in orders)
    assert any(o["status"] in ("processing", "completed") and o["date_paid_gmt"] is None for o in orders)


def test_wire_quirks(site, session):
    orders = walk(session, f"{BASE}/orders")
    order = orders[0]
    assert isinstance(order["number"], str) and order["number"] == str(order["id"])
    assert len(order["date_created"]) == 19 and "+" not in order["date_created"]  # site time, no offset
    assert order["date_created"] != order["date_created_gmt"]  # New York is 5 hours behind UTC in winter
    line = order["line_items"][0]
    assert isinstance(line["price"], int | float)
    assert isinstance(line["subtotal"], str) and len(line["subtotal"].split(".")[1]) == 2
    assert all(isinstance(t["rate_id"], int) for o in orders for t in o["tax_lines"])
    decimals = {
        len(t["total"].split(".")[1]) if "." in t["total"] else 0
        for o in orders
        for li in o["line_items"]
        for t in li["taxes"]
    }
    assert 1 in decimals and 4 in decimals  # "0.9" and "0.9225" beside 2-dp amounts
    assert any(f["total"].startswith("-") for o in orders for f in o["fee_lines"])  # negative fee
    assert any(not f["total"].startswith("-") for o in orders for f in o["fee_lines"])
    assert any(o["coupon_lines"] for o in orders)
    coupon_order = next(o for o in orders if o["coupon_lines"] and o["discount_total"] != "0.00")
    discount = sum(Decimal(li["subtotal"]) - Decimal(li["total"]) for li in coupon_order["line_items"])
    assert (
        Decimal(coupon_order["coupon_lines"][0]["discount"])
        == discount
        == Decimal(coupon_order["discount_total"])
    )


def test_line_amounts_are_ex_tax_when_prices_include_tax():
    site = build_site(
        small_spec(
            name="woo-vat", country="GB", timezone="Europe/London", currency="GBP", prices_include_tax=True
        ),
        CLOCK,
    )
    order = next(
        o
        for o in site.orders()
        if o.coupon is None
        and len(o.lines) == 1
        and o.lines[0].taxes
        and o.lines[0].sellable.product.tax_class == ""
    )
    line = order.lines[0]
    gross = line.sellable.price * line.quantity
    assert line.subtotal + line.subtotal_tax == gross  # shelf price includes 20 % VAT; subtotal excludes it
    assert line.subtotal_tax == (gross / Decimal("1.2") * Decimal("0.2")).quantize(Decimal("0.01"))
    from sandbox.woocommerce.render import order_json

    body = order_json(order, site.clock, site.zone, "GBP", "https://x")
    assert body["prices_include_tax"] is True and body["currency"] == "GBP"


def test_refund_sign_conventions(site, session):
    orders = walk(session, f"{BASE}/orders")
    refunded = [o for o in orders if o["refunds"]]
    assert any(o["status"] == "refunded" for o in refunded)
    assert any(o["status"] != "refunded" for o in refunded)  # partial refunds
    for order in refunded[:15]:
        refunds = session.get(f"{BASE}/orders/{order['id']}/refunds").json()
        assert [r["id"] for r in refunds] == [r["id"] for r in order["refunds"]]
        for summary, refund in zip(order["refunds"], refunds, strict=True):
            assert summary["total"].startswith("-") and Decimal(summary["total"]) == -Decimal(
                refund["amount"]
            )
            assert Decimal(refund["amount"]) > 0
            assert refund["date_created_gmt"] > order["date_created_gmt"]
            for line in refund["line_items"]:
                assert line["quantity"] < 0 and line["total"].startswith("-") and line["price"] < 0
        if order["status"] == "refunded":
            assert sum(Decimal(r["amount"]) for r in refunds) == Decimal(order["total"])


def test_ground_truth_equals_a_recomputation_from_the_served_json(site, session):
    """The ground truth follows docs/metrics.md's WooCommerce mapping: positive fees in gross sales,
    negative fees in discounts, returns ex-tax (refund lines' totals), what a full refund gives back beyond
    its lines split into tax and shipping, one person per normalised e-mail."""
    orders = walk(session, f"{BASE}/orders", status="any") + walk(session, f"{BASE}/orders", status="trash")
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    people: dict[str, set[str]] = defaultdict(set)
    first: dict[str, tuple[str, str]] = {}
    for order in orders:
        if order["status"] not in COUNTED:
            continue
        day = (order["date_paid"] or order["date_created"])[:10]
        who = order["billing"]["email"].strip().lower() or f"id:{order['customer_id']}"
        people[day].add(who)
        counted_at = order["date_paid_gmt"] or order["date_created_gmt"]
        first[who] = min(first.get(who, (day, counted_at)), (day, counted_at))
        row = figures[day]
        fees = [Decimal(f["total"]) for f in order["fee_lines"]]
        row["orders"] += 1
        row["units"] += sum(li["quantity"] for li in order["line_items"])
        row["gross_sales"] += sum(Decimal(li["subtotal"]) for li in order["line_items"]) + sum(
            f for f in fees if f > 0
        )
        row["discounts"] += sum(
            Decimal(li["subtotal"]) - Decimal(li["total"]) for li in order["line_items"]
        ) - sum(f for f in fees if f < 0)
        row["shipping"] += Decimal(order["shipping_total"])
        row["taxes"] += Decimal(order["total_tax"])
        if order["refunds"]:
            refunds = session.get(f"{BASE}/orders/{order['id']}/refunds").json()
            refunds.sort(key=lambda r: (r["date_created_gmt"], r["id"]))
            line_tax = sum(-Decimal(rl["total_tax"]) for r in refunds for rl in r["line_items"])
            tax_left = Decimal(order["total_tax"]) - line_tax
            for refund in refunds:
                items = sum(-Decimal(rl["total"]) for rl in refund["line_items"])
                items_tax = sum(-Decimal(rl["total_tax"]) for rl in refund["line_items"])
                rest = Decimal(refund["amount"]) - items - items_tax
                rest_tax = min(max(tax_left, Decimal(0)), rest) if rest > 0 else Decimal(0)
                tax_left -= rest_tax
                on = figures[refund["date_created"][:10]]
                on["returns"] += items
                on["taxes"] -= items_tax + rest_tax
                on["shipping"] -= rest - rest_tax
    start, end = site.history_start, CLOCK.date() - timedelta(days=1)
    truth = site.ground_truth(start, end)
    active = {day for day, row in figures.items() if start.isoformat() <= day <= end.isoformat()}
    assert [row["date"] for row in truth] == sorted(active)
    for row in truth:
        mine = figures[row["date"]]
        mine["net_sales"] = mine["gross_sales"] - mine["discounts"] - mine["returns"]
        mine["total_sales"] = mine["net_sales"] + mine["shipping"] + mine["taxes"]
        assert (row["orders"], row["units"]) == (mine["orders"], mine["units"]), row["date"]
        for name in ("gross_sales", "discounts", "returns", "shipping", "taxes", "net_sales", "total_sales"):
            assert Decimal(row[name]) == mine[name], (row["date"], name)
        if mine["orders"]:
            aov = ((mine["gross_sales"] - mine["discounts"]) / mine["orders"]).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            assert Decimal(row["average_order_value"]) == aov
        else:
            assert row["average_order_value"] is None
        new = sum(1 for who in people[row["date"]] if first[who][0] == row["date"])
        assert (row["customers"], row["new_customers"]) == (len(people[row["date"]]), new), row["date"]
        assert row["currency"] == "USD"
    assert sum(r["orders"] for r in truth) > 200
    assert sum(Decimal(r["returns"]) for r in truth) > 0
    assert sum(r["returning_customers"] for r in truth) > 0 and sum(r["new_customers"] for r in truth) > 0


def test_a_million_order_site_builds_lazily_and_serves_recent_changes_fast(monkeypatch):
    import time

    started = time.perf_counter()
    site = build_site(small_spec(name="woo-big", orders_per_day=1000, history_days=1000), CLOCK)
    assert 950_000 < sum(site.day_counts().values()) < 1_100_000
    auth = {
        "Authorization": "Basic "
        + __import__("base64")
        .b64encode(f"{site.spec.consumer_key}:{site.spec.consumer_secret}".encode())
        .decode()
    }
    status, headers, body = site.api.handle(
        "GET", "/wp-json/wc/v3/orders", "per_page=100&after=2026-02-28T12:00:00", auth, "https://x"
    )
    assert status == 200 and 300 < int(headers["X-WP-Total"]) < 700
    assert time.perf_counter() - started < 20
    assert len(site._orders) <= 64


def test_reused_customers_and_skus():
    emails = ("shared.one@example.com", "shared.two@example.com")
    skus = ("SHARED-1", "SHARED-2", "SHARED-3")
    site = build_site(small_spec(reuse_emails=emails, reuse_skus=skus), CLOCK)
    assert set(emails) <= {c.email for c in site.catalog.customers}
    served = {s.sku for s in site.catalog.sellables} | {p.sku for p in site.catalog.products}
    assert set(skus) <= served


def test_catalogue_customers_and_site_settings(site, session):
    products = walk(session, f"{BASE}/products")
    assert {p["type"] for p in products} == {"simple", "variable"}
    assert any(p["sku"] == "" for p in products) or any(
        v["sku"] == "" for p in products for v in session.get(f"{BASE}/products/{p['id']}/variations").json()
    )
    variable = next(p for p in products if p["type"] == "variable")
    variations = session.get(f"{BASE}/products/{variable['id']}/variations").json()
    assert sorted(v["id"] for v in variations) == sorted(variable["variations"])
    assert [p["type"] for p in walk(session, f"{BASE}/products", type="variable")] == ["variable"] * len(
        [p for p in products if p["type"] == "variable"]
    )
    customers = walk(session, f"{BASE}/customers")
    everyone = walk(session, f"{BASE}/customers", role="all")
    assert {c["role"] for c in customers} == {"customer"}
    assert {"administrator", "shop_manager"} <= {c["role"] for c in everyone}
    assert all(c["date_created_gmt"] and c["date_modified_gmt"] >= c["date_created_gmt"] for c in everyone)
    assert len(session.get(f"{BASE}/coupons").json()) == 3
    status = session.get(f"{BASE}/system_status").json()
    assert status["settings"]["currency"] == "USD" and status["environment"]["default_timezone"] == "UTC"
    assert {"environment", "database", "active_plugins", "theme", "settings", "security", "pages"} <= set(
        status
    )
    tax = session.get(f"{BASE}/settings/tax/woocommerce_prices_include_tax").json()
    assert tax["value"] == "no"
    index = session.get("woosandbox://woo-test/wp-json/").json()
    assert index["timezone_string"] == "America/New_York" and index["gmt_offset"] == -5


def test_edits_bump_date_modified(site, session):
    edited = [o for o in site.orders() if o.edits and o.edits[0] <= CLOCK]
    assert edited
    order = session.get(f"{BASE}/orders/{edited[0].id}").json()
    assert order["date_modified_gmt"] > order["date_created_gmt"]
    assert date.fromisoformat(order["date_modified"][:10]) >= date.fromisoformat(order["date_created"][:10])


def test_entry_points_and_the_demo_helper():
    from importlib import metadata

    from sandbox.woocommerce import registry
    from sandbox.woocommerce.simulated import simulated, simulated_sites

    (transport,) = metadata.entry_points(group="storehouse.transports", name="woosandbox")
    assert transport.value == "sandbox.woocommerce.inprocess:mount"
    (simulator,) = metadata.entry_points(group="storehouse.simulators", name="woosandbox")
    sites = simulator.load()()
    site = simulated("woo-london", clock=CLOCK)
    try:
        assert registry.get_site("woo-london") is site
        key, secret = sites.consumer_keys("woosandbox://woo-london")
        assert sites.access_token("woosandbox://woo-london") == f"{key}:{secret}" and key.startswith("ck_")
        assert sites.access_token("woosandbox://elsewhere") is None
        day = site.days[-2]
        assert sites.ground_truth("woosandbox://woo-london", day, day)[0]["currency"] == "GBP"
        assert isinstance(simulated_sites(), type(sites))
    finally:
        registry.unregister("woo-london")
