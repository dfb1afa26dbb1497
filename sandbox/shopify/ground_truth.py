"""The true daily sales figures of a sandbox store — the yardstick the pipeline is checked against.

Computed straight from the event model's Python objects as of the shop clock (never from rendered JSON,
and sharing no code with any pipeline). Definitions (all money in the shop currency):

* Business date = the date in the shop's timezone. An order counts on the date of its ``processed_at``.
  Counted orders: ``test`` is false and the current ``financial_status`` is not ``voided``.
* ``orders``: counted orders of the day. ``units``, ``gross_sales`` (price × quantity) and ``discounts``
  (discount allocations) sum over their current non-gift-card lines.
* ``returns`` on day R: refund line subtotals of refunds (of counted orders) created on R.
* ``net_sales`` = gross_sales − discounts − returns.
* ``shipping``: shipping prices minus their discount allocations (order day) minus shipping refunds
  (refund day).
* ``taxes``: the order's tax lines (order day) minus refunded line taxes and refunded shipping taxes
  (refund day).
* ``total_sales`` = net_sales + shipping + taxes. ``average_order_value`` = (gross_sales − discounts) /
  orders, rounded to cents half-up; None without orders.
* Customer identity: the normalised order e-mail, else the customer's e-mail, else ``id:<customer id>``;
  orders with none are left out of customer figures. ``new_customers`` are identities whose first counted
  order ever (earliest ``processed_at``) falls on the day; ``returning_customers`` = customers − new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.shopify.model import Order, SandboxShop

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


@dataclass
class DailyFigures:
    """One tenant-local day of sales, in the shop currency."""

    date: date
    currency: str
    orders: int
    units: int
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    shipping: Decimal
    taxes: Decimal
    total_sales: Decimal
    average_order_value: Decimal | None
    customers: int
    new_customers: int
    returning_customers: int


@dataclass
class _Day:
    orders: int = 0
    units: int = 0
    gross: Decimal = _ZERO
    discounts: Decimal = _ZERO
    returns: Decimal = _ZERO
    shipping: Decimal = _ZERO
    taxes: Decimal = _ZERO
    identities: set[str] = field(default_factory=set)


def _identity(order: Order, shop: SandboxShop) -> str | None:
    email = (order.email or "").strip().lower()
    if email:
        return email
    if order.customer_id is None:
        return None
    customer = shop.people.by_id.get(order.customer_id)
    customer_email = ((customer.person.email if customer else None) or "").strip().lower()
    return customer_email or f"id:{order.customer_id}"


def ground_truth(shop: SandboxShop, start: date, end: date) -> list[DailyFigures]:
    """Daily figures for every local day in ``[start, end]`` with a counted order or a refund of one."""
    clock = shop.clock
    zone = shop.spec.zone
    days: dict[date, _Day] = {}
    first_seen: dict[str, date] = {}
    first_seen_at: dict[str, object] = {}

    for order in shop.orders():
        if order.test or order.financial_status_at(clock) == "voided":
            continue
        order_day = order.processed_at.astimezone(zone).date()
        identity = _identity(order, shop)
        if identity is not None:
            known = first_seen_at.get(identity)
            if known is None or order.processed_at < known:
                first_seen_at[identity] = order.processed_at
                first_seen[identity] = order_day
        bucket = days.setdefault(order_day, _Day())
        bucket.orders += 1
        for line in order.lines:
            if line.added_at > clock or line.gift_card:
                continue
            bucket.units += line.quantity
            bucket.gross += line.price * line.quantity
            bucket.discounts += sum((a.amount for a in line.discount_allocations), _ZERO)
        for line in order.lines:
            if line.added_at <= clock:
                bucket.taxes += sum((tax.amount for tax in line.tax_lines), _ZERO)
        for ship in order.shipping_lines:
            bucket.shipping += ship.price - sum((a.amount for a in ship.discount_allocations), _ZERO)
            bucket.taxes += sum((tax.amount for tax in ship.tax_lines), _ZERO)
        if identity is not None:
            bucket.identities.add(identity)
        for refund in order.refunds:
            if refund.created_at > clock:
                continue
            refund_day = days.setdefault(refund.created_at.astimezone(zone).date(), _Day())
            refund_day.returns += sum((line.subtotal for line in refund.lines), _ZERO)
            refund_day.taxes -= sum((line.total_tax for line in refund.lines), _ZERO)
            refund_day.shipping -= refund.shipping_amount
            refund_day.taxes -= refund.shipping_tax

    figures = []
    for day in sorted(d for d in days if start <= d <= end):
        bucket = days[day]
        net = bucket.gross - bucket.discounts - bucket.returns
        new = sum(1 for identity in bucket.identities if first_seen[identity] == day)
        aov = None
        if bucket.orders:
            aov = ((bucket.gross - bucket.discounts) / bucket.orders).quantize(_CENT, rounding=ROUND_HALF_UP)
        figures.append(
            DailyFigures(
                date=day,
                currency=shop.spec.currency,
                orders=bucket.orders,
                units=bucket.units,
                gross_sales=bucket.gross,
                discounts=bucket.discounts,
                returns=bucket.returns,
                net_sales=net,
                shipping=bucket.shipping,
                taxes=bucket.taxes,
                total_sales=net + bucket.shipping + bucket.taxes,
                average_order_value=aov,
                customers=len(bucket.identities),
                new_customers=new,
                returning_customers=len(bucket.identities) - new,
            )
        )
    return figures
