"""The demo's world across sandboxes (sandbox/demo_world.py): the ground truth spanning a tenant's shops on a
tiny hand-built case, and the wholesale site's sharing of demo-ny's customers and SKUs.

The hand-built tenant (USD, two days):

* alice@example.com: first order W1 on woocommerce on day 1 at 09:00, then S1 on shopify on day 1 at 15:00
  and S2 on shopify on day 2 (as " Alice@Example.com ": the same person). New on woocommerce on day 1,
  returning on shopify the same day, counted once on the day-1 'all' row, where she is new.
* bob: a customer without e-mail, id 7 on both platforms: two people (an id means nothing elsewhere).
  Shopify S3 on day 1, woocommerce W2 on day 2 (new on both, each his own first order).
* a walk-in without identity (shopify S4, day 2): in every money figure, in no customer figure.
* woocommerce has a refund only on day 2 besides W2.

Money to 4 decimals on shopify's exact sales shows the average order value of the 'all' row is computed
from the exact sums, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sandbox.demo_world import (
    ALL,
    SHARE_OF_CUSTOMERS,
    PlatformFacts,
    PlatformOrder,
    person,
    shared_with_shopify,
    shared_with_shopify_preset,
    spanning_ground_truth,
)
from sandbox.shopify.catalog import Catalog
from sandbox.shopify.people import People
from sandbox.shopify.presets import PRESETS as SHOPIFY_PRESETS
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.presets import PRESETS as WOO_PRESETS

DAY1, DAY2 = date(2026, 5, 1), date(2026, 5, 2)


def at(day: date, hour: int) -> int:
    return int(datetime.combine(day, time(hour)).timestamp())


def figures(day: date, orders: int, units: int, gross: str, discounts: str, returns: str, exact: str) -> dict:
    return {
        "date": day,
        "currency": "USD",
        "orders": orders,
        "units": units,
        "gross_sales": gross,
        "discounts": discounts,
        "returns": returns,
        "shipping": "5.00" if orders else "-1.00",
        "taxes": "1.00" if orders else "-0.10",
        "sales_exact": exact,
    }


def facts() -> dict[str, PlatformFacts]:
    shopify = PlatformFacts(
        rows=[
            figures(DAY1, 2, 3, "10.01", "0.00", "0.00", "10.005"),
            figures(DAY2, 2, 2, "30.00", "2.00", "0.00", "28.00"),
        ],
        orders=[
            PlatformOrder("shopify", 1, person("shopify", "alice@example.com"), at(DAY1, 15), DAY1, "USD"),
            PlatformOrder("shopify", 3, person("shopify", "id:7"), at(DAY1, 10), DAY1, "USD"),
            PlatformOrder("shopify", 2, person("shopify", "alice@example.com"), at(DAY2, 9), DAY2, "USD"),
            PlatformOrder("shopify", 4, None, at(DAY2, 11), DAY2, "USD"),
        ],
    )
    woocommerce = PlatformFacts(
        rows=[
            figures(DAY1, 1, 1, "25.01", "0.00", "0.00", "25.005"),
            figures(DAY2, 1, 4, "40.00", "0.00", "12.50", "40.00"),
        ],
        orders=[
            PlatformOrder(
                "woocommerce", 11, person("woocommerce", "alice@example.com"), at(DAY1, 9), DAY1, "USD"
            ),
            PlatformOrder("woocommerce", 12, person("woocommerce", "id:7"), at(DAY2, 8), DAY2, "USD"),
        ],
    )
    return {"shopify": shopify, "woocommerce": woocommerce}


def test_the_spanning_ground_truth_counts_a_person_once_and_new_only_where_they_first_bought():
    rows = {(r["date"], r["platform"]): r for r in spanning_ground_truth(facts(), DAY1, DAY2)}
    assert sorted(rows) == [(day, p) for day in (DAY1, DAY2) for p in (ALL, "shopify", "woocommerce")]

    def people(day: date, platform: str) -> tuple[int, int, int]:
        row = rows[(day, platform)]
        return row["customers"], row["new_customers"], row["returning_customers"]

    # day 1: alice (first on woocommerce at 09:00) and bob on shopify; alice on woocommerce.
    assert people(DAY1, "shopify") == (2, 1, 1)  # bob new; alice returning (first order elsewhere)
    assert people(DAY1, "woocommerce") == (1, 1, 0)
    assert people(DAY1, ALL) == (2, 2, 0)  # alice once, new; bob new
    # day 2: alice returning on shopify; the walk-in not a customer; bob's woocommerce id is a new person.
    assert people(DAY2, "shopify") == (1, 0, 1)
    assert people(DAY2, "woocommerce") == (1, 1, 0)
    assert people(DAY2, ALL) == (2, 1, 1)

    day1 = rows[(DAY1, ALL)]
    assert (day1["orders"], day1["units"]) == (3, 4)
    assert (day1["gross_sales"], day1["net_sales"]) == ("35.02", "35.02")  # 10.01 + 25.01, not 35.01
    assert day1["average_order_value"] == "11.67"  # (10.005 + 25.005) / 3 = 11.67, from the exact sums
    assert (day1["shipping"], day1["taxes"], day1["total_sales"]) == ("10.00", "2.00", "47.02")
    day2 = rows[(DAY2, ALL)]
    assert (day2["gross_sales"], day2["discounts"], day2["returns"]) == ("70.00", "2.00", "12.50")
    assert (day2["net_sales"], day2["total_sales"]) == ("55.50", "67.50")
    assert day2["average_order_value"] == "22.67"  # (28 + 40) / 3
    assert rows[(DAY1, "shopify")]["average_order_value"] == "5.00"  # 10.005 / 2 = 5.0025
    # each platform's money figures are its own
    assert rows[(DAY2, "woocommerce")]["returns"] == "12.50"
    assert rows[(DAY2, "woocommerce")]["total_sales"] == str(Decimal("40.00") - Decimal("12.50") + 5 + 1)


def test_a_range_keeps_earlier_first_orders_and_leaves_out_other_days():
    rows = spanning_ground_truth(facts(), DAY2, DAY2)
    assert {r["date"] for r in rows} == {DAY2}
    shopify = next(r for r in rows if r["platform"] == "shopify")
    assert (shopify["customers"], shopify["new_customers"]) == (1, 0)  # alice's first order was on day 1


def test_the_wholesale_site_shares_demo_ny_customers_and_skus_deterministically():
    clock = datetime(2026, 6, 1, tzinfo=SHOPIFY_PRESETS["demo-ny"].zone)
    wholesale = WOO_PRESETS["demo-ny-wholesale"]
    assert (wholesale.timezone, wholesale.currency, wholesale.prices_include_tax) == (
        "America/New_York",
        "USD",
        False,
    )
    assert wholesale.case_size > 1 and wholesale.fee_share > 0 and wholesale.shares_with == "demo-ny"
    shared = shared_with_shopify_preset(wholesale, clock)
    assert shared == shared_with_shopify_preset(wholesale, clock)
    assert len(shared.reuse_emails) == round(wholesale.customers * SHARE_OF_CUSTOMERS)
    assert len(set(shared.reuse_emails)) == len(shared.reuse_emails)
    shopify = SHOPIFY_PRESETS["demo-ny"]
    history_start = clock.date() - timedelta(days=shopify.history_days)
    buyers = {c.person.email for c in People(shopify, history_start, clock).customers if c.weight > 0}
    assert set(shared.reuse_emails) <= buyers
    skus = {v.base_sku for v in Catalog(shopify, history_start).variants}
    assert shared.reuse_skus and set(shared.reuse_skus) <= skus
    # the built site has them: its first customers and products
    site = build_site(wholesale, clock)
    assert set(shared.reuse_emails) <= {c.email for c in site.catalog.customers}
    assert site.spec.reuse_skus == shared.reuse_skus
    # an explicit list wins over the derivation
    explicit = build_site(replace(wholesale, reuse_emails=("a@example.com",)), clock)
    assert explicit.spec.reuse_emails == ("a@example.com",)
    smaller = shared_with_shopify(shopify, clock, customers=10, products=4)
    assert len(smaller["reuse_emails"]) == 3 and set(smaller["reuse_emails"]) <= buyers
    assert len(smaller["reuse_skus"]) == 2
