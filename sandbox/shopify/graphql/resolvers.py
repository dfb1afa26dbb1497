"""GraphQL objects of a sandbox shop, built from the same store and payloads as its REST API.

Every object is a dict keyed by GraphQL field name (with ``__typename`` for interfaces and unions); fields
that take arguments or are costly are callables ``(info, **args)``, which graphql-core's default resolver
calls. Order objects are derived from the REST order payload of the same order at the same clock, so both
APIs agree to the cent by construction (timestamps become UTC ``Z``, money ``MoneyBag``s, ids GIDs).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.graphql.connections import connection as make_connection
from sandbox.shopify.graphql.connections import (
    cursor_key,
    first_of,
    list_connection,
    make_cursor,
    nested,
    page_size,
)
from sandbox.shopify.graphql.search import SearchError, in_bounds, search_terms, time_bounds
from sandbox.shopify.graphql.values import (
    bag,
    bag_from_set,
    bag_sum,
    gid,
    money,
    parse_gid,
    utc_text,
)
from sandbox.shopify.inventory import InventoryLevel, inventory_levels
from sandbox.shopify.money import convert
from sandbox.shopify.order_query import OrderFilter, OrderQuery
from sandbox.shopify.paging import Cursor
from sandbox.shopify.render import Renderer

if TYPE_CHECKING:
    from sandbox.shopify.catalog import Product, Variant
    from sandbox.shopify.model import Location, Order, SandboxShop
    from sandbox.shopify.people import Customer

#: Page size of the root connection a bulk operation walks.
BULK_PAGE = 250
_ORDER_SORT = {
    "ID": "id",
    "ORDER_NUMBER": "id",
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PROCESSED_AT": "processed_at",
}
_FULFILLMENT = {None: "UNFULFILLED", "fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}
_DISCOUNT_TYPES = {
    "discount_code": "DiscountCodeApplication",
    "manual": "ManualDiscountApplication",
    "automatic": "AutomaticDiscountApplication",
    "script": "ScriptDiscountApplication",
}
_SCOPES = {
    "orders": "read_orders",
    "customers": "read_customers",
    "products": "read_products",
    "locations": "read_locations",
    "inventory": "read_inventory",
}
INVENTORY_QUANTITY_NAMES = frozenset(
    {
        "available",
        "committed",
        "damaged",
        "incoming",
        "on_hand",
        "quality_control",
        "reserved",
        "safety_stock",
    }
)


def _lazy_bag(money_set: dict | None) -> Callable[..., dict | None]:
    """A ``MoneyBag`` field built only when it is selected."""
    return lambda info: bag_from_set(money_set)


def _bulk(info: GraphQLResolveInfo) -> bool:
    return bool(info.context.get("bulk"))


def access_denied(field: str, scope: str) -> GraphQLError:
    """Shopify's field-level error for a missing access scope."""
    return GraphQLError(
        f"Access denied for {field} field. Required access: `{scope}` access scope.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": f"`{scope}` access scope.",
        },
    )


class Builder:
    """Builds the GraphQL objects of one shop as of its clock (one per request)."""

    def __init__(self, shop: SandboxShop) -> None:
        self.shop = shop
        self.spec = shop.spec
        self.clock = shop.clock
        self.renderer = Renderer(shop)
        self.currency = shop.spec.currency
        self._levels: list[InventoryLevel] | None = None
        self._locations = {location.id: location for location in shop.locations}
        self._variants = {variant.id: variant for variant in shop.catalog.variants}
        self._items = {variant.inventory_item_id: variant for variant in shop.catalog.variants}

    # ----- permissions -----------------------------------------------------------------------------------
    def require(self, resource: str, field: str) -> None:
        """Raise Shopify's ACCESS_DENIED error unless the token has the resource's read scope."""
        scope = _SCOPES[resource]
        if scope not in self.spec.scopes:
            raise access_denied(field, scope)
        if resource in self.spec.forbidden_resources:
            raise GraphQLError(
                f"This app is not approved to access the {resource[:-1].capitalize()} object. "
                "See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.",
                extensions={"code": "ACCESS_DENIED"},
            )

    def visible_from(self) -> float | None:
        """Orders created before this (epoch seconds) are invisible without ``read_all_orders``."""
        if "read_all_orders" in self.spec.scopes:
            return None
        from sandbox.shopify.api import ORDER_WINDOW

        return (self.clock - ORDER_WINDOW).timestamp()

    # ----- shop ------------------------------------------------------------------------------------------
    def shop_object(self) -> dict:
        payload = self.renderer.shop_payload()
        zone = self.spec.zone
        return {
            "__typename": "Shop",
            "id": gid("Shop", payload["id"]),
            "name": payload["name"],
            "email": payload["email"],
            "myshopifyDomain": payload["myshopify_domain"],
            "ianaTimezone": payload["iana_timezone"],
            "timezoneAbbreviation": self.clock.astimezone(zone).tzname() or "",
            "currencyCode": payload["currency"],
            "enabledPresentmentCurrencies": list(self.spec.presentment_currencies),
            "taxesIncluded": bool(payload["taxes_included"]),
            "plan": {
                "displayName": payload["plan_display_name"],
                "publicDisplayName": payload["plan_display_name"],
                "partnerDevelopment": False,
                "shopifyPlus": self.spec.plan == "plus",
            },
            "createdAt": utc_text(payload["created_at"]),
            "updatedAt": utc_text(payload["updated_at"]),
        }

    # ----- orders ----------------------------------------------------------------------------------------
    @staticmethod
    def _address(address: dict | None, address_id: int | None = None) -> dict | None:
        if address is None:
            return None
        return {
            "__typename": "MailingAddress",
            "id": gid("MailingAddress", address_id if address_id is not None else address.get("id") or 0),
            "firstName": address.get("first_name"),
            "lastName": address.get("last_name"),
            "name": address.get("name"),
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "provinceCode": address.get("province_code"),
            "country": address.get("country"),
            "countryCodeV2": address.get("country_code"),
            "zip": address.get("zip"),
            "phone": address.get("phone"),
            "latitude": address.get("latitude"),
            "longitude": address.get("longitude"),
        }

    @staticmethod
    def _tax(tax: dict) -> dict:
        rate = tax.get("rate")
        return {
            "title": tax["title"],
            "rate": rate,
            "ratePercentage": round(rate * 100, 6) if rate is not None else None,
            "priceSet": _lazy_bag(tax["price_set"]),
            "channelLiable": tax.get("channel_liable"),
        }

    @staticmethod
    def _discount_application(index: int, raw: dict) -> dict:
        value: dict
        if raw["value_type"] == "percentage":
            value = {"__typename": "PricingPercentageValue", "percentage": float(raw["value"])}
        else:
            value = {"__typename": "MoneyV2", **money(raw["value"], raw.get("currency") or "")}
        application = {
            "__typename": _DISCOUNT_TYPES.get(raw["type"], "ManualDiscountApplication"),
            "index": index,
            "allocationMethod": raw["allocation_method"].upper(),
            "targetSelection": raw["target_selection"].upper(),
            "targetType": raw["target_type"].upper(),
            "value": value,
            "title": raw.get("title") or raw.get("code") or "",
            "description": raw.get("description"),
        }
        if raw["type"] == "discount_code":
            application["code"] = raw.get("code") or ""
        return application

    def order_object(self, order: Order) -> dict:
        """The GraphQL ``Order`` for a model order, derived from its REST payload."""
        payload = orjson.loads(self.renderer.order_json(order, embed_customer=False))
        shop_currency, presentment = self.currency, payload["presentment_currency"]
        fx = order.fx_rate

        def both(amount: Decimal) -> dict:
            return bag(amount, shop_currency, convert(amount, fx), presentment)

        applications = [
            self._discount_application(index, raw)
            for index, raw in enumerate(payload["discount_applications"])
        ]
        for application in applications:
            value = application["value"]
            if value["__typename"] == "MoneyV2":
                value["currencyCode"] = presentment

        def allocations(raw: list[dict]) -> list[dict]:
            return [
                {
                    "allocatedAmountSet": bag_from_set(item["amount_set"]),
                    "discountApplication": applications[item["discount_application_index"]],
                }
                for item in raw
            ]

        lines = [
            self._line_item(raw, allocations, shop_currency, presentment) for raw in payload["line_items"]
        ]
        lines_by_id = {parse_gid(line["id"])[1]: line for line in lines}  # type: ignore[index]
        shipping = [
            {
                "id": gid("ShippingLine", raw["id"]),
                "title": raw["title"],
                "code": raw.get("code"),
                "source": raw.get("source"),
                "originalPriceSet": _lazy_bag(raw["price_set"]),
                "discountedPriceSet": _lazy_bag(raw["discounted_price_set"]),
                "discountAllocations": allocations(raw.get("discount_allocations") or []),
                "taxLines": [self._tax(tax) for tax in raw["tax_lines"]],
            }
            for raw in payload["shipping_lines"]
        ]
        model_transactions = {t.id: t for t in order.transactions_at(self.clock)}
        transactions: dict[int, dict] = {}

        def transaction(transaction_id: int) -> dict:
            found = transactions.get(transaction_id)
            if found is None:
                move = model_transactions[transaction_id]
                authorization = None if move.gateway in {"manual", "cash"} else f"auth-{move.id % 10**8}"
                found = {
                    "__typename": "OrderTransaction",
                    "id": gid("OrderTransaction", move.id),
                    "kind": move.kind.upper(),
                    "status": move.status.upper(),
                    "gateway": move.gateway,
                    "test": order.test,
                    "amountSet": both(move.amount),
                    "createdAt": utc_text(move.created_at),
                    "processedAt": utc_text(move.created_at),
                    "authorizationCode": authorization,
                    "errorCode": None,
                    "parentTransaction": (
                        (lambda info, parent=move.parent_id: transaction(parent))
                        if move.parent_id in model_transactions
                        else None
                    ),
                }
                transactions[transaction_id] = found
            return found

        model_refunds = {refund.id: refund for refund in order.refunds_at(self.clock)}
        built_refunds: list[list[dict]] = []

        def refunds() -> list[dict]:
            if not built_refunds:
                built_refunds.append(
                    [
                        self._refund(raw, model_refunds[raw["id"]], lines_by_id, transaction, both)
                        for raw in payload["refunds"]
                    ]
                )
            return built_refunds[0]

        refunded = bag_sum(
            [both(refund.amount) for refund in model_refunds.values()], shop_currency, presentment
        )
        customer = self.shop.people.by_id.get(order.customer_id) if order.customer_id else None
        codes = [code["code"] for code in payload["discount_codes"]]
        outstanding = Decimal(payload["total_outstanding"])
        return {
            "__typename": "Order",
            "id": gid("Order", order.id),
            "legacyResourceId": str(order.id),
            "name": payload["name"],
            "number": payload["number"],
            "email": payload["email"],
            "phone": payload["phone"],
            "createdAt": utc_text(payload["created_at"]),
            "updatedAt": utc_text(payload["updated_at"]),
            "processedAt": utc_text(payload["processed_at"]),
            "cancelledAt": utc_text(payload["cancelled_at"]),
            "cancelReason": payload["cancel_reason"].upper() if payload["cancel_reason"] else None,
            "closed": payload["closed_at"] is not None,
            "closedAt": utc_text(payload["closed_at"]),
            "test": payload["test"],
            "confirmed": payload["confirmed"],
            "confirmationNumber": payload["confirmation_number"],
            "currencyCode": payload["currency"],
            "presentmentCurrencyCode": presentment,
            "taxesIncluded": payload["taxes_included"],
            "displayFinancialStatus": (payload["financial_status"] or "").upper() or None,
            "displayFulfillmentStatus": _FULFILLMENT.get(payload["fulfillment_status"], "UNFULFILLED"),
            "sourceName": payload["source_name"],
            "tags": [tag.strip() for tag in payload["tags"].split(",") if tag.strip()],
            "note": payload["note"],
            "customerLocale": payload["customer_locale"],
            "paymentGatewayNames": payload["payment_gateway_names"],
            "customer": (lambda info: self.customer_object(customer)) if customer is not None else None,
            "billingAddress": self._address(payload.get("billing_address"), order.id),
            "shippingAddress": self._address(payload.get("shipping_address"), order.id + 1),
            "discountCode": codes[0] if codes else None,
            "discountCodes": codes,
            "lineItems": lambda info, **args: nested(lines, args, _bulk(info)),
            "shippingLines": lambda info, **args: nested(shipping, args, _bulk(info)),
            "discountApplications": lambda info, **args: nested(applications, args, _bulk(info)),
            "taxLines": lambda info, **args: first_of([self._tax(tax) for tax in payload["tax_lines"]], args),
            "refunds": lambda info, **args: first_of(refunds(), args),
            "transactions": lambda info, **args: first_of(
                [transaction(move.id) for move in order.transactions_at(self.clock)], args
            ),
            "totalPriceSet": _lazy_bag(payload["total_price_set"]),
            "subtotalPriceSet": _lazy_bag(payload["subtotal_price_set"]),
            "totalTaxSet": _lazy_bag(payload["total_tax_set"]),
            "totalDiscountsSet": _lazy_bag(payload["total_discounts_set"]),
            "totalShippingPriceSet": _lazy_bag(payload["total_shipping_price_set"]),
            "totalRefundedSet": refunded,
            "totalOutstandingSet": bag(outstanding, shop_currency, convert(outstanding, fx), presentment),
            "currentTotalPriceSet": _lazy_bag(payload["current_total_price_set"]),
            "currentSubtotalPriceSet": _lazy_bag(payload["current_subtotal_price_set"]),
            "currentTotalTaxSet": _lazy_bag(payload["current_total_tax_set"]),
            "currentTotalDiscountsSet": _lazy_bag(payload["current_total_discounts_set"]),
            "totalWeight": str(payload["total_weight"]) if payload["total_weight"] is not None else None,
            "totalPrice": payload["total_price"],
        }

    def _line_item(
        self, raw: dict, allocations: Callable[[list[dict]], list[dict]], shop_currency: str, presentment: str
    ) -> dict:
        quantity = raw["quantity"]
        unit = raw["price_set"]
        shop_unit = Decimal(unit["shop_money"]["amount"])
        presentment_unit = Decimal(unit["presentment_money"]["amount"])
        allocated = allocations(raw["discount_allocations"])

        def discounted() -> dict:
            discount = bag_sum([a["allocatedAmountSet"] for a in allocated], shop_currency, presentment)
            return bag(
                per_unit(shop_unit, discount["shopMoney"]["amount"]),
                shop_currency,
                per_unit(presentment_unit, discount["presentmentMoney"]["amount"]),
                presentment,
            )

        cent = Decimal("0.01")

        def per_unit(total: Decimal, off: str) -> Decimal:
            return ((total * quantity - Decimal(off)) / quantity).quantize(cent) if quantity else total

        product_id, variant_id = raw.get("product_id"), raw.get("variant_id")
        return {
            "__typename": "LineItem",
            "id": gid("LineItem", raw["id"]),
            "name": raw["name"],
            "title": raw["title"],
            "variantTitle": raw.get("variant_title"),
            "sku": raw.get("sku"),
            "vendor": raw.get("vendor"),
            "quantity": quantity,
            "currentQuantity": raw.get("current_quantity", quantity),
            "taxable": raw["taxable"],
            "requiresShipping": raw["requires_shipping"],
            "isGiftCard": bool(raw.get("gift_card")),
            "product": (lambda info: self.product_by_id(product_id)) if product_id else None,
            "variant": (lambda info: self.variant_by_id(variant_id)) if variant_id else None,
            "originalUnitPriceSet": bag_from_set(unit),
            "originalTotalSet": lambda info: bag(
                shop_unit * quantity, shop_currency, presentment_unit * quantity, presentment
            ),
            "totalDiscountSet": _lazy_bag(raw["total_discount_set"]),
            "discountedUnitPriceSet": lambda info: discounted(),
            "discountAllocations": allocated,
            "taxLines": lambda info, **args: first_of([self._tax(tax) for tax in raw["tax_lines"]], args),
            "originalUnitPrice": raw["price"],
        }

    def _refund(
        self,
        raw: dict,
        refund: Any,
        lines_by_id: dict[int, dict],
        transaction: Callable[[int], dict],
        both: Callable[[Decimal], dict],
    ) -> dict:
        refund_lines = [
            {
                "id": gid("RefundLineItem", item["id"]),
                "lineItem": lines_by_id[item["line_item_id"]],
                "quantity": item["quantity"],
                "restockType": item["restock_type"].upper(),
                "restocked": item["restock_type"] != "no_restock",
                "location": (
                    (lambda info, location_id=item["location_id"]: self.location_by_id(location_id))
                    if item.get("location_id")
                    else None
                ),
                "priceSet": lines_by_id[item["line_item_id"]]["originalUnitPriceSet"],
                "subtotalSet": _lazy_bag(item["subtotal_set"]),
                "totalTaxSet": _lazy_bag(item["total_tax_set"]),
            }
            for item in raw["refund_line_items"]
        ]
        adjustments = [
            {
                "id": gid("OrderAdjustment", item["id"]),
                "amountSet": _lazy_bag(item["amount_set"]),
                "taxAmountSet": _lazy_bag(item["tax_amount_set"]),
                "reason": (item.get("kind") or "").upper() or None,
            }
            for item in raw["order_adjustments"]
        ]
        moves = [transaction(item["id"]) for item in raw["transactions"]]
        return {
            "__typename": "Refund",
            "id": gid("Refund", raw["id"]),
            "legacyResourceId": str(raw["id"]),
            "createdAt": utc_text(raw["created_at"]),
            "note": raw.get("note"),
            "totalRefundedSet": both(refund.amount),
            "refundLineItems": lambda info, **args: nested(refund_lines, args, _bulk(info)),
            "transactions": lambda info, **args: nested(moves, args, _bulk(info)),
            "orderAdjustments": lambda info, **args: nested(adjustments, args, _bulk(info)),
        }

    def order_key(self, order: Order, field: str) -> int:
        """The value of the sort field of an order (epoch seconds, or its id)."""
        if field == "created_at":
            return int(order.created_at.timestamp())
        if field == "updated_at":
            return int(order.updated_at(self.clock).timestamp())
        if field == "processed_at":
            return int(order.processed_at.timestamp())
        return order.id

    def orders_connection(self, info: GraphQLResolveInfo, args: dict[str, Any]) -> dict:
        """``orders(...)``: all statuses, the search filter, sortKey and reverse, over ``OrderQuery``."""
        self.require("orders", "orders")
        first, last = page_size(args, _bulk(info))
        try:
            bounds = time_bounds(args.get("query"), self.spec.zone)
        except SearchError as error:
            raise GraphQLError(str(error)) from None
        field = _ORDER_SORT[args.get("sortKey") or "ID"]
        sign = -1 if args.get("reverse") else 1
        after, before = cursor_key(args.get("after")), cursor_key(args.get("before"))

        def query(direction: int) -> OrderQuery:
            return OrderQuery(
                self.shop,
                OrderFilter(
                    status="any",
                    bounds=tuple(sorted(bounds.items())),
                    field=field,
                    direction=direction,
                    visible_from=self.visible_from(),
                ),
            )

        def keyed(key: tuple[int, ...], direction: int) -> tuple[int, ...]:
            return tuple(direction * part for part in key)

        if last is not None and before is None and after is None:
            page = query(-sign).page(last, None)
            orders, has_previous, has_next = list(reversed(page.items)), page.has_next, False
        elif before is not None:
            size = last if last is not None else (first if first is not None else BULK_PAGE)
            page = query(sign).page(size, Cursor("orders", (), "previous", keyed(before, sign), None))
            orders, has_previous, has_next = page.items, page.has_previous, True
        else:
            size = first if first is not None else BULK_PAGE
            cursor = Cursor("orders", (), "next", keyed(after, sign), None) if after is not None else None
            page = query(sign).page(size, cursor)
            orders, has_previous, has_next = page.items, page.has_previous or after is not None, page.has_next
        cursors = [make_cursor((self.order_key(order, field), order.id)) for order in orders]
        return make_connection(
            [self.order_object(order) for order in orders], cursors, has_previous, has_next
        )

    def orders_count(self, args: dict[str, Any]) -> dict:
        """``ordersCount(query:, limit:)``: the orders of every status matching the search filter, as
        ``{count, precision}``; a count above ``limit`` (10,000 unless given; ``null``: none) stops at it
        with precision ``AT_LEAST``, as Shopify's does."""
        self.require("orders", "ordersCount")
        try:
            bounds = time_bounds(args.get("query"), self.spec.zone)
        except SearchError as error:
            raise GraphQLError(str(error)) from None
        limit = args.get("limit")
        if limit is not None and limit < 0:
            raise GraphQLError(f"ordersCount: limit must not be negative, got {limit}")
        order_filter = OrderFilter(
            status="any", bounds=tuple(sorted(bounds.items())), visible_from=self.visible_from()
        )
        count = OrderQuery(self.shop, order_filter).count()
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def order_by_id(self, order_id: int) -> dict | None:
        order = self.shop.order(order_id)
        visible_from = self.visible_from()
        if order is None or (visible_from is not None and order.created_at.timestamp() < visible_from):
            return None
        return self.order_object(order)

    # ----- customers -------------------------------------------------------------------------------------
    def customer_object(self, customer: Customer) -> dict:
        payload = self.renderer.customer(customer)
        consent = payload.get("email_marketing_consent")
        addresses = [self._address(address) for address in payload.get("addresses") or []]
        default = payload.get("default_address")
        name = " ".join(part for part in (payload.get("first_name"), payload.get("last_name")) if part)
        return {
            "__typename": "Customer",
            "id": gid("Customer", customer.id),
            "legacyResourceId": str(customer.id),
            "firstName": payload.get("first_name"),
            "lastName": payload.get("last_name"),
            "displayName": name or payload.get("email") or "",
            "email": payload.get("email"),
            "phone": payload.get("phone"),
            "state": payload["state"].upper(),
            "createdAt": utc_text(payload["created_at"]),
            "updatedAt": utc_text(payload["updated_at"]),
            "note": payload.get("note"),
            "tags": [tag.strip() for tag in (payload.get("tags") or "").split(",") if tag.strip()],
            "verifiedEmail": bool(payload.get("verified_email")),
            "taxExempt": bool(payload.get("tax_exempt")),
            "numberOfOrders": str(payload.get("orders_count", 0)),
            "amountSpent": money(payload.get("total_spent", "0.00"), self.currency),
            "defaultAddress": self._address(default) if default else None,
            "addresses": lambda info, **args: first_of(addresses, args),
            "emailMarketingConsent": (
                {
                    "marketingState": consent["state"].upper(),
                    "marketingOptInLevel": (consent.get("opt_in_level") or "").upper() or None,
                    "consentUpdatedAt": utc_text(consent.get("consent_updated_at")),
                }
                if consent
                else None
            ),
        }

    def customer_rows(self, args: dict[str, Any]) -> list[tuple[tuple[int, ...], Customer]]:
        bounds = self._bounds(args, ("created_at", "updated_at"))
        field = {"ID": "id", "CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}[
            args.get("sortKey") or "ID"
        ]
        rows = []
        for customer in self.shop.people.customers:
            if customer.created_at > self.clock:
                break
            values = {
                "id": customer.id,
                "created_at": int(customer.created_at.timestamp()),
                "updated_at": int(self.renderer.customer_updated_at(customer).timestamp()),
            }
            if in_bounds(bounds, "created_at", values["created_at"]) and in_bounds(
                bounds, "updated_at", values["updated_at"]
            ):
                rows.append(((values[field], customer.id), customer))
        rows.sort(key=lambda row: row[0])
        return rows

    def _bounds(self, args: dict[str, Any], fields: tuple[str, ...]) -> dict[str, float]:
        try:
            return time_bounds(args.get("query"), self.spec.zone, fields)
        except SearchError as error:
            raise GraphQLError(str(error)) from None

    # ----- products and inventory ------------------------------------------------------------------------
    def product_object(self, product: Product) -> dict:
        payload = self.renderer.product(product)
        variants = [self._variant(raw, product) for raw in payload["variants"]]
        return {
            "__typename": "Product",
            "id": gid("Product", product.id),
            "legacyResourceId": str(product.id),
            "title": payload["title"],
            "handle": payload["handle"],
            "vendor": payload["vendor"],
            "productType": payload["product_type"],
            "status": payload["status"].upper(),
            "tags": [tag.strip() for tag in payload["tags"].split(",") if tag.strip()],
            "createdAt": utc_text(payload["created_at"]),
            "updatedAt": utc_text(payload["updated_at"]),
            "publishedAt": utc_text(payload.get("published_at")),
            "descriptionHtml": payload.get("body_html") or "",
            "totalInventory": sum(raw.get("inventory_quantity") or 0 for raw in payload["variants"]),
            "variants": lambda info, **args: nested(variants, args, _bulk(info)),
        }

    def _variant(self, raw: dict, product: Product | None = None) -> dict:
        product_id = raw["product_id"]
        variant = self._variants[raw["id"]]
        return {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", raw["id"]),
            "legacyResourceId": str(raw["id"]),
            "title": raw["title"],
            "sku": raw.get("sku"),
            "price": raw["price"],
            "compareAtPrice": raw.get("compare_at_price"),
            "barcode": raw.get("barcode"),
            "position": raw["position"],
            "inventoryQuantity": raw.get("inventory_quantity"),
            "taxable": raw["taxable"],
            "createdAt": utc_text(raw["created_at"]),
            "updatedAt": utc_text(raw["updated_at"]),
            "product": lambda info: self.product_by_id(product_id),
            "inventoryItem": lambda info: self.inventory_item(variant),
        }

    def product_by_id(self, product_id: int) -> dict | None:
        product = self.shop.catalog.by_product_id.get(product_id)
        if product is None or product.created_at > self.clock:
            return None
        return self.product_object(product)

    def variant_by_id(self, variant_id: int) -> dict | None:
        variant = self._variants.get(variant_id)
        product = self.shop.catalog.by_product_id.get(variant.product_id) if variant else None
        if variant is None or product is None or product.created_at > self.clock:
            return None
        payload = self.renderer.product(product)
        for raw in payload["variants"]:
            if raw["id"] == variant_id:
                return self._variant(raw)
        return None

    def product_rows(self, args: dict[str, Any]) -> list[tuple[tuple[int, ...], Product]]:
        bounds = self._bounds(args, ("created_at", "updated_at"))
        sort = args.get("sortKey") or "ID"
        rows = []
        for position, product in enumerate(self.shop.catalog.products):
            if product.created_at > self.clock:
                continue
            values = {
                "ID": product.id,
                "CREATED_AT": int(product.created_at.timestamp()),
                "UPDATED_AT": int(product.updated_at(self.clock).timestamp()),
                "TITLE": position,
            }
            if in_bounds(bounds, "created_at", values["CREATED_AT"]) and in_bounds(
                bounds, "updated_at", values["UPDATED_AT"]
            ):
                rows.append(((values[sort], product.id), product))
        if sort == "TITLE":
            rows.sort(key=lambda row: (row[1].title, row[1].id))
            rows = [((index, product.id), product) for index, (_key, product) in enumerate(rows)]
        rows.sort(key=lambda row: row[0])
        return rows

    def levels(self) -> list[InventoryLevel]:
        if self._levels is None:
            self._levels = inventory_levels(self.shop)
        return self._levels

    def inventory_item(self, variant: Variant) -> dict:
        item_id = variant.inventory_item_id
        levels = [level for level in self.levels() if level.inventory_item_id == item_id]
        return {
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", item_id),
            "legacyResourceId": str(item_id),
            "sku": variant.state_at(self.clock).sku,
            "tracked": True,
            "measurement": {
                "id": gid("InventoryItemMeasurement", item_id),
                "weight": {"unit": "KILOGRAMS", "value": variant.grams / 1000},
            },
            "createdAt": utc_text(self.shop.catalog.by_product_id[variant.product_id].created_at),
            "updatedAt": utc_text(max((level.updated_at for level in levels), default=self.clock)),
            "variant": lambda info: self.variant_by_id(variant.id),
            "inventoryLevels": lambda info, **args: list_connection(
                [((level.location_id,), level) for level in levels], args, _bulk(info), self.level_object
            ),
            "inventoryLevel": lambda info, locationId: self._level_at(levels, locationId),
        }

    def _level_at(self, levels: list[InventoryLevel], location_gid: str) -> dict | None:
        parsed = parse_gid(location_gid, "Location")
        for level in levels:
            if parsed is not None and level.location_id == parsed[1]:
                return self.level_object(level)
        return None

    def level_object(self, level: InventoryLevel) -> dict:
        item_id, location_id = level.inventory_item_id, level.location_id

        def quantities(info: GraphQLResolveInfo, names: list[str]) -> list[dict]:
            unknown = [name for name in names if name not in INVENTORY_QUANTITY_NAMES]
            if unknown:
                raise GraphQLError(
                    f"Invalid quantity name: {unknown[0]}", extensions={"code": "BAD_USER_INPUT"}
                )
            return [
                {
                    "id": gid("InventoryQuantity", f"{location_id}?inventory_item_id={item_id}&name={name}"),
                    "name": name,
                    "quantity": level.available if name in {"available", "on_hand"} else 0,
                    "updatedAt": utc_text(level.updated_at),
                }
                for name in names
            ]

        variant = self._items.get(item_id)
        return {
            "__typename": "InventoryLevel",
            "id": gid("InventoryLevel", f"{location_id}?inventory_item_id={item_id}"),
            "location": lambda info: self.location_by_id(location_id),
            "item": lambda info: self.inventory_item(variant) if variant else None,
            "updatedAt": utc_text(level.updated_at),
            "createdAt": utc_text(self._locations[location_id].created_at),
            "quantities": quantities,
        }

    # ----- locations -------------------------------------------------------------------------------------
    def location_object(self, location: Location) -> dict:
        payload = self.renderer.location(location)
        levels = [level for level in self.levels() if level.location_id == location.id]

        def inventory(info: GraphQLResolveInfo, **args: Any) -> dict:
            bounds = self._bounds(args, ("updated_at",))
            rows = [
                ((level.inventory_item_id,), level)
                for level in levels
                if in_bounds(bounds, "updated_at", level.updated_at.timestamp())
            ]
            return list_connection(rows, args, _bulk(info), self.level_object)

        return {
            "__typename": "Location",
            "id": gid("Location", location.id),
            "legacyResourceId": str(location.id),
            "name": payload["name"],
            "isActive": bool(payload["active"]),
            "createdAt": utc_text(payload["created_at"]),
            "updatedAt": utc_text(payload["updated_at"]),
            "address": {
                "address1": payload.get("address1"),
                "address2": payload.get("address2"),
                "city": payload.get("city"),
                "province": payload.get("province"),
                "provinceCode": payload.get("province_code"),
                "country": payload.get("country_name"),
                "countryCode": payload.get("country_code"),
                "zip": payload.get("zip"),
                "phone": payload.get("phone"),
            },
            "inventoryLevels": inventory,
        }

    def location_by_id(self, location_id: int) -> dict | None:
        location = self._locations.get(location_id)
        if location is None or location.created_at > self.clock:
            return None
        return self.location_object(location)

    def location_rows(self, args: dict[str, Any]) -> list[tuple[tuple[int, ...], Location]]:
        located = [location for location in self.shop.locations if location.created_at <= self.clock]
        if (args.get("sortKey") or "NAME") == "NAME":
            located.sort(key=lambda location: (location.name, location.id))
            return [((index, location.id), location) for index, location in enumerate(located)]
        return sorted(((location.id,), location) for location in located)

    # ----- deletions -------------------------------------------------------------------------------------
    def deletion_rows(self, args: dict[str, Any]) -> list[tuple[tuple[int, ...], dict]]:
        subjects = args.get("subjectTypes")
        bounds = self._bounds(args, ("occurred_at",))
        rows = []
        if subjects is None or "ORDER" in subjects:
            visible_from = self.visible_from()
            for order, at in self.shop.deleted_orders():
                if visible_from is not None and order.created_at.timestamp() < visible_from:
                    continue
                if not in_bounds(bounds, "occurred_at", at.timestamp()):
                    continue
                event = {
                    "occurredAt": utc_text(at),
                    "subjectId": gid("Order", order.id),
                    "subjectType": "ORDER",
                }
                key = (int(at.timestamp()), order.id) if args.get("sortKey") == "CREATED_AT" else (order.id,)
                rows.append((key, event))
        rows.sort(key=lambda row: row[0])
        return rows

    def event_rows(self, args: dict[str, Any]) -> list[tuple[tuple[int, ...], dict]]:
        """``events(query:)``: the activity log (``events.py``) filtered by ``subject_type``, ``action``,
        ``created_at`` and ``id`` terms, keyed for ``sortKey``."""
        from sandbox.shopify import events as event_log

        terms = search_terms(args.get("query"))
        bounds = self._bounds(args, ("created_at",))
        subjects = {value.upper() for value in terms.get("subject_type", [])}
        actions = set(terms.get("action", []) + terms.get("verb", []))
        readable = set()
        if "read_orders" in self.spec.scopes and "orders" not in self.spec.forbidden_resources:
            readable.add("Order")
        if "read_products" in self.spec.scopes:
            readable.add("Product")
        log = self.shop.cached(
            f"events:{sorted(readable)}:{self.visible_from()}",
            lambda: event_log.shop_events(self.shop, frozenset(readable), self.visible_from()),
        )
        rows = []
        for event in log:
            if subjects and event.subject_type.upper() not in subjects:
                continue
            if actions and event.verb not in actions:
                continue
            if not in_bounds(bounds, "created_at", event.created_at.timestamp()):
                continue
            key = (
                (int(event.created_at.timestamp()), event.id)
                if args.get("sortKey") == "CREATED_AT"
                else (event.id,)
            )
            rows.append((key, self._event(event)))
        rows.sort(key=lambda row: row[0])
        return rows

    @staticmethod
    def _event(event: Any) -> dict:
        return {
            "__typename": "BasicEvent",
            "id": gid("BasicEvent", event.id),
            "action": event.verb,
            "appTitle": None,
            "attributeToApp": False,
            "attributeToUser": False,
            "createdAt": utc_text(event.created_at),
            "criticalAlert": False,
            "message": event.message,
            "subjectId": gid(event.subject_type, event.subject_id),
            "subjectType": event.subject_type.upper(),
            "arguments": list(event.arguments),
        }

    # ----- nodes -----------------------------------------------------------------------------------------
    def node(self, global_id: str) -> dict | None:
        parsed = parse_gid(global_id)
        if parsed is None:
            raise GraphQLError(
                f"Invalid global id '{global_id}'", extensions={"code": "argumentLiteralsIncompatible"}
            )
        kind, object_id = parsed
        if kind == "Order":
            self.require("orders", "order")
            return self.order_by_id(object_id)
        if kind == "Customer":
            self.require("customers", "customer")
            customer = self.shop.people.by_id.get(object_id)
            return self.customer_object(customer) if customer and customer.created_at <= self.clock else None
        if kind == "Product":
            self.require("products", "product")
            return self.product_by_id(object_id)
        if kind == "ProductVariant":
            self.require("products", "productVariant")
            return self.variant_by_id(object_id)
        if kind == "Location":
            self.require("locations", "location")
            return self.location_by_id(object_id)
        if kind == "InventoryItem":
            self.require("inventory", "inventoryItem")
            variant = self._items.get(object_id)
            return self.inventory_item(variant) if variant else None
        if kind == "Shop":
            return self.shop_object()
        return None
