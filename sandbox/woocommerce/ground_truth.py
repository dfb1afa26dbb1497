"""The site's own daily figures, per local business day (site timezone), as of its clock.

The metric definition (docs/sandbox.md, "WooCommerce ground truth"):

* An order **counts** when its status (as of the clock) is ``processing``, ``completed``, ``on-hold`` or
  ``refunded``. Its **day** is the local date of ``date_paid_gmt`` when set, else of ``date_created_gmt``
  (orders never paid online: bank transfer on hold, phone orders marked completed by staff).
  ``pending``, ``failed``, ``cancelled``, ``trash`` and ``checkout-draft`` never count.
* ``orders``: counted orders. ``units``: Σ line ``quantity``. ``gross_sales``: Σ line ``subtotal``
  (ex-tax, before coupons). ``discounts``: Σ line (``subtotal`` − ``total``). ``shipping``: Σ
  ``shipping_total`` (ex-tax). ``taxes``: Σ ``total_tax``. ``fees``: Σ ``fee_lines[].total`` (negative fees
  included).
* ``returns``: Σ refund ``amount`` (positive, tax and shipping included) of counted orders, on the local
  day of the refund's ``date_created_gmt``.
* ``net_sales`` = ``gross_sales`` − ``discounts`` − ``returns``; ``total_sales`` = ``net_sales`` +
  ``shipping`` + ``taxes`` + ``fees``; ``average_order_value`` = (``gross_sales`` − ``discounts``) /
  ``orders``, to cents half away from zero (None without orders).
* ``customers``: distinct identities among the day's counted orders (``customer_id`` when > 0, else the
  lower-cased billing e-mail); ``new_customers``: those whose first counted order ever (earliest counted
  instant) is on the day; ``returning_customers`` = ``customers`` − ``new_customers``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sandbox.woocommerce.money import CENT, ZERO
from sandbox.woocommerce.orders import COUNTED_STATUSES, MAX_EVENT_LAG

if TYPE_CHECKING:
    from sandbox.woocommerce.model import WooSite

FIGURES = (
    "orders",
    "units",
    "gross_sales",
    "discounts",
    "returns",
    "shipping",
    "taxes",
    "fees",
    "net_sales",
    "total_sales",
)


def ground_truth(site: WooSite, start: date, end: date) -> list[dict[str, Any]]:
    """One dict per local day ``start``..``end``: ``date``, ``currency`` and the figures (money: strings)."""
    clock, zone = site.clock, site.zone
    totals: dict[date, dict[str, Decimal]] = {}
    identities: dict[date, set[str]] = {}
    day = start
    while day <= end:
        totals[day] = {name: ZERO for name in FIGURES}
        identities[day] = set()
        day += timedelta(days=1)
    first_seen: dict[str, datetime] = {}
    for day in site.days:
        if day > end:
            continue
        recent = day >= start - MAX_EVENT_LAG - timedelta(days=1)
        for order in site.day_orders(day):
            if order.created > clock or order.status_at(clock) not in COUNTED_STATUSES:
                continue
            counted_at = order.paid_at_clock(clock) or order.created
            identity = str(order.customer_id) if order.customer_id else f"email:{order.email.lower()}"
            if identity not in first_seen or counted_at < first_seen[identity]:
                first_seen[identity] = counted_at
            if not recent:
                continue
            row = totals.get(counted_at.astimezone(zone).date())
            if row is not None:
                row["orders"] += 1
                row["units"] += sum(line.quantity for line in order.lines)
                row["gross_sales"] += order.subtotal
                row["discounts"] += order.discount_total
                row["shipping"] += order.shipping_total
                row["taxes"] += order.total_tax
                row["fees"] += order.fee_total
                identities[counted_at.astimezone(zone).date()].add(identity)
            for refund in order.refunds_at(clock):
                refund_row = totals.get(refund.at.astimezone(zone).date())
                if refund_row is not None:
                    refund_row["returns"] += refund.amount
    result = []
    for day, row in totals.items():
        row["net_sales"] = row["gross_sales"] - row["discounts"] - row["returns"]
        row["total_sales"] = row["net_sales"] + row["shipping"] + row["taxes"] + row["fees"]
        orders = int(row["orders"])
        aov = (row["gross_sales"] - row["discounts"]) / orders if orders else None
        new = sum(1 for identity in identities[day] if first_seen[identity].astimezone(zone).date() == day)
        result.append(
            {
                "date": day.isoformat(),
                "currency": site.spec.currency,
                "orders": orders,
                "units": int(row["units"]),
                **{name: f"{row[name]:.2f}" for name in FIGURES if name not in ("orders", "units")},
                "average_order_value": f"{aov.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"
                if aov is not None
                else None,
                "customers": len(identities[day]),
                "new_customers": new,
                "returning_customers": len(identities[day]) - new,
            }
        )
    return result
