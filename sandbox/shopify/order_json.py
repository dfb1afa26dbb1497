"""The order payload (and its refunds and transactions) written straight as JSON text, as of the clock.

Orders are by far the biggest payloads (about 12 KB and 550 JSON values each), and a store with millions
of them is read page by page, so their JSON is produced with one template per object rather than built
as dicts and then encoded: several times faster, same bytes. Output is exactly what
``json.dumps(payload, ensure_ascii=False, separators=(",", ":"))`` gives for the payload (see ``render.py``
for the wire conventions): strings go through the same C escaper, floats through ``float.__repr__``. Keys
appear in Shopify's order. Pieces that repeat across orders (money bags, the embedded customer) are
cached for the writer's clock. The embedded customer comes from ``Renderer.order_customer``.

``Renderer.order`` / ``refund`` / ``transaction`` parse this text when a dict is needed (``fields=``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

from sandbox.shopify.money import ZERO, convert, fmt
from sandbox.shopify.timeutil import iso_local

if TYPE_CHECKING:
    from sandbox.shopify.model import LineItem, Order, Refund, SandboxShop, TaxLine, Transaction
    from sandbox.shopify.people import Customer

#: Entries each of a writer's caches may hold before it is emptied (a cache only saves time).
_CACHE_LIMIT = 50_000


def _s(text: str | None) -> str:
    """A JSON string (or null), escaped exactly like ``json.dumps(..., ensure_ascii=False)``."""
    return "null" if text is None else encode_basestring(text)


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _n(number: int | None) -> str:
    return "null" if number is None else str(number)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class OrderJson:
    """Writes order, line item, refund and transaction JSON for one shop at its current clock."""

    def __init__(self, shop: SandboxShop, embedded_customer: Callable[[Customer], dict]) -> None:
        self.shop = shop
        self._embedded_customer = embedded_customer
        self.spec = shop.spec
        self.zone = shop.spec.zone
        self.clock = shop.clock
        self.currency = shop.spec.currency
        self._status_url = f"https://{self.spec.name}.myshopify.com/{self.spec.shop_id}/orders/"
        self._locale = "de-DE" if self.spec.country_code == "DE" else "en-US"
        self._sets: dict[tuple[Decimal, str], str] = {}
        self._customers: dict[int, str] = {}
        self._times: dict[datetime, str] = {}
        self._taxes: dict[tuple[str, Decimal, Decimal, str], str] = {}
        self._addresses: dict[tuple, str] = {}

    # ----- values ----------------------------------------------------------------------------------------
    def _ts(self, instant: datetime | None) -> str:
        if instant is None:
            return "null"
        text = self._times.get(instant)
        if text is None:
            if len(self._times) > _CACHE_LIMIT:
                self._times.clear()
            text = f'"{iso_local(instant, self.zone)}"'
            self._times[instant] = text
        return text

    def _address(self, address: dict | None) -> str:
        """An order's billing or shipping address (copies of the buyer's address, so they repeat)."""
        if address is None:
            return "null"
        key = tuple(address.items())
        text = self._addresses.get(key)
        if text is None:
            if len(self._addresses) > _CACHE_LIMIT:
                self._addresses.clear()
            text = _dumps(address)
            self._addresses[key] = text
        return text

    def _set(self, amount: Decimal, order: Order) -> str:
        """A ``*_set`` money bag: the amount in shop money and in the order's presentment money."""
        key = (amount, order.presentment_currency)
        text = self._sets.get(key)
        if text is None:
            if len(self._sets) > _CACHE_LIMIT:
                self._sets.clear()
            text = (
                f'{{"shop_money":{{"amount":"{fmt(amount)}","currency_code":"{self.currency}"}},'
                f'"presentment_money":{{"amount":"{fmt(convert(amount, order.fx_rate))}",'
                f'"currency_code":"{order.presentment_currency}"}}}}'
            )
            self._sets[key] = text
        return text

    def _tax_lines(self, taxes: list[TaxLine], order: Order) -> str:
        if not taxes:
            return "[]"
        return "[" + ",".join([self._tax_line(tax, order) for tax in taxes]) + "]"

    def _tax_line(self, tax: TaxLine, order: Order) -> str:
        """One tax line (the same few rates and amounts recur across orders: cached)."""
        key = (tax.title, tax.rate, tax.amount, order.presentment_currency)
        text = self._taxes.get(key)
        if text is None:
            if len(self._taxes) > _CACHE_LIMIT:
                self._taxes.clear()
            text = (
                f'{{"channel_liable":false,"price":"{fmt(tax.amount)}",'
                f'"price_set":{self._set(tax.amount, order)},'
                f'"rate":{float(tax.rate)!r},"title":{_s(tax.title)}}}'
            )
            self._taxes[key] = text
        return text

    def _allocations(self, allocations: list, order: Order) -> str:
        if not allocations:
            return "[]"
        return (
            "["
            + ",".join(
                [
                    f'{{"amount":"{fmt(a.amount)}","amount_set":{self._set(a.amount, order)},'
                    f'"discount_application_index":{a.application_index}}}'
                    for a in allocations
                ]
            )
            + "]"
        )

    # ----- the order -------------------------------------------------------------------------------------
    def order(self, order: Order, embed_customer: bool = True) -> str:
        """The full order payload as of the clock (``"customer": null`` unless ``embed_customer``)."""
        clock = self.clock
        s = self._set
        lines = order.lines_at(clock)
        refunds = order.refunds_at(clock)
        line_gross = sum((line.gross for line in lines), ZERO)
        line_discounts = sum((line.discount for line in lines), ZERO)
        ship_price = sum((ship.price for ship in order.shipping_lines), ZERO)
        ship_discounts = sum((ship.discount for ship in order.shipping_lines), ZERO)
        tax_lines = order.tax_lines_at(clock)
        total_tax = sum((tax.amount for tax in tax_lines), ZERO)
        subtotal = line_gross - line_discounts
        total_discounts = line_discounts + ship_discounts
        total_price = order.total_price_of(lines)

        refunded_subtotal = sum((rl.subtotal for r in refunds for rl in r.lines), ZERO)
        refunded_line_tax = sum((rl.total_tax for r in refunds for rl in r.lines), ZERO)
        refunded_gross = ZERO
        by_id = {line.id: line for line in order.lines}
        refunded_qty: dict[int, int] = {}
        for refund in refunds:
            for rl in refund.lines:
                refunded_gross += by_id[rl.line_item_id].price * rl.quantity
                refunded_qty[rl.line_item_id] = refunded_qty.get(rl.line_item_id, 0) + rl.quantity
        refunded_total = sum((refund.amount for refund in refunds), ZERO)
        current_subtotal = subtotal - refunded_subtotal
        current_discounts = total_discounts - (refunded_gross - refunded_subtotal)
        current_tax = total_tax - refunded_line_tax - sum((r.shipping_tax for r in refunds), ZERO)
        current_total = total_price - refunded_total
        financial_status = order.financial_status_at(clock)
        outstanding = total_price if financial_status in {"pending", "authorized"} else ZERO
        fulfilled_at = order.fulfilled_at_at(clock)
        cancelled_at = order.cancelled_at_at(clock)
        number = order.number
        token = order.token
        web = order.source_name == "web"
        pos = order.source_name == "pos"
        customer = (
            self.shop.people.by_id.get(order.customer_id) if order.customer_id and embed_customer else None
        )
        weight = sum(line.grams * line.quantity for line in lines)
        discount_codes = ",".join(
            f'{{"code":{_s(d.code)},"amount":"{fmt(d.amount)}","type":{_s(d.code_type)}}}'
            for d in order.discounts
        )
        applications = ",".join(
            f'{{"target_type":{_s(d.target_type)},"type":"discount_code","value":"{d.value:.1f}",'
            f'"value_type":{_s(d.value_type)},"allocation_method":{_s(d.allocation_method)},'
            f'"target_selection":"all","code":{_s(d.code)},"title":{_s(d.code)}}}'
            for d in order.discounts
        )
        line_items = ",".join(
            self.line_item(order, line, refunded_qty.get(line.id, 0), fulfilled_at is not None, cancelled_at)
            for line in lines
        )
        shipping_lines = ",".join(
            f'{{"id":{ship.id},"carrier_identifier":null,"code":{_s(ship.code)},'
            f'"discounted_price":"{fmt(ship.discounted_price)}",'
            f'"discounted_price_set":{s(ship.discounted_price, order)},'
            f'"phone":null,"price":"{fmt(ship.price)}","price_set":{s(ship.price, order)},'
            f'"requested_fulfillment_service_id":null,"source":"shopify","title":{_s(ship.title)},'
            f'"tax_lines":{self._tax_lines(ship.tax_lines, order)},'
            f'"discount_allocations":{self._allocations(ship.discount_allocations, order)}}}'
            for ship in order.shipping_lines
        )
        return (
            f'{{"id":{order.id},"admin_graphql_api_id":"gid://shopify/Order/{order.id}",'
            f'"app_id":{129785 if pos else 580111},"browser_ip":{_s(None if pos else "203.0.113.10")},'
            f'"buyer_accepts_marketing":{_b(order.buyer_accepts_marketing)},'
            f'"cancel_reason":{_s(order.cancel_reason if cancelled_at else None)},'
            f'"cancelled_at":{self._ts(cancelled_at)},'
            f'"cart_token":{_s(token[:24] if web else None)},'
            f'"checkout_token":{_s(token[8:32] if web else None)},'
            f'"closed_at":{self._ts(order.closed_at_at(clock))},'
            f'"confirmation_number":{_s(token[:9].upper())},"confirmed":true,'
            f'"contact_email":{_s(order.email)},"created_at":{self._ts(order.created_at)},'
            f'"currency":{_s(self.currency)},'
            f'"current_subtotal_price":"{fmt(current_subtotal)}",'
            f'"current_subtotal_price_set":{s(current_subtotal, order)},'
            f'"current_total_discounts":"{fmt(current_discounts)}",'
            f'"current_total_discounts_set":{s(current_discounts, order)},"current_total_duties_set":null,'
            f'"current_total_price":"{fmt(current_total)}",'
            f'"current_total_price_set":{s(current_total, order)},'
            f'"current_total_tax":"{fmt(current_tax)}","current_total_tax_set":{s(current_tax, order)},'
            f'"customer_locale":"{self._locale}","device_id":null,"discount_codes":[{discount_codes}],'
            f'"email":{_s(order.email or "")},"estimated_taxes":false,'
            f'"financial_status":"{financial_status}",'
            f'"fulfillment_status":{_s(None if fulfilled_at is None else "fulfilled")},'
            f'"landing_site":{_s("/" if web else None)},"landing_site_ref":null,'
            f'"location_id":{_n(order.location_id if pos else None)},"name":"#{number}",'
            f'"note":{_s(order.note_at(clock))},"note_attributes":[],"number":{number - 1000},'
            f'"order_number":{number},'
            f'"order_status_url":{_s(f"{self._status_url}{token}/authenticate?key={token[:16]}")},'
            f'"payment_gateway_names":[{_s(order.gateway)}],"phone":{_s(order.phone)},'
            f'"presentment_currency":{_s(order.presentment_currency)},"processed_at":{self._ts(order.processed_at)},'
            f'"reference":null,"referring_site":null,"source_identifier":null,'
            f'"source_name":{_s(order.source_name)},"source_url":null,'
            f'"subtotal_price":"{fmt(subtotal)}","subtotal_price_set":{s(subtotal, order)},'
            f'"tags":{_s(order.tags_at(clock))},"tax_lines":{self._tax_lines(tax_lines, order)},'
            f'"taxes_included":{_b(order.taxes_included)},"test":{_b(order.test)},"token":{_s(token)},'
            f'"total_discounts":"{fmt(total_discounts)}","total_discounts_set":{s(total_discounts, order)},'
            f'"total_line_items_price":"{fmt(line_gross)}",'
            f'"total_line_items_price_set":{s(line_gross, order)},'
            f'"total_outstanding":"{fmt(outstanding)}","total_price":"{fmt(total_price)}",'
            f'"total_price_set":{s(total_price, order)},"total_shipping_price_set":{s(ship_price, order)},'
            f'"total_tax":"{fmt(total_tax)}","total_tax_set":{s(total_tax, order)},'
            f'"total_tip_received":"0.00","total_weight":{weight},"updated_at":{self._ts(order.updated_at(clock))},'
            f'"user_id":null,"billing_address":{self._address(order.billing_address)},'
            f'"customer":{self.customer(customer) if customer else "null"},'
            f'"discount_applications":[{applications}],'
            f'"fulfillments":{self._fulfillments(order, fulfilled_at)},"line_items":[{line_items}],'
            f'"payment_terms":null,"refunds":[{",".join(self.refund(order, refund) for refund in refunds)}],'
            f'"shipping_address":{self._address(order.shipping_address)},"shipping_lines":[{shipping_lines}]}}'
        )

    def line_item(
        self, order: Order, line: LineItem, refunded: int, fulfilled: bool, cancelled_at: datetime | None
    ) -> str:
        """One ``line_items[]`` entry (also embedded as ``refund_line_items[].line_item``)."""
        current = line.quantity - refunded
        fulfillable = 0 if fulfilled or cancelled_at else current
        name = f"{line.title} - {line.variant_title}" if line.variant_title else line.title
        gift = line.gift_card
        return (
            f'{{"id":{line.id},"admin_graphql_api_id":"gid://shopify/LineItem/{line.id}","attributed_staffs":[],'
            f'"current_quantity":{current},"fulfillable_quantity":{fulfillable},'
            f'"fulfillment_service":"{"gift_card" if gift else "manual"}",'
            f'"fulfillment_status":{_s("fulfilled" if fulfilled else None)},'
            f'"gift_card":{_b(gift)},"grams":{line.grams},"name":{_s(name)},"price":"{fmt(line.price)}",'
            f'"price_set":{self._set(line.price, order)},"product_exists":true,'
            f'"product_id":{line.product_id},'
            f'"properties":[],"quantity":{line.quantity},"requires_shipping":{_b(line.requires_shipping)},'
            f'"sku":{_s(line.sku or None)},"taxable":{_b(line.taxable)},"title":{_s(line.title)},'
            f'"total_discount":"0.00","total_discount_set":{self._set(ZERO, order)},'
            f'"variant_id":{line.variant_id},'
            f'"variant_inventory_management":{_s(None if gift else "shopify")},'
            f'"variant_title":{_s(line.variant_title)},"vendor":{_s(line.vendor)},'
            f'"tax_lines":{self._tax_lines(line.tax_lines, order)},"duties":[],'
            f'"discount_allocations":{self._allocations(line.discount_allocations, order)}}}'
        )

    def _fulfillments(self, order: Order, fulfilled_at: datetime | None) -> str:
        if fulfilled_at is None or order.fulfillment_id is None:
            return "[]"
        shipped = order.source_name != "pos" and bool(order.shipping_lines)
        tracking = f"1Z{order.id % 10**12:012d}" if shipped else None
        url = f"https://www.ups.com/track?tracknum={tracking}" if tracking else None
        at = self._ts(fulfilled_at)
        return (
            f'[{{"id":{order.fulfillment_id},"admin_graphql_api_id":"gid://shopify/Fulfillment/{order.fulfillment_id}",'
            f'"created_at":{at},"location_id":{_n(order.location_id)},"name":"#{order.number}.1",'
            f'"order_id":{order.id},"service":"manual","shipment_status":null,"status":"success",'
            f'"tracking_company":{_s("UPS" if shipped else None)},"tracking_number":{_s(tracking)},'
            f'"tracking_numbers":[{_s(tracking) if tracking else ""}],"tracking_url":{_s(url)},'
            f'"tracking_urls":[{_s(url) if url else ""}],"updated_at":{at}}}]'
        )

    def refund(self, order: Order, refund: Refund) -> str:
        """One refund payload (embedded in the order and served by ``orders/{id}/refunds.json``)."""
        clock = self.clock
        by_id = {line.id: line for line in order.lines}
        refunded_qty: dict[int, int] = {}
        for done in order.refunds_at(clock):
            for rl in done.lines:
                refunded_qty[rl.line_item_id] = refunded_qty.get(rl.line_item_id, 0) + rl.quantity
        fulfilled = order.fulfilled_at_at(clock) is not None
        cancelled_at = order.cancelled_at_at(clock)
        adjustments = ""
        if refund.adjustment_id is not None:
            amount, tax = -refund.shipping_amount, -refund.shipping_tax
            adjustments = (
                f'{{"id":{refund.adjustment_id},"amount":"{fmt(amount)}",'
                f'"amount_set":{self._set(amount, order)},'
                f'"kind":"shipping_refund","order_id":{order.id},"reason":"Shipping refund",'
                f'"refund_id":{refund.id},"tax_amount":"{fmt(tax)}",'
                f'"tax_amount_set":{self._set(tax, order)}}}'
            )
        embedded = {
            rl.line_item_id: self.line_item(
                order, by_id[rl.line_item_id], refunded_qty.get(rl.line_item_id, 0), fulfilled, cancelled_at
            )
            for rl in refund.lines
        }
        refund_lines = ",".join(
            f'{{"id":{rl.id},"line_item_id":{rl.line_item_id},"location_id":{_n(rl.location_id)},'
            f'"quantity":{rl.quantity},"restock_type":{_s(rl.restock_type)},'
            f'"subtotal":{float(rl.subtotal)!r},"subtotal_set":{self._set(rl.subtotal, order)},'
            f'"total_tax":{float(rl.total_tax)!r},"total_tax_set":{self._set(rl.total_tax, order)},'
            f'"line_item":{embedded[rl.line_item_id]}}}'
            for rl in refund.lines
        )
        at = self._ts(refund.created_at)
        return (
            f'{{"id":{refund.id},"admin_graphql_api_id":"gid://shopify/Refund/{refund.id}","created_at":{at},'
            f'"note":{_s(refund.note)},"order_id":{order.id},"processed_at":{at},'
            f'"restock":{_b(any(rl.restock_type != "no_restock" for rl in refund.lines))},'
            f'"total_duties_set":{self._set(ZERO, order)},"user_id":null,"order_adjustments":[{adjustments}],'
            f'"transactions":[{self.transaction(order, refund.transaction)}],'
            f'"refund_line_items":[{refund_lines}],"duties":[]}}'
        )

    def transaction(self, order: Order, transaction: Transaction) -> str:
        """A payment/refund transaction, in the currency the customer paid in."""
        authorization = (
            None if transaction.gateway in {"manual", "cash"} else f"auth-{transaction.id % 10**8}"
        )
        at = self._ts(transaction.created_at)
        return (
            f'{{"id":{transaction.id},"admin_graphql_api_id":"gid://shopify/OrderTransaction/{transaction.id}",'
            f'"amount":"{fmt(convert(transaction.amount, order.fx_rate))}",'
            f'"authorization":{_s(authorization)},'
            f'"created_at":{at},"currency":{_s(order.presentment_currency)},"device_id":null,"error_code":null,'
            f'"gateway":{_s(transaction.gateway)},"kind":{_s(transaction.kind)},'
            f'"location_id":{_n(order.location_id if order.source_name == "pos" else None)},"message":null,'
            f'"order_id":{order.id},"parent_id":{_n(transaction.parent_id)},'
            f'"payment_id":{_s(f"{order.token[:12]}.{transaction.id % 1000}")},'
            f'"processed_at":{at},"receipt":{{}},'
            f'"source_name":{_s(order.source_name)},"status":{_s(transaction.status)},"test":{_b(order.test)},'
            f'"user_id":null}}'
        )

    # ----- the embedded customer -------------------------------------------------------------------------
    def customer(self, customer: Customer) -> str:
        """The (trimmed) customer object embedded in an order, cached per customer for this clock."""
        text = self._customers.get(customer.id)
        if text is None:
            if len(self._customers) > _CACHE_LIMIT:
                self._customers.clear()
            text = _dumps(self._embedded_customer(customer))
            self._customers[customer.id] = text
        return text
