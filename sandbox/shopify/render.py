"""Renders the event model as Shopify Admin REST JSON, as of the shop clock.

Wire conventions (as Shopify): ids are int64 numbers, money is a string with two decimals plus a
``*_set`` bag with shop and presentment money, timestamps are ISO 8601 with the shop's UTC offset at that
instant (second precision), tax ``rate`` is a number, and — a real quirk — ``refund_line_items[].subtotal``
and ``total_tax`` are JSON numbers. Line ``price`` is shop money. ``line_items[].total_discount`` is
``"0.00"``: code discounts live in ``discount_allocations`` (as on Shopify). Transactions are in the
presentment currency (the money the customer paid).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sandbox.shopify.catalog import Product, Variant
from sandbox.shopify.inventory import InventoryLevel, inventory_levels
from sandbox.shopify.model import (
    LineItem,
    Location,
    Order,
    Refund,
    SandboxShop,
    TaxLine,
    Transaction,
)
from sandbox.shopify.money import ZERO, convert, fmt, money_set
from sandbox.shopify.people import COUNTRIES, Customer
from sandbox.shopify.spec import PLAN_NAMES, ShopSpec
from sandbox.shopify.timeutil import iso_local, standard_offset_label


def shop_id(spec: ShopSpec) -> int:
    """The shop's numeric id (``shop.json`` ``id``)."""
    return 55_000_000_000 + spec.seed * 7


def gid(kind: str, object_id: int) -> str:
    """The GraphQL id Shopify puts in ``admin_graphql_api_id``."""
    return f"gid://shopify/{kind}/{object_id}"


class Renderer:
    """Turns model objects into REST payload dicts for one shop at its current clock."""

    def __init__(self, shop: SandboxShop) -> None:
        self.shop = shop
        self.spec = shop.spec
        self.zone = shop.spec.zone
        self.clock = shop.clock
        self.currency = shop.spec.currency

    # ----- helpers ----------------------------------------------------------------------------------------
    def ts(self, instant: datetime | None) -> str | None:
        return None if instant is None else iso_local(instant, self.zone)

    def _set(self, amount: Decimal, order: Order) -> dict:
        return money_set(amount, self.currency, order.presentment_currency, order.fx_rate)

    def _tax_lines(self, taxes: list[TaxLine], order: Order) -> list[dict]:
        return [
            {
                "channel_liable": False,
                "price": fmt(tax.amount),
                "price_set": self._set(tax.amount, order),
                "rate": float(tax.rate),
                "title": tax.title,
            }
            for tax in taxes
        ]

    # ----- orders -----------------------------------------------------------------------------------------
    def order(self, order: Order) -> dict:
        """The full order payload as of the clock."""
        clock = self.clock
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
        total_price = subtotal + ship_price - ship_discounts + total_tax

        refunded_subtotal = sum((rl.subtotal for r in refunds for rl in r.lines), ZERO)
        refunded_line_tax = sum((rl.total_tax for r in refunds for rl in r.lines), ZERO)
        refunded_gross = ZERO
        by_id = {line.id: line for line in order.lines}
        for refund in refunds:
            for rl in refund.lines:
                refunded_gross += by_id[rl.line_item_id].price * rl.quantity
        refunded_total = sum((refund.amount for refund in refunds), ZERO)
        current_subtotal = subtotal - refunded_subtotal
        current_discounts = total_discounts - (refunded_gross - refunded_subtotal)
        current_tax = total_tax - refunded_line_tax - sum((r.shipping_tax for r in refunds), ZERO)
        current_total = total_price - refunded_total
        financial_status = order.financial_status_at(clock)
        outstanding = total_price if financial_status in {"pending", "authorized"} else ZERO
        refunded_qty: dict[int, int] = {}
        for refund in refunds:
            for rl in refund.lines:
                refunded_qty[rl.line_item_id] = refunded_qty.get(rl.line_item_id, 0) + rl.quantity
        fulfilled_at = order.fulfilled_at_at(clock)
        cancelled_at = order.cancelled_at_at(clock)
        number = order.number
        customer = self.shop.people.by_id.get(order.customer_id) if order.customer_id else None
        email = order.email or ""
        weight = sum(line.grams * line.quantity for line in lines)
        return {
            "id": order.id,
            "admin_graphql_api_id": gid("Order", order.id),
            "app_id": 129785 if order.source_name == "pos" else 580111,
            "browser_ip": None if order.source_name == "pos" else "203.0.113.10",
            "buyer_accepts_marketing": order.buyer_accepts_marketing,
            "cancel_reason": order.cancel_reason if cancelled_at else None,
            "cancelled_at": self.ts(cancelled_at),
            "cart_token": None if order.source_name != "web" else order.token[:24],
            "checkout_token": None if order.source_name != "web" else order.token[8:32],
            "closed_at": self.ts(order.closed_at_at(clock)),
            "confirmation_number": order.token[:9].upper(),
            "confirmed": True,
            "contact_email": order.email,
            "created_at": self.ts(order.created_at),
            "currency": self.currency,
            "current_subtotal_price": fmt(current_subtotal),
            "current_subtotal_price_set": self._set(current_subtotal, order),
            "current_total_discounts": fmt(current_discounts),
            "current_total_discounts_set": self._set(current_discounts, order),
            "current_total_duties_set": None,
            "current_total_price": fmt(current_total),
            "current_total_price_set": self._set(current_total, order),
            "current_total_tax": fmt(current_tax),
            "current_total_tax_set": self._set(current_tax, order),
            "customer_locale": "de-DE" if self.spec.country_code == "DE" else "en-US",
            "device_id": None,
            "discount_codes": [
                {"code": d.code, "amount": fmt(d.amount), "type": d.code_type} for d in order.discounts
            ],
            "email": email,
            "estimated_taxes": False,
            "financial_status": financial_status,
            "fulfillment_status": "fulfilled" if fulfilled_at else None,
            "landing_site": "/" if order.source_name == "web" else None,
            "landing_site_ref": None,
            "location_id": order.location_id if order.source_name == "pos" else None,
            "name": f"#{number}",
            "note": order.note_at(clock),
            "note_attributes": [],
            "number": number - 1000,
            "order_number": number,
            "order_status_url": (
                f"https://{self.spec.name}.myshopify.com/{shop_id(self.spec)}/orders/{order.token}/authenticate"
                f"?key={order.token[:16]}"
            ),
            "payment_gateway_names": [order.gateway],
            "phone": order.phone,
            "presentment_currency": order.presentment_currency,
            "processed_at": self.ts(order.processed_at),
            "reference": None,
            "referring_site": None,
            "source_identifier": None,
            "source_name": order.source_name,
            "source_url": None,
            "subtotal_price": fmt(subtotal),
            "subtotal_price_set": self._set(subtotal, order),
            "tags": order.tags_at(clock),
            "tax_lines": self._tax_lines(tax_lines, order),
            "taxes_included": False,
            "test": order.test,
            "token": order.token,
            "total_discounts": fmt(total_discounts),
            "total_discounts_set": self._set(total_discounts, order),
            "total_line_items_price": fmt(line_gross),
            "total_line_items_price_set": self._set(line_gross, order),
            "total_outstanding": fmt(outstanding),
            "total_price": fmt(total_price),
            "total_price_set": self._set(total_price, order),
            "total_shipping_price_set": self._set(ship_price, order),
            "total_tax": fmt(total_tax),
            "total_tax_set": self._set(total_tax, order),
            "total_tip_received": "0.00",
            "total_weight": weight,
            "updated_at": self.ts(order.updated_at(clock)),
            "user_id": None,
            "billing_address": order.billing_address,
            "customer": self.order_customer(customer) if customer else None,
            "discount_applications": [
                {
                    "target_type": d.target_type,
                    "type": "discount_code",
                    "value": f"{d.value:.1f}",
                    "value_type": d.value_type,
                    "allocation_method": d.allocation_method,
                    "target_selection": "all",
                    "code": d.code,
                    "title": d.code,
                }
                for d in order.discounts
            ],
            "fulfillments": self._fulfillments(order, fulfilled_at),
            "line_items": [
                self.line_item(
                    order, line, refunded_qty.get(line.id, 0), fulfilled_at is not None, cancelled_at
                )
                for line in lines
            ],
            "payment_terms": None,
            "refunds": [self.refund(order, refund) for refund in refunds],
            "shipping_address": order.shipping_address,
            "shipping_lines": [
                {
                    "id": ship.id,
                    "carrier_identifier": None,
                    "code": ship.code,
                    "discounted_price": fmt(ship.discounted_price),
                    "discounted_price_set": self._set(ship.discounted_price, order),
                    "phone": None,
                    "price": fmt(ship.price),
                    "price_set": self._set(ship.price, order),
                    "requested_fulfillment_service_id": None,
                    "source": "shopify",
                    "title": ship.title,
                    "tax_lines": self._tax_lines(ship.tax_lines, order),
                    "discount_allocations": [
                        {
                            "amount": fmt(a.amount),
                            "amount_set": self._set(a.amount, order),
                            "discount_application_index": a.application_index,
                        }
                        for a in ship.discount_allocations
                    ],
                }
                for ship in order.shipping_lines
            ],
        }

    def line_item(
        self,
        order: Order,
        line: LineItem,
        refunded: int,
        fulfilled: bool,
        cancelled_at: datetime | None,
    ) -> dict:
        """One ``line_items[]`` entry (also embedded as ``refund_line_items[].line_item``)."""
        current = line.quantity - refunded
        fulfillable = 0 if fulfilled or cancelled_at else current
        name = f"{line.title} - {line.variant_title}" if line.variant_title else line.title
        return {
            "id": line.id,
            "admin_graphql_api_id": gid("LineItem", line.id),
            "attributed_staffs": [],
            "current_quantity": current,
            "fulfillable_quantity": fulfillable,
            "fulfillment_service": "gift_card" if line.gift_card else "manual",
            "fulfillment_status": "fulfilled" if fulfilled else None,
            "gift_card": line.gift_card,
            "grams": line.grams,
            "name": name,
            "price": fmt(line.price),
            "price_set": self._set(line.price, order),
            "product_exists": True,
            "product_id": line.product_id,
            "properties": [],
            "quantity": line.quantity,
            "requires_shipping": line.requires_shipping,
            "sku": line.sku or None,
            "taxable": line.taxable,
            "title": line.title,
            "total_discount": "0.00",
            "total_discount_set": self._set(ZERO, order),
            "variant_id": line.variant_id,
            "variant_inventory_management": None if line.gift_card else "shopify",
            "variant_title": line.variant_title,
            "vendor": line.vendor,
            "tax_lines": self._tax_lines(line.tax_lines, order),
            "duties": [],
            "discount_allocations": [
                {
                    "amount": fmt(a.amount),
                    "amount_set": self._set(a.amount, order),
                    "discount_application_index": a.application_index,
                }
                for a in line.discount_allocations
            ],
        }

    def _fulfillments(self, order: Order, fulfilled_at: datetime | None) -> list[dict]:
        if fulfilled_at is None or order.fulfillment_id is None:
            return []
        shipped = order.source_name != "pos" and bool(order.shipping_lines)
        tracking = f"1Z{order.id % 10**12:012d}" if shipped else None
        return [
            {
                "id": order.fulfillment_id,
                "admin_graphql_api_id": gid("Fulfillment", order.fulfillment_id),
                "created_at": self.ts(fulfilled_at),
                "location_id": order.location_id,
                "name": f"#{order.number}.1",
                "order_id": order.id,
                "service": "manual",
                "shipment_status": None,
                "status": "success",
                "tracking_company": "UPS" if shipped else None,
                "tracking_number": tracking,
                "tracking_numbers": [tracking] if tracking else [],
                "tracking_url": f"https://www.ups.com/track?tracknum={tracking}" if tracking else None,
                "tracking_urls": [f"https://www.ups.com/track?tracknum={tracking}"] if tracking else [],
                "updated_at": self.ts(fulfilled_at),
            }
        ]

    def refund(self, order: Order, refund: Refund) -> dict:
        """One refund payload (embedded in the order and served by ``orders/{id}/refunds.json``)."""
        clock = self.clock
        by_id = {line.id: line for line in order.lines}
        refunded_qty: dict[int, int] = {}
        for done in order.refunds_at(clock):
            for rl in done.lines:
                refunded_qty[rl.line_item_id] = refunded_qty.get(rl.line_item_id, 0) + rl.quantity
        fulfilled = order.fulfilled_at_at(clock) is not None
        cancelled_at = order.cancelled_at_at(clock)
        adjustments = []
        if refund.adjustment_id is not None:
            adjustments.append(
                {
                    "id": refund.adjustment_id,
                    "amount": fmt(-refund.shipping_amount),
                    "amount_set": self._set(-refund.shipping_amount, order),
                    "kind": "shipping_refund",
                    "order_id": order.id,
                    "reason": "Shipping refund",
                    "refund_id": refund.id,
                    "tax_amount": fmt(-refund.shipping_tax),
                    "tax_amount_set": self._set(-refund.shipping_tax, order),
                }
            )
        return {
            "id": refund.id,
            "admin_graphql_api_id": gid("Refund", refund.id),
            "created_at": self.ts(refund.created_at),
            "note": refund.note,
            "order_id": order.id,
            "processed_at": self.ts(refund.created_at),
            "restock": any(rl.restock_type != "no_restock" for rl in refund.lines),
            "total_duties_set": self._set(ZERO, order),
            "user_id": None,
            "order_adjustments": adjustments,
            "transactions": [self.transaction(order, refund.transaction)],
            "refund_line_items": [
                {
                    "id": rl.id,
                    "line_item_id": rl.line_item_id,
                    "location_id": rl.location_id,
                    "quantity": rl.quantity,
                    "restock_type": rl.restock_type,
                    "subtotal": float(rl.subtotal),
                    "subtotal_set": self._set(rl.subtotal, order),
                    "total_tax": float(rl.total_tax),
                    "total_tax_set": self._set(rl.total_tax, order),
                    "line_item": self.line_item(
                        order,
                        by_id[rl.line_item_id],
                        refunded_qty.get(rl.line_item_id, 0),
                        fulfilled,
                        cancelled_at,
                    ),
                }
                for rl in refund.lines
            ],
            "duties": [],
        }

    def transaction(self, order: Order, transaction: Transaction) -> dict:
        """A payment/refund transaction, in the currency the customer paid in."""
        return {
            "id": transaction.id,
            "admin_graphql_api_id": gid("OrderTransaction", transaction.id),
            "amount": fmt(convert(transaction.amount, order.fx_rate)),
            "authorization": None
            if transaction.gateway in {"manual", "cash"}
            else f"auth-{transaction.id % 10**8}",
            "created_at": self.ts(transaction.created_at),
            "currency": order.presentment_currency,
            "device_id": None,
            "error_code": None,
            "gateway": transaction.gateway,
            "kind": transaction.kind,
            "location_id": order.location_id if order.source_name == "pos" else None,
            "message": None,
            "order_id": order.id,
            "parent_id": transaction.parent_id,
            "payment_id": f"{order.token[:12]}.{transaction.id % 1000}",
            "processed_at": self.ts(transaction.created_at),
            "receipt": {},
            "source_name": order.source_name,
            "status": transaction.status,
            "test": order.test,
            "user_id": None,
        }

    # ----- customers --------------------------------------------------------------------------------------
    def _address(self, customer: Customer, address: dict, address_id: int, default: bool) -> dict:
        return {
            "id": address_id,
            "customer_id": customer.id,
            "first_name": address["first_name"],
            "last_name": address["last_name"],
            "company": address["company"],
            "address1": address["address1"],
            "address2": address["address2"],
            "city": address["city"],
            "province": address["province"],
            "country": address["country"],
            "zip": address["zip"],
            "phone": address["phone"],
            "name": address["name"],
            "province_code": address["province_code"],
            "country_code": address["country_code"],
            "country_name": address["country"],
            "default": default,
        }

    def customer_updated_at(self, customer: Customer) -> datetime:
        """A customer's ``updated_at``: profile edits, and their orders and refunds, as of the clock."""
        _tags, _phone, latest = customer.profile_at(self.clock)
        stats = self.shop.customer_stats().get(customer.id)
        if stats and stats.last_activity and stats.last_activity > latest:
            latest = stats.last_activity
        return latest

    def _consent(self, customer: Customer) -> dict:
        return {
            "state": "subscribed" if customer.accepts_marketing else "not_subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": self.ts(customer.created_at) if customer.accepts_marketing else None,
        }

    def order_customer(self, customer: Customer) -> dict:
        """The (trimmed) customer object embedded in an order."""
        tags, phone, _latest = customer.profile_at(self.clock)
        person = customer.person
        return {
            "id": customer.id,
            "email": person.email,
            "created_at": self.ts(customer.created_at),
            "updated_at": self.ts(self.customer_updated_at(customer)),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "state": customer.state,
            "note": customer.note,
            "verified_email": person.email is not None,
            "multipass_identifier": None,
            "tax_exempt": False,
            "phone": phone,
            "email_marketing_consent": self._consent(customer),
            "tags": tags,
            "currency": self.currency,
            "tax_exemptions": [],
            "admin_graphql_api_id": gid("Customer", customer.id),
            "default_address": self._address(
                customer, customer.person.address, customer.address_ids[0], True
            ),
        }

    def customer(self, customer: Customer) -> dict:
        """The full ``customers.json`` payload of a customer as of the clock."""
        tags, phone, _latest = customer.profile_at(self.clock)
        person = customer.person
        stats = self.shop.customer_stats().get(customer.id)
        addresses = [self._address(customer, person.address, customer.address_ids[0], True)]
        for address, address_id in zip(customer.extra_addresses, customer.address_ids[1:], strict=True):
            addresses.append(self._address(customer, address, address_id, False))
        return {
            "id": customer.id,
            "email": person.email,
            "created_at": self.ts(customer.created_at),
            "updated_at": self.ts(self.customer_updated_at(customer)),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "orders_count": stats.orders_count if stats else 0,
            "state": customer.state,
            "total_spent": fmt(stats.total_spent if stats else ZERO),
            "last_order_id": stats.last_order_id if stats else None,
            "note": customer.note,
            "verified_email": person.email is not None,
            "multipass_identifier": None,
            "tax_exempt": False,
            "tags": tags,
            "last_order_name": stats.last_order_name if stats else None,
            "currency": self.currency,
            "phone": phone,
            "addresses": addresses,
            "tax_exemptions": [],
            "email_marketing_consent": self._consent(customer),
            "sms_marketing_consent": None,
            "admin_graphql_api_id": gid("Customer", customer.id),
            "default_address": addresses[0],
        }

    # ----- catalogue, locations, inventory ----------------------------------------------------------------
    def product(self, product: Product) -> dict:
        """A product with its variants, options and image as of the clock."""
        clock = self.clock
        stock: dict[int, int] = {}
        for level in inventory_levels(self.shop):
            stock[level.inventory_item_id] = stock.get(level.inventory_item_id, 0) + level.available
        variants = [
            self._variant(variant, stock.get(variant.inventory_item_id, 0)) for variant in product.variants
        ]
        values = [variant.state_at(clock).title for variant in product.variants]
        created = self.ts(product.created_at)
        image = {
            "id": product.image_id,
            "admin_graphql_api_id": gid("ProductImage", product.image_id),
            "alt": product.title,
            "created_at": created,
            "height": 1200,
            "position": 1,
            "product_id": product.id,
            "src": f"https://cdn.shopify.com/s/files/1/sandbox/products/{product.handle}.jpg",
            "updated_at": created,
            "variant_ids": [],
            "width": 1200,
        }
        return {
            "id": product.id,
            "title": product.title,
            "body_html": product.body_html,
            "vendor": product.vendor,
            "product_type": product.product_type,
            "created_at": created,
            "handle": product.handle,
            "updated_at": self.ts(product.updated_at(clock)),
            "published_at": created,
            "template_suffix": None,
            "published_scope": "global",
            "tags": product.tags,
            "status": "active",
            "admin_graphql_api_id": gid("Product", product.id),
            "variants": variants,
            "options": [
                {
                    "id": product.id + 1,
                    "product_id": product.id,
                    "name": product.option_name,
                    "position": 1,
                    "values": values,
                }
            ],
            "images": [image],
            "image": image,
        }

    def _variant(self, variant: Variant, available: int) -> dict:
        state = variant.state_at(self.clock)
        compare_at = variant.base_price if state.price < variant.base_price else None
        return {
            "id": variant.id,
            "product_id": variant.product_id,
            "title": state.title,
            "price": fmt(state.price),
            "position": variant.position,
            "inventory_policy": "continue",
            "compare_at_price": fmt(compare_at) if compare_at is not None else None,
            "option1": state.title,
            "option2": None,
            "option3": None,
            "created_at": self.ts(variant.created_at),
            "updated_at": self.ts(state.since),
            "taxable": variant.taxable,
            "barcode": variant.barcode or None,
            "fulfillment_service": "manual",
            "grams": variant.grams,
            "inventory_management": None if variant.gift_card else "shopify",
            "requires_shipping": variant.requires_shipping,
            "sku": state.sku or None,
            "weight": variant.grams / 1000,
            "weight_unit": "kg",
            "inventory_item_id": variant.inventory_item_id,
            "inventory_quantity": available,
            "old_inventory_quantity": available,
            "admin_graphql_api_id": gid("ProductVariant", variant.id),
            "image_id": None,
        }

    def location(self, location: Location) -> dict:
        created = self.ts(location.created_at)
        return {
            "id": location.id,
            "name": location.name,
            "address1": location.address1,
            "address2": None,
            "city": location.city,
            "zip": location.zip,
            "province": location.province,
            "country": location.country_code,
            "phone": location.phone,
            "created_at": created,
            "updated_at": created,
            "country_code": location.country_code,
            "country_name": location.country,
            "province_code": location.province_code,
            "legacy": False,
            "active": True,
            "admin_graphql_api_id": gid("Location", location.id),
            "localized_country_name": location.country,
            "localized_province_name": location.province,
        }

    def inventory_level(self, level: InventoryLevel) -> dict:
        return {
            "inventory_item_id": level.inventory_item_id,
            "location_id": level.location_id,
            "available": level.available,
            "updated_at": self.ts(level.updated_at),
            "admin_graphql_api_id": (
                f"gid://shopify/InventoryLevel/{level.location_id}?inventory_item_id={level.inventory_item_id}"
            ),
        }

    def shop_payload(self) -> dict:
        """The ``shop.json`` payload."""
        spec = self.spec
        shop = self.shop
        primary = shop.locations[0]
        country_name = COUNTRIES.get(spec.country_code, ("United States",))[0]
        symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CHF": "CHF "}.get(spec.currency, "")
        if spec.currency == "EUR":
            money_format = "{{amount_with_comma_separator}} €"
        else:
            money_format = f"{symbol}{{{{amount}}}}"
        year = shop.clock.astimezone(self.zone).year
        created = self.ts(shop.created_at)
        return {
            "id": shop_id(spec),
            "name": spec.display_name,
            "email": f"owner@{spec.name}.example.com",
            "domain": f"{spec.name}.example.com",
            "province": primary.province,
            "country": spec.country_code,
            "address1": primary.address1,
            "zip": primary.zip,
            "city": primary.city,
            "source": None,
            "phone": primary.phone,
            "latitude": None,
            "longitude": None,
            "primary_locale": "de" if spec.country_code == "DE" else "en",
            "address2": None,
            "created_at": created,
            "updated_at": created,
            "country_code": spec.country_code,
            "country_name": country_name,
            "currency": spec.currency,
            "customer_email": f"hello@{spec.name}.example.com",
            "timezone": f"{standard_offset_label(self.zone, year)} {spec.timezone}",
            "iana_timezone": spec.timezone,
            "shop_owner": "Sandbox Owner",
            "money_format": money_format,
            "money_with_currency_format": f"{money_format} {spec.currency}",
            "weight_unit": "kg",
            "province_code": primary.province_code,
            "taxes_included": False,
            "auto_configure_tax_inclusivity": None,
            "tax_shipping": None,
            "county_taxes": True,
            "plan_display_name": "Shopify Plus" if spec.plan == "plus" else "Basic",
            "plan_name": PLAN_NAMES[spec.plan],
            "has_discounts": True,
            "has_gift_cards": True,
            "myshopify_domain": f"{spec.name}.myshopify.com",
            "google_apps_domain": None,
            "google_apps_login_enabled": None,
            "money_in_emails_format": money_format,
            "money_with_currency_in_emails_format": f"{money_format} {spec.currency}",
            "eligible_for_payments": True,
            "requires_extra_payments_agreement": False,
            "password_enabled": False,
            "has_storefront": True,
            "finances": True,
            "primary_location_id": primary.id,
            "checkout_api_supported": True,
            "multi_location_enabled": True,
            "setup_required": False,
            "pre_launch_enabled": False,
            "enabled_presentment_currencies": list(spec.presentment_currencies),
            "transactional_sms_disabled": False,
            "marketing_sms_consent_enabled_at_checkout": False,
        }
