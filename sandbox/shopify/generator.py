"""Generates a sandbox store: catalogue, people, locations and, day by day, orders with their futures.

Each local day's orders come from one random stream seeded with (seed, day), so a day never depends on
another day's orders. An order is generated with its whole future at once (payment, edits, fulfilment,
cancellation or void, refunds up to ~50 days later); the shop clock decides how much of it is visible.

In a tax-inclusive shop (``ShopSpec.taxes_included``) the same prices, shipping rates and discount codes
are drawn, but they include tax: a tax line is the part of the discounted charge that is tax
(``money.tax_of``) and totals and refunds add nothing on top.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from sandbox.shopify.catalog import Catalog, Variant
from sandbox.shopify.model import (
    DiscountAllocation,
    DiscountApplication,
    Edit,
    LineItem,
    Location,
    Order,
    Refund,
    RefundLine,
    SandboxShop,
    ShippingLine,
    TaxLine,
    Transaction,
    refund_amount,
)
from sandbox.shopify.money import ZERO, cents, fx_rate, tax_of
from sandbox.shopify.people import COUNTRIES, DOMESTIC, Customer, People, Person
from sandbox.shopify.pricing import DISCOUNT_CODES, shipping_option, shipping_tax_rates, tax_rates
from sandbox.shopify.seeding import DayIds, cumulative, hex_token, poisson, rng_for, weighted_index
from sandbox.shopify.spec import ShopSpec
from sandbox.shopify.timeutil import day_bounds, day_start, local_date, utc
from sandbox.shopify.timing import (
    EDIT_MAX_DAYS,
    PROCESSED_MAX_LEAD,
    REFUND_MAX_DAYS,
    SECOND_REFUND_MAX_DAYS,
)

#: Relative order volume per local wall-clock hour (evening peak, quiet nights).
_HOUR_WEIGHTS = (
    0.15,
    0.1,
    0.08,
    0.06,
    0.06,
    0.1,
    0.25,
    0.5,
    0.8,
    1.0,
    1.1,
    1.2,
    1.3,
    1.2,
    1.1,
    1.1,
    1.2,
    1.3,
    1.5,
    1.7,
    1.8,
    1.6,
    1.1,
    0.5,
)
_HOUR = 3600
_DAY = 86400
_EDIT_TAGS = ("priority", "gift-wrap", "address-checked", "vip-service")
_NOTES = ("Please gift wrap", "Leave at the front door", "Call before delivery", "Birthday present")
_REFUND_NOTES = (None, "Damaged in transit", "Wrong size", "Customer changed mind", "Item not as described")
_CANCEL_REASONS = ("customer", "customer", "inventory", "fraud", "declined", "other")
_ORDER_TAGS = ("instagram", "newsletter-signup", "gift", "wholesale")
# Cumulative weights of the fixed draws (see ``seeding.weighted_index``: the same stream as rng.choices).
_HOUR_CUM = {hours: cumulative(_HOUR_WEIGHTS[min(h, 23)] for h in range(hours)) for hours in (23, 24, 25)}
_SIZES, _SIZE_CUM = (1, 2, 3, 4), cumulative((55, 28, 12, 5))
_QUANTITIES, _QUANTITY_CUM = (1, 2, 3), cumulative((80, 15, 5))
_EDIT_KINDS, _EDIT_KIND_CUM = ("tags", "note", "line"), cumulative((45, 25, 30))
_RESTOCKS, _RESTOCK_CUM = ("return", "no_restock"), cumulative((70, 30))
_DISCOUNT_CUM = cumulative(row[4] for row in DISCOUNT_CODES)

_LOCATION_ROWS: dict[str, list[tuple[str, str, str, str, str | None, str | None, str]]] = {
    "US": [
        ("Brooklyn Warehouse", "220 Kent Avenue", "Brooklyn", "11249", "New York", "NY", "+1 212-555-0100"),
        ("SoHo Store", "85 Spring Street", "New York", "10012", "New York", "NY", "+1 212-555-0101"),
        (
            "Jersey City Depot",
            "30 Montgomery Street",
            "Jersey City",
            "07302",
            "New Jersey",
            "NJ",
            "+1 212-555-0102",
        ),
    ],
    "DE": [
        ("Lager Kreuzberg", "Ohlauer Straße 38", "Berlin", "10999", None, None, "+49 30 55500100"),
        ("Café Mitte", "Torstraße 140", "Berlin", "10119", None, None, "+49 30 55500101"),
        ("Lager Leipzig", "Karl-Heine-Straße 90", "Leipzig", "04229", None, None, "+49 30 55500102"),
    ],
}


def make_locations(spec: ShopSpec, history_start: date) -> list[Location]:
    """The store's locations: the first ships online orders, the second (if any) is the POS shop."""
    rows = _LOCATION_ROWS.get(spec.country_code, _LOCATION_ROWS["US"])
    country_name = COUNTRIES.get(spec.country_code, COUNTRIES["US"])[0]
    rng = rng_for(spec.seed, "locations")
    id_space = (spec.seed % 1000) * 1_000
    locations = []
    for index in range(spec.locations):
        name, street, city, zip_code, province, province_code, phone = rows[index % len(rows)]
        if index >= len(rows):
            name = f"{name} {index // len(rows) + 1}"
        created = day_start(history_start - timedelta(days=rng.randint(400, 1500)), spec.zone)
        locations.append(
            Location(
                id=61_000_000_000 + id_space + (index + 1) * 11,
                name=name,
                address1=street,
                city=city,
                zip=zip_code,
                province=province,
                province_code=province_code,
                country=country_name,
                country_code=spec.country_code,
                phone=phone,
                created_at=created + timedelta(seconds=rng.randrange(9 * _HOUR, 17 * _HOUR)),
            )
        )
    return locations


class OrderGenerator:
    """Builds the orders of one local day, each with its complete event history."""

    def __init__(self, spec: ShopSpec, catalog: Catalog, people: People, locations: list[Location]) -> None:
        self.spec = spec
        self.catalog = catalog
        self.people = people
        self.locations = locations
        self.zone = spec.zone
        self.domestic = {country for country, _ in DOMESTIC.get(spec.currency, [("US", 1.0)])}
        self.pos_location = locations[1] if len(locations) >= 2 else locations[0]
        self._popularity = [variant.popularity for variant in catalog.sellable]
        self._popularity_cum = cumulative(self._popularity)
        self._pool_cums: dict[tuple[int, ...], list[float]] = {}

    def prepare_until(self, day: date) -> None:
        """Make sure catalogue changes are drawn far enough for orders (and their edits) up to ``day``."""
        self.catalog.extend_changes(day + timedelta(days=EDIT_MAX_DAYS + 2))

    def count_day(self, day: date) -> int:
        """How many orders local ``day`` has: the first draw of the day's stream, cheap without the orders."""
        return self._count(rng_for(self.spec.seed, "orders", day.isoformat()), day)

    def _count(self, rng: Random, day: date) -> int:
        factor = 1.15 if day.weekday() >= 5 else 1.0
        return poisson(rng, self.spec.orders_per_day * factor)

    def generate_day(self, day: date, first_number: int) -> list[Order]:
        """All orders created on local ``day``, numbered from ``first_number`` in creation order."""
        rng = rng_for(self.spec.seed, "orders", day.isoformat())
        ids = DayIds(day)
        start, length = day_bounds(day, self.zone)
        count = self._count(rng, day)
        offsets = sorted(self._offset(rng, index, count, length) for index in range(count))
        return [
            self._order(rng, ids, start + timedelta(seconds=offset), first_number + index)
            for index, offset in enumerate(offsets)
        ]

    # ----- timing -----------------------------------------------------------------------------------------
    @staticmethod
    def _offset(rng: Random, index: int, count: int, length: int) -> int:
        """Seconds after local midnight; some orders land within ten minutes of either midnight."""
        if (index == 0 and count >= 4) or rng.random() < 0.02:
            return length - 1 - rng.randrange(600)
        if (index == 1 and count >= 4) or rng.random() < 0.02:
            return rng.randrange(600)
        hours = -(-length // _HOUR)
        cum = _HOUR_CUM.get(hours) or cumulative(_HOUR_WEIGHTS[min(h, 23)] for h in range(hours))
        hour = weighted_index(rng, cum)
        return min(length - 1, hour * _HOUR + rng.randrange(_HOUR))

    # ----- one order --------------------------------------------------------------------------------------
    def _order(self, rng: Random, ids: DayIds, created_at: datetime, number: int) -> Order:
        spec = self.spec
        order_id = ids.next("order")
        roll = rng.random()
        if len(self.locations) >= 2 and roll < 0.08:
            source = "pos"
        elif roll < 0.11:
            source = "shopify_draft_order"
        else:
            source = "web"
        processed_at = created_at
        if source == "pos" and rng.random() < 0.5:  # offline POS sale synced hours later
            lead = rng.randrange(_HOUR, int(PROCESSED_MAX_LEAD.total_seconds()))
            processed_at = created_at - timedelta(seconds=lead)
        test = rng.random() < spec.test_share

        customer, person = self._buyer(rng, source, created_at)
        email = person.email if person else None
        if customer is not None and email is not None:
            roll = rng.random()
            if roll < 0.05:
                email = email[:1].upper() + email[1:]  # typed with a capital letter at checkout
            elif roll < 0.25 and source != "web":
                email = None  # staff attached the customer but left the e-mail empty
        if person is not None:
            country, address = person.country_code, dict(person.address)
        else:
            country, address = self.pos_location.country_code, None
        province = address["province_code"] if address else self.pos_location.province_code
        market_currency = COUNTRIES[country][1]
        presentment = market_currency if market_currency in spec.presentment_currencies else spec.currency
        rate = fx_rate(spec.currency, presentment)

        tax_class: dict[int, str] = {}
        lines: list[LineItem] = []
        if not (self.catalog.gift_cards and rng.random() < 0.01):
            size = min(len(self.catalog.sellable), _SIZES[weighted_index(rng, _SIZE_CUM)])
            for variant in self._pick_variants(rng, size):
                quantity = _QUANTITIES[weighted_index(rng, _QUANTITY_CUM)]
                lines.append(self._line(ids, variant, created_at, quantity, tax_class))
        if self.catalog.gift_cards and (not lines or rng.random() < 0.03):
            lines.append(self._line(ids, rng.choice(self.catalog.gift_cards), created_at, 1, tax_class))

        shipping_lines: list[ShippingLine] = []
        if source != "pos" and any(line.requires_shipping for line in lines):
            goods = sum((line.gross for line in lines if not line.gift_card), ZERO)
            title, code, price = shipping_option(
                spec.currency, country in self.domestic, rng.random() < 0.12, goods
            )
            shipping_lines.append(ShippingLine(ids.next("shipping_line"), title, code, price))

        discounts = self._discount(rng, lines, shipping_lines)
        for line in lines:
            self._tax_line(line, tax_class[line.id], country, province)
        for ship in shipping_lines:
            ship.tax_lines = self._taxes(
                ship.discounted_price, shipping_tax_rates(spec.country_code, country, province)
            )

        gateway = (
            "bogus" if test else ("cash" if source == "pos" and rng.random() < 0.3 else "shopify_payments")
        )
        initial, paid_at, voided_at = "paid", None, None
        roll = rng.random()
        if source != "pos" and roll < spec.void_share:
            initial = "authorized"
            voided_at = created_at + timedelta(seconds=rng.randrange(_HOUR, 48 * _HOUR))
        elif source != "pos" and roll < spec.void_share + 0.015:
            initial = "pending"
            gateway = "bogus" if test else "manual"
            if rng.random() < 0.6:
                paid_at = created_at + timedelta(seconds=rng.randrange(_DAY, 5 * _DAY))

        cancelled_at, cancel_reason = None, None
        if initial != "authorized" and rng.random() < spec.cancel_share:
            cancelled_at = created_at + timedelta(seconds=rng.randrange(1800, 3 * _DAY))
            cancel_reason = rng.choice(_CANCEL_REASONS)
            if initial == "pending" and (paid_at is None or paid_at > cancelled_at):
                paid_at = None

        tags = set()
        if source == "pos":
            tags.add("pos")
        elif source == "shopify_draft_order":
            tags.add("phone-order")
        if rng.random() < 0.1:
            tags.add(rng.choice(_ORDER_TAGS))
        note = rng.choice(_NOTES) if rng.random() < 0.05 else None

        order = Order(
            id=order_id,
            number=number,
            created_at=created_at,
            processed_at=processed_at,
            test=test,
            source_name=source,
            gateway=gateway,
            token=hex_token(spec.seed, "order", order_id),
            customer_id=customer.id if customer else None,
            email=email,
            phone=person.phone if person else None,
            billing_address=address,
            shipping_address=dict(address) if address and shipping_lines else None,
            presentment_currency=presentment,
            fx_rate=rate,
            location_id=self.pos_location.id if source == "pos" else self.locations[0].id,
            buyer_accepts_marketing=customer.accepts_marketing if customer else rng.random() < 0.3,
            tags=", ".join(sorted(tags)),
            note=note,
            initial_status=initial,
            lines=lines,
            shipping_lines=shipping_lines,
            discounts=discounts,
            paid_at=paid_at,
            voided_at=voided_at,
            cancelled_at=cancelled_at,
            cancel_reason=cancel_reason,
            taxes_included=spec.taxes_included,
        )
        self._payments(ids, order)
        if cancelled_at is None and initial != "authorized" and source != "pos":
            self._edits(rng, ids, order, tax_class, country, province)
        self._fulfil(rng, ids, order)
        self._refunds(rng, ids, order)
        return order

    def _buyer(self, rng: Random, source: str, at: datetime) -> tuple[Customer | None, Person | None]:
        """Who places the order: (customer account or None, person or None for a POS walk-in)."""
        if source == "pos" and rng.random() < 0.35:
            return None, None
        if rng.random() < self.spec.guest_share:
            return None, self.people.pick_guest(rng)
        customer = self.people.pick_customer(rng, at)
        if customer is None:
            return None, self.people.pick_guest(rng)
        return customer, customer.person

    def _pick_variants(self, rng: Random, size: int) -> list[Variant]:
        """``size`` distinct sellable variants, drawn by popularity without replacement."""
        sellable = self.catalog.sellable
        pool = list(range(len(sellable)))
        cum = self._popularity_cum
        chosen = []
        for _ in range(size):
            index = weighted_index(rng, cum)
            chosen.append(sellable[pool[index]])
            del pool[index]
            if len(chosen) < size:
                cum = self._remaining_cum(pool)
        return chosen

    def _remaining_cum(self, pool: list[int]) -> list[float]:
        """Cumulative popularity of the variants still in ``pool`` (memoised: few distinct pools occur)."""
        key = tuple(pool)
        cum = self._pool_cums.get(key)
        if cum is None:
            if len(self._pool_cums) > 50_000:
                self._pool_cums.clear()
            cum = cumulative(self._popularity[position] for position in pool)
            self._pool_cums[key] = cum
        return cum

    def _line(self, ids: DayIds, variant: Variant, at: datetime, quantity: int, tax_class: dict) -> LineItem:
        """A line for ``variant`` at its price, title and SKU in force at ``at``."""
        state = variant.state_at(at)
        product = self.catalog.by_product_id[variant.product_id]
        line = LineItem(
            id=ids.next("line_item"),
            variant_id=variant.id,
            product_id=product.id,
            title=product.title,
            variant_title=None if state.title == "Default Title" else state.title,
            sku=state.sku,
            vendor=product.vendor,
            price=state.price,
            quantity=quantity,
            grams=variant.grams,
            gift_card=variant.gift_card,
            taxable=variant.taxable,
            requires_shipping=variant.requires_shipping,
            added_at=at,
        )
        tax_class[line.id] = variant.tax_class
        return line

    def _tax_line(self, line: LineItem, tax_class: str, country: str, province: str | None) -> None:
        if not line.taxable:
            return
        rates = tax_rates(self.spec.country_code, country, province, tax_class)
        line.tax_lines = self._taxes(line.gross - line.discount, rates)

    def _taxes(self, amount: Decimal, rates: list[tuple[str, Decimal]]) -> list[TaxLine]:
        """The tax lines of a charge of ``amount`` (after discounts) at ``rates`` ((title, rate) pairs)."""
        included = self.spec.taxes_included
        total_rate = sum((rate for _title, rate in rates), ZERO) if included else ZERO
        return [TaxLine(title, rate, tax_of(amount, rate, total_rate, included)) for title, rate in rates]

    @staticmethod
    def _discount(
        rng: Random, lines: list[LineItem], shipping_lines: list[ShippingLine]
    ) -> list[DiscountApplication]:
        """Maybe apply one discount code, allocating it so the allocations sum exactly to its amount."""
        eligible = [line for line in lines if not line.gift_card]
        if not eligible or rng.random() >= 0.22:
            return []
        code, value_type, value, target, _weight = DISCOUNT_CODES[weighted_index(rng, _DISCOUNT_CUM)]
        if target == "shipping_line":
            if not shipping_lines or shipping_lines[0].price <= ZERO:
                return []
            ship = shipping_lines[0]
            ship.discount_allocations = [DiscountAllocation(ship.price, 0)]
            return [DiscountApplication(code, value_type, value, target, "each", ship.price)]
        total = sum((line.gross for line in eligible), ZERO)
        if value_type == "percentage":
            shares = [cents(line.gross * value / 100) for line in eligible]
        else:
            amount = min(value, total)
            shares = [cents(amount * line.gross / total) for line in eligible]
            largest = max(range(len(eligible)), key=lambda i: (eligible[i].gross, -i))
            shares[largest] += amount - sum(shares, ZERO)
        amount = sum(shares, ZERO)
        if amount <= ZERO:
            return []
        for line, share in zip(eligible, shares, strict=True):
            if share > ZERO:
                line.discount_allocations.append(DiscountAllocation(share, 0))
        return [DiscountApplication(code, value_type, value, target, "across", amount)]

    # ----- the order's future -----------------------------------------------------------------------------
    def _payments(self, ids: DayIds, order: Order) -> None:
        total = order.total_price_of(order.lines)
        if order.initial_status == "paid":
            order.transactions.append(
                Transaction(ids.next("transaction"), "sale", total, order.processed_at, order.gateway)
            )
        elif order.initial_status == "pending" and order.paid_at is not None:
            order.transactions.append(
                Transaction(ids.next("transaction"), "sale", total, order.paid_at, order.gateway)
            )
        elif order.initial_status == "authorized":
            auth = Transaction(
                ids.next("transaction"), "authorization", total, order.processed_at, order.gateway
            )
            order.transactions.append(auth)
            if order.voided_at is not None:
                order.transactions.append(
                    Transaction(
                        ids.next("transaction"), "void", total, order.voided_at, order.gateway, auth.id
                    )
                )

    def _edits(
        self, rng: Random, ids: DayIds, order: Order, tax_class: dict, country: str, province: str | None
    ) -> None:
        if rng.random() >= self.spec.edit_share:
            return
        moments = sorted(
            order.created_at + timedelta(seconds=rng.randrange(2 * _HOUR, EDIT_MAX_DAYS * _DAY))
            for _ in range(rng.choice((1, 1, 2)))
        )
        tags = order.tags
        for at in moments:
            kind = _EDIT_KINDS[weighted_index(rng, _EDIT_KIND_CUM)]
            if kind == "line" and order.initial_status != "paid":
                kind = "tags"
            if kind == "tags":
                tags = ", ".join(sorted({tag for tag in tags.split(", ") if tag} | {rng.choice(_EDIT_TAGS)}))
                order.edits.append(Edit(at, tags=tags))
            elif kind == "note":
                order.edits.append(Edit(at, note=rng.choice(_NOTES)))
            else:
                variant = self.catalog.sellable[weighted_index(rng, self._popularity_cum)]
                line = self._line(ids, variant, at, 1, tax_class)
                self._tax_line(line, tax_class[line.id], country, province)
                order.lines.append(line)
                order.edits.append(Edit(at, added_line_id=line.id))
                order.transactions.append(
                    Transaction(
                        ids.next("transaction"), "sale", line.charge(order.taxes_included), at, order.gateway
                    )
                )

    def _fulfil(self, rng: Random, ids: DayIds, order: Order) -> None:
        if order.cancelled_at is not None or order.initial_status == "authorized":
            return
        if order.source_name == "pos" or not order.shipping_lines:
            at = order.created_at
        else:
            at = order.created_at + timedelta(seconds=rng.randrange(4 * _HOUR, 3 * _DAY))
            line_edits = [edit.at for edit in order.edits if edit.added_line_id is not None]
            if line_edits:
                at = max(at, max(line_edits) + timedelta(hours=1))
        if order.initial_status == "pending":
            if order.paid_at is None:
                return
            at = max(at, order.paid_at + timedelta(hours=2))
        order.fulfilled_at = at
        order.fulfillment_id = ids.next("fulfillment")
        order.closed_at = at  # the store auto-archives orders once paid and fulfilled

    def _refunds(self, rng: Random, ids: DayIds, order: Order) -> None:
        sale = next((t for t in order.transactions if t.kind == "sale"), None)
        if order.cancelled_at is not None:
            if sale is not None and order.is_paid_at(order.cancelled_at):
                self._refund(rng, ids, order, order.cancelled_at, sale, full=True, cancel=True)
            return
        if sale is None or not any(not line.gift_card for line in order.lines):
            return
        if rng.random() >= self.spec.refund_share:
            return
        earliest = [order.created_at + timedelta(days=1)]
        earliest += [m + timedelta(hours=1) for m in (order.fulfilled_at, order.paid_at) if m is not None]
        earliest += [edit.at + timedelta(hours=1) for edit in order.edits]
        first = rng.randrange(_DAY, REFUND_MAX_DAYS * _DAY)
        at = max(order.created_at + timedelta(seconds=first), *earliest)
        full = rng.random() < 0.35
        self._refund(rng, ids, order, at, sale, full=full, cancel=False)
        if not full and rng.random() < 0.2:
            later = at + timedelta(seconds=rng.randrange(_DAY, SECOND_REFUND_MAX_DAYS * _DAY))
            self._refund(rng, ids, order, later, sale, full=rng.random() < 0.5, cancel=False)

    def _refund(
        self,
        rng: Random,
        ids: DayIds,
        order: Order,
        at: datetime,
        sale: Transaction,
        full: bool,
        cancel: bool,
    ) -> None:
        """Append a refund at ``at``: all remaining (``full``/``cancel``) or some lines, maybe shipping."""
        done_qty: dict[int, int] = {}
        done_sub: dict[int, Decimal] = {}
        done_tax: dict[int, Decimal] = {}
        shipping_done, shipping_tax_done = ZERO, ZERO
        for refund in order.refunds:
            shipping_done += refund.shipping_amount
            shipping_tax_done += refund.shipping_tax
            for rl in refund.lines:
                done_qty[rl.line_item_id] = done_qty.get(rl.line_item_id, 0) + rl.quantity
                done_sub[rl.line_item_id] = done_sub.get(rl.line_item_id, ZERO) + rl.subtotal
                done_tax[rl.line_item_id] = done_tax.get(rl.line_item_id, ZERO) + rl.total_tax
        candidates = [
            line
            for line in order.lines_at(at)
            if not line.gift_card and line.quantity - done_qty.get(line.id, 0) > 0
        ]
        if full:
            picks = [(line, line.quantity - done_qty.get(line.id, 0)) for line in candidates]
        elif candidates:
            chosen = set(id(line) for line in rng.sample(candidates, rng.randint(1, len(candidates))))
            picks = [
                (line, rng.randint(1, line.quantity - done_qty.get(line.id, 0)))
                for line in candidates
                if id(line) in chosen
            ]
        else:
            picks = []
        restock_type = "cancel" if cancel else _RESTOCKS[weighted_index(rng, _RESTOCK_CUM)]
        location_id = None if restock_type == "no_restock" else order.location_id
        refund_lines = []
        for line, quantity in picks:
            if done_qty.get(line.id, 0) + quantity == line.quantity:
                subtotal = line.gross - line.discount - done_sub.get(line.id, ZERO)
                tax = line.tax - done_tax.get(line.id, ZERO)
            else:
                subtotal = cents(line.price * quantity - line.discount * quantity / line.quantity)
                tax = cents(line.tax * quantity / line.quantity)
            refund_lines.append(
                RefundLine(
                    ids.next("refund_line"), line.id, quantity, subtotal, tax, restock_type, location_id
                )
            )
        shipping_left = sum((ship.discounted_price for ship in order.shipping_lines), ZERO) - shipping_done
        shipping_tax_left = sum((ship.tax for ship in order.shipping_lines), ZERO) - shipping_tax_done
        shipping_amount, shipping_tax, adjustment_id = ZERO, ZERO, None
        if shipping_left > ZERO and (full or rng.random() < 0.3):
            shipping_amount, shipping_tax = shipping_left, shipping_tax_left
            adjustment_id = ids.next("adjustment")
        if not refund_lines and adjustment_id is None:
            return
        amount = refund_amount(refund_lines, shipping_amount, shipping_tax, order.taxes_included)
        note = "Order canceled" if cancel else rng.choice(_REFUND_NOTES)
        transaction = Transaction(ids.next("transaction"), "refund", amount, at, order.gateway, sale.id)
        order.refunds.append(
            Refund(
                ids.next("refund"),
                at,
                note,
                refund_lines,
                shipping_amount,
                shipping_tax,
                adjustment_id,
                transaction,
                cancel,
                order.taxes_included,
            )
        )


def build_shop(spec: ShopSpec, clock: datetime | None = None) -> SandboxShop:
    """Build the sandbox store described by ``spec`` with its clock at ``clock`` (tz-aware).

    Without a clock the preset default applies (start of today in the shop's timezone, or the
    ``STOREHOUSE_SANDBOX_CLOCK`` environment variable). Orders exist for the local days
    ``[clock_date - history_days, clock_date]`` (and for later days once the clock moves forward).
    """
    if spec.country_code not in COUNTRIES:
        raise ValueError(f"shop {spec.name}: country_code must be one of {sorted(COUNTRIES)}")
    if clock is None:
        from sandbox.shopify.presets import default_clock

        clock = default_clock(spec)
    instant = utc(clock)
    clock_date = local_date(instant, spec.zone)
    history_start = clock_date - timedelta(days=spec.history_days)
    catalog = Catalog(spec, history_start)
    people = People(spec, history_start, instant)
    locations = make_locations(spec, history_start)
    generator = OrderGenerator(spec, catalog, people, locations)
    shop_created = min(
        [product.created_at for product in catalog.products] + [loc.created_at for loc in locations]
    ) - timedelta(days=30)
    return SandboxShop(spec, instant, history_start, catalog, people, locations, generator, shop_created)
