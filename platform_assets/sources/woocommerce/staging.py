"""WooCommerce raw JSON → typed staging rows, one function per raw entity.

Each function takes one raw partition's records and returns rows per staging table (a :class:`Staged`),
each row in its table's column order, prefixed with (tenant_id, partition_date). A record that cannot be
typed, or whose rows break a staging table's rules, becomes a dead letter naming the field and the value;
the other records flow on.

WooCommerce quirks handled here: dates are read from the ``date_*_gmt`` fields only (the ``date_*`` twins
are site time without an offset); line ``subtotal``/``total`` are ex-tax even when the store's prices
include tax; a line's ``price`` is a JSON number while totals are strings; refund objects send their lines
negative and their ``amount`` positive, while the order's ``refunds[].total`` is negative.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from platform_assets.sources.woocommerce import tables as wt
from platform_assets.sources.woocommerce.parse import ZERO, allocated, flag, gmt, money0, price, text
from platform_assets.sources.woocommerce.raw_fetch import REFUNDS_KEY, VARIATIONS_KEY
from platform_assets.staging.parse import business_date, integer, money
from platform_assets.staging.records import stage_each
from platform_assets.staging.staged import DeadLetter, Rows, Staged, not_an_object
from platform_assets.warehouse.record_rules import RecordRules

#: The WooCommerce staging tables' value rules and grains, checked on each record's rows before they are kept.
RULES = RecordRules(wt.WOOCOMMERCE_TABLES)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _id_or_none(value: Any, field: str) -> int | None:
    """An id where WooCommerce sends 0 for "none" (a guest's customer_id, a simple product's variation)."""
    number = integer(value, field)
    return number if number else None


def _one_per_id(records: Iterable[dict]) -> tuple[list[dict], list[DeadLetter]]:
    """One record per id. The same record twice (served on two pages) counts once; versions with different
    ``date_modified_gmt`` keep the newest; different content under the same modification time cannot be
    told apart, so every such copy goes to the dead letters."""
    by_id: dict[Any, list[dict]] = defaultdict(list)
    dead: list[DeadLetter] = []
    for record in records:
        if (unusable := not_an_object(record)) is not None:
            dead.append(unusable)
        elif record.get("id") is None:
            dead.append(DeadLetter("", "id is missing", record))
        else:
            by_id[record["id"]].append(record)
    chosen: list[dict] = []
    for record_id, versions in by_id.items():
        newest = max(str(v.get("date_modified_gmt") or "") for v in versions)
        latest = [v for v in versions if str(v.get("date_modified_gmt") or "") == newest]
        if all(v == latest[0] for v in latest):
            chosen.append(latest[0])
        else:
            dead.extend(
                DeadLetter(str(record_id), "the same id came twice with different content", v) for v in latest
            )
    return chosen, dead


def _stage_each(
    records: Iterable[dict],
    tenant_id: str,
    partition_date: date,
    stage_one: Callable[[dict, tuple, Rows], None],
) -> Staged:
    """Stage every record into its own rows, kept only when the whole record staged."""
    unique, dead_letters = _one_per_id(records)
    return stage_each(unique, dead_letters, (tenant_id, partition_date), stage_one, RULES)


# ---------------------------------------------------------------------------------------------------- orders
def stage_orders(records: Iterable[dict], tenant_id: str, partition_date: date, timezone: ZoneInfo) -> Staged:
    """Orders (with their lines, tax, shipping, fee and coupon lines, refunds and refund lines) of one raw
    partition; business dates in ``timezone``."""
    return _stage_each(
        records,
        tenant_id,
        partition_date,
        lambda order, prefix, rows: _stage_order(order, prefix, timezone, rows),
    )


def _address(order: dict, name: str) -> dict:
    value = order.get(name)
    return value if isinstance(value, dict) else {}


def _stage_order(order: dict, prefix: tuple, timezone: ZoneInfo, rows: Rows) -> None:
    order_id = integer(order.get("id"), "id", required=True)
    created_at = gmt(order.get("date_created_gmt"), "date_created_gmt", required=True)
    updated_at = gmt(order.get("date_modified_gmt"), "date_modified_gmt", required=True)
    paid_at = gmt(order.get("date_paid_gmt"), "date_paid_gmt")
    assert created_at is not None and updated_at is not None
    sold_at = paid_at or created_at
    prices_include_tax = flag(order.get("prices_include_tax"), "prices_include_tax") or False
    billing, shipping = _address(order, "billing"), _address(order, "shipping")
    total = money(order.get("total"), "total", required=True)
    refunded = -_sum(money0(r.get("total"), "refunds.total") for r in order.get("refunds") or [])
    rows[wt.STG_WOOCOMMERCE_ORDERS.name].append(
        (
            *prefix,
            order_id,
            text(order.get("number")),
            text(order.get("status")),
            text(order.get("created_via")),
            text(order.get("currency")),
            prices_include_tax,
            _id_or_none(order.get("customer_id"), "customer_id"),
            text(billing.get("email")),
            text(billing.get("phone")),
            text(billing.get("first_name")),
            text(billing.get("last_name")),
            created_at,
            updated_at,
            paid_at,
            gmt(order.get("date_completed_gmt"), "date_completed_gmt"),
            sold_at,
            business_date(sold_at, timezone),
            text(order.get("payment_method")),
            money0(order.get("discount_total"), "discount_total"),
            money0(order.get("discount_tax"), "discount_tax"),
            money0(order.get("shipping_total"), "shipping_total"),
            money0(order.get("shipping_tax"), "shipping_tax"),
            money0(order.get("cart_tax"), "cart_tax"),
            money0(order.get("total_tax"), "total_tax"),
            total,
            refunded,
            text(order.get("customer_note")),
            text(shipping.get("city")),
            text(shipping.get("postcode")),
            text(shipping.get("state")),
            text(shipping.get("country")),
        )
    )
    lines = rows[wt.STG_WOOCOMMERCE_ORDER_LINES.name]
    for line in order.get("line_items") or []:
        quantity = integer(line.get("quantity"), "line_items.quantity", required=True)
        assert quantity is not None
        subtotal = money(line.get("subtotal"), "line_items.subtotal", required=True)
        subtotal_tax = money0(line.get("subtotal_tax"), "line_items.subtotal_tax")
        line_total = money(line.get("total"), "line_items.total", required=True)
        assert subtotal is not None and line_total is not None
        shelf = subtotal + subtotal_tax if prices_include_tax else subtotal
        lines.append(
            (
                *prefix,
                order_id,
                integer(line.get("id"), "line_items.id", required=True),
                _id_or_none(line.get("product_id"), "line_items.product_id"),
                _id_or_none(line.get("variation_id"), "line_items.variation_id"),
                text(line.get("sku")),
                text(line.get("name")),
                text(line.get("parent_name")),
                text(line.get("tax_class")),
                quantity,
                price(line.get("price"), "line_items.price"),
                allocated(shelf / quantity) if quantity else ZERO,
                subtotal,
                subtotal_tax,
                line_total,
                money0(line.get("total_tax"), "line_items.total_tax"),
                subtotal - line_total,
            )
        )
    for tax in order.get("tax_lines") or []:
        rows[wt.STG_WOOCOMMERCE_TAX_LINES.name].append(
            (
                *prefix,
                order_id,
                integer(tax.get("id"), "tax_lines.id", required=True),
                integer(tax.get("rate_id"), "tax_lines.rate_id"),
                text(tax.get("rate_code")),
                text(tax.get("label")),
                price(tax.get("rate_percent"), "tax_lines.rate_percent"),
                flag(tax.get("compound"), "tax_lines.compound"),
                money0(tax.get("tax_total"), "tax_lines.tax_total"),
                money0(tax.get("shipping_tax_total"), "tax_lines.shipping_tax_total"),
            )
        )
    for ship in order.get("shipping_lines") or []:
        rows[wt.STG_WOOCOMMERCE_SHIPPING_LINES.name].append(
            (
                *prefix,
                order_id,
                integer(ship.get("id"), "shipping_lines.id", required=True),
                text(ship.get("method_id")),
                text(ship.get("method_title")),
                money0(ship.get("total"), "shipping_lines.total"),
                money0(ship.get("total_tax"), "shipping_lines.total_tax"),
            )
        )
    for fee in order.get("fee_lines") or []:
        rows[wt.STG_WOOCOMMERCE_FEE_LINES.name].append(
            (
                *prefix,
                order_id,
                integer(fee.get("id"), "fee_lines.id", required=True),
                text(fee.get("name")),
                text(fee.get("tax_status")),
                money0(fee.get("total"), "fee_lines.total"),
                money0(fee.get("total_tax"), "fee_lines.total_tax"),
            )
        )
    for coupon in order.get("coupon_lines") or []:
        rows[wt.STG_WOOCOMMERCE_COUPON_LINES.name].append(
            (
                *prefix,
                order_id,
                integer(coupon.get("id"), "coupon_lines.id", required=True),
                text(coupon.get("code")),
                money0(coupon.get("discount"), "coupon_lines.discount"),
                money0(coupon.get("discount_tax"), "coupon_lines.discount_tax"),
            )
        )
    _stage_refunds(order, order_id, prefix, timezone, rows)


def _stage_refunds(order: dict, order_id: int | None, prefix: tuple, timezone: ZoneInfo, rows: Rows) -> None:
    """The order's refund objects, oldest first. Each refund's ``amount`` is split into its itemised lines
    (total and tax) and the rest, which WooCommerce does not itemise (the shipping and fees a full refund
    gives back, and its rounding): ``other_tax`` is the part of the rest that is the order's tax not yet
    given back (shipping tax, per-rate rounding), ``other_amount`` the rest without it."""
    listed = {r.get("id") for r in order.get("refunds") or [] if isinstance(r, dict)}
    refunds = [r for r in order.get(REFUNDS_KEY) or [] if isinstance(r, dict)]
    missing = listed - {r.get("id") for r in refunds}
    if missing:
        raise ValueError(f"refunds {sorted(map(str, missing))} are listed on the order but were not read")
    order_tax = money0(order.get("total_tax"), "total_tax")
    tax_left = order_tax
    staged_refunds = []
    for refund in sorted(refunds, key=lambda r: (str(r.get("date_created_gmt") or ""), r.get("id") or 0)):
        refund_id = integer(refund.get("id"), "refunds.id", required=True)
        created_at = gmt(refund.get("date_created_gmt"), "refunds.date_created_gmt", required=True)
        assert created_at is not None
        amount = money(refund.get("amount"), "refunds.amount", required=True)
        assert amount is not None
        items_amount = items_tax = ZERO
        for line in refund.get("line_items") or []:
            quantity = integer(line.get("quantity"), "refunds.line_items.quantity", required=True)
            line_total = -money0(line.get("total"), "refunds.line_items.total")
            line_tax = -money0(line.get("total_tax"), "refunds.line_items.total_tax")
            refunded_item = next(
                (m.get("value") for m in line.get("meta_data") or [] if m.get("key") == "_refunded_item_id"),
                None,
            )
            rows[wt.STG_WOOCOMMERCE_REFUND_LINES.name].append(
                (
                    *prefix,
                    order_id,
                    refund_id,
                    integer(line.get("id"), "refunds.line_items.id", required=True),
                    integer(refunded_item, "refunds.line_items._refunded_item_id"),
                    _id_or_none(line.get("product_id"), "refunds.line_items.product_id"),
                    _id_or_none(line.get("variation_id"), "refunds.line_items.variation_id"),
                    text(line.get("sku")),
                    -(quantity or 0),
                    -money0(line.get("subtotal"), "refunds.line_items.subtotal"),
                    line_total,
                    line_tax,
                )
            )
            items_amount += line_total
            items_tax += line_tax
        staged_refunds.append((refund, refund_id, created_at, amount, items_amount, items_tax))
        tax_left -= items_tax
    for refund, refund_id, created_at, amount, items_amount, items_tax in staged_refunds:
        rest = amount - items_amount - items_tax
        other_tax = min(max(tax_left, ZERO), rest) if rest > 0 else ZERO
        tax_left -= other_tax
        rows[wt.STG_WOOCOMMERCE_REFUNDS.name].append(
            (
                *prefix,
                order_id,
                refund_id,
                created_at,
                business_date(created_at, timezone),
                text(refund.get("reason")),
                flag(refund.get("refunded_payment"), "refunds.refunded_payment"),
                amount,
                items_amount,
                items_tax,
                rest - other_tax,
                other_tax,
            )
        )


# ------------------------------------------------------------------------------------------------- customers
def stage_customers(records: Iterable[dict], tenant_id: str, partition_date: date) -> Staged:
    """Customers of one day's full scan."""
    return _stage_each(records, tenant_id, partition_date, _stage_customer)


def _stage_customer(customer: dict, prefix: tuple, rows: Rows) -> None:
    billing = _address(customer, "billing")
    rows[wt.STG_WOOCOMMERCE_CUSTOMERS.name].append(
        (
            *prefix,
            integer(customer.get("id"), "id", required=True),
            text(customer.get("email")),
            text(customer.get("first_name")),
            text(customer.get("last_name")),
            text(customer.get("username")),
            text(customer.get("role")),
            flag(customer.get("is_paying_customer"), "is_paying_customer"),
            text(billing.get("phone")),
            text(billing.get("city")),
            text(billing.get("postcode")),
            text(billing.get("country")),
            gmt(customer.get("date_created_gmt"), "date_created_gmt", required=True),
            gmt(customer.get("date_modified_gmt"), "date_modified_gmt", required=True),
        )
    )


# -------------------------------------------------------------------------------------------------- products
def stage_products(records: Iterable[dict], tenant_id: str, partition_date: date) -> Staged:
    """Products (and the variations of variable ones) of one raw partition."""
    return _stage_each(records, tenant_id, partition_date, _stage_product)


def _stage_product(product: dict, prefix: tuple, rows: Rows) -> None:
    product_id = integer(product.get("id"), "id", required=True)
    rows[wt.STG_WOOCOMMERCE_PRODUCTS.name].append(
        (
            *prefix,
            product_id,
            text(product.get("name")),
            text(product.get("slug")),
            text(product.get("type")),
            text(product.get("status")),
            text(product.get("sku")),
            money(product.get("price"), "price"),
            money(product.get("regular_price"), "regular_price"),
            money(product.get("sale_price"), "sale_price"),
            text(product.get("tax_class")),
            integer(product.get("stock_quantity"), "stock_quantity"),
            gmt(product.get("date_created_gmt"), "date_created_gmt", required=True),
            gmt(product.get("date_modified_gmt"), "date_modified_gmt", required=True),
        )
    )
    for variation in product.get(VARIATIONS_KEY) or []:
        attributes = ", ".join(
            f"{a.get('name')}: {a.get('option')}"
            for a in variation.get("attributes") or []
            if isinstance(a, dict)
        )
        rows[wt.STG_WOOCOMMERCE_VARIATIONS.name].append(
            (
                *prefix,
                integer(variation.get("id"), "variations.id", required=True),
                product_id,
                text(variation.get("sku")),
                money(variation.get("price"), "variations.price", required=True),
                money(variation.get("regular_price"), "variations.regular_price"),
                money(variation.get("sale_price"), "variations.sale_price"),
                text(variation.get("status")),
                attributes or None,
                gmt(variation.get("date_created_gmt"), "variations.date_created_gmt", required=True),
                gmt(variation.get("date_modified_gmt"), "variations.date_modified_gmt", required=True),
            )
        )


# --------------------------------------------------------------------------------------------------- coupons
def stage_coupons(records: Iterable[dict], tenant_id: str, partition_date: date) -> Staged:
    """Coupons of one raw partition."""
    return _stage_each(records, tenant_id, partition_date, _stage_coupon)


def _stage_coupon(coupon: dict, prefix: tuple, rows: Rows) -> None:
    rows[wt.STG_WOOCOMMERCE_COUPONS.name].append(
        (
            *prefix,
            integer(coupon.get("id"), "id", required=True),
            text(coupon.get("code")),
            text(coupon.get("discount_type")),
            money(coupon.get("amount"), "amount"),
            flag(coupon.get("free_shipping"), "free_shipping"),
            integer(coupon.get("usage_count"), "usage_count"),
            gmt(coupon.get("date_expires_gmt"), "date_expires_gmt"),
            gmt(coupon.get("date_created_gmt"), "date_created_gmt", required=True),
            gmt(coupon.get("date_modified_gmt"), "date_modified_gmt", required=True),
        )
    )
