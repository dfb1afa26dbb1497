"""The site's own daily figures, per local business day (site timezone), as of its clock.

The figures follow Storehouse's metric definitions (docs/metrics.md, "Per-platform mapping: WooCommerce")
so the demo and the tests compare them with agg_daily_sales column by column; they are computed from the
sandbox's own event model, never from served JSON nor any pipeline code. docs/sandbox.md, "Ground truth
(WooCommerce)", is the definition:

* An order **counts** when its status (as of the clock) is ``processing``, ``completed``, ``on-hold`` or
  ``refunded``. Its **day** is the local date of ``date_paid_gmt`` when set, else of ``date_created_gmt``
  (orders never paid online: bank transfer on hold, phone orders marked completed by staff).
  ``pending``, ``failed``, ``cancelled``, ``trash`` and ``checkout-draft`` never count.
* On the order's day: ``orders``: counted orders. ``units``: Σ line ``quantity``. ``gross_sales``: Σ line
  ``subtotal`` (ex-tax, before coupons) + positive fee lines (a service sold). ``discounts``: Σ line
  (``subtotal`` − ``total``) + negative fee lines as a positive amount (money off). ``shipping``:
  ``shipping_total`` (ex-tax). ``taxes``: ``total_tax``.
* On a refund's day (local day of its ``date_created_gmt``; refunds of counted orders): ``returns``: Σ its
  lines' ``total`` (ex-tax); ``taxes``: minus its lines' ``total_tax``; what it gives back beyond its lines
  (``amount`` − lines − their tax: the shipping and fees of a full refund) is split into tax (the order's
  ``total_tax`` not yet given back by line refunds, at most that rest), taken off ``taxes``, and the
  remainder, taken off ``shipping``.
* ``net_sales`` = ``gross_sales`` − ``discounts`` − ``returns``; ``total_sales`` = ``net_sales`` +
  ``shipping`` + ``taxes`` (what the customers paid, less what was given back); ``average_order_value`` =
  (``gross_sales`` − ``discounts``) / ``orders``, to cents half away from zero (None without orders).
* ``customers``: distinct people among the day's counted orders, a person being the trimmed, lower-cased
  billing e-mail, else ``id:<customer_id>`` (a guest checkout and a registered account with one e-mail are
  one person); ``new_customers``: those whose first counted order ever (earliest local day, then instant)
  is on the day; ``returning_customers`` = ``customers`` − ``new_customers``.
* A day appears when it has a counted order or a refund of one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sandbox.woocommerce.money import CENT, ZERO
from sandbox.woocommerce.orders import COUNTED_STATUSES, MAX_EVENT_LAG, Order

if TYPE_CHECKING:
    from sandbox.woocommerce.model import WooSite

#: The summed money figures, each rounded once per day.
MONEY = ("gross_sales", "discounts", "returns", "shipping", "taxes")


@dataclass(frozen=True)
class CountedOrder:
    """One counted order as the customer figures see it: who (``identity``), when (``at``) and on which
    local business day (``day``)."""

    order_id: int
    identity: str
    at: datetime
    day: date


def identity(order: Order) -> str:
    """The person behind an order: the normalised billing e-mail, else ``id:<customer_id>``."""
    email = (order.email or "").strip().lower()
    return email or f"id:{order.customer_id}"


def counted_orders(site: WooSite, until: date | None = None) -> Iterator[tuple[Order, CountedOrder]]:
    """Every order counted as of the site's clock created on a local day up to ``until`` (default: all),
    with its customer-figure view."""
    clock, zone = site.clock, site.zone
    for day in site.days:
        if until is not None and day > until:
            break
        for order in site.day_orders(day):
            if order.created > clock or order.status_at(clock) not in COUNTED_STATUSES:
                continue
            at = order.paid_at_clock(clock) or order.created
            yield order, CountedOrder(order.id, identity(order), at, at.astimezone(zone).date())


def ground_truth(site: WooSite, start: date, end: date) -> list[dict[str, Any]]:
    """One dict per local day ``start``..``end`` with activity: ``date``, ``currency`` and the figures
    (money as 2-dp strings), in day order."""
    clock, zone = site.clock, site.zone
    totals: dict[date, dict[str, Decimal]] = {}
    identities: dict[date, set[str]] = {}
    first_seen: dict[str, tuple[date, datetime, int]] = {}

    def bucket(day: date) -> dict[str, Decimal] | None:
        if not start <= day <= end:
            return None
        if day not in totals:
            totals[day] = {name: ZERO for name in ("orders", "units", *MONEY)}
            identities[day] = set()
        return totals[day]

    oldest_relevant = start - MAX_EVENT_LAG - timedelta(days=1)
    for order, counted in counted_orders(site, until=end):
        who = counted.identity
        key = (counted.day, counted.at, counted.order_id)
        if who not in first_seen or key < first_seen[who]:
            first_seen[who] = key
        if order.day < oldest_relevant:
            continue  # neither it nor its refunds can land in the range
        row = bucket(counted.day)
        if row is not None:
            positive_fees = sum((f.total for f in order.fees if f.total > 0), ZERO)
            negative_fees = sum((f.total for f in order.fees if f.total < 0), ZERO)
            row["orders"] += 1
            row["units"] += sum(line.quantity for line in order.lines)
            row["gross_sales"] += order.subtotal + positive_fees
            row["discounts"] += order.discount_total - negative_fees
            row["shipping"] += order.shipping_total
            row["taxes"] += order.total_tax
            identities[counted.day].add(who)
        refunds = sorted(order.refunds_at(clock), key=lambda r: (r.at, r.id))
        tax_left = order.total_tax - sum((rl.total_tax for r in refunds for rl in r.lines), ZERO)
        for refund in refunds:
            items = sum((rl.total for rl in refund.lines), ZERO)
            items_tax = sum((rl.total_tax for rl in refund.lines), ZERO)
            rest = refund.amount - items - items_tax
            rest_tax = min(max(tax_left, ZERO), rest) if rest > 0 else ZERO
            tax_left -= rest_tax
            refund_row = bucket(refund.at.astimezone(zone).date())
            if refund_row is not None:
                refund_row["returns"] += items
                refund_row["taxes"] -= items_tax + rest_tax
                refund_row["shipping"] -= rest - rest_tax
    result = []
    for day in sorted(totals):
        row = totals[day]
        money = {name: row[name].quantize(CENT, rounding=ROUND_HALF_UP) for name in MONEY}
        net = money["gross_sales"] - money["discounts"] - money["returns"]
        orders = int(row["orders"])
        sales_exact = row["gross_sales"] - row["discounts"]
        aov = (sales_exact / orders).quantize(CENT, rounding=ROUND_HALF_UP) if orders else None
        new = sum(1 for who in identities[day] if first_seen[who][0] == day)
        result.append(
            {
                "date": day.isoformat(),
                "currency": site.spec.currency,
                "orders": orders,
                "units": int(row["units"]),
                **{name: f"{money[name]:.2f}" for name in MONEY},
                "net_sales": f"{net:.2f}",
                "total_sales": f"{net + money['shipping'] + money['taxes']:.2f}",
                "average_order_value": f"{aov:.2f}" if aov is not None else None,
                "customers": len(identities[day]),
                "new_customers": new,
                "returning_customers": len(identities[day]) - new,
                "sales_exact": f"{sales_exact:f}",
            }
        )
    return result
