"""The true daily sales figures of a sandbox store — the yardstick the pipeline is checked against.

Computed from the event model as of the shop clock (never from rendered JSON, and sharing no code with
any pipeline): from the compact day digests (``summary.DaySummary``) extracted from the generated orders,
reading only the days that can feed the range. Definitions (all money in the shop currency, every sales
amount without tax, so that taxes are counted once, in ``taxes``):

* Business date = the date in the shop's timezone. An order counts on the date of its ``processed_at``.
  Counted orders: ``test`` is false and the current ``financial_status`` is not ``voided``.
* ``orders``: counted orders of the day. ``units``, ``gross_sales`` and ``discounts`` sum over their
  current non-gift-card lines. Per line (P price, Q quantity, D = Σ its discount allocations):

  - taxes on top: gross = P × Q, discounts = D;
  - taxes included (``taxes_included``; T = Σ the line's tax lines, R = Σ their rates): the discount's
    tax is discount_tax = D × R / (1 + R) rounded half away from zero to 4 decimals (the tax inside the
    discount, allocated by rate); gross = P × Q − T − discount_tax, discounts = D − discount_tax. So
    gross − discounts = P × Q − D − T exactly.
* ``returns`` on day R: refund line subtotals of refunds (of counted orders) created on R, minus each
  refund line's ``total_tax`` when prices include taxes.
* ``shipping``: shipping prices minus their discount allocations (order day) minus shipping refunds
  (refund day); when prices include taxes, both without their tax (minus the shipping tax lines, and
  minus the refunded shipping's ``tax_amount``).
* ``taxes``: the order's tax lines (order day) minus refunded line taxes and refunded shipping taxes
  (refund day).
* Rounding: each of gross_sales, discounts, returns, shipping and taxes is its exact sum over the day
  rounded once to cents, half away from zero (only tax-inclusive gross and discounts have sub-cent
  parts). ``net_sales`` = gross_sales − discounts − returns and ``total_sales`` = net_sales + shipping +
  taxes, from the rounded figures. ``average_order_value`` = exact (gross − discounts) / orders, rounded
  half away from zero to cents; None without orders. For a tax-inclusive shop, total_sales on an order
  day is what the customers paid for those lines and shipping.
* Customer identity: the normalised order e-mail, else the customer's e-mail, else ``id:<customer id>``;
  orders with none are left out of customer figures. ``new_customers`` are identities whose first counted
  order ever (earliest ``processed_at``) falls on the day; ``returning_customers`` = customers − new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from sandbox.shopify.first_orders import FirstOrders
from sandbox.shopify.money import TEN_THOUSANDTHS, cents, cents_from_ten_thousandths, from_cents
from sandbox.shopify.summary import VOIDED, DayState, DaySummary
from sandbox.shopify.timeutil import local_date

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop


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
    #: gross_sales − discounts before rounding (what ``average_order_value`` divides; a row across
    #: platforms divides the exact sum of several platforms' by their orders).
    sales_exact: Decimal | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CountedOrder:
    """One counted order as the customer figures see it: its buyer ``identity`` (normalised e-mail or
    ``id:<customer id>``; None for an anonymous walk-in), ``processed_at`` in epoch seconds and its local
    business day."""

    order_id: int
    identity: str | None
    processed: int
    day: date


def counted_orders(shop: SandboxShop, until: date) -> list[CountedOrder]:
    """Every order counted as of the shop's clock (not a test order, not voided) created on a local day up
    to ``until``: what decides, with another platform's orders, whose first order is where."""
    clock = shop.clock_epoch
    book = shop.book
    last = min(until, local_date(shop.clock, shop.spec.zone))
    identities = shop.days.context.identities
    found: list[CountedOrder] = []
    day = book.first
    while day <= last:
        summary, state = shop.days.summary(day), shop.days.state(day, clock)
        counted = state.exists & ~summary.test & (state.financial != VOIDED)
        for position in np.flatnonzero(counted):
            code = int(summary.identity[position])
            found.append(
                CountedOrder(
                    int(summary.ids[position]),
                    identities.name(code) if code >= 0 else None,
                    int(summary.processed[position]),
                    date.fromordinal(int(summary.processed_day[position])),
                )
            )
        day += timedelta(days=1)
    return found


@dataclass
class _Day:
    """Running sums of one business day: money in cents, gross and discounts in 1/10000 units."""

    orders: int = 0
    units: int = 0
    gross: int = 0
    discounts: int = 0
    returns: int = 0
    shipping: int = 0
    taxes: int = 0
    identities: set[int] = field(default_factory=set)


def ground_truth(shop: SandboxShop, start: date, end: date) -> list[DailyFigures]:
    """Daily figures for every local day in ``[start, end]`` with a counted order or a refund of one.

    Reads only the day digests that can feed the range (``DayBook.days_touching``), plus, for
    ``new_customers``, the first-order index over the days up to ``end + 1``.
    """
    if end < start:
        return []
    clock = shop.clock_epoch
    book = shop.book
    first, last = book.days_touching(start, end)
    last = min(last, local_date(shop.clock, shop.spec.zone))
    low, high = start.toordinal(), end.toordinal()
    days: dict[int, _Day] = {}
    day = first
    while day <= last:
        _add_day(days, shop.days.summary(day), shop.days.state(day, clock), clock, low, high)
        day += timedelta(days=1)
    if not days:
        return []
    first_orders: FirstOrders = shop.cached("first_orders", lambda: FirstOrders(shop))
    return [_figures(shop, ordinal, days[ordinal], first_orders, end) for ordinal in sorted(days)]


def _add_day(
    days: dict[int, _Day], summary: DaySummary, state: DayState, clock: int, low: int, high: int
) -> None:
    """Fold one creation day's counted orders and their refunds into the business days they land on."""
    counted = state.exists & ~summary.test & (state.financial != VOIDED)
    in_range = counted & (summary.processed_day >= low) & (summary.processed_day <= high)
    if in_range.any():
        lines_shown = summary.ln_t <= clock
        for ordinal in np.unique(summary.processed_day[in_range]):
            chosen = in_range & (summary.processed_day == ordinal)
            lines = chosen[summary.ln_order] & lines_shown
            bucket = days.setdefault(int(ordinal), _Day())
            bucket.orders += int(chosen.sum())
            bucket.units += int(summary.ln_units[lines].sum())
            bucket.gross += int(summary.ln_gross[lines].sum())
            bucket.discounts += int(summary.ln_discount[lines].sum())
            bucket.taxes += int(summary.ln_tax[lines].sum() + summary.ship_tax[chosen].sum())
            bucket.shipping += int(summary.ship_net[chosen].sum())
            bucket.identities.update(int(code) for code in summary.identity[chosen] if code >= 0)
    if len(summary.rf_t):
        refunds = (
            (summary.rf_t <= clock)
            & counted[summary.rf_order]
            & (summary.rf_day >= low)
            & (summary.rf_day <= high)
        )
        for ordinal in np.unique(summary.rf_day[refunds]):
            chosen = refunds & (summary.rf_day == ordinal)
            bucket = days.setdefault(int(ordinal), _Day())
            bucket.returns += int(summary.rf_returns[chosen].sum())
            bucket.taxes -= int(summary.rf_tax[chosen].sum())
            bucket.shipping -= int(summary.rf_shipping[chosen].sum())


def _figures(
    shop: SandboxShop, ordinal: int, bucket: _Day, first_orders: FirstOrders, end: date
) -> DailyFigures:
    gross, discounts = cents_from_ten_thousandths(bucket.gross), cents_from_ten_thousandths(bucket.discounts)
    returns, shipping, taxes = (
        from_cents(bucket.returns),
        from_cents(bucket.shipping),
        from_cents(bucket.taxes),
    )
    net = gross - discounts - returns
    codes = np.array(sorted(bucket.identities), dtype=np.int64)
    through = end + timedelta(days=1)
    new = int((first_orders.first_days(codes, through) == ordinal).sum()) if len(codes) else 0
    aov = None
    exact_sales = Decimal(bucket.gross - bucket.discounts) / TEN_THOUSANDTHS
    if bucket.orders:
        aov = cents(exact_sales / bucket.orders)
    return DailyFigures(
        date=date.fromordinal(ordinal),
        currency=shop.spec.currency,
        orders=bucket.orders,
        units=bucket.units,
        gross_sales=gross,
        discounts=discounts,
        returns=returns,
        net_sales=net,
        shipping=shipping,
        taxes=taxes,
        total_sales=net + shipping + taxes,
        average_order_value=aov,
        customers=len(bucket.identities),
        new_customers=new,
        returning_customers=len(bucket.identities) - new,
        sales_exact=exact_sales,
    )
