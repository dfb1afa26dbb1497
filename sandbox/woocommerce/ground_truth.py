"""The site's own daily figures, per local business day (site timezone), as of its clock.

The metric definition (docs/sandbox.md, "WooCommerce ground truth"):

* An order **counts** when its status (as of the clock) is ``processing``, ``completed``, ``on-hold`` or
  ``refunded``. Its **day** is the local date of ``date_paid_gmt`` when set, else of ``date_created_gmt``
  (orders never paid online: bank transfer on hold, phone orders marked completed by staff).
  ``pending``, ``failed``, ``cancelled``, ``trash`` and ``checkout-draft`` never count.
* ``orders``: counted orders. ``gross_sales``: Σ line ``subtotal`` (ex-tax, before coupons).
  ``discounts``: Σ line (``subtotal`` − ``total``). ``shipping``: Σ ``shipping_total`` (ex-tax).
  ``taxes``: Σ ``total_tax``. ``fees``: Σ ``fee_lines[].total`` (negative fees included).
* ``returns``: Σ refund ``amount`` (positive, tax and shipping included) of counted orders, on the local
  day of the refund's ``date_created_gmt``.
* ``net_sales`` = ``gross_sales`` − ``discounts`` − ``returns``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.woocommerce.money import ZERO
from sandbox.woocommerce.orders import COUNTED_STATUSES, MAX_EVENT_LAG

if TYPE_CHECKING:
    from sandbox.woocommerce.model import WooSite

FIGURES = ("orders", "gross_sales", "discounts", "returns", "shipping", "taxes", "fees", "net_sales")


def ground_truth(site: WooSite, start: date, end: date) -> list[dict[str, Any]]:
    """One dict per local day ``start``..``end``: ``date`` and the :data:`FIGURES` (money: 2-dp strings)."""
    clock, zone = site.clock, site.zone
    totals: dict[date, dict[str, Decimal]] = {}
    day = start
    while day <= end:
        totals[day] = {name: ZERO for name in FIGURES}
        day += timedelta(days=1)
    for day in site.days:
        if day < start - MAX_EVENT_LAG - timedelta(days=1) or day > end:
            continue
        for order in site.day_orders(day):
            if order.created > clock or order.status_at(clock) not in COUNTED_STATUSES:
                continue
            counted_on = (order.paid_at_clock(clock) or order.created).astimezone(zone).date()
            row = totals.get(counted_on)
            if row is not None:
                row["orders"] += 1
                row["gross_sales"] += order.subtotal
                row["discounts"] += order.discount_total
                row["shipping"] += order.shipping_total
                row["taxes"] += order.total_tax
                row["fees"] += order.fee_total
            for refund in order.refunds_at(clock):
                refund_row = totals.get(refund.at.astimezone(zone).date())
                if refund_row is not None:
                    refund_row["returns"] += refund.amount
    result = []
    for day, row in totals.items():
        row["net_sales"] = row["gross_sales"] - row["discounts"] - row["returns"]
        result.append(
            {
                "date": day.isoformat(),
                "orders": int(row["orders"]),
                **{name: f"{row[name]:.2f}" for name in FIGURES if name != "orders"},
            }
        )
    return result
