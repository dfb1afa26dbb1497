"""The event model of a sandbox store: orders with their whole history, and the store that holds them.

An :class:`Order` carries every event of its life with a timestamp (creation, payment, edits, fulfilment,
cancellation, void, refunds). What the API shows is the order *as of the shop clock*: events after the
clock are not applied, and orders created after it do not exist. All money is ``Decimal`` in the shop
currency, rounded to cents; presentment money is derived at render time with the order's fixed rate.
In a tax-inclusive shop (``Order.taxes_included``) prices, shipping and discounts include their taxes:
the tax lines say how much of a charge is tax, and nothing is added on top of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sandbox.shopify.bucket import LeakyBucket
from sandbox.shopify.daybook import DayBook
from sandbox.shopify.daystore import DAY_CACHE_ORDERS, DayStore
from sandbox.shopify.faults import FaultInjector
from sandbox.shopify.money import ZERO
from sandbox.shopify.summary import IdentityTable, SummaryContext
from sandbox.shopify.timeutil import local_date, utc

if TYPE_CHECKING:
    from sandbox.shopify.api import ShopifyAPI
    from sandbox.shopify.catalog import Catalog
    from sandbox.shopify.customer_index import CustomerIndex
    from sandbox.shopify.defects import Defect
    from sandbox.shopify.graphql.endpoint import GraphQLFront
    from sandbox.shopify.ground_truth import DailyFigures
    from sandbox.shopify.people import People
    from sandbox.shopify.spec import ShopSpec


@dataclass(slots=True)
class TaxLine:
    """A tax charged on a line or shipping line (or, summed per title, on the order)."""

    title: str
    rate: Decimal
    amount: Decimal


@dataclass(slots=True)
class DiscountAllocation:
    """The part of a discount application that lands on one line."""

    amount: Decimal
    application_index: int


@dataclass(slots=True)
class LineItem:
    """A purchased variant. ``price`` is the unit price in shop money at the time the line was added."""

    id: int
    variant_id: int
    product_id: int
    title: str
    variant_title: str | None
    sku: str
    vendor: str
    price: Decimal
    quantity: int
    grams: int
    gift_card: bool
    taxable: bool
    requires_shipping: bool
    added_at: datetime
    discount_allocations: list[DiscountAllocation] = field(default_factory=list)
    tax_lines: list[TaxLine] = field(default_factory=list)

    @property
    def gross(self) -> Decimal:
        """Price times quantity, before discounts."""
        return self.price * self.quantity

    @property
    def discount(self) -> Decimal:
        """Sum of the discount allocations on this line."""
        return sum((allocation.amount for allocation in self.discount_allocations), ZERO)

    @property
    def tax(self) -> Decimal:
        """Sum of this line's taxes."""
        return sum((tax.amount for tax in self.tax_lines), ZERO)

    def charge(self, taxes_included: bool) -> Decimal:
        """What the customer pays for the line: after discounts, plus its taxes unless prices include them."""
        return self.gross - self.discount + (ZERO if taxes_included else self.tax)


@dataclass(slots=True)
class ShippingLine:
    """A shipping charge; ``discount_allocations`` come from free-shipping codes."""

    id: int
    title: str
    code: str
    price: Decimal
    discount_allocations: list[DiscountAllocation] = field(default_factory=list)
    tax_lines: list[TaxLine] = field(default_factory=list)

    @property
    def discount(self) -> Decimal:
        return sum((allocation.amount for allocation in self.discount_allocations), ZERO)

    @property
    def discounted_price(self) -> Decimal:
        return self.price - self.discount

    @property
    def tax(self) -> Decimal:
        return sum((tax.amount for tax in self.tax_lines), ZERO)

    def charge(self, taxes_included: bool) -> Decimal:
        """What the customer pays for shipping: after discounts, plus its taxes unless included."""
        return self.discounted_price + (ZERO if taxes_included else self.tax)


@dataclass(slots=True)
class DiscountApplication:
    """A discount code applied at checkout; ``amount`` is what it took off in total (shop money)."""

    code: str
    value_type: str  # "percentage" | "fixed_amount"
    value: Decimal
    target_type: str  # "line_item" | "shipping_line"
    allocation_method: str  # "across" | "each"
    amount: Decimal

    @property
    def code_type(self) -> str:
        """Shopify's ``discount_codes[].type``: percentage, fixed_amount or shipping."""
        return "shipping" if self.target_type == "shipping_line" else self.value_type


@dataclass(slots=True)
class Transaction:
    """A payment movement (amount in shop money; rendered in the presentment currency)."""

    id: int
    kind: str  # "sale" | "authorization" | "void" | "refund"
    amount: Decimal
    created_at: datetime
    gateway: str
    parent_id: int | None = None
    status: str = "success"


@dataclass(slots=True)
class RefundLine:
    """Part of a line given back: ``subtotal`` is price × quantity minus the proportional discount (tax
    included in a tax-inclusive shop), ``total_tax`` the proportional part of the line's taxes."""

    id: int
    line_item_id: int
    quantity: int
    subtotal: Decimal
    total_tax: Decimal
    restock_type: str  # "return" | "no_restock" | "cancel"
    location_id: int | None


@dataclass(slots=True)
class Refund:
    """Money given back at ``created_at``: lines, optionally shipping (``shipping_amount`` > 0).

    ``shipping_amount`` is the shipping charge given back (tax included when ``taxes_included``),
    ``shipping_tax`` the tax of it.
    """

    id: int
    created_at: datetime
    note: str | None
    lines: list[RefundLine]
    shipping_amount: Decimal
    shipping_tax: Decimal
    adjustment_id: int | None
    transaction: Transaction
    cancel: bool = False
    taxes_included: bool = False

    @property
    def amount(self) -> Decimal:
        """Everything paid back by this refund (see ``refund_amount``)."""
        return refund_amount(self.lines, self.shipping_amount, self.shipping_tax, self.taxes_included)


def refund_amount(
    lines: list[RefundLine], shipping_amount: Decimal, shipping_tax: Decimal, taxes_included: bool
) -> Decimal:
    """What a refund pays back: line subtotals and shipping, plus their taxes unless already inside them."""
    amount = sum((line.subtotal for line in lines), ZERO) + shipping_amount
    if taxes_included:
        return amount
    return amount + sum((line.total_tax for line in lines), ZERO) + shipping_tax


@dataclass(slots=True)
class Edit:
    """An order edit: new tags and/or note, or an added line item (``added_line_id``)."""

    at: datetime
    tags: str | None = None
    note: str | None = None
    added_line_id: int | None = None


@dataclass(slots=True)
class Order:
    """One order with its full event history. Use the ``*_at(clock)`` methods to see it at an instant."""

    id: int
    number: int
    created_at: datetime
    processed_at: datetime
    test: bool
    source_name: str
    gateway: str
    token: str
    customer_id: int | None
    email: str | None
    phone: str | None
    billing_address: dict | None
    shipping_address: dict | None
    presentment_currency: str
    fx_rate: Decimal
    location_id: int | None
    buyer_accepts_marketing: bool
    tags: str
    note: str | None
    initial_status: str  # "paid" | "pending" | "authorized"
    lines: list[LineItem] = field(default_factory=list)
    shipping_lines: list[ShippingLine] = field(default_factory=list)
    discounts: list[DiscountApplication] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    fulfilled_at: datetime | None = None
    fulfillment_id: int | None = None
    closed_at: datetime | None = None
    #: Prices, shipping and discounts include their taxes (Shopify's ``taxes_included``).
    taxes_included: bool = False

    # ----- the order as of an instant -------------------------------------------------------------------
    def lines_at(self, clock: datetime) -> list[LineItem]:
        """Line items present at ``clock`` (lines added by later edits are not there yet)."""
        return [line for line in self.lines if line.added_at <= clock]

    def refunds_at(self, clock: datetime) -> list[Refund]:
        """Refunds created at or before ``clock``."""
        return [refund for refund in self.refunds if refund.created_at <= clock]

    def transactions_at(self, clock: datetime) -> list[Transaction]:
        """Payment and refund transactions at or before ``clock``, oldest first."""
        movements = [t for t in self.transactions if t.created_at <= clock]
        movements += [refund.transaction for refund in self.refunds_at(clock)]
        return sorted(movements, key=lambda t: (t.created_at, t.id))

    def tags_at(self, clock: datetime) -> str:
        tags = self.tags
        for edit in self.edits:
            if edit.at <= clock and edit.tags is not None:
                tags = edit.tags
        return tags

    def note_at(self, clock: datetime) -> str | None:
        note = self.note
        for edit in self.edits:
            if edit.at <= clock and edit.note is not None:
                note = edit.note
        return note

    def is_paid_at(self, clock: datetime) -> bool:
        """Whether money was collected at ``clock`` (a sale, or a pending order captured by then)."""
        if self.initial_status == "paid":
            return True
        return self.paid_at is not None and self.paid_at <= clock

    def cancelled_at_at(self, clock: datetime) -> datetime | None:
        return self.cancelled_at if self.cancelled_at is not None and self.cancelled_at <= clock else None

    def closed_at_at(self, clock: datetime) -> datetime | None:
        return self.closed_at if self.closed_at is not None and self.closed_at <= clock else None

    def fulfilled_at_at(self, clock: datetime) -> datetime | None:
        return self.fulfilled_at if self.fulfilled_at is not None and self.fulfilled_at <= clock else None

    def total_price_at(self, clock: datetime) -> Decimal:
        """Order total at ``clock``: lines − discounts + shipping − shipping discounts, + taxes unless
        prices include them."""
        return self.total_price_of(self.lines_at(clock))

    def total_price_of(self, lines: list[LineItem]) -> Decimal:
        """What the customer pays for ``lines`` (some of the order's lines) and the order's shipping."""
        included = self.taxes_included
        total = sum((line.charge(included) for line in lines), ZERO)
        return total + sum((ship.charge(included) for ship in self.shipping_lines), ZERO)

    def financial_status_at(self, clock: datetime) -> str:
        """Shopify's ``financial_status`` at ``clock``."""
        if self.voided_at is not None and self.voided_at <= clock:
            return "voided"
        cancelled = self.cancelled_at_at(clock)
        if cancelled is not None and not self.is_paid_at(cancelled):
            return "voided"
        if not self.is_paid_at(clock):
            return self.initial_status
        refunded = sum((refund.amount for refund in self.refunds_at(clock)), ZERO)
        if refunded == ZERO:
            return "paid"
        return "refunded" if refunded >= self.total_price_at(clock) else "partially_refunded"

    def updated_at(self, clock: datetime) -> datetime:
        """The latest event of the order at or before ``clock``."""
        moments = [self.created_at]
        moments += [edit.at for edit in self.edits]
        moments += [t.created_at for t in self.transactions]
        moments += [refund.created_at for refund in self.refunds]
        moments += [
            m
            for m in (self.paid_at, self.voided_at, self.cancelled_at, self.fulfilled_at, self.closed_at)
            if m
        ]
        return max(moment for moment in moments if moment <= clock)

    def tax_lines_at(self, clock: datetime) -> list[TaxLine]:
        """Order-level taxes: the sum per title of every line's and shipping line's taxes."""
        by_title: dict[str, TaxLine] = {}
        taxed = [*self.lines_at(clock), *self.shipping_lines]
        for item in taxed:
            for tax in item.tax_lines:
                entry = by_title.setdefault(tax.title, TaxLine(tax.title, tax.rate, ZERO))
                entry.amount += tax.amount
        return list(by_title.values())


@dataclass(slots=True)
class Location:
    """A place that stocks and fulfils (warehouse or shop)."""

    id: int
    name: str
    address1: str
    city: str
    zip: str
    province: str | None
    province_code: str | None
    country: str
    country_code: str
    phone: str
    created_at: datetime


@dataclass(slots=True)
class CustomerStats:
    """What a customer's orders add to their record as of the clock."""

    orders_count: int = 0
    total_spent: Decimal = ZERO
    last_order_id: int | None = None
    last_order_name: str | None = None
    last_activity: datetime | None = None


class DayGenerator(Protocol):
    """Builds one local day's orders (see ``generator.OrderGenerator``)."""

    def generate_day(self, day: date, first_number: int) -> list[Order]: ...

    def count_day(self, day: date) -> int:
        """How many orders ``day`` has (optional: without it the shop counts by generating the day)."""
        ...

    def prepare_until(self, day: date) -> None: ...


class SandboxShop:
    """A simulated Shopify store: its catalogue, people, orders and a movable clock.

    Orders are generated lazily, a day at a time (``daystore.DayStore``): building a shop only draws each
    day's order count, so even a store with millions of orders is ready at once, and memory stays bounded
    by the day cache plus a compact digest per generated day. Thread-safe: the HTTP server reads it from
    several threads while tests may move the clock.
    """

    def __init__(
        self,
        spec: ShopSpec,
        clock: datetime,
        history_start: date,
        catalog: Catalog,
        people: People,
        locations: list[Location],
        generator: DayGenerator,
        created_at: datetime,
    ) -> None:
        self.spec = spec
        self.history_start = history_start
        self.catalog = catalog
        self.people = people
        self.locations = locations
        self.created_at = created_at
        self.faults = FaultInjector()
        self.bucket = LeakyBucket(spec.bucket_capacity, spec.bucket_leak_rate)
        self._generator = generator
        self._lock = threading.RLock()
        self._clock = utc(clock)
        self._snapshot: dict[str, Any] = {}
        self._api: ShopifyAPI | None = None
        self._graphql: GraphQLFront | None = None
        count_day = getattr(generator, "count_day", None) or (
            lambda day: len(generator.generate_day(day, 0))  # hand-built generators (tests)
        )
        self.book = DayBook(history_start, spec.zone, count_day)
        context = SummaryContext(
            zone=spec.zone,
            variant_index={variant.id: index for index, variant in enumerate(catalog.variants)},
            location_index={location.id: index for index, location in enumerate(locations)},
            customers=people.by_id,
            identities=IdentityTable(),
        )
        self.days = DayStore(
            self.book,
            generator,
            context,
            self._lock,
            DAY_CACHE_ORDERS,
            seed=spec.seed,
            delete_share=spec.delete_share,
        )
        self._extend(local_date(self._clock, spec.zone))

    # ----- clock ----------------------------------------------------------------------------------------
    @property
    def clock(self) -> datetime:
        """The shop's present (UTC): nothing after it has happened yet."""
        return self._clock

    @property
    def clock_epoch(self) -> int:
        """The clock in epoch seconds (what the indexes compare with)."""
        return int(self._clock.timestamp())

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def defects(self) -> list[Defect]:
        """The API bugs planted on this shop (``defects.py``); served from the next request on."""
        return self.spec.defects

    @defects.setter
    def defects(self, planted: list[Defect]) -> None:
        """Plant these defects instead (``[]`` is the fix: the API is truthful again)."""
        self.spec.defects = list(planted)

    @property
    def lock(self) -> threading.RLock:
        """The shop's re-entrant lock: guards the clock, the day store and the per-clock indexes."""
        return self._lock

    def set_clock(self, dt: datetime) -> None:
        """Move the shop's present to ``dt`` (tz-aware; forward or back).

        Moving forward adds the new days to the calendar (their orders are generated when read) and makes
        later edits and refunds visible; moving back hides everything after ``dt``. The order history
        never starts later than at build time.
        """
        instant = utc(dt)
        with self._lock:
            self._extend(local_date(instant, self.spec.zone))
            self._clock = instant
            self._snapshot = {}

    def _extend(self, until: date) -> None:
        with self._lock:
            if until <= self.book.last:
                return
            self._generator.prepare_until(until)
            self.book.extend(until)

    # ----- data as of the clock -------------------------------------------------------------------------
    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """A value derived from the current clock, computed once until the clock moves."""
        with self._lock:
            if key not in self._snapshot:
                self._snapshot[key] = build()
            return self._snapshot[key]

    def orders(self) -> list[Order]:
        """Every order that exists at the clock (created at or before it), by id ascending.

        Materialises the whole history: meant for small shops and tests. The API and the ground truth
        read days lazily instead.
        """
        clock = self._clock
        last = local_date(clock, self.spec.zone)
        return [
            order
            for day in self.book.days()
            if day <= last
            for order in self.days.orders(day)
            if order.created_at <= clock and self._deleted_at(order) is None
        ]

    def all_generated_orders(self) -> Iterator[Order]:
        """Every generated order, including those still in the future of the clock (day by day)."""
        for day in self.book.days():
            yield from self.days.orders(day)

    def order(self, order_id: int) -> Order | None:
        """The order with this id if it exists at the clock."""
        order = self.days.order(order_id)
        if order is None or order.created_at > self._clock:
            return None
        return order if self._deleted_at(order) is None else None

    def _deleted_at(self, order: Order) -> int | None:
        return self.days.deleted_at(order.id, self.clock_epoch, int(order.created_at.timestamp()))

    # ----- deletes --------------------------------------------------------------------------------------
    def delete_order(self, order_id: int, at: datetime | None = None) -> None:
        """Delete an order at ``at`` (default: the clock), as a merchant deleting it in the admin.

        From then on the order is gone from every orders endpoint, the customer and ground-truth indexes;
        the activity log gains its ``destroy`` event and GraphQL ``deletionEvents`` its deletion.
        Moving the clock back before ``at`` brings it back. ``KeyError`` if it does not exist then.
        """
        instant = utc(at) if at is not None else self._clock
        with self._lock:
            order = self.days.order(order_id)
            if order is None or order.created_at > instant:
                raise KeyError(f"shop {self.name}: no order {order_id} at {instant.isoformat()}")
            self.days.delete(order_id, int(instant.timestamp()))
            self._snapshot = {}

    def deleted_orders(self) -> list[tuple[Order, datetime]]:
        """Orders deleted at or before the clock (explicitly, or by ``spec.delete_share``), with the instant
        of their deletion, oldest first. With a delete share this reads every day's digest."""
        from sandbox.shopify.daystore import seeded_deletions

        clock = self.clock_epoch
        instants: dict[int, int] = {}
        for order_id, at in self.days.deleted.items():
            if at <= clock:
                instants[order_id] = at
        if self.spec.delete_share > 0:
            last = local_date(self._clock, self.spec.zone)
            for day in self.book.days():
                if day > last:
                    break
                summary = self.days.summary(day)
                positions, ats = seeded_deletions(summary, self.spec.seed, self.spec.delete_share)
                for position, at in zip(positions.tolist(), ats.tolist(), strict=True):
                    order_id = int(summary.ids[position])
                    if at <= clock and at < instants.get(order_id, at + 1):
                        instants[order_id] = at
        found = []
        for order_id, at in sorted(instants.items(), key=lambda pair: (pair[1], pair[0])):
            order = self.days.order(order_id)
            if order is not None:
                found.append((order, datetime.fromtimestamp(at, tz=UTC)))
        return found

    def customer_stats(self) -> dict[int, CustomerStats]:
        """Per customer id: order count, amount spent and last activity as of the clock (whole history)."""
        return self.customer_index().all_stats()

    def customer_index(self) -> CustomerIndex:
        """Customer order statistics as of the clock, resolved lazily (see ``customer_index.py``)."""
        from sandbox.shopify.customer_index import CustomerIndex

        return self.cached("customer_index", lambda: CustomerIndex(self))

    @property
    def api(self) -> ShopifyAPI:
        """The REST API front of this shop (one per shop, so the rate-limit bucket is shared)."""
        with self._lock:
            if self._api is None:
                from sandbox.shopify.api import ShopifyAPI

                self._api = ShopifyAPI(self)
            return self._api

    @property
    def has_graphql(self) -> bool:
        """Whether the GraphQL front was made (its settings apply to REST answers too)."""
        return self._graphql is not None

    @property
    def graphql(self) -> GraphQLFront:
        """The GraphQL Admin API front of this shop (its cost bucket, settings and bulk operations)."""
        with self._lock:
            if self._graphql is None:
                from sandbox.shopify.graphql.endpoint import GraphQLFront

                self._graphql = GraphQLFront(self)
            return self._graphql

    def ground_truth(self, start: date, end: date) -> list[DailyFigures]:
        """The true daily sales figures for local days ``start``..``end`` as of the clock."""
        from sandbox.shopify.ground_truth import ground_truth

        return ground_truth(self, start, end)
