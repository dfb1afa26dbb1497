"""The order event model and its per-day generation.

Each order is generated with its whole future (payment, status changes, edits, refunds) from a stream
seeded with ``(seed, local day)``, so a day never depends on another day; the API shows it *as of the
clock* (``Order.view(clock)``). All amounts are ``Decimal`` in the site currency. Line ``subtotal``/
``total`` are ex-tax (WooCommerce's convention even when prices include tax).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandbox.woocommerce.catalog import Catalog, Coupon, Sellable
from sandbox.woocommerce.money import MICRO, ZERO, cents
from sandbox.woocommerce.seeding import poisson, rng_for
from sandbox.woocommerce.spec import SiteSpec, TaxRate

UTC = ZoneInfo("UTC")
#: Statuses counted as sales (see docs/sandbox.md, WooCommerce ground truth).
COUNTED_STATUSES = frozenset({"processing", "completed", "on-hold", "refunded"})
ALL_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
#: The last event of an order happens at most this long after its creation (bounds modified filters).
MAX_EVENT_LAG = timedelta(days=60)
#: Ids: orders from ORDER_ID_BASE by creation; refunds ``REFUND_ID_BASE + order id × 10 + k``; order items
#: ``ITEM_ID_BASE + order id × 32 + k``.
ORDER_ID_BASE = 1000
REFUND_ID_BASE = 100_000_000
ITEM_ID_BASE = 500_000_000

_PAYMENT = [
    ("stripe", "Credit Card (Stripe)", 55),
    ("ppcp-gateway", "PayPal", 15),
    ("bacs", "Direct bank transfer", 10),
    ("cod", "Cash on delivery", 10),
    ("cheque", "Check payments", 3),
    ("admin", "", 7),
]

#: The fee lines a site adds (a charge, a credit): a shop's gift wrapping and loyalty credit, a wholesale
#: site's (``case_size`` > 1) pallet handling and volume rebate.
_RETAIL_FEES = (("Gift wrapping", "3.50"), ("Loyalty credit", "-5.00"))
_WHOLESALE_FEES = (("Pallet handling", "25.00"), ("Volume rebate", "-20.00"))

_PAYMENT_CUM = [sum(w for *_, w in _PAYMENT[: i + 1]) for i in range(len(_PAYMENT))]


@dataclass
class TaxShare:
    """One rate's tax on a line: ``raw`` kept to 6 decimals like WooCommerce's stored line taxes."""

    rate: TaxRate
    subtotal: Decimal
    total: Decimal


@dataclass
class Line:
    """An order line item. ``subtotal``/``total`` ex-tax (before/after coupons), taxes per rate."""

    id: int
    sellable: Sellable
    quantity: int
    subtotal: Decimal
    total: Decimal
    subtotal_tax: Decimal
    total_tax: Decimal
    taxes: list[TaxShare]


@dataclass
class ShippingLine:
    """A shipping method and its ex-tax cost and taxes."""

    id: int
    method_id: str
    method_title: str
    total: Decimal
    total_tax: Decimal
    taxes: list[TaxShare]


@dataclass
class FeeLine:
    """A fee (positive: gift wrapping) or a negative fee (a manual credit); untaxed."""

    id: int
    name: str
    total: Decimal


@dataclass
class RefundLine:
    """A refunded line: negative ``quantity``/``total``/``total_tax`` as WooCommerce serves refund lines."""

    line: Line
    quantity: int
    total: Decimal
    total_tax: Decimal
    taxes: list[tuple[TaxRate, Decimal]]


@dataclass
class Refund:
    """A refund: ``amount`` positive (what was given back, tax and shipping included)."""

    id: int
    at: datetime
    amount: Decimal
    reason: str
    lines: list[RefundLine]


@dataclass
class Order:
    """An order with its whole timeline; ``view`` gives what the API shows at a clock."""

    id: int
    day: date
    created: datetime
    customer_id: int
    email: str
    first_name: str
    last_name: str
    country: str
    payment_method: str
    payment_method_title: str
    created_via: str
    prices_include_tax: bool
    lines: list[Line]
    shipping: list[ShippingLine]
    fees: list[FeeLine]
    coupon: Coupon | None
    statuses: list[tuple[datetime, str]]
    paid_at: datetime | None
    completed_at: datetime | None
    edits: list[datetime] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    order_key: str = ""

    # ---- amounts (never change after creation: edits are notes/addresses only) -------------------------
    @property
    def subtotal(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), ZERO)

    @property
    def discount_total(self) -> Decimal:
        return sum((line.subtotal - line.total for line in self.lines), ZERO)

    @property
    def discount_tax(self) -> Decimal:
        return sum((line.subtotal_tax - line.total_tax for line in self.lines), ZERO)

    def tax_by_rate(self) -> list[tuple[TaxRate, Decimal, Decimal]]:
        """(rate, cart tax, shipping tax) per rate, each rounded to cents once per rate."""
        cart: dict[int, tuple[TaxRate, Decimal]] = {}
        ship: dict[int, Decimal] = {}
        for line in self.lines:
            for share in line.taxes:
                rate, acc = cart.get(share.rate.rate_id, (share.rate, ZERO))
                cart[share.rate.rate_id] = (rate, acc + share.total)
        for shipping in self.shipping:
            for share in shipping.taxes:
                cart.setdefault(share.rate.rate_id, (share.rate, ZERO))
                ship[share.rate.rate_id] = ship.get(share.rate.rate_id, ZERO) + share.total
        return [
            (rate, cents(amount), cents(ship.get(rate_id, ZERO)))
            for rate_id, (rate, amount) in sorted(cart.items())
        ]

    @property
    def cart_tax(self) -> Decimal:
        return sum((cart for _, cart, _ in self.tax_by_rate()), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((s.total for s in self.shipping), ZERO)

    @property
    def shipping_tax(self) -> Decimal:
        return sum((ship for _, _, ship in self.tax_by_rate()), ZERO)

    @property
    def fee_total(self) -> Decimal:
        return sum((f.total for f in self.fees), ZERO)

    @property
    def total_tax(self) -> Decimal:
        return self.cart_tax + self.shipping_tax

    @property
    def total(self) -> Decimal:
        lines = sum((line.total for line in self.lines), ZERO)
        return lines + self.cart_tax + self.shipping_total + self.shipping_tax + self.fee_total

    # ---- as of a clock --------------------------------------------------------------------------------
    def status_at(self, clock: datetime) -> str:
        """The status at ``clock`` (the last status change at or before it)."""
        current = self.statuses[0][1]
        for at, status in self.statuses:
            if at <= clock:
                current = status
        return current

    def modified_at(self, clock: datetime) -> datetime:
        """``date_modified``: the latest event at or before the clock."""
        events = [self.created, *(at for at, _ in self.statuses), *self.edits, *(r.at for r in self.refunds)]
        if self.paid_at:
            events.append(self.paid_at)
        return max(at for at in events if at <= clock)

    def refunds_at(self, clock: datetime) -> list[Refund]:
        return [r for r in self.refunds if r.at <= clock]

    def paid_at_clock(self, clock: datetime) -> datetime | None:
        return self.paid_at if self.paid_at and self.paid_at <= clock else None

    def completed_at_clock(self, clock: datetime) -> datetime | None:
        return self.completed_at if self.completed_at and self.completed_at <= clock else None


def day_count(spec: SiteSpec, day: date) -> int:
    """The number of orders created on local ``day``: the first draw of the day's stream (weekends busier)."""
    weekday_factor = 1.2 if day.weekday() >= 5 else 1.0
    return poisson(rng_for(spec.seed, "day", day.isoformat()), spec.orders_per_day * weekday_factor)


def _rates_for(spec: SiteSpec, tax_class: str, shipping: bool = False) -> list[TaxRate]:
    if shipping:
        return [r for r in spec.tax_rates if r.shipping and r.tax_class == ""]
    return [r for r in spec.tax_rates if r.tax_class == tax_class]


def _taxes(amount: Decimal, rates: list[TaxRate], inclusive: bool) -> tuple[Decimal, list[Decimal]]:
    """(ex-tax amount, raw tax per rate) of an amount entered with (``inclusive``) or without tax."""
    total_rate = sum((r.percent for r in rates), Decimal(0)) / 100
    if inclusive:
        raws = [(amount * (r.percent / 100) / (1 + total_rate)).quantize(MICRO) for r in rates]
        return amount - cents(sum(raws, Decimal(0))), raws
    raws = [(amount * r.percent / 100).quantize(MICRO) for r in rates]
    return amount, raws


def generate_day(spec: SiteSpec, catalog: Catalog, day: date, first_id: int) -> list[Order]:
    """Every order created on local ``day`` (ids from ``first_id``), with its whole future."""
    zone = spec.zone
    rng = rng_for(spec.seed, "day", day.isoformat())
    count = day_count(spec, day)
    rng.random()  # the count's draw was the first of this stream (day_count replays it on its own)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    seconds = (end - start).total_seconds()
    offsets = sorted(
        rng.uniform(0, seconds)
        if rng.random() > 0.05
        else rng.choice([rng.uniform(0, 600), seconds - rng.uniform(1, 600)])
        for _ in range(count)
    )
    orders = []
    for position, offset in enumerate(offsets):
        created = (start + timedelta(seconds=int(offset))).astimezone(UTC)
        orders.append(_order(spec, catalog, rng, first_id + position, day, created))
    return orders


def _order(spec: SiteSpec, catalog: Catalog, rng, order_id: int, day: date, created: datetime) -> Order:  # type: ignore[no-untyped-def]
    inclusive = spec.prices_include_tax
    item_ids = iter(range(ITEM_ID_BASE + order_id * 32 + 1, ITEM_ID_BASE + order_id * 32 + 32))
    # who
    registered = catalog.buyers_before(created)
    if registered and rng.random() >= spec.guest_share:
        customer = catalog.buyer(rng.randrange(registered))
        customer_id, email, first, last = customer.id, customer.email, customer.first_name, customer.last_name
    else:
        customer_id = 0
        first, last = (
            rng.choice(["Alex", "Billie", "Casey", "Drew", "Emery"]),
            rng.choice(["Stone", "Reed", "Ford"]),
        )
        email = f"guest{order_id}@mail.example"
        if rng.random() < 0.1 and spec.reuse_emails:
            email = rng.choice(spec.reuse_emails)
    country = spec.country if rng.random() < 0.9 else rng.choice(["CA", "FR", "DE", "AU"])
    # what
    picks = rng.sample(catalog.sellables, k=min(len(catalog.sellables), rng.choice([1, 1, 1, 2, 2, 3, 4])))
    quantities = [rng.choice([1, 1, 1, 2, 3]) * spec.case_size for _ in picks]
    grosses = [s.price * q for s, q in zip(picks, quantities, strict=True)]
    coupon = rng.choice(catalog.coupons) if rng.random() < spec.coupon_share else None
    discounts = [ZERO for _ in picks]
    if coupon is not None and coupon.discount_type == "percent":
        discounts = [cents(g * coupon.amount / 100) for g in grosses]
    elif coupon is not None and coupon.amount > 0:
        cart = sum(grosses, ZERO)
        off = min(coupon.amount, cart)
        discounts = [cents(off * g / cart) for g in grosses]
        discounts[-1] += off - sum(discounts, ZERO)
    lines = []
    for sellable, quantity, gross, discount in zip(picks, quantities, grosses, discounts, strict=True):
        rates = _rates_for(spec, sellable.product.tax_class)
        sub_ex, sub_raws = _taxes(gross, rates, inclusive)
        tot_ex, tot_raws = _taxes(gross - discount, rates, inclusive)
        lines.append(
            Line(
                next(item_ids),
                sellable,
                quantity,
                cents(sub_ex),
                cents(tot_ex),
                cents(sum(sub_raws, ZERO)),
                cents(sum(tot_raws, ZERO)),
                [TaxShare(r, s, t) for r, s, t in zip(rates, sub_raws, tot_raws, strict=True)],
            )
        )
    # shipping (costs are entered ex-tax in WooCommerce) and fees
    free = (coupon is not None and coupon.free_shipping) or sum(grosses, ZERO) >= 100
    method = rng.random()
    if method < 0.1:
        ship = ("local_pickup", "Local pickup", ZERO)
    elif free:
        ship = ("free_shipping", "Free shipping", ZERO)
    else:
        ship = ("flat_rate", "Flat rate", Decimal(rng.choice(["4.95", "7.50", "10.00"])))
    ship_rates = _rates_for(spec, "", shipping=True) if ship[2] > 0 else []
    _, ship_raws = _taxes(ship[2], ship_rates, False)
    shipping = [
        ShippingLine(
            next(item_ids),
            ship[0],
            ship[1],
            ship[2],
            cents(sum(ship_raws, ZERO)),
            [TaxShare(r, t, t) for r, t in zip(ship_rates, ship_raws, strict=True)],
        )
    ]
    fees = []
    if rng.random() < spec.fee_share:
        positive, negative = _WHOLESALE_FEES if spec.case_size > 1 else _RETAIL_FEES
        if rng.random() < 0.6:
            fees.append(FeeLine(next(item_ids), positive[0], Decimal(positive[1])))
        else:
            # WooCommerce caps a negative fee so that the order total never goes below zero: at most the
            # items after discounts plus shipping, ex-tax (WC_Cart_Totals::get_fees_from_cart).
            room = sum((line.total for line in lines), ZERO) + ship[2]
            credit = max(Decimal(negative[1]), -room)
            if credit < 0:
                fees.append(FeeLine(next(item_ids), negative[0], credit))
    # how and when
    payment = rng.choices(_PAYMENT, cum_weights=_PAYMENT_CUM)[0]
    method_id, method_title = payment[0], payment[1]
    created_via = "checkout"
    statuses: list[tuple[datetime, str]] = []
    paid_at = completed_at = None
    roll = rng.random()

    def later(lo_hours: float, hi_hours: float, after: datetime) -> datetime:
        return after + timedelta(seconds=int(rng.uniform(lo_hours, hi_hours) * 3600))

    if method_id == "admin":  # a phone order keyed in by staff and marked completed directly: never "paid"
        method_id, method_title, created_via = "cod", "Cash on delivery", "admin"
        statuses = [(created, "pending"), (later(0.2, 6, created), "completed")]
        completed_at = statuses[-1][0]
    elif roll < 0.03:
        statuses = [(created, "checkout-draft")]
        created_via = "store-api"
    elif roll < 0.08:
        statuses = [(created, "failed")]
    elif roll < 0.12:
        statuses = [(created, "pending"), (later(1, 48, created), "cancelled")]
    elif roll < 0.14:
        statuses = [(created, "pending")]
    elif method_id in ("bacs", "cheque"):
        statuses = [(created, "on-hold")]
        if rng.random() < 0.75:
            paid_at = later(20, 80, created)
            statuses.append((paid_at, "processing"))
            completed_at = later(24, 96, paid_at)
            statuses.append((completed_at, "completed"))
        elif rng.random() < 0.5:
            statuses.append((later(72, 200, created), "cancelled"))
    else:  # card, PayPal, COD: processing at checkout, date_paid set then (WooCommerce's maybe_set_date_paid)
        paid_at = created + timedelta(seconds=rng.randint(5, 900))
        statuses = [(created, "pending"), (paid_at, "processing")]
        if rng.random() < 0.9:
            completed_at = later(12, 120, paid_at)
            statuses.append((completed_at, "completed"))
    if statuses[-1][1] in ("cancelled", "failed") and rng.random() < 0.2:
        statuses.append((later(24, 500, statuses[-1][0]), "trash"))
    order = Order(
        order_id,
        day,
        created,
        customer_id,
        email,
        first,
        last,
        country,
        method_id,
        method_title,
        created_via,
        inclusive,
        lines,
        shipping,
        fees,
        coupon,
        statuses,
        paid_at,
        completed_at,
        order_key=f"wc_order_{rng.getrandbits(48):012x}",
    )
    # edits: a note or an address change, hours to weeks later
    if rng.random() < spec.edit_share:
        order.edits = sorted(later(1, 24 * 20, created) for _ in range(rng.randint(1, 2)))
    # refunds of paid orders, days or weeks later
    if paid_at is not None or completed_at is not None:
        base = paid_at or completed_at or created
        if rng.random() < spec.refund_share:
            refund_ids = iter(range(REFUND_ID_BASE + order_id * 10 + 1, REFUND_ID_BASE + order_id * 10 + 10))
            if rng.random() < 0.6:
                line = rng.choice(lines)
                quantity = rng.randint(1, line.quantity)
                at = later(48, 24 * 20, base)
                order.refunds.append(_partial(next(refund_ids), at, line, quantity, order.total))
            if not order.refunds or rng.random() < 0.3:
                at = later(72, 24 * 30, order.refunds[-1].at if order.refunds else base)
                rest = _full(order, next(refund_ids), at)
                # WooCommerce refuses a refund above what is left to refund; an order whose line refunds
                # already gave everything back (per-line tax rounding can reach a cent more than the
                # order-level total) is marked refunded without a further refund.
                if rest.amount > 0:
                    order.refunds.append(rest)
                order.statuses.append((at, "refunded"))
    return order


def _partial(refund_id: int, at: datetime, line: Line, quantity: int, refundable: Decimal) -> Refund:
    """``quantity`` of ``line`` returned; the amount is capped at what the order has left to refund
    (WooCommerce refuses more: a negative fee can leave the order total below a line's)."""
    share = Decimal(quantity) / Decimal(line.quantity)
    total = cents(line.total * share)
    taxes = [(t.rate, (t.total * share).quantize(MICRO)) for t in line.taxes]
    total_tax = cents(line.total_tax * share)
    refund_line = RefundLine(line, quantity, total, total_tax, taxes)
    return Refund(refund_id, at, min(total + total_tax, refundable), "Item returned", [refund_line])


def _full(order: Order, refund_id: int, at: datetime) -> Refund:
    already: dict[int, int] = {}
    refunded = ZERO
    for refund in order.refunds:
        refunded += refund.amount
        for rl in refund.lines:
            already[rl.line.id] = already.get(rl.line.id, 0) + rl.quantity
    lines = []
    for line in order.lines:
        left = line.quantity - already.get(line.id, 0)
        if left > 0:
            share = Decimal(left) / Decimal(line.quantity)
            lines.append(
                RefundLine(
                    line,
                    left,
                    cents(line.total * share),
                    cents(line.total_tax * share),
                    [(t.rate, (t.total * share).quantize(MICRO)) for t in line.taxes],
                )
            )
    return Refund(refund_id, at, order.total - refunded, "Order fully refunded", lines)
