"""One staging for two APIs: a GraphQL Admin API record translated into the REST record staging reads.

A GraphQL tenant's raw partitions hold REST-shaped records (their sidecar says ``api: graphql``), so
staging (``staging.py``, ``staging_sql/``) reads both APIs alike. The input is a *GraphQL record*
(``resources/shopify/graphql_records.py``: the node with every connection unwrapped into a list), as the
paginated client and the bulk operations runner both give it, selected by the documents of
``resources/shopify/graphql_queries.py``.

The rules, applied field by field below:

* ids: a GID ``gid://shopify/Order/450789469`` becomes the number ``450789469`` (a query suffix such
  as ``?model_name=CustomerAddress`` is dropped); REST's ``admin_graphql_api_id`` keeps the GID;
* money: a ``*Set`` bag becomes REST's ``*_set`` (``shop_money``/``presentment_money`` with
  ``amount`` and ``currency_code``) and the plain REST field is the shop money amount; amounts are REST's
  strings with at least two decimals (GraphQL's ``"151.3"`` is REST's ``"151.30"``); REST refund
  transactions carry the presentment amount (what the customer paid in), as REST does;
* enums become REST's lowercase values (``PARTIALLY_REFUNDED`` -> ``partially_refunded``), with the
  few that differ mapped (``displayFulfillmentStatus`` ``UNFULFILLED`` -> ``null``,
  ``PARTIALLY_FULFILLED`` -> ``partial``); timestamps stay ISO 8601 (UTC ``Z``; staging stores UTC);
* names: camelCase to REST's snake_case, lists renamed (``lineItems`` -> ``line_items``,
  ``refundLineItems`` -> ``refund_line_items``), tags joined with ``", "``;
* derived as REST defines them: ``order_number`` = ``number`` + 1000, ``total_line_items_price`` = the
  sum of the lines' original totals, ``discount_codes[].amount`` = what the code's application allocated,
  a refund's ``restock`` = whether any of its lines was restocked, a refund line's embedded
  ``line_item`` = the order's line, a variant's ``grams`` from its inventory item's weight.

Fields only one API has (REST-only ones are absent from the translated record, so their staging
columns are NULL for a GraphQL tenant) are listed in docs/shopify-graphql.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: The order of GraphQL's ``displayFulfillmentStatus`` in REST's ``fulfillment_status``.
_FULFILLMENT = {"UNFULFILLED": None, "FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
#: Grams in one unit of a GraphQL ``Weight``.
_GRAMS = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}


def numeric_id(gid: Any) -> int | None:
    """``gid://shopify/Order/450789469`` (or ``…/MailingAddress/7?model_name=…``) -> ``450789469``;
    None for None. A value that is not a GID is returned unchanged for staging to judge."""
    if gid is None:
        return None
    text = gid if type(gid) is str else str(gid)
    if not text.startswith("gid://"):
        return gid
    tail = text[text.rfind("/") + 1 :].partition("?")[0]  # the last segment, its query string left out
    return int(tail) if tail.isdigit() else gid


def _id_of(node: Any) -> int | None:
    return numeric_id(node.get("id")) if _is_object(node) else None


#: A money amount already in plain decimal notation: an optional minus, an integer part without leading
#: zeros, and an optional fraction (its digits in group 1). GraphQL serves its ``Decimal`` scalar so.
_PLAIN_AMOUNT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?")


def amount(value: Any) -> Any:
    """A GraphQL ``Decimal`` as REST's money string: at least two decimals (``"151.3"`` -> ``"151.30"``,
    ``"0.0"`` -> ``"0.00"``); more decimals are kept; anything that is not a number is left for staging
    to refuse with its field name.

    About 50 amounts per order go through here, so a string already in plain notation (what GraphQL
    serves) is padded as text, with no ``Decimal`` built; the result is the one :func:`_decimal_amount`
    gives (``tests/sources/shopify/test_graphql_translate.py`` checks that the two agree)."""
    if type(value) is str:
        plain = _PLAIN_AMOUNT.fullmatch(value)
        if plain is not None:
            decimals = plain.group(1)
            if decimals is None:
                return value + ".00"
            return value + "0" if len(decimals) == 1 else value
    return _decimal_amount(value)


def _decimal_amount(value: Any) -> Any:
    """:func:`amount` through a ``Decimal``: any other notation (``"1E+2"``, ``" 1.5"``, a number)."""
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return format(number, "f")


def _is_object(value: Any) -> bool:
    """Whether ``value`` is a JSON object (a dict, checked first: the ABC check is slow)."""
    return type(value) is dict or isinstance(value, Mapping)  # None (common) skips the tuple check


#: Amounts already converted (GraphQL string -> REST string): an order's ~50 amounts repeat prices, taxes
#: and zeros seen before. Emptied when it reaches :data:`_AMOUNTS_HELD` entries (at most ~3 MB).
_AMOUNTS: dict[str, Any] = {}
_AMOUNTS_HELD = 20_000


def _cached_amount(value: Any) -> Any:
    """:func:`amount`, remembered for strings."""
    if type(value) is not str:
        return amount(value)
    converted = _AMOUNTS.get(value)
    if converted is None:
        if len(_AMOUNTS) >= _AMOUNTS_HELD:
            _AMOUNTS.clear()
        converted = _AMOUNTS[value] = amount(value)
    return converted


def _money(money: Any) -> dict | None:
    if not _is_object(money):
        return None
    return {"amount": _cached_amount(money.get("amount")), "currency_code": money.get("currencyCode")}


def money_set(bag: Any) -> dict | None:
    """A GraphQL ``MoneyBag`` as REST's ``*_set``."""
    if not _is_object(bag):
        return None
    return {
        "shop_money": _money(bag.get("shopMoney")),
        "presentment_money": _money(bag.get("presentmentMoney")),
    }


def shop_amount(bag: Any) -> Any:
    """The shop-currency amount of a bag (REST's plain money field)."""
    return amount((bag.get("shopMoney") or {}).get("amount")) if _is_object(bag) else None


def priced(bag: Any) -> tuple[Any, dict | None]:
    """A bag's shop-currency amount (REST's plain money field) and its REST ``*_set``, each amount
    converted once: the same as ``(shop_amount(bag), money_set(bag))``. About 16 bags per order come
    here, so the usual bag (two money objects of plain dicts) is done inline."""
    if type(bag) is dict:
        shop, presentment = bag.get("shopMoney"), bag.get("presentmentMoney")
        if type(shop) is dict and type(presentment) is dict:
            shop_value, presentment_value = shop.get("amount"), presentment.get("amount")
            shop_amount_ = _AMOUNTS.get(shop_value) if type(shop_value) is str else None
            if shop_amount_ is None:
                shop_amount_ = _cached_amount(shop_value)
            presentment_amount_ = _AMOUNTS.get(presentment_value) if type(presentment_value) is str else None
            if presentment_amount_ is None:
                presentment_amount_ = _cached_amount(presentment_value)
            return shop_amount_, {
                "shop_money": {"amount": shop_amount_, "currency_code": shop.get("currencyCode")},
                "presentment_money": {
                    "amount": presentment_amount_,
                    "currency_code": presentment.get("currencyCode"),
                },
            }
    money = money_set(bag)
    if money is None:
        return None, None
    shop = money["shop_money"]
    if shop is None:  # no shop money, or not an object: shop_amount's own answer (or its error)
        return shop_amount(bag), money
    return shop["amount"], money


def presentment_amount(bag: Any) -> Any:
    return amount((bag.get("presentmentMoney") or {}).get("amount")) if _is_object(bag) else None


def lower(value: Any) -> Any:
    """An enum as REST's lowercase value (None stays None)."""
    return value.lower() if isinstance(value, str) else value


def joined_tags(tags: Any) -> Any:
    """GraphQL's tag list as REST's one comma-separated string."""
    if isinstance(tags, list):
        try:
            return ", ".join(tags)  # GraphQL's tags are strings
        except TypeError:
            return ", ".join(str(tag) for tag in tags)
    return tags


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _sum_amounts(values: Iterable[Any]) -> str:
    total = Decimal("0")
    for value in values:
        try:
            total += Decimal(str(value))
        except (InvalidOperation, ValueError):
            continue
    return amount(total)


# ---------------------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------------------
def _tax_line(tax: Mapping) -> dict:
    price, price_set = priced(tax.get("priceSet"))
    return {"title": tax.get("title"), "rate": tax.get("rate"), "price": price, "price_set": price_set}


def _allocation(allocation: Mapping) -> dict:
    shop, amount_set = priced(allocation.get("allocatedAmountSet"))
    return {
        "discount_application_index": (allocation.get("discountApplication") or {}).get("index"),
        "amount": shop,
        "amount_set": amount_set,
    }


def _line_item(line: Mapping) -> dict:
    price, price_set = priced(line.get("originalUnitPriceSet"))
    discount, discount_set = priced(line.get("totalDiscountSet"))
    return {
        "id": _id_of(line),
        "admin_graphql_api_id": line.get("id"),
        "product_id": _id_of(line.get("product")),
        "variant_id": _id_of(line.get("variant")),
        "title": line.get("title"),
        "variant_title": line.get("variantTitle"),
        "sku": line.get("sku"),
        "vendor": line.get("vendor"),
        "quantity": line.get("quantity"),
        "taxable": line.get("taxable"),
        "requires_shipping": line.get("requiresShipping"),
        "gift_card": line.get("isGiftCard"),
        "price": price,
        "price_set": price_set,
        "total_discount": discount,
        "total_discount_set": discount_set,
        "discount_allocations": [_allocation(a) for a in _list(line.get("discountAllocations"))],
        "tax_lines": [_tax_line(t) for t in _list(line.get("taxLines"))],
    }


def _shipping_line(ship: Mapping) -> dict:
    price, price_set = priced(ship.get("originalPriceSet"))
    discounted, discounted_set = priced(ship.get("discountedPriceSet"))
    return {
        "id": _id_of(ship),
        "title": ship.get("title"),
        "code": ship.get("code"),
        "source": ship.get("source"),
        "price": price,
        "price_set": price_set,
        "discounted_price": discounted,
        "discounted_price_set": discounted_set,
        "discount_allocations": [_allocation(a) for a in _list(ship.get("discountAllocations"))],
        "tax_lines": [_tax_line(t) for t in _list(ship.get("taxLines"))],
    }


def _discount_codes(order: Mapping, lines: list[dict], shipping: list[dict]) -> list[dict]:
    """REST's ``discount_codes``: each code application with what it allocated (shop money) and its type
    (``percentage``/``fixed_amount``, or ``shipping`` when it targets shipping lines)."""
    allocated: dict[Any, list[Any]] = {}
    for target in (*lines, *shipping):
        for allocation in target["discount_allocations"]:
            allocated.setdefault(allocation["discount_application_index"], []).append(allocation["amount"])
    codes = []
    for application in _list(order.get("discountApplications")):
        if not isinstance(application, Mapping) or "code" not in application:
            continue
        value = application.get("value") or {}
        if application.get("targetType") == "SHIPPING_LINE":
            kind = "shipping"
        elif value.get("__typename") == "PricingPercentageValue" or "percentage" in value:
            kind = "percentage"
        else:
            kind = "fixed_amount"
        codes.append(
            {
                "code": application.get("code"),
                "amount": _sum_amounts(allocated.get(application.get("index"), [])),
                "type": kind,
            }
        )
    return codes


def _refund(refund: Mapping, lines_by_id: Mapping[int | None, dict]) -> dict:
    items = []
    for item in _list(refund.get("refundLineItems")):
        line_id = _id_of(item.get("lineItem"))
        subtotal, subtotal_set = priced(item.get("subtotalSet"))
        tax, tax_set = priced(item.get("totalTaxSet"))
        items.append(
            {
                "id": _id_of(item),
                "line_item_id": line_id,
                "location_id": _id_of(item.get("location")),
                "quantity": item.get("quantity"),
                "restock_type": lower(item.get("restockType")),
                "subtotal": subtotal,
                "subtotal_set": subtotal_set,
                "total_tax": tax,
                "total_tax_set": tax_set,
                "line_item": lines_by_id.get(line_id, {"id": line_id}),
            }
        )
    transactions = [
        {
            "kind": lower(move.get("kind")),
            "status": lower(move.get("status")),
            "amount": presentment_amount(move.get("amountSet")),
            "currency": ((move.get("amountSet") or {}).get("presentmentMoney") or {}).get("currencyCode"),
        }
        for move in _list(refund.get("transactions"))
    ]
    adjustments = [
        {
            "id": _id_of(adjustment),
            "kind": lower(adjustment.get("reason")),
            "amount": shop_amount(adjustment.get("amountSet")),
            "amount_set": money_set(adjustment.get("amountSet")),
            "tax_amount": shop_amount(adjustment.get("taxAmountSet")),
            "tax_amount_set": money_set(adjustment.get("taxAmountSet")),
        }
        for adjustment in _list(refund.get("orderAdjustments"))
    ]
    return {
        "id": _id_of(refund),
        "admin_graphql_api_id": refund.get("id"),
        "created_at": refund.get("createdAt"),
        "note": refund.get("note"),
        "restock": any(item.get("restocked") for item in _list(refund.get("refundLineItems"))),
        "refund_line_items": items,
        "transactions": transactions,
        "order_adjustments": adjustments,
    }


def translate_order(order: Mapping) -> dict:
    """A GraphQL ``Order`` record as REST's order (the fields staging reads, and their neighbours)."""
    lines = [_line_item(line) for line in _list(order.get("lineItems"))]
    shipping = [_shipping_line(ship) for ship in _list(order.get("shippingLines"))]
    lines_by_id = {line["id"]: line for line in lines}
    customer = order.get("customer")
    address = order.get("shippingAddress")
    number = order.get("number")
    subtotal, subtotal_set = priced(order.get("subtotalPriceSet"))
    discounts, discounts_set = priced(order.get("totalDiscountsSet"))
    tax, tax_set = priced(order.get("totalTaxSet"))
    total, total_set = priced(order.get("totalPriceSet"))
    return {
        "id": numeric_id(order.get("id")),
        "admin_graphql_api_id": order.get("id"),
        "name": order.get("name"),
        "number": number,
        "order_number": number + 1000 if isinstance(number, int) and not isinstance(number, bool) else None,
        "email": order.get("email"),
        "phone": order.get("phone"),
        "created_at": order.get("createdAt"),
        "updated_at": order.get("updatedAt"),
        "processed_at": order.get("processedAt"),
        "cancelled_at": order.get("cancelledAt"),
        "cancel_reason": lower(order.get("cancelReason")),
        "closed_at": order.get("closedAt"),
        "test": order.get("test"),
        "currency": order.get("currencyCode"),
        "presentment_currency": order.get("presentmentCurrencyCode"),
        "taxes_included": order.get("taxesIncluded"),
        "financial_status": lower(order.get("displayFinancialStatus")),
        "fulfillment_status": _FULFILLMENT.get(
            order.get("displayFulfillmentStatus"), lower(order.get("displayFulfillmentStatus"))
        ),
        "source_name": order.get("sourceName"),
        "tags": joined_tags(order.get("tags")),
        "note": order.get("note"),
        "customer": (
            {"id": _id_of(customer), "email": customer.get("email"), "phone": customer.get("phone")}
            if isinstance(customer, Mapping)
            else None
        ),
        "shipping_address": (
            {
                "name": address.get("name"),
                "city": address.get("city"),
                "zip": address.get("zip"),
                "province_code": address.get("provinceCode"),
                "country_code": address.get("countryCodeV2"),
            }
            if isinstance(address, Mapping)
            else None
        ),
        "subtotal_price": subtotal,
        "subtotal_price_set": subtotal_set,
        "total_line_items_price": _sum_amounts(
            Decimal(str(line["price"])) * Decimal(int(line["quantity"]))
            for line in lines
            if line["price"] is not None and isinstance(line["quantity"], int)
        ),
        "total_discounts": discounts,
        "total_discounts_set": discounts_set,
        "total_tax": tax,
        "total_tax_set": tax_set,
        "total_price": total,
        "total_price_set": total_set,
        "total_shipping_price_set": money_set(order.get("totalShippingPriceSet")),
        "discount_codes": _discount_codes(order, lines, shipping),
        "tax_lines": [_tax_line(t) for t in _list(order.get("taxLines"))],
        "line_items": lines,
        "shipping_lines": shipping,
        "refunds": [_refund(refund, lines_by_id) for refund in _list(order.get("refunds"))],
    }


# ---------------------------------------------------------------------------------------------------------
# Customers, products, locations, inventory levels, shop
# ---------------------------------------------------------------------------------------------------------
def _address(address: Mapping, default_id: Any) -> dict:
    address_id = _id_of(address)
    return {
        "id": address_id,
        "default": address_id is not None and address_id == default_id,
        "first_name": address.get("firstName"),
        "last_name": address.get("lastName"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "province_code": address.get("provinceCode"),
        "country": address.get("country"),
        "country_code": address.get("countryCodeV2"),
        "zip": address.get("zip"),
        "phone": address.get("phone"),
    }


def translate_customer(customer: Mapping) -> dict:
    """A GraphQL ``Customer`` record as REST's customer, with its addresses (the default one flagged)."""
    default_id = _id_of(customer.get("defaultAddress"))
    orders = customer.get("numberOfOrders")
    return {
        "id": numeric_id(customer.get("id")),
        "admin_graphql_api_id": customer.get("id"),
        "email": customer.get("email"),
        "first_name": customer.get("firstName"),
        "last_name": customer.get("lastName"),
        "phone": customer.get("phone"),
        "state": lower(customer.get("state")),
        "verified_email": customer.get("verifiedEmail"),
        "tax_exempt": customer.get("taxExempt"),
        "orders_count": int(orders) if isinstance(orders, str) and orders.isdigit() else orders,
        "total_spent": amount((customer.get("amountSpent") or {}).get("amount")),
        "created_at": customer.get("createdAt"),
        "updated_at": customer.get("updatedAt"),
        "note": customer.get("note"),
        "tags": joined_tags(customer.get("tags")),
        "addresses": [
            _address(a, default_id) for a in _list(customer.get("addresses")) if isinstance(a, Mapping)
        ],
    }


def _grams(item: Any) -> int | None:
    weight = ((item or {}).get("measurement") or {}).get("weight") if isinstance(item, Mapping) else None
    if not isinstance(weight, Mapping) or weight.get("value") is None or weight.get("unit") not in _GRAMS:
        return None
    grams = Decimal(str(weight["value"])) * _GRAMS[weight["unit"]]
    return int(grams.to_integral_value())


def _variant(variant: Mapping, product_id: Any) -> dict:
    item = variant.get("inventoryItem")
    return {
        "id": _id_of(variant),
        "admin_graphql_api_id": variant.get("id"),
        "product_id": product_id,
        "title": variant.get("title"),
        "sku": variant.get("sku"),
        "price": variant.get("price"),
        "compare_at_price": variant.get("compareAtPrice"),
        "position": variant.get("position"),
        "barcode": variant.get("barcode"),
        "grams": _grams(item),
        "inventory_item_id": _id_of(item),
        "inventory_quantity": variant.get("inventoryQuantity"),
        "taxable": variant.get("taxable"),
        "created_at": variant.get("createdAt"),
        "updated_at": variant.get("updatedAt"),
    }


def translate_product(product: Mapping) -> dict:
    """A GraphQL ``Product`` record as REST's product with its variants."""
    product_id = numeric_id(product.get("id"))
    return {
        "id": product_id,
        "admin_graphql_api_id": product.get("id"),
        "title": product.get("title"),
        "handle": product.get("handle"),
        "vendor": product.get("vendor"),
        "product_type": product.get("productType"),
        "status": lower(product.get("status")),
        "created_at": product.get("createdAt"),
        "updated_at": product.get("updatedAt"),
        "published_at": product.get("publishedAt"),
        "tags": joined_tags(product.get("tags")),
        "variants": [
            _variant(v, product_id) for v in _list(product.get("variants")) if isinstance(v, Mapping)
        ],
    }


def translate_location(location: Mapping) -> dict:
    """A GraphQL ``Location`` record as REST's location (its address flattened)."""
    address = location.get("address") or {}
    return {
        "id": numeric_id(location.get("id")),
        "admin_graphql_api_id": location.get("id"),
        "name": location.get("name"),
        "active": location.get("isActive"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "province_code": address.get("provinceCode"),
        "country_name": address.get("country"),
        "country_code": address.get("countryCode"),
        "zip": address.get("zip"),
        "phone": address.get("phone"),
        "created_at": location.get("createdAt"),
        "updated_at": location.get("updatedAt"),
    }


def translate_inventory_level(level: Mapping) -> dict:
    """A GraphQL ``InventoryLevel`` record (with ``quantities(names: ["available"])``) as REST's level."""
    available = next(
        (q.get("quantity") for q in _list(level.get("quantities")) if q.get("name") == "available"), None
    )
    return {
        "inventory_item_id": _id_of(level.get("item")),
        "location_id": _id_of(level.get("location")),
        "available": available,
        "updated_at": level.get("updatedAt"),
    }


def translate_shop(shop: Mapping) -> dict:
    """The GraphQL ``Shop`` as REST's shop (``iana_timezone`` is what the pipeline reads of it)."""
    return {
        "id": numeric_id(shop.get("id")),
        "name": shop.get("name"),
        "email": shop.get("email"),
        "myshopify_domain": shop.get("myshopifyDomain"),
        "iana_timezone": shop.get("ianaTimezone"),
        "currency": shop.get("currencyCode"),
        "enabled_presentment_currencies": shop.get("enabledPresentmentCurrencies"),
        "taxes_included": shop.get("taxesIncluded"),
        "plan_display_name": (shop.get("plan") or {}).get("displayName"),
        "created_at": shop.get("createdAt"),
        "updated_at": shop.get("updatedAt"),
    }


#: The translation of each raw entity's GraphQL records.
TRANSLATORS: dict[str, Callable[[Mapping], dict]] = {
    "orders": translate_order,
    "customers": translate_customer,
    "products": translate_product,
    "locations": translate_location,
    "inventory_levels": translate_inventory_level,
    "shop": translate_shop,
}


def translate(entity: str, records: Iterable[Any]) -> list[Any]:
    """REST records of ``entity`` from its GraphQL records; a record that is not an object is passed on
    unchanged, for staging to keep aside as a dead letter."""
    translator = TRANSLATORS[entity]
    return [translator(record) if _is_object(record) else record for record in records]
