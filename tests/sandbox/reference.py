"""Brute-force references: what the sandbox's lazy indexes compute, done the obvious way.

Each function walks every order of the shop (``shop.orders()``, the model's own ``*_at(clock)`` methods)
the way the sandbox did before it generated days lazily. Tests compare the indexed answers with these on
small shops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sandbox.shopify.ground_truth import DailyFigures
from sandbox.shopify.model import CustomerStats, LineItem, Order, SandboxShop
from sandbox.shopify.money import ZERO
from sandbox.shopify.paging import Cursor, Page, page

_FINANCIAL_UNPAID = {"pending", "authorized"}


@dataclass(frozen=True)
class Query:
    """An ``orders.json`` query in model terms (bounds are epoch seconds, inclusive)."""

    status: str = "open"
    financial: str = "any"
    ids: frozenset[int] | None = None
    since_id: int | None = None
    bounds: dict = field(default_factory=dict)
    field: str = "id"
    direction: int = 1
    visible_from: float | None = None


def order_rows(shop: SandboxShop, query: Query) -> list[tuple[tuple[int, int], Order]]:
    """Every matching order with its sort key, sorted (the sandbox's original listing)."""
    clock = shop.clock
    rows = []
    for order in shop.orders():
        closed = order.closed_at_at(clock) is not None
        cancelled = order.cancelled_at_at(clock) is not None
        status = order.financial_status_at(clock)
        values = {
            "id": order.id,
            "created_at": int(order.created_at.timestamp()),
            "updated_at": int(order.updated_at(clock).timestamp()),
            "processed_at": int(order.processed_at.timestamp()),
        }
        if query.visible_from is not None and values["created_at"] < query.visible_from:
            continue
        if query.status == "open" and (closed or cancelled):
            continue
        if (query.status == "closed" and not closed) or (query.status == "cancelled" and not cancelled):
            continue
        if query.financial == "unpaid" and status not in _FINANCIAL_UNPAID:
            continue
        if query.financial not in {"any", "unpaid"} and status != query.financial:
            continue
        if (query.ids is not None and order.id not in query.ids) or (
            query.since_id is not None and order.id <= query.since_id
        ):
            continue
        if not all(
            (query.bounds.get(name + "_min") is None or values[name] >= query.bounds[name + "_min"])
            and (query.bounds.get(name + "_max") is None or values[name] <= query.bounds[name + "_max"])
            for name in ("created_at", "updated_at", "processed_at")
        ):
            continue
        key = (query.direction * values[query.field], query.direction * order.id)
        rows.append((key, order))
    rows.sort(key=lambda row: row[0])
    return rows


def order_page(shop: SandboxShop, query: Query, limit: int, cursor: Cursor | None) -> Page:
    return page(order_rows(shop, query), limit, cursor)


def customer_stats(shop: SandboxShop) -> dict[int, CustomerStats]:
    """Per customer: order count, amount spent, last order and last activity as of the clock."""
    clock = shop.clock
    stats: dict[int, CustomerStats] = {}
    for order in shop.orders():
        if order.customer_id is None or order.test:
            continue
        entry = stats.setdefault(order.customer_id, CustomerStats())
        entry.orders_count += 1
        if order.financial_status_at(clock) != "voided":
            refunded = sum((refund.amount for refund in order.refunds_at(clock)), ZERO)
            entry.total_spent += order.total_price_at(clock) - refunded
        entry.last_order_id = order.id
        entry.last_order_name = f"#{order.number}"
        latest = max([order.created_at, *[refund.created_at for refund in order.refunds_at(clock)]])
        entry.last_activity = latest if entry.last_activity is None else max(entry.last_activity, latest)
    return stats


def inventory_moves(shop: SandboxShop) -> dict[tuple[int, int], tuple[int, datetime]]:
    """(variant id, location id) -> (units moved, last move) from every order's sales and restocks."""
    clock = shop.clock
    moves: dict[tuple[int, int], list] = {}
    for order in shop.orders():
        for line in order.lines_at(clock):
            if line.gift_card or order.location_id is None:
                continue
            entry = moves.setdefault((line.variant_id, order.location_id), [0, order.created_at])
            entry[0] -= line.quantity
            entry[1] = max(entry[1], line.added_at)
        for refund in order.refunds_at(clock):
            lines = {line.id: line for line in order.lines}
            for refund_line in refund.lines:
                if refund_line.location_id is None or refund_line.restock_type == "no_restock":
                    continue
                key = (lines[refund_line.line_item_id].variant_id, refund_line.location_id)
                entry = moves.setdefault(key, [0, refund.created_at])
                entry[0] += refund_line.quantity
                entry[1] = max(entry[1], refund.created_at)
    return {key: (units, at) for key, (units, at) in moves.items()}


@dataclass
class _Day:
    orders: int = 0
    units: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO
    shipping: Decimal = ZERO
    taxes: Decimal = ZERO
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


def _line_sales(line: LineItem, taxes_included: bool) -> tuple[Decimal, Decimal]:
    """(gross, discounts) of a goods line without tax; exact, with the discount's tax to 4 decimals.

    Taxes included: discount_tax = round_half_away(D × R / (1 + R), 4), gross = P × Q − T − discount_tax,
    discounts = D − discount_tax (P price, Q quantity, D allocations, T taxes, R the sum of the rates).
    """
    price_times_quantity = line.price * line.quantity
    allocations = sum((a.amount for a in line.discount_allocations), ZERO)
    if not taxes_included:
        return price_times_quantity, allocations
    taxes = sum((t.amount for t in line.tax_lines), ZERO)
    rates = sum((t.rate for t in line.tax_lines), Decimal(0))
    discount_tax = (allocations * rates / (1 + rates)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return price_times_quantity - taxes - discount_tax, allocations - discount_tax


def _to_cents(amount: Decimal) -> Decimal:
    """An exact day sum reported to cents, half away from zero."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ground_truth(shop: SandboxShop, start: date, end: date) -> list[DailyFigures]:
    """The sandbox's original whole-history ground truth (see ``sandbox/shopify/ground_truth.py``).

    Tax-inclusive orders count every sales amount without its tax: lines as in ``_line_sales``, shipping
    minus its tax lines, returns minus the refund lines' ``total_tax``, refunded shipping minus its tax.
    Gross and discounts are summed exactly and rounded once per day.
    """
    clock = shop.clock
    zone = shop.spec.zone
    days: dict[date, _Day] = {}
    first_seen: dict[str, date] = {}
    first_seen_at: dict[str, datetime] = {}
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
        included = order.taxes_included
        bucket = days.setdefault(order_day, _Day())
        bucket.orders += 1
        for line in order.lines:
            if line.added_at > clock:
                continue
            bucket.taxes += line.tax
            if not line.gift_card:
                gross, discounts = _line_sales(line, included)
                bucket.units += line.quantity
                bucket.gross += gross
                bucket.discounts += discounts
        for ship in order.shipping_lines:
            bucket.shipping += ship.discounted_price - (ship.tax if included else ZERO)
            bucket.taxes += ship.tax
        if identity is not None:
            bucket.identities.add(identity)
        for refund in order.refunds_at(clock):
            refund_day = days.setdefault(refund.created_at.astimezone(zone).date(), _Day())
            line_tax = sum((line.total_tax for line in refund.lines), ZERO)
            refund_day.returns += sum((line.subtotal for line in refund.lines), ZERO)
            refund_day.taxes -= line_tax + refund.shipping_tax
            refund_day.shipping -= refund.shipping_amount
            if included:
                refund_day.returns -= line_tax
                refund_day.shipping += refund.shipping_tax
    figures = []
    for day in sorted(d for d in days if start <= d <= end):
        bucket = days[day]
        gross, discounts = _to_cents(bucket.gross), _to_cents(bucket.discounts)
        returns, shipping, taxes = (
            _to_cents(bucket.returns),
            _to_cents(bucket.shipping),
            _to_cents(bucket.taxes),
        )
        net = gross - discounts - returns
        new = sum(1 for identity in bucket.identities if first_seen[identity] == day)
        aov = None
        if bucket.orders:
            aov = _to_cents((bucket.gross - bucket.discounts) / bucket.orders)
        figures.append(
            DailyFigures(
                date=day,
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
            )
        )
    return figures
