"""The demo's world across sandboxes: one business selling on a Shopify shop and a WooCommerce site, sharing
customers and SKUs, and the ground truth of its figures across both platforms.

* **Sharing.** A WooCommerce site that ``shares_with`` a Shopify preset (``demo-ny-wholesale`` shares with
  ``demo-ny``) takes, with the site's own clock, about :data:`SHARE_OF_CUSTOMERS` of its customers' e-mails
  from the Shopify shop's ordering customers (spread over their sign-up dates, so some buy first on one
  platform and some on the other) and some of the Shopify catalogue's SKUs (:func:`shared_with_shopify`).
  Everything is derived from the Shopify spec and the clock: the same inputs share the same people.
* **Ground truth across platforms.** :func:`spanning_ground_truth` turns each platform's own daily figures
  and counted orders into the rows ``agg_daily_sales`` must hold for the tenant (docs/metrics.md, "Across
  platforms"): each platform's row with its own money figures, and the ``all`` row per day and currency
  with the sums of the platforms' rounded figures. A person is their normalised e-mail, else
  ``id:<platform>:<customer id>``; their first order is their earliest counted order on any platform
  (earliest business day, then instant, then platform, then order id). On a platform's row a customer is
  new only when their first order is on that day *and* on that platform; on the ``all`` row, when it is on
  that day. Computed from the sandboxes' own event models, never from the warehouse.
* **The seam.** :func:`simulated_world` is the ``storehouse.simulated_worlds`` entry point (pyproject.toml):
  the product asks it for a tenant's ground truth by the tenant's shop URLs and never imports this module.

Like the rest of the sandbox it imports nothing of the product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop
    from sandbox.shopify.spec import ShopSpec
    from sandbox.woocommerce.model import WooSite
    from sandbox.woocommerce.spec import SiteSpec

#: The platform name of the row across platforms (the product's ``ALL_PLATFORMS``; kept apart on purpose).
ALL = "all"
#: Share of a sharing WooCommerce site's customers who are the Shopify shop's customers too.
SHARE_OF_CUSTOMERS = 0.3
#: Share of a sharing site's products that carry one of the Shopify shop's SKUs.
SHARE_OF_PRODUCTS = 0.5
#: The money figures summed across platforms (each platform's already rounded to the cent).
MONEY = ("gross_sales", "discounts", "returns", "shipping", "taxes")
CENT = Decimal("0.01")


# ---------------------------------------------------------------- sharing customers and SKUs


def shared_with_shopify(shopify: ShopSpec, clock: datetime, customers: int, products: int) -> dict[str, Any]:
    """``reuse_emails`` and ``reuse_skus`` for a WooCommerce site of ``customers`` customers and
    ``products`` products sharing with the Shopify shop ``shopify`` as built at ``clock``: the e-mails of
    evenly spaced ordering customers (by sign-up), and evenly spaced SKUs of its catalogue."""
    from sandbox.shopify.catalog import Catalog
    from sandbox.shopify.people import People
    from sandbox.shopify.timeutil import local_date, utc

    instant = utc(clock)
    history_start = local_date(instant, shopify.zone) - timedelta(days=shopify.history_days)
    people = People(shopify, history_start, instant)
    buyers = [c.person.email for c in people.customers if c.weight > 0 and c.person.email]
    wanted = min(len(buyers), round(customers * SHARE_OF_CUSTOMERS))
    emails = tuple(buyers[(index * len(buyers)) // wanted] for index in range(wanted)) if wanted else ()
    catalog = Catalog(shopify, history_start)
    skus = list(dict.fromkeys(v.base_sku for v in catalog.variants if v.base_sku))
    count = min(len(skus), round(products * SHARE_OF_PRODUCTS))
    return {
        "reuse_emails": emails,
        "reuse_skus": tuple(skus[(index * len(skus)) // count] for index in range(count)) if count else (),
    }


def shared_with_shopify_preset(spec: SiteSpec, clock: datetime) -> SiteSpec:
    """``spec`` with the customers and SKUs it shares with the Shopify preset ``spec.shares_with``."""
    from sandbox.shopify.presets import PRESETS

    shared = shared_with_shopify(PRESETS[spec.shares_with], clock, spec.customers, spec.products)
    return replace(spec, **shared)


# ---------------------------------------------------------------- the ground truth across platforms


@dataclass(frozen=True)
class PlatformOrder:
    """A counted order of one platform, as the customer figures see it. ``person``: the normalised e-mail,
    else ``id:<platform>:<customer id>``, None when the order has neither (left out of customer figures);
    ``at``: its counting instant (epoch seconds); ``day``: its business day."""

    platform: str
    order_id: int
    person: str | None
    at: int
    day: date
    currency: str


@dataclass
class PlatformFacts:
    """What one platform's sandbox knows of the tenant: its own daily figures (its ground truth rows, each
    with ``date``, ``currency``, the figures and ``sales_exact``) and every counted order up to the range's
    end."""

    rows: list[dict[str, Any]]
    orders: list[PlatformOrder]


def person(platform: str, identity: str | None) -> str | None:
    """A platform's identity as a person across platforms: an e-mail as it is, a customer id qualified by
    the platform (an id means nothing on another platform)."""
    if identity is None:
        return None
    if identity.startswith("id:"):
        return f"id:{platform}:{identity.removeprefix('id:')}"
    return identity


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _money(value: object) -> Decimal:
    return Decimal(str(value))


def spanning_ground_truth(facts: Mapping[str, PlatformFacts], start: date, end: date) -> list[dict[str, Any]]:
    """The tenant's rows of ``agg_daily_sales`` from ``start`` to ``end``: one per platform and day with
    activity (``platform`` set), and one ``all`` row per day and currency. Money figures are 2-dp strings,
    days ``date`` objects; see the module docstring for the definitions."""
    everyone = [order for platform_facts in facts.values() for order in platform_facts.orders]
    first: dict[str, tuple[date, int, str, int]] = {}
    for order in everyone:
        if order.person is None:
            continue
        key = (order.day, order.at, order.platform, order.order_id)
        if order.person not in first or key < first[order.person]:
            first[order.person] = key
    buyers: dict[tuple[str, date], set[str]] = {}
    buyers_all: dict[tuple[date, str], set[str]] = {}
    for order in everyone:
        if order.person is not None and start <= order.day <= end:
            buyers.setdefault((order.platform, order.day), set()).add(order.person)
            buyers_all.setdefault((order.day, order.currency), set()).add(order.person)

    result: list[dict[str, Any]] = []
    totals: dict[tuple[date, str], dict[str, Any]] = {}
    for platform in sorted(facts):
        for row in facts[platform].rows:
            day = _day(row["date"])
            if not start <= day <= end:
                continue
            people = buyers.get((platform, day), set())
            new = sum(1 for who in people if first[who][0] == day and first[who][2] == platform)
            figures = {name: _money(row[name]) for name in MONEY}
            sales_exact = _money(row.get("sales_exact") or figures["gross_sales"] - figures["discounts"])
            result.append(
                _row(
                    day,
                    platform,
                    row["currency"],
                    row["orders"],
                    row["units"],
                    figures,
                    sales_exact,
                    people,
                    new,
                )
            )
            total = totals.setdefault(
                (day, row["currency"]),
                {"orders": 0, "units": 0, "sales_exact": Decimal(0), **{name: Decimal(0) for name in MONEY}},
            )
            total["orders"] += row["orders"]
            total["units"] += row["units"]
            total["sales_exact"] += sales_exact
            for name in MONEY:
                total[name] += figures[name]
    for (day, currency), total in sorted(totals.items()):
        people = buyers_all.get((day, currency), set())
        new = sum(1 for who in people if first[who][0] == day)
        figures = {name: total[name] for name in MONEY}
        result.append(
            _row(
                day,
                ALL,
                currency,
                total["orders"],
                total["units"],
                figures,
                total["sales_exact"],
                people,
                new,
            )
        )
    return sorted(result, key=lambda r: (r["date"], r["platform"] == ALL, r["platform"], r["currency"]))


def _row(
    day: date,
    platform: str,
    currency: str,
    orders: int,
    units: int,
    money: dict[str, Decimal],
    sales_exact: Decimal,
    people: set[str],
    new: int,
) -> dict[str, Any]:
    net = money["gross_sales"] - money["discounts"] - money["returns"]
    aov = (sales_exact / orders).quantize(CENT, rounding=ROUND_HALF_UP) if orders else None
    return {
        "date": day,
        "platform": platform,
        "currency": currency,
        "orders": int(orders),
        "units": int(units),
        **{name: f"{money[name]:.2f}" for name in MONEY},
        "net_sales": f"{net:.2f}",
        "total_sales": f"{net + money['shipping'] + money['taxes']:.2f}",
        "average_order_value": f"{aov:.2f}" if aov is not None else None,
        "customers": len(people),
        "new_customers": new,
        "returning_customers": len(people) - new,
    }


# ---------------------------------------------------------------- each sandbox's facts


def shopify_facts(shop: SandboxShop, start: date, end: date) -> PlatformFacts:
    """A Shopify sandbox shop's own figures and counted orders (identities from its summaries)."""
    from sandbox.shopify.ground_truth import counted_orders

    rows = [asdict(figures) for figures in shop.ground_truth(start, end)]
    currency = shop.spec.currency
    orders = [
        PlatformOrder("shopify", o.order_id, person("shopify", o.identity), o.processed, o.day, currency)
        for o in counted_orders(shop, end + timedelta(days=1))
    ]
    return PlatformFacts(rows, orders)


def woocommerce_facts(site: WooSite, start: date, end: date) -> PlatformFacts:
    """A WooCommerce sandbox site's own figures and counted orders."""
    from sandbox.woocommerce.ground_truth import counted_orders

    currency = site.spec.currency
    orders = [
        PlatformOrder(
            "woocommerce",
            c.order_id,
            person("woocommerce", c.identity),
            int(c.at.timestamp()),
            c.day,
            currency,
        )
        for _, c in counted_orders(site, until=end + timedelta(days=1))
    ]
    return PlatformFacts(site.ground_truth(start, end), orders)


def _facts(platform: str, url: str, start: date, end: date) -> PlatformFacts | None:
    """The facts of the sandbox store at ``url`` (``sandbox://`` Shopify, ``woosandbox://`` WooCommerce),
    or None when no sandbox of this world serves it."""
    parts = urlsplit(url)
    name = (parts.netloc + parts.path).strip("/")
    if parts.scheme == "sandbox" and platform == "shopify":
        from sandbox.shopify import registry as shops

        return shopify_facts(shops.get_shop(name), start, end)
    if parts.scheme == "woosandbox" and platform == "woocommerce":
        from sandbox.woocommerce import registry as sites

        return woocommerce_facts(sites.get_site(name), start, end)
    return None


class SandboxWorld:
    """The sandboxes' stores seen together: the ground truth of a tenant selling on several of them."""

    def ground_truth(
        self, shop_urls: Mapping[str, str], start: date, end: date
    ) -> list[dict[str, Any]] | None:
        """The rows of ``agg_daily_sales`` of a tenant whose connections are ``shop_urls`` (platform →
        shop URL), each platform's and the ``all`` rows; None unless every connection is a sandbox store."""
        facts: dict[str, PlatformFacts] = {}
        for platform, url in shop_urls.items():
            found = _facts(platform, url, start, end)
            if found is None:
                return None
            facts[platform] = found
        return spanning_ground_truth(facts, start, end)


def simulated_world() -> SandboxWorld:
    """The ``storehouse.simulated_worlds`` entry point: the sandboxes as one world."""
    return SandboxWorld()


def counted_people(orders: Iterable[PlatformOrder]) -> dict[str, set[str]]:
    """Each person's platforms among ``orders`` (who bought where): for tests and the demo's notes."""
    found: dict[str, set[str]] = {}
    for order in orders:
        if order.person is not None:
            found.setdefault(order.person, set()).add(order.platform)
    return found
