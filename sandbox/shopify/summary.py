"""Compact per-day digests of the orders: what the indexes need, without keeping the orders in memory.

A :class:`DaySummary` is extracted once from a generated day and kept for good (about 200 bytes per order,
in numpy arrays), while the day's :class:`~sandbox.shopify.model.Order` objects live only in a bounded
cache. It does not depend on the clock: every order carries its *timeline*, the sorted instants of its
events (creation, payments, edits, fulfilment, cancellation, void, refunds) with the order's state right
after each of them. An order's state at any clock is the state at its latest event at or before the
clock, because nothing about an order changes between its events. :meth:`DaySummary.state_at` evaluates
that for the whole day at once (:class:`DayState`).

Alongside the timelines: line items and refunds (for the ground truth), inventory moves, the buyer
(customer id and identity code). The sales amounts are already what the ground truth counts (tax
excluded: see ``ground_truth.py``). Money is in integer cents, except the lines' gross sales and discounts:
integer 1/10000 units (``money.TEN_THOUSANDTHS``), because the tax taken out of a tax-inclusive discount
is kept to 4 decimals until a day's sum is rounded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from sandbox.shopify.money import TEN_THOUSANDTHS, ZERO, tax_inside, to_cents, to_ten_thousandths
from sandbox.shopify.timing import MAX_EVENT_DELAY, PROCESSED_MAX_LEAD

if TYPE_CHECKING:
    from sandbox.shopify.model import LineItem, Order, Refund
    from sandbox.shopify.people import Customer

#: ``financial_status`` values, coded as their position.
FINANCIAL_STATUSES = (
    "paid",
    "pending",
    "authorized",
    "partially_paid",
    "partially_refunded",
    "refunded",
    "voided",
)
FINANCIAL_CODES = {status: code for code, status in enumerate(FINANCIAL_STATUSES)}
VOIDED = FINANCIAL_CODES["voided"]
#: Flag bits of an order's state.
CLOSED = 1
CANCELLED = 2

_I64 = np.int64
#: 1/10000 units per cent.
_PER_CENT = TEN_THOUSANDTHS // 100


class IdentityTable:
    """Codes for customer identities (normalised e-mail, else ``id:<customer id>``), shared by a shop.

    Codes are only used to group orders by buyer; their values depend on which days were summarised
    first and never reach a response.
    """

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        self._lock = threading.Lock()

    def code(self, identity: str) -> int:
        with self._lock:
            code = self._codes.setdefault(identity, len(self._codes))
            if code == len(self._names):
                self._names.append(identity)
            return code

    def name(self, code: int) -> str:
        """The identity behind ``code`` (a normalised e-mail or ``id:<customer id>``): what joins a person
        across platforms in a ground truth spanning several sandboxes."""
        with self._lock:
            return self._names[code]

    def __len__(self) -> int:
        return len(self._codes)


@dataclass(frozen=True)
class SummaryContext:
    """What turns orders into codes: the shop's timezone, catalogue and location indexes, buyers."""

    zone: ZoneInfo
    variant_index: dict[int, int]
    location_index: dict[int, int]
    customers: dict[int, Customer]
    identities: IdentityTable

    def identity(self, order: Order) -> int:
        """The order's buyer identity code (-1 for an anonymous walk-in), as in the ground truth."""
        email = (order.email or "").strip().lower()
        if email:
            return self.identities.code(email)
        if order.customer_id is None:
            return -1
        customer = self.customers.get(order.customer_id)
        customer_email = ((customer.person.email if customer else None) or "").strip().lower()
        return self.identities.code(customer_email or f"id:{order.customer_id}")

    def move_key(self, variant_id: int, location_id: int) -> int:
        """Code of an (inventory item, location) level."""
        return self.variant_index[variant_id] * len(self.location_index) + self.location_index[location_id]


@dataclass(frozen=True)
class DayState:
    """A day's orders as of one clock (arrays by order position within the day)."""

    exists: np.ndarray  # created at or before the clock
    updated: np.ndarray  # updated_at, epoch seconds
    flags: np.ndarray  # CLOSED | CANCELLED
    financial: np.ndarray  # FINANCIAL_CODES
    spent: np.ndarray  # what the order adds to its customer's total_spent, cents
    activity: np.ndarray  # latest of creation and refunds (customer activity), epoch seconds


@dataclass(frozen=True)
class DaySummary:
    """Everything the indexes need about one local day's orders (arrays by order position)."""

    day: date
    ids: np.ndarray  # order ids, ascending (generator ids are consecutive within a day)
    created: np.ndarray
    processed: np.ndarray
    processed_day: np.ndarray  # local date ordinal of processed_at (the business date)
    test: np.ndarray
    customer: np.ndarray  # customer id, 0 for none
    identity: np.ndarray  # IdentityTable code, -1 for none
    ship_net: np.ndarray  # shipping minus its discounts (minus its tax when included), cents
    ship_tax: np.ndarray
    # timelines: events of order i are ev_*[ev_start[i] : ev_start[i + 1]], oldest first
    ev_start: np.ndarray
    ev_t: np.ndarray
    ev_flags: np.ndarray
    ev_financial: np.ndarray
    ev_spent: np.ndarray
    ev_activity: np.ndarray
    # line items (non-gift-card units, gross and discounts; tax of every line), by the time they appear
    ln_order: np.ndarray
    ln_t: np.ndarray
    ln_units: np.ndarray
    ln_gross: np.ndarray  # gross sales, tax excluded (``line_sales``), 1/10000 units
    ln_discount: np.ndarray  # discounts, tax excluded (``line_sales``), 1/10000 units
    ln_tax: np.ndarray
    # refunds
    rf_order: np.ndarray
    rf_t: np.ndarray
    rf_day: np.ndarray
    rf_returns: np.ndarray  # refund line subtotals (minus their tax when included), cents
    rf_tax: np.ndarray  # line taxes plus shipping tax given back
    rf_shipping: np.ndarray  # shipping given back (minus its tax when included), cents
    # inventory moves: sales (negative) and restocking returns (positive) per level code
    mv_t: np.ndarray
    mv_key: np.ndarray
    mv_quantity: np.ndarray

    @property
    def size(self) -> int:
        return len(self.created)

    def state_at(self, clock: int) -> DayState:
        """The day's orders as of ``clock`` (epoch seconds)."""
        n = self.size
        if n == 0 or clock < int(self.created.min()):
            index = self.ev_start
            exists = np.zeros(n, dtype=bool)
        else:
            valid = (self.ev_t <= clock).astype(np.int32)
            counts = np.add.reduceat(valid, self.ev_start)
            exists = counts > 0
            index = self.ev_start + np.maximum(counts, 1) - 1
        return DayState(
            exists=exists,
            updated=self.ev_t[index],
            flags=self.ev_flags[index],
            financial=self.ev_financial[index],
            spent=self.ev_spent[index],
            activity=self.ev_activity[index],
        )


def _timeline(order: Order) -> list[tuple[int, int, int, int, int]]:
    """(instant, flags, financial code, spent cents, activity) after each event of the order.

    Follows ``Order.financial_status_at`` / ``total_price_at`` / ``refunds_at`` event by event, in integer
    cents (all amounts are whole cents, so the sums and comparisons are the same as in ``Decimal``).
    """
    created = order.created_at
    moments = {created}
    moments.update(edit.at for edit in order.edits)
    moments.update(transaction.created_at for transaction in order.transactions)
    moments.update(refund.created_at for refund in order.refunds)
    moments.update(
        moment
        for moment in (
            order.paid_at,
            order.voided_at,
            order.cancelled_at,
            order.fulfilled_at,
            order.closed_at,
        )
        if moment is not None
    )
    if not created - PROCESSED_MAX_LEAD < order.processed_at <= created:
        raise ValueError(f"order {order.id}: processed_at outside the bound the indexes rely on")
    if max(moments) >= created + MAX_EVENT_DELAY:
        raise ValueError(f"order {order.id}: an event after MAX_EVENT_DELAY (the indexes rely on it)")
    included = order.taxes_included
    shipping = to_cents(sum((ship.charge(included) for ship in order.shipping_lines), ZERO))
    lines = sorted((line.added_at, to_cents(line.charge(included))) for line in order.lines)
    refunds = sorted((refund.created_at, to_cents(refund.amount)) for refund in order.refunds)
    cancelled = order.cancelled_at
    voided_by_cancel = cancelled is not None and not order.is_paid_at(cancelled)
    total, refunded, activity = shipping, 0, created
    next_line = next_refund = 0
    events = []
    for at in sorted(moment for moment in moments if moment >= created):
        while next_line < len(lines) and lines[next_line][0] <= at:
            total += lines[next_line][1]
            next_line += 1
        while next_refund < len(refunds) and refunds[next_refund][0] <= at:
            refunded += refunds[next_refund][1]
            activity = max(activity, refunds[next_refund][0])
            next_refund += 1
        is_cancelled = cancelled is not None and cancelled <= at
        if (order.voided_at is not None and order.voided_at <= at) or (is_cancelled and voided_by_cancel):
            status = "voided"
        elif not order.is_paid_at(at):
            status = order.initial_status
        elif refunded == 0:
            status = "paid"
        else:
            status = "refunded" if refunded >= total else "partially_refunded"
        flags = (CLOSED if order.closed_at is not None and order.closed_at <= at else 0) | (
            CANCELLED if is_cancelled else 0
        )
        spent = 0 if status == "voided" else total - refunded
        events.append((_epoch(at), flags, FINANCIAL_CODES[status], spent, _epoch(activity)))
    return events


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def line_sales(line: LineItem, taxes_included: bool) -> tuple[int, int]:
    """(gross sales, discounts) of a non-gift-card line as the ground truth counts them, in 1/10000 units.

    Taxes on top: price × quantity and the line's discount allocations. Taxes included: both without
    tax. The discount's tax is the tax inside it at the sum of the line's rates (``money.tax_inside``, 4
    decimals); discounts = allocations − that, gross = price × quantity − the line's taxes − that. So
    gross − discounts = price × quantity − allocations − taxes, exactly.
    """
    if not taxes_included:
        return to_cents(line.gross) * _PER_CENT, to_cents(line.discount) * _PER_CENT
    discount = line.discount
    discount_tax = tax_inside(discount, sum((tax.rate for tax in line.tax_lines), ZERO))
    return to_ten_thousandths(line.gross - line.tax - discount_tax), to_ten_thousandths(
        discount - discount_tax
    )


def shipping_sales(order: Order) -> int:
    """The order's shipping as the ground truth counts it, in cents: price − discounts, minus its taxes
    when the price includes them."""
    net = sum((ship.discounted_price for ship in order.shipping_lines), ZERO)
    if order.taxes_included:
        net -= sum((ship.tax for ship in order.shipping_lines), ZERO)
    return to_cents(net)


def refund_sales(refund: Refund) -> tuple[int, int]:
    """(returns, shipping given back) of a refund as the ground truth counts them, in cents.

    Returns = refund line subtotals, shipping = the shipping refunded; both minus their taxes when the
    amounts include them.
    """
    returns = sum((line.subtotal for line in refund.lines), ZERO)
    shipping = refund.shipping_amount
    if refund.taxes_included:
        returns -= sum((line.total_tax for line in refund.lines), ZERO)
        shipping -= refund.shipping_tax
    return to_cents(returns), to_cents(shipping)


def summarize(day: date, orders: list[Order], context: SummaryContext) -> DaySummary:
    """The digest of one day's orders (positions follow the orders, which come in id order)."""
    columns: dict[str, list] = {name: [] for name in _COLUMNS}
    ev_start: list[int] = []
    events: list[tuple[int, int, int, int, int]] = []
    zone = context.zone
    for position, order in enumerate(orders):
        if position and order.id <= orders[position - 1].id:
            raise ValueError(f"orders of {day} are not in id order")
        columns["ids"].append(order.id)
        columns["created"].append(_epoch(order.created_at))
        columns["processed"].append(_epoch(order.processed_at))
        columns["processed_day"].append(order.processed_at.astimezone(zone).date().toordinal())
        columns["test"].append(order.test)
        columns["customer"].append(order.customer_id or 0)
        columns["identity"].append(context.identity(order))
        columns["ship_net"].append(shipping_sales(order))
        columns["ship_tax"].append(to_cents(sum((ship.tax for ship in order.shipping_lines), ZERO)))
        ev_start.append(len(events))
        events.extend(_timeline(order))
        for line in order.lines:
            columns["ln_order"].append(position)
            columns["ln_t"].append(_epoch(line.added_at))
            goods = not line.gift_card
            gross, discount = line_sales(line, order.taxes_included) if goods else (0, 0)
            columns["ln_units"].append(line.quantity if goods else 0)
            columns["ln_gross"].append(gross)
            columns["ln_discount"].append(discount)
            columns["ln_tax"].append(to_cents(line.tax))
            if goods and order.location_id is not None:
                columns["mv_t"].append(_epoch(line.added_at))
                columns["mv_key"].append(context.move_key(line.variant_id, order.location_id))
                columns["mv_quantity"].append(-line.quantity)
        variants = {line.id: line.variant_id for line in order.lines}
        for refund in order.refunds:
            columns["rf_order"].append(position)
            columns["rf_t"].append(_epoch(refund.created_at))
            columns["rf_day"].append(refund.created_at.astimezone(zone).date().toordinal())
            returns, shipping = refund_sales(refund)
            line_tax = sum((line.total_tax for line in refund.lines), ZERO)
            columns["rf_returns"].append(returns)
            columns["rf_tax"].append(to_cents(line_tax + refund.shipping_tax))
            columns["rf_shipping"].append(shipping)
            for line in refund.lines:
                if line.location_id is None or line.restock_type == "no_restock":
                    continue
                columns["mv_t"].append(_epoch(refund.created_at))
                columns["mv_key"].append(context.move_key(variants[line.line_item_id], line.location_id))
                columns["mv_quantity"].append(line.quantity)
    arrays = {name: np.array(values, dtype=_COLUMNS[name]) for name, values in columns.items()}
    timeline = np.array(events, dtype=_I64).reshape(-1, 5)
    return DaySummary(
        day=day,
        ev_start=np.array(ev_start, dtype=_I64),
        ev_t=timeline[:, 0].copy(),
        ev_flags=timeline[:, 1].astype(np.int8),
        ev_financial=timeline[:, 2].astype(np.int8),
        ev_spent=timeline[:, 3].copy(),
        ev_activity=timeline[:, 4].copy(),
        **arrays,
    )


_COLUMNS: dict[str, type] = {
    "ids": _I64,
    "created": _I64,
    "processed": _I64,
    "processed_day": np.int32,
    "test": bool,
    "customer": _I64,
    "identity": np.int32,
    "ship_net": _I64,
    "ship_tax": _I64,
    "ln_order": np.int32,
    "ln_t": _I64,
    "ln_units": _I64,
    "ln_gross": _I64,
    "ln_discount": _I64,
    "ln_tax": _I64,
    "rf_order": np.int32,
    "rf_t": _I64,
    "rf_day": np.int32,
    "rf_returns": _I64,
    "rf_tax": _I64,
    "rf_shipping": _I64,
    "mv_t": _I64,
    "mv_key": np.int32,
    "mv_quantity": np.int32,
}
