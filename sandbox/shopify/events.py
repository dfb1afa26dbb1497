"""The shop's activity log: Shopify's Event resource (``/admin/api/{version}/events.json``).

Foreign clients read it to learn what happened in a store without re-reading everything (Airbyte reads
``filter=Order&verb=destroy`` for deleted orders, audit exports read the whole log). Nothing here is
invented: every event is a moment the event model already holds, seen as of the shop clock.

* Order events (subject ``Order``): ``placed`` and ``confirmed`` at ``created_at``;
  ``authorization_success`` / ``sale_success`` / ``void_success`` at each payment transaction (a
  pending order captured later gets its ``sale_success`` then; an edit that adds a line is charged with
  another ``sale_success``); ``refund_success`` at each refund; ``fulfillment_success`` at ``fulfilled_at``;
  ``closed`` at ``closed_at`` (auto-archiving); ``cancelled`` at ``cancelled_at``.
* Product events (subject ``Product``): ``create`` at the product's ``created_at``.
* ``destroy`` (subject ``Order``) when an order was deleted (``SandboxShop.delete_order``): the deleted
  order's earlier events stay in the log, as on Shopify; ``filter=Order&verb=destroy`` lists deletions.

Event ids are chronological and stable when the clock moves (a later event never has a smaller id, and
moving the clock only adds events): ``id = epoch seconds × 1,000,000 + a slot within that second``. The
slot says which subject (order number, or product position) and which verb, so ids never collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sandbox.shopify.money import convert, fmt
from sandbox.shopify.timeutil import iso_local

if TYPE_CHECKING:
    from sandbox.shopify.model import Order, SandboxShop

#: An event id is ``epoch seconds × ID_SCALE + slot``; slots are below ``ID_SCALE``.
ID_SCALE = 1_000_000
#: Order slots are ``(number % ORDER_SERIALS) × 10 + verb slot``; product slots start at ``PRODUCT_BASE``.
ORDER_SERIALS = 50_000
PRODUCT_BASE = 500_000
#: The position of each verb in its subject's block of ten slots within one second.
VERB_SLOTS: dict[str, int] = {
    "placed": 0,
    "confirmed": 1,
    "authorization_success": 2,
    "sale_success": 3,
    "void_success": 4,
    "fulfillment_success": 5,
    "closed": 6,
    "cancelled": 7,
    "refund_success": 8,
    "destroy": 9,
    "create": 0,
}
_TRANSACTION_VERBS = {
    "authorization": "authorization_success",
    "sale": "sale_success",
    "void": "void_success",
}
AUTHOR = "Shopify"


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the shop's activity log (the fields of Shopify's Event, minus ``body``: always null)."""

    id: int
    subject_id: int
    subject_type: str
    verb: str
    created_at: datetime
    arguments: tuple[str, ...]
    message: str
    description: str
    path: str


class _Ids:
    """Hands out event ids of one subject, bumping within the subject's ten slots if two of its events
    fall on the same second with the same verb (two refunds within one second)."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.used: set[int] = set()

    def take(self, at: datetime, verb: str) -> int:
        slot = VERB_SLOTS[verb]
        while True:
            if slot > 9:
                raise ValueError(f"more than ten events in one second for subject slot {self.base}")
            event_id = int(at.timestamp()) * ID_SCALE + self.base + slot
            if event_id not in self.used:
                self.used.add(event_id)
                return event_id
            slot += 1


def _buyer(shop: SandboxShop, order: Order) -> str | None:
    """Who placed the order, as the admin shows it: the customer's name, else the billing name."""
    customer = shop.people.by_id.get(order.customer_id) if order.customer_id else None
    if customer is not None:
        return customer.person.name
    name = (order.billing_address or {}).get("name")
    return str(name) if name else None


def order_events(shop: SandboxShop, order: Order) -> list[Event]:
    """Every event of ``order`` at or before the shop clock, oldest first."""
    clock = shop.clock
    ids = _Ids((order.number % ORDER_SERIALS) * 10)
    name = f"#{order.number}"
    path = f"/admin/orders/{order.id}"
    link = f'<a href="{path}">{name}</a>'
    moments: list[tuple[datetime, str, tuple[str, ...], str, str]] = []

    def add(at: datetime | None, verb: str, arguments: tuple[str, ...], text: str, html: str) -> None:
        if at is not None and at <= clock:
            moments.append((at, verb, arguments, text, html))

    buyer = _buyer(shop, order)
    add(order.created_at, "placed", (name,), "Order was placed.", "Order was placed")
    by = f" by {buyer}" if buyer else ""
    add(
        order.created_at,
        "confirmed",
        (name, buyer) if buyer else (name,),
        f"Received new order {name}{by}.",
        f"Received new order {link}{by}",
    )
    currency = order.presentment_currency
    for transaction in order.transactions_at(clock):
        amount = f"{fmt(convert(transaction.amount, order.fx_rate))} {currency}"
        if transaction.kind == "refund":
            verb, text = "refund_success", f"We successfully refunded {amount}"
        else:
            verb = _TRANSACTION_VERBS[transaction.kind]
            text = {
                "authorization_success": f"The customer successfully authorized us to capture {amount}",
                "sale_success": f"We successfully captured {amount}",
                "void_success": f"We successfully voided {amount}",
            }[verb]
        href = f"{path}/transactions/{transaction.id}"
        add(transaction.created_at, verb, (amount,), f"{text}.", f'<a href="{href}">{text}</a>')
    add(
        order.fulfilled_at,
        "fulfillment_success",
        (name,),
        f"All items of {name} were fulfilled.",
        f"All items of {link} were fulfilled",
    )
    add(order.closed_at, "closed", (name,), f"Order {name} was archived.", f"Order {link} was archived")
    reason = order.cancel_reason or "other"
    add(
        order.cancelled_at,
        "cancelled",
        (name, reason),
        f"Order {name} was cancelled (reason: {reason}).",
        f"Order {link} was cancelled (reason: {reason})",
    )
    moments.sort(key=lambda moment: (moment[0], VERB_SLOTS[moment[1]]))
    return [
        Event(ids.take(at, verb), order.id, "Order", verb, at, arguments, html, text, path)
        for at, verb, arguments, text, html in moments
    ]


def destroy_event(order: Order, at: datetime) -> Event:
    """The ``destroy`` event of an order deleted at ``at``."""
    name = f"#{order.number}"
    event_id = int(at.timestamp()) * ID_SCALE + (order.number % ORDER_SERIALS) * 10 + VERB_SLOTS["destroy"]
    return Event(
        event_id,
        order.id,
        "Order",
        "destroy",
        at,
        (name,),
        f"Order {name} was deleted.",
        f"Order {name} was deleted.",
        f"/admin/orders/{order.id}",
    )


def product_events(shop: SandboxShop) -> list[Event]:
    """The ``create`` event of every product that exists at the clock."""
    events = []
    for position, product in enumerate(shop.catalog.products):
        if product.created_at > shop.clock:
            continue
        path = f"/admin/products/{product.id}"
        ids = _Ids(PRODUCT_BASE + (position % ORDER_SERIALS) * 10)
        events.append(
            Event(
                ids.take(product.created_at, "create"),
                product.id,
                "Product",
                "create",
                product.created_at,
                (product.title,),
                f'Product was created: <a href="{path}">{product.title}</a>.',
                f"Product was created: {product.title}.",
                path,
            )
        )
    return events


def shop_events(shop: SandboxShop, subjects: frozenset[str], visible_from: float | None) -> list[Event]:
    """The log as of the clock for the subject types the token may read (``"Order"``, ``"Product"``),
    by id ascending (= chronological). Order events only of orders created at or after ``visible_from``
    (epoch seconds; the 60-day window without ``read_all_orders``)."""
    events: list[Event] = []
    if "Order" in subjects:
        for order in shop.orders():
            if visible_from is None or order.created_at.timestamp() >= visible_from:
                events.extend(order_events(shop, order))
        for order, at in shop.deleted_orders():
            if visible_from is None or order.created_at.timestamp() >= visible_from:
                events.extend(event for event in order_events(shop, order) if event.created_at <= at)
                events.append(destroy_event(order, at))
    if "Product" in subjects:
        events.extend(product_events(shop))
    events.sort(key=lambda event: event.id)
    return events


def render(event: Event, zone: ZoneInfo) -> dict:
    """Shopify's JSON for an event (timestamps in the shop's offset)."""
    return {
        "id": event.id,
        "subject_id": event.subject_id,
        "created_at": iso_local(event.created_at, zone),
        "subject_type": event.subject_type,
        "verb": event.verb,
        "arguments": list(event.arguments),
        "body": None,
        "message": event.message,
        "author": AUTHOR,
        "description": event.description,
        "path": event.path,
    }
