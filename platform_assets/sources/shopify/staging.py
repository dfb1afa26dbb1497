"""Shopify raw JSON → typed staging rows, one function per raw entity.

Each function takes one raw partition's records and returns rows per staging table, in the column order
of the table's spec (``platform_assets.warehouse.tables``). Rows are prefixed with (tenant_id,
partition_date). Tolerates older API versions (no ``*_set`` bags, no discount allocations, refund lines
without subtotal) as well as current ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from platform_assets.sources.shopify import tables as st
from platform_assets.sources.shopify.fields import KNOWN_FIELDS
from platform_assets.sources.shopify.parse import money0, presentment, rate, tags, timestamp
from platform_assets.staging.parse import business_date, integer, money
from platform_assets.staging.records import stage_each
from platform_assets.staging.staged import DeadLetter, Rows, Staged, not_an_object
from platform_assets.warehouse.record_rules import RecordRules

#: The Shopify staging tables' value rules and grains, checked on each record's rows before they are kept.
RULES = RecordRules(st.SHOPIFY_TABLES)


ZERO = Decimal("0")
#: Allocated amounts (a share of a tax or of a line) are computed to the warehouse's 4 decimal places.
ALLOCATION_STEP = Decimal("0.0001")


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _allocated(amount: Decimal) -> Decimal:
    """An allocated share, to 4 decimal places, halves away from zero (the only rounding before a figure)."""
    return amount.quantize(ALLOCATION_STEP, rounding=ROUND_HALF_UP)


def _tax_rates_total(tax_lines: list[dict] | None, field: str) -> Decimal:
    return _sum(rate(tl.get("rate"), f"{field}.tax_lines.rate") or ZERO for tl in tax_lines or [])


def _taxes_included(value: Any) -> bool:
    """Shopify's ``taxes_included``: prices include tax. Absent (older payloads) means they do not."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"taxes_included is not true or false: {value!r}")
    return value


def _tax_total(tax_lines: list[dict] | None, field: str) -> Decimal:
    """The sum of a line's tax lines (the tax the line carries, inside its price when prices include tax)."""
    return _sum(money0(tl.get("price"), f"{field}.tax_lines.price") for tl in tax_lines or [])


def _allocations_total(allocations: list[dict] | None, field: str) -> Decimal:
    return _sum(money0(a.get("amount"), f"{field}.discount_allocations.amount") for a in allocations or [])


def _one_per_key(records: Iterable[dict], key: Callable[[dict], Any]) -> tuple[list[dict], list[DeadLetter]]:
    """One record per key. The same record twice (a page boundary shifted) counts once; versions with
    different updated_at keep the newest (it changed while we paged); different content under the same
    updated_at cannot be told apart, so every such copy goes to the dead letters."""
    by_key: dict[Any, list[dict]] = defaultdict(list)
    dead: list[DeadLetter] = []
    for record in records:
        if (unusable := not_an_object(record)) is not None:
            dead.append(unusable)
            continue
        record_key = key(record)
        if record_key is None or record_key == (None, None):
            dead.append(DeadLetter("", "id is missing", record))
        else:
            by_key[record_key].append(record)
    chosen: list[dict] = []
    for record_key, versions in by_key.items():
        newest = max(str(v.get("updated_at") or "") for v in versions)
        latest = [v for v in versions if str(v.get("updated_at") or "") == newest]
        if all(v == latest[0] for v in latest):
            chosen.append(latest[0])
        else:
            dead.extend(
                DeadLetter(str(record_key), "the same id came twice with different content", v)
                for v in latest
            )
    return chosen, dead


def _stage_each(
    entity: str,
    records: Iterable[dict],
    tenant_id: str,
    partition_date: date,
    stage_one: Callable[[dict, tuple, Rows], None],
    key: Callable[[dict], Any] = lambda record: record.get("id"),
) -> Staged:
    """Stage every record into its own rows, merged only when the whole record staged; a record that
    cannot be staged becomes a dead letter naming the field and value, and the good records flow on."""
    unique, dead_letters = _one_per_key(records, key)
    return stage_each(
        unique,
        dead_letters,
        (tenant_id, partition_date),
        stage_one,
        RULES,
        key=key,
        known_fields=KNOWN_FIELDS[entity],
    )


def stage_orders(records: Iterable[dict], tenant_id: str, partition_date: date, timezone: ZoneInfo) -> Staged:
    """Orders (with their lines, discounts, taxes, shipping, refunds and tags) for one raw partition."""
    return _stage_each(
        "orders",
        records,
        tenant_id,
        partition_date,
        lambda order, prefix, rows: _stage_order(order, prefix, timezone, rows),
    )


def _stage_order(order: dict, prefix: tuple, timezone: ZoneInfo, rows: Rows) -> None:
    order_id = integer(order.get("id"), "id", required=True)
    created_at = timestamp(order.get("created_at"), "created_at", required=True)
    updated_at = timestamp(order.get("updated_at"), "updated_at", required=True)
    processed_at = timestamp(order.get("processed_at"), "processed_at") or created_at
    customer = order.get("customer") or {}
    shipping_address = order.get("shipping_address") or {}
    shipping_lines = order.get("shipping_lines") or []
    currency = order.get("currency")
    if not currency:
        raise ValueError("currency is missing")
    taxes_included = _taxes_included(order.get("taxes_included"))
    rows[st.STG_SHOPIFY_ORDERS.name].append(
        (
            *prefix,
            order_id,
            order.get("name"),
            integer(order.get("order_number"), "order_number"),
            order.get("email") or order.get("contact_email") or customer.get("email"),
            order.get("phone") or customer.get("phone"),
            integer(customer.get("id"), "customer.id"),
            created_at,
            updated_at,
            processed_at,
            timestamp(order.get("cancelled_at"), "cancelled_at"),
            timestamp(order.get("closed_at"), "closed_at"),
            order.get("cancel_reason"),
            business_date(processed_at, timezone),
            currency,
            order.get("presentment_currency") or currency,
            order.get("financial_status"),
            order.get("fulfillment_status"),
            bool(order.get("test")),
            order.get("source_name"),
            taxes_included,
            money(order.get("subtotal_price"), "subtotal_price"),
            money(order.get("total_line_items_price"), "total_line_items_price"),
            money(order.get("total_discounts"), "total_discounts"),
            _sum(money0(s.get("price"), "shipping_lines.price") for s in shipping_lines),
            money(order.get("total_tax"), "total_tax"),
            money(order.get("total_price"), "total_price"),
            presentment(order.get("total_price_set")),
            order.get("tags"),
            order.get("note"),
            shipping_address.get("name"),
            shipping_address.get("city"),
            shipping_address.get("zip"),
            shipping_address.get("province_code"),
            shipping_address.get("country_code"),
        )
    )
    for tag in tags(order.get("tags")):
        rows[st.STG_SHOPIFY_ORDER_TAGS.name].append((*prefix, order_id, tag))
    for position, code in enumerate(order.get("discount_codes") or []):
        rows[st.STG_SHOPIFY_DISCOUNT_CODES.name].append(
            (
                *prefix,
                order_id,
                position,
                code.get("code"),
                money(code.get("amount"), "discount_codes.amount"),
                code.get("type"),
            )
        )
    for position, tax_line in enumerate(order.get("tax_lines") or []):
        rows[st.STG_SHOPIFY_TAX_LINES.name].append(
            _tax_row(prefix, order_id, "order", order_id, position, tax_line)
        )

    line_ids: set[int] = set()
    gift_card_lines: set[int] = set()
    for line in order.get("line_items") or []:
        line_id = integer(line.get("id"), "line_items.id", required=True)
        quantity = integer(line.get("quantity"), "line_items.quantity", required=True)
        if quantity < 0:
            raise ValueError(f"line_items.quantity is negative: {quantity}")
        line_ids.add(line_id)
        if line.get("gift_card"):
            gift_card_lines.add(line_id)
        allocations = line.get("discount_allocations") or []
        price = money(line.get("price"), "line_items.price", required=True)
        discount = _allocations_total(allocations, "line_items")
        tax = _tax_total(line.get("tax_lines"), "line_items")
        discount_tax = ZERO
        if taxes_included:
            rates = _tax_rates_total(line.get("tax_lines"), "line_items")
            discount_tax = _allocated(discount * rates / (1 + rates))
        rows[st.STG_SHOPIFY_ORDER_LINES.name].append(
            (
                *prefix,
                order_id,
                line_id,
                integer(line.get("product_id"), "line_items.product_id"),
                integer(line.get("variant_id"), "line_items.variant_id"),
                line.get("sku") or None,
                line.get("title"),
                line.get("variant_title"),
                line.get("vendor"),
                quantity,
                price,
                presentment(line.get("price_set")),
                money(line.get("total_discount"), "line_items.total_discount"),
                discount,
                tax,
                discount_tax,
                price * quantity - (tax + discount_tax if taxes_included else ZERO),
                discount - discount_tax,
                bool(line.get("gift_card")),
                line.get("taxable"),
                line.get("requires_shipping"),
            )
        )
        _allocation_rows(prefix, order_id, "line_item", line_id, allocations, rows)
        for position, tax_line in enumerate(line.get("tax_lines") or []):
            rows[st.STG_SHOPIFY_TAX_LINES.name].append(
                _tax_row(prefix, order_id, "line_item", line_id, position, tax_line)
            )

    for position, shipping in enumerate(shipping_lines):
        shipping_id = integer(shipping.get("id"), "shipping_lines.id") or position
        allocations = shipping.get("discount_allocations") or []
        shipping_price = money(shipping.get("price"), "shipping_lines.price", required=True)
        shipping_discount = _allocations_total(allocations, "shipping_lines")
        shipping_tax = _tax_total(shipping.get("tax_lines"), "shipping_lines")
        rows[st.STG_SHOPIFY_SHIPPING_LINES.name].append(
            (
                *prefix,
                order_id,
                shipping_id,
                shipping.get("title"),
                shipping.get("code"),
                shipping.get("source"),
                shipping_price,
                money(shipping.get("discounted_price"), "shipping_lines.discounted_price"),
                shipping_discount,
                shipping_tax,
                shipping_price - shipping_discount - (shipping_tax if taxes_included else ZERO),
            )
        )
        _allocation_rows(prefix, order_id, "shipping_line", shipping_id, allocations, rows)
        for tax_position, tax_line in enumerate(shipping.get("tax_lines") or []):
            rows[st.STG_SHOPIFY_TAX_LINES.name].append(
                _tax_row(prefix, order_id, "shipping_line", shipping_id, tax_position, tax_line)
            )

    lines = _OrderLines(line_ids, gift_card_lines, taxes_included)
    for refund in order.get("refunds") or []:
        _stage_refund(refund, prefix, order_id, timezone, lines, rows)


@dataclass(frozen=True)
class _OrderLines:
    """What a refund of an order needs to know about the order's lines."""

    ids: set[int]
    gift_cards: set[int]
    taxes_included: bool


def _tax_row(
    prefix: tuple, order_id: int, scope: str, parent_id: int, position: int, tax_line: dict
) -> tuple:
    return (
        *prefix,
        order_id,
        scope,
        parent_id,
        position,
        tax_line.get("title"),
        rate(tax_line.get("rate"), f"{scope}.tax_lines.rate"),
        money(tax_line.get("price"), f"{scope}.tax_lines.price", required=True),
        presentment(tax_line.get("price_set")),
    )


def _allocation_rows(
    prefix: tuple, order_id: int, target_type: str, target_id: int, allocations: list[dict], rows: Rows
) -> None:
    for position, allocation in enumerate(allocations):
        rows[st.STG_SHOPIFY_DISCOUNT_ALLOCATIONS.name].append(
            (
                *prefix,
                order_id,
                target_type,
                target_id,
                position,
                integer(allocation.get("discount_application_index"), "discount_application_index"),
                money(allocation.get("amount"), f"{target_type}.discount_allocations.amount", required=True),
                presentment(allocation.get("amount_set")),
            )
        )


def _stage_refund(
    refund: dict, prefix: tuple, order_id: int, timezone: ZoneInfo, lines: _OrderLines, rows: Rows
) -> None:
    refund_id = integer(refund.get("id"), "refunds.id", required=True)
    created_at = timestamp(refund.get("created_at"), "refunds.created_at", required=True)
    transactions = [
        tx
        for tx in refund.get("transactions") or []
        if tx.get("kind") == "refund" and tx.get("status") == "success"
    ]
    rows[st.STG_SHOPIFY_REFUNDS.name].append(
        (
            *prefix,
            order_id,
            refund_id,
            created_at,
            timestamp(refund.get("processed_at"), "refunds.processed_at"),
            business_date(created_at, timezone),
            refund.get("note"),
            refund.get("restock"),
            _sum(money0(tx.get("amount"), "refunds.transactions.amount") for tx in transactions),
        )
    )
    for item in refund.get("refund_line_items") or []:
        line = item.get("line_item") or {}
        line_id = integer(
            item.get("line_item_id") or line.get("id"), "refund_line_items.line_item_id", required=True
        )
        if line_id not in lines.ids:
            raise ValueError(f"refund_line_items.line_item_id {line_id} is not a line of this order")
        quantity = integer(item.get("quantity"), "refund_line_items.quantity", required=True)
        if quantity < 0:
            raise ValueError(f"refund_line_items.quantity is negative: {quantity}")
        subtotal = money(item.get("subtotal"), "refund_line_items.subtotal")
        if subtotal is None:  # older API versions: price × quantity less the line's discount share
            price = money0(line.get("price"), "refund_line_items.line_item.price")
            subtotal = price * quantity
        total_tax = money(item.get("total_tax"), "refund_line_items.total_tax")
        if total_tax is None:
            line_quantity = (
                integer(line.get("quantity"), "refund_line_items.line_item.quantity") or quantity or 1
            )
            line_tax = _tax_total(line.get("tax_lines"), "refund_line_items.line_item")
            total_tax = _allocated(line_tax * quantity / line_quantity)
        rows[st.STG_SHOPIFY_REFUND_LINES.name].append(
            (
                *prefix,
                order_id,
                refund_id,
                integer(item.get("id"), "refund_line_items.id", required=True),
                line_id,
                quantity,
                subtotal,
                total_tax,
                subtotal - (total_tax if lines.taxes_included else ZERO),
                item.get("restock_type"),
                integer(item.get("location_id"), "refund_line_items.location_id"),
                bool(line.get("gift_card")) or line_id in lines.gift_cards,
            )
        )
    for adjustment in refund.get("order_adjustments") or []:
        amount = money0(adjustment.get("amount"), "order_adjustments.amount")
        tax_amount = money0(adjustment.get("tax_amount"), "order_adjustments.tax_amount")
        rows[st.STG_SHOPIFY_ORDER_ADJUSTMENTS.name].append(
            (
                *prefix,
                order_id,
                refund_id,
                integer(adjustment.get("id"), "order_adjustments.id", required=True),
                adjustment.get("kind") or "unknown",
                adjustment.get("reason"),
                amount,
                tax_amount,
                amount - (tax_amount if lines.taxes_included else ZERO),
            )
        )


def stage_customers(records: Iterable[dict], tenant_id: str, partition_date: date) -> Staged:
    """Customers with their addresses and tags."""
    return _stage_each("customers", records, tenant_id, partition_date, _stage_customer)


def _stage_customer(customer: dict, prefix: tuple, rows: Rows) -> None:
    customer_id = integer(customer.get("id"), "id", required=True)
    rows[st.STG_SHOPIFY_CUSTOMERS.name].append(
        (
            *prefix,
            customer_id,
            customer.get("email"),
            customer.get("first_name"),
            customer.get("last_name"),
            customer.get("phone"),
            customer.get("state"),
            customer.get("verified_email"),
            customer.get("tax_exempt"),
            customer.get("currency"),
            integer(customer.get("orders_count"), "orders_count"),
            money(customer.get("total_spent"), "total_spent"),
            timestamp(customer.get("created_at"), "created_at", required=True),
            timestamp(customer.get("updated_at"), "updated_at", required=True),
            customer.get("note"),
            customer.get("tags"),
        )
    )
    addresses = list(customer.get("addresses") or [])
    default = customer.get("default_address")
    if default and not any(a.get("id") == default.get("id") for a in addresses):
        addresses.append({**default, "default": True})
    for address in addresses:
        rows[st.STG_SHOPIFY_CUSTOMER_ADDRESSES.name].append(
            (
                *prefix,
                customer_id,
                integer(address.get("id"), "addresses.id", required=True),
                bool(address.get("default")),
                address.get("first_name"),
                address.get("last_name"),
                address.get("company"),
                address.get("address1"),
                address.get("address2"),
                address.get("city"),
                address.get("province"),
                address.get("province_code"),
                address.get("country"),
                address.get("country_code"),
                address.get("zip"),
                address.get("phone"),
            )
        )
    for tag in tags(customer.get("tags")):
        rows[st.STG_SHOPIFY_CUSTOMER_TAGS.name].append((*prefix, customer_id, tag))


def stage_products(records: Iterable[dict], tenant_id: str, partition_date: date) -> Staged:
    """Products with their variants and tags."""
    return _stage_each("products", records, tenant_id, partition_date, _stage_product)


def _stage_product(product: dict, prefix: tuple, rows: Rows) -> None:
    product_id = integer(product.get("id"), "id", required=True)
    product_updated = timestamp(product.get("updated_at"), "updated_at", required=True)
    rows[st.STG_SHOPIFY_PRODUCTS.name].append(
        (
            *prefix,
            product_id,
            product.get("title"),
            product.get("handle"),
            product.get("vendor"),
            product.get("product_type"),
            product.get("status"),
            timestamp(product.get("created_at"), "created_at", required=True),
            product_updated,
            timestamp(product.get("published_at"), "published_at"),
            product.get("tags"),
        )
    )
    for variant in product.get("variants") or []:
        rows[st.STG_SHOPIFY_PRODUCT_VARIANTS.name].append(
            (
                *prefix,
                integer(variant.get("id"), "variants.id", required=True),
                product_id,
                variant.get("title"),
                variant.get("sku") or None,
                money(variant.get("price"), "variants.price", required=True),
                money(variant.get("compare_at_price"), "variants.compare_at_price"),
                integer(variant.get("position"), "variants.position"),
                variant.get("option1"),
                variant.get("option2"),
                variant.get("option3"),
                variant.get("barcode"),
                integer(variant.get("grams"), "variants.grams"),
                integer(variant.get("inventory_item_id"), "variants.inventory_item_id"),
                integer(variant.get("inventory_quantity"), "variants.inventory_quantity"),
                variant.get("taxable"),
                timestamp(variant.get("created_at"), "variants.created_at")
                or timestamp(product.get("created_at"), "created_at"),
                timestamp(variant.get("updated_at"), "variants.updated_at") or product_updated,
            )
        )
    for tag in tags(product.get("tags")):
        rows[st.STG_SHOPIFY_PRODUCT_TAGS.name].append((*prefix, product_id, tag))


def stage_locations(
    records: Iterable[dict], tenant_id: str, partition_date: date, snapshot_at: datetime
) -> Staged:
    """Locations as of a snapshot."""

    def stage_one(location: dict, prefix: tuple, rows: Rows) -> None:
        rows[st.STG_SHOPIFY_LOCATIONS.name].append(
            (
                *prefix,
                integer(location.get("id"), "id", required=True),
                location.get("name"),
                location.get("address1"),
                location.get("city"),
                location.get("zip"),
                location.get("province"),
                location.get("country_code"),
                location.get("active"),
                timestamp(location.get("created_at"), "created_at"),
                timestamp(location.get("updated_at"), "updated_at"),
                snapshot_at,
            )
        )

    return _stage_each("locations", records, tenant_id, partition_date, stage_one)


def stage_inventory_levels(
    records: Iterable[dict], tenant_id: str, partition_date: date, snapshot_at: datetime
) -> Staged:
    """Units available per inventory item and location, as of a snapshot."""

    def stage_one(level: dict, prefix: tuple, rows: Rows) -> None:
        rows[st.STG_SHOPIFY_INVENTORY_LEVELS.name].append(
            (
                *prefix,
                integer(level.get("inventory_item_id"), "inventory_item_id", required=True),
                integer(level.get("location_id"), "location_id", required=True),
                integer(level.get("available"), "available"),
                timestamp(level.get("updated_at"), "updated_at"),
                snapshot_at,
            )
        )

    def level_key(level: dict) -> tuple:
        return (level.get("inventory_item_id"), level.get("location_id"))

    return _stage_each("inventory_levels", records, tenant_id, partition_date, stage_one, key=level_key)
