"""Wire JSON of orders, refunds, products, variations, customers and coupons, faithful to WooCommerce.

Quirks kept on purpose (the official examples show them): ``date_*`` in site time without an offset next to
``date_*_gmt``; money as 2-dp strings but line ``price`` a JSON number (total ÷ quantity); a line's
``taxes[].total`` with as many decimals as stored (``"0.9"``, ``"1.363636"``); ``tax_lines[].rate_id`` an
int; order ``refunds[].total`` negative while a refund's ``amount`` is positive; ``number`` a string.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.woocommerce.catalog import Coupon, Customer, Product, Variation
from sandbox.woocommerce.money import json_number, money, raw_tax
from sandbox.woocommerce.orders import ITEM_ID_BASE, Order, Refund

_FMT = "%Y-%m-%dT%H:%M:%S"


def local(instant: datetime | None, zone: ZoneInfo) -> str | None:
    """A site-local ``date_*`` value (no offset), or None."""
    return instant.astimezone(zone).strftime(_FMT) if instant else None


def gmt(instant: datetime | None) -> str | None:
    """A ``date_*_gmt`` value (UTC, no offset), or None."""
    return instant.astimezone(ZoneInfo("UTC")).strftime(_FMT) if instant else None


def _dates(name: str, instant: datetime | None, zone: ZoneInfo) -> dict[str, str | None]:
    return {name: local(instant, zone), f"{name}_gmt": gmt(instant)}


def _links(base: str, path: str, collection: str, up: str | None = None) -> dict[str, Any]:
    links: dict[str, Any] = {
        "self": [{"href": f"{base}/wp-json/wc/v3/{path}"}],
        "collection": [{"href": f"{base}/wp-json/wc/v3/{collection}"}],
    }
    if up:
        links["up"] = [{"href": f"{base}/wp-json/wc/v3/{up}"}]
    return links


def _order_links(base: str, order: Order) -> dict[str, Any]:
    links = _links(base, f"orders/{order.id}", "orders")
    if order.customer_id:
        links["customer"] = [{"href": f"{base}/wp-json/wc/v3/customers/{order.customer_id}"}]
    return links


def order_json(order: Order, clock: datetime, zone: ZoneInfo, currency: str, base: str) -> dict[str, Any]:
    """The order as ``GET orders/{id}`` shows it at ``clock``."""
    status = order.status_at(clock)
    modified = order.modified_at(clock)
    refunds = order.refunds_at(clock)
    address = {
        "first_name": order.first_name,
        "last_name": order.last_name,
        "company": "",
        "address_1": "1 Main St",
        "address_2": "",
        "city": "Springfield",
        "state": "",
        "postcode": "12345",
        "country": order.country,
    }
    line_items = []
    for line in order.lines:
        sellable = line.sellable
        line_items.append(
            {
                "id": line.id,
                "name": sellable.name,
                "product_id": sellable.product.id,
                "variation_id": sellable.variation.id if sellable.variation else 0,
                "quantity": line.quantity,
                "tax_class": sellable.product.tax_class,
                "subtotal": money(line.subtotal),
                "subtotal_tax": money(line.subtotal_tax),
                "total": money(line.total),
                "total_tax": money(line.total_tax),
                "taxes": [
                    {"id": t.rate.rate_id, "total": raw_tax(t.total), "subtotal": raw_tax(t.subtotal)}
                    for t in line.taxes
                ],
                "meta_data": [],
                "sku": sellable.sku,
                "price": json_number(line.total, line.quantity),
                "parent_name": sellable.product.name if sellable.variation else None,
            }
        )
    tax_lines = [
        {
            "id": ITEM_ID_BASE + order.id * 32 + 20 + index,
            "rate_code": rate.rate_code,
            "rate_id": rate.rate_id,
            "label": rate.label,
            "compound": False,
            "tax_total": money(cart),
            "shipping_tax_total": money(ship),
            "rate_percent": float(rate.percent),
            "meta_data": [],
        }
        for index, (rate, cart, ship) in enumerate(order.tax_by_rate())
    ]
    body: dict[str, Any] = {
        "id": order.id,
        "parent_id": 0,
        "number": str(order.id),
        "order_key": order.order_key,
        "created_via": order.created_via,
        "version": "9.4.2",
        "status": status,
        "currency": currency,
        **_dates("date_created", order.created, zone),
        **_dates("date_modified", modified, zone),
        "discount_total": money(order.discount_total),
        "discount_tax": money(order.discount_tax),
        "shipping_total": money(order.shipping_total),
        "shipping_tax": money(order.shipping_tax),
        "cart_tax": money(order.cart_tax),
        "total": money(order.total),
        "total_tax": money(order.total_tax),
        "prices_include_tax": order.prices_include_tax,
        "customer_id": order.customer_id,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "customer_note": "",
        "billing": {**address, "email": order.email, "phone": ""},
        "shipping": {**address, "phone": ""},
        "payment_method": order.payment_method,
        "payment_method_title": order.payment_method_title,
        "transaction_id": f"txn_{order.order_key[-10:]}" if order.paid_at_clock(clock) else "",
        **_dates("date_paid", order.paid_at_clock(clock), zone),
        **_dates("date_completed", order.completed_at_clock(clock), zone),
        "cart_hash": "",
        "meta_data": [],
        "line_items": line_items,
        "tax_lines": tax_lines,
        "shipping_lines": [
            {
                "id": s.id,
                "method_title": s.method_title,
                "method_id": s.method_id,
                "instance_id": "1",
                "total": money(s.total),
                "total_tax": money(s.total_tax),
                "taxes": [{"id": t.rate.rate_id, "total": raw_tax(t.total), "subtotal": ""} for t in s.taxes],
                "meta_data": [],
            }
            for s in order.shipping
        ],
        "fee_lines": [
            {
                "id": f.id,
                "name": f.name,
                "tax_class": "",
                "tax_status": "none",
                "amount": money(f.total),
                "total": money(f.total),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
            for f in order.fees
        ],
        "coupon_lines": (
            [
                {
                    "id": ITEM_ID_BASE + order.id * 32 + 30,
                    "code": order.coupon.code,
                    "discount": money(order.discount_total),
                    "discount_tax": money(order.discount_tax),
                    "meta_data": [],
                }
            ]
            if order.coupon is not None
            else []
        ),
        "refunds": [{"id": r.id, "reason": r.reason, "total": money(-r.amount)} for r in reversed(refunds)],
        "set_paid": False,
        "is_editable": status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": status in ("pending", "failed"),
        "needs_processing": True,
        "_links": _order_links(base, order),
    }
    return body


def refund_json(order: Order, refund: Refund, zone: ZoneInfo, base: str) -> dict[str, Any]:
    """A refund as ``GET orders/{id}/refunds`` shows it: ``amount`` positive, lines negative."""
    lines = []
    for index, rl in enumerate(refund.lines):
        sellable = rl.line.sellable
        lines.append(
            {
                "id": refund.id * 10 + index,
                "name": sellable.name,
                "product_id": sellable.product.id,
                "variation_id": sellable.variation.id if sellable.variation else 0,
                "quantity": -rl.quantity,
                "tax_class": sellable.product.tax_class,
                "subtotal": money(-rl.total),
                "subtotal_tax": money(-rl.total_tax),
                "total": money(-rl.total),
                "total_tax": money(-rl.total_tax),
                "taxes": [
                    {"id": rate.rate_id, "total": raw_tax(-amount), "subtotal": raw_tax(-amount)}
                    for rate, amount in rl.taxes
                ],
                "meta_data": [
                    {"id": refund.id * 10 + index, "key": "_refunded_item_id", "value": str(rl.line.id)}
                ],
                "sku": sellable.sku,
                "price": json_number(-rl.total, rl.quantity),
            }
        )
    return {
        "id": refund.id,
        **_dates("date_created", refund.at, zone),
        "amount": money(refund.amount),
        "reason": refund.reason,
        "refunded_by": 1,
        "refunded_payment": order.payment_method in ("stripe", "ppcp-gateway"),
        "meta_data": [],
        "line_items": lines,
        "_links": _links(
            base, f"orders/{order.id}/refunds/{refund.id}", f"orders/{order.id}/refunds", f"orders/{order.id}"
        ),
    }


def product_json(product: Product, zone: ZoneInfo, base: str) -> dict[str, Any]:
    """A product (``price`` strings; ``variations`` the variation ids of a variable product)."""
    prices = [v.price for v in product.variations] or [product.price]
    return {
        "id": product.id,
        "name": product.name,
        "slug": product.name.lower().replace(" ", "-"),
        "permalink": f"{base}/product/{product.name.lower().replace(' ', '-')}/",
        **_dates("date_created", product.date_created, zone),
        **_dates("date_modified", product.date_modified, zone),
        "type": product.type,
        "status": product.status,
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "sku": product.sku,
        "price": money(min(prices)),
        "regular_price": money(product.price) if product.type == "simple" else "",
        "sale_price": "",
        "on_sale": False,
        "purchasable": product.status == "publish",
        "total_sales": 0,
        "virtual": False,
        "tax_status": "taxable",
        "tax_class": product.tax_class,
        "manage_stock": product.type == "simple",
        "stock_quantity": product.stock_quantity if product.type == "simple" else None,
        "stock_status": "instock" if product.stock_quantity > 0 else "outofstock",
        "categories": [{"id": 15, "name": "Uncategorized", "slug": "uncategorized"}],
        "tags": [],
        "images": [],
        "attributes": [],
        "variations": [v.id for v in product.variations],
        "meta_data": [],
        "_links": _links(base, f"products/{product.id}", "products"),
    }


def variation_json(variation: Variation, product: Product, zone: ZoneInfo, base: str) -> dict[str, Any]:
    """A variation of a variable product."""
    return {
        "id": variation.id,
        **_dates("date_created", variation.date_created, zone),
        **_dates("date_modified", variation.date_modified, zone),
        "description": "",
        "permalink": f"{base}/product/{product.name.lower().replace(' ', '-')}/?variation={variation.id}",
        "sku": variation.sku,
        "price": money(variation.price),
        "regular_price": money(variation.price),
        "sale_price": "",
        "on_sale": False,
        "status": "publish",
        "purchasable": True,
        "tax_status": "taxable",
        "tax_class": product.tax_class,
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "attributes": [{"id": 0, "name": name, "option": option} for name, option in variation.attributes],
        "meta_data": [],
        "_links": _links(
            base,
            f"products/{product.id}/variations/{variation.id}",
            f"products/{product.id}/variations",
            f"products/{product.id}",
        ),
    }


def customer_json(customer: Customer, zone: ZoneInfo, paying: bool, base: str) -> dict[str, Any]:
    """A customer (a WordPress user); ``is_paying_customer`` once they have a paid order."""
    address = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": "",
        "address_1": "",
        "address_2": "",
        "city": "",
        "postcode": "",
        "country": "",
        "state": "",
    }
    return {
        "id": customer.id,
        **_dates("date_created", customer.date_created, zone),
        **_dates("date_modified", customer.date_modified, zone),
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "role": customer.role,
        "username": customer.email.split("@")[0],
        "billing": {**address, "email": customer.email, "phone": ""},
        "shipping": {**address, "phone": ""},
        "is_paying_customer": paying,
        "avatar_url": "",
        "meta_data": [],
        "_links": _links(base, f"customers/{customer.id}", "customers"),
    }


def coupon_json(coupon: Coupon, zone: ZoneInfo, base: str) -> dict[str, Any]:
    """A coupon code."""
    return {
        "id": coupon.id,
        "code": coupon.code,
        "amount": money(coupon.amount),
        **_dates("date_created", coupon.date_created, zone),
        **_dates("date_modified", coupon.date_created, zone),
        "discount_type": coupon.discount_type,
        "description": "",
        "date_expires": None,
        "date_expires_gmt": None,
        "usage_count": 0,
        "individual_use": True,
        "free_shipping": coupon.free_shipping,
        "meta_data": [],
        "_links": _links(base, f"coupons/{coupon.id}", "coupons"),
    }
