"""Renders the event model as Shopify Admin REST JSON, as of the shop clock.

Wire conventions (as Shopify): ids are int64 numbers, money is a string with two decimals plus a
``*_set`` bag with shop and presentment money, timestamps are ISO 8601 with the shop's UTC offset at that
instant (second precision), tax ``rate`` is a number, and — a real quirk — ``refund_line_items[].subtotal``
and ``total_tax`` are JSON numbers. Line ``price`` is shop money. ``line_items[].total_discount`` is
``"0.00"``: code discounts live in ``discount_allocations`` (as on Shopify). Transactions are in the
presentment currency (the money the customer paid). ``shop.json`` and every order say ``taxes_included``:
when true, prices, shipping, discounts, ``subtotal_price`` and refund ``subtotal``/shipping ``amount`` hold
their taxes, and ``total_price`` adds no tax on top.
"""

from __future__ import annotations

import json
from datetime import datetime

from sandbox.shopify.catalog import Product, Variant
from sandbox.shopify.inventory import InventoryLevel, inventory_levels
from sandbox.shopify.model import Location, Order, Refund, SandboxShop, Transaction
from sandbox.shopify.money import ZERO, fmt
from sandbox.shopify.order_json import OrderJson
from sandbox.shopify.people import COUNTRIES, Customer
from sandbox.shopify.spec import PLAN_NAMES, ShopSpec
from sandbox.shopify.timeutil import iso_local, standard_offset_label


def shop_id(spec: ShopSpec) -> int:
    """The shop's numeric id (``shop.json`` ``id``)."""
    return spec.shop_id


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
        self._orders: OrderJson = shop.cached("order_writer", lambda: OrderJson(shop, self.order_customer))

    # ----- helpers ----------------------------------------------------------------------------------------
    def ts(self, instant: datetime | None) -> str | None:
        return None if instant is None else iso_local(instant, self.zone)

    # ----- orders (written as JSON text by order_json.OrderJson; parsed here when a dict is needed) ------
    def order_json(self, order: Order, embed_customer: bool = True) -> str:
        """The full order payload as of the clock, as JSON text (what list pages send).

        ``embed_customer=False`` writes ``"customer": null`` (for projections that drop it).
        """
        return self._orders.order(order, embed_customer)

    def order(self, order: Order) -> dict:
        """The full order payload as of the clock."""
        return json.loads(self._orders.order(order))

    def refund(self, order: Order, refund: Refund) -> dict:
        """One refund payload (embedded in the order and served by ``orders/{id}/refunds.json``)."""
        return json.loads(self._orders.refund(order, refund))

    def transaction(self, order: Order, transaction: Transaction) -> dict:
        """A payment/refund transaction, in the currency the customer paid in."""
        return json.loads(self._orders.transaction(order, transaction))

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
        activity = self.shop.customer_index().last_activity(customer.id)
        if activity is not None and activity > latest:
            latest = activity
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
        stats = self.shop.customer_index().stats(customer.id)
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
            "taxes_included": spec.taxes_included,
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
