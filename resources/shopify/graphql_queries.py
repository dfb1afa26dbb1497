"""The GraphQL Admin API query documents the raw assets send: what staging needs of each entity, no more.

Every list is a connection walked with ``first``/``after`` (``pageInfo { hasNextPage endCursor }``).
Orders, customers and products are asked for an ``updated_at`` window with Shopify's search syntax
(``query: "updated_at:>='…' AND updated_at:<='…'"``) sorted by ``UPDATED_AT``, as REST's
``updated_at_min``/``updated_at_max`` and ``order=updated_at asc``.

Shopify prices a query before running it (``requestedQueryCost``): each object 1 point, a connection 2
plus ``first`` times its node's cost; a query above 1,000 points is refused. The page sizes below keep
each document under that limit (``tests/resources/test_shopify_graphql.py`` asks the sandbox for the
cost of each and checks it); nested connections ask for enough items for an ordinary order, and a node
with more than that is fetched in full by the client (``ShopifyGraphQLClient``): the rest of an
order's line items, shipping lines or discount applications page by page through ``order(id:)``.

The bulk queries (``bulk_queries.py``) select the same fields, so that their records have the very
shape of these (``graphql_records.unwrap_connections``).
"""

from __future__ import annotations

#: A money bag (``*Set``): the amount in the shop's currency and in the currency the customer saw.
MONEY_BAG = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

#: Items asked per page of an order's nested connections (more are paged in through ``order(id:)``).
LINE_ITEMS_PAGE = 5
SHIPPING_LINES_PAGE = 1
DISCOUNT_APPLICATIONS_PAGE = 2
#: A refund's nested connections cannot be paged from an order (refunds are a list); an order whose
#: refund has more of them than these is refused with an error naming the order (never cut short).
REFUND_LINE_ITEMS_PAGE = 8
REFUND_TRANSACTIONS_PAGE = 3
ORDER_ADJUSTMENTS_PAGE = 1

TAX_LINE = f"title rate priceSet {{ {MONEY_BAG} }}"
DISCOUNT_ALLOCATION = f"allocatedAmountSet {{ {MONEY_BAG} }} discountApplication {{ index }}"
LINE_ITEM_FIELDS = (
    "id title variantTitle sku vendor quantity taxable requiresShipping isGiftCard "
    "product { id } variant { id } "
    f"originalUnitPriceSet {{ {MONEY_BAG} }} totalDiscountSet {{ {MONEY_BAG} }} "
    f"discountAllocations {{ {DISCOUNT_ALLOCATION} }} taxLines {{ {TAX_LINE} }}"
)
SHIPPING_LINE_FIELDS = (
    f"id title code source originalPriceSet {{ {MONEY_BAG} }} discountedPriceSet {{ {MONEY_BAG} }} "
    f"discountAllocations {{ {DISCOUNT_ALLOCATION} }} taxLines {{ {TAX_LINE} }}"
)
DISCOUNT_APPLICATION_FIELDS = (
    "index targetType allocationMethod "
    "value { __typename ... on MoneyV2 { amount currencyCode } "
    "... on PricingPercentageValue { percentage } } "
    "... on DiscountCodeApplication { code }"
)
PAGE_INFO = "pageInfo { hasNextPage endCursor }"


def _nested(name: str, first: int, fields: str) -> str:
    return f"{name}(first: {first}) {{ {PAGE_INFO} nodes {{ {fields} }} }}"


#: An order's own fields (no connection): ids, dates, statuses, the customer, money totals, taxes.
ORDER_OWN_FIELDS = (
    "id legacyResourceId name number email phone createdAt updatedAt processedAt cancelledAt "
    "cancelReason closedAt test currencyCode presentmentCurrencyCode taxesIncluded "
    "displayFinancialStatus displayFulfillmentStatus sourceName tags note "
    "customer { id email phone } "
    "shippingAddress { name city zip provinceCode countryCodeV2 } "
    f"totalPriceSet {{ {MONEY_BAG} }} subtotalPriceSet {{ {MONEY_BAG} }} totalTaxSet {{ {MONEY_BAG} }} "
    f"totalDiscountsSet {{ {MONEY_BAG} }} totalShippingPriceSet {{ {MONEY_BAG} }} "
    f"taxLines {{ {TAX_LINE} }}"
)
#: A refund with its lines, transactions and adjustments (connections inside the ``refunds`` list).
REFUND_FIELDS = (
    "id createdAt note "
    + _nested(
        "refundLineItems",
        REFUND_LINE_ITEMS_PAGE,
        f"id quantity restockType restocked location {{ id }} lineItem {{ id }} "
        f"subtotalSet {{ {MONEY_BAG} }} totalTaxSet {{ {MONEY_BAG} }}",
    )
    + " "
    + _nested("transactions", REFUND_TRANSACTIONS_PAGE, f"kind status amountSet {{ {MONEY_BAG} }}")
    + " "
    + _nested(
        "orderAdjustments",
        ORDER_ADJUSTMENTS_PAGE,
        f"id reason amountSet {{ {MONEY_BAG} }} taxAmountSet {{ {MONEY_BAG} }}",
    )
)
#: An order with everything staging reads: lines, shipping, discounts, taxes, refunds, the customer.
ORDER_FIELDS = (
    ORDER_OWN_FIELDS
    + " "
    + _nested("discountApplications", DISCOUNT_APPLICATIONS_PAGE, DISCOUNT_APPLICATION_FIELDS)
    + " "
    + _nested("lineItems", LINE_ITEMS_PAGE, LINE_ITEM_FIELDS)
    + " "
    + _nested("shippingLines", SHIPPING_LINES_PAGE, SHIPPING_LINE_FIELDS)
    + f" refunds {{ {REFUND_FIELDS} }}"
)

#: The nested connections of an order that can be paged further through ``order(id:)``, with the
#: fields of their nodes.
ORDER_PAGED_CONNECTIONS = {
    "lineItems": LINE_ITEM_FIELDS,
    "shippingLines": SHIPPING_LINE_FIELDS,
    "discountApplications": DISCOUNT_APPLICATION_FIELDS,
}

ADDRESS_FIELDS = (
    "id firstName lastName company address1 address2 city province provinceCode country countryCodeV2 "
    "zip phone"
)
CUSTOMER_FIELDS = (
    "id firstName lastName email phone state verifiedEmail taxExempt numberOfOrders "
    "amountSpent { amount currencyCode } createdAt updatedAt note tags "
    f"defaultAddress {{ id }} addresses {{ {ADDRESS_FIELDS} }}"
)
VARIANT_FIELDS = (
    "id title sku price compareAtPrice barcode position inventoryQuantity taxable createdAt updatedAt "
    "inventoryItem { id measurement { weight { unit value } } }"
)
#: Variants asked per product page; a product with more has the rest paged in through ``product(id:)``.
VARIANTS_PAGE = 20
PRODUCT_OWN_FIELDS = "id title handle vendor productType status tags createdAt updatedAt publishedAt"
PRODUCT_FIELDS = f"{PRODUCT_OWN_FIELDS} " + _nested("variants", VARIANTS_PAGE, VARIANT_FIELDS)
LOCATION_FIELDS = (
    "id name isActive createdAt updatedAt "
    "address { address1 address2 city province provinceCode country countryCode zip phone }"
)
INVENTORY_LEVEL_FIELDS = (
    'updatedAt item { id } location { id } quantities(names: ["available"]) { name quantity }'
)

#: Nodes asked per page of each root connection (each document's requested cost stays under 1,000).
ORDERS_PAGE = 4
CUSTOMERS_PAGE = 200
PRODUCTS_PAGE = 10
LOCATIONS_PAGE = 250
INVENTORY_LEVELS_PAGE = 200


def window_query(connection: str, fields: str) -> str:
    """A page of ``connection`` in an ``updated_at`` window, sorted by ``UPDATED_AT``."""
    return (
        f"query Window($first: Int!, $after: String, $query: String) {{ {connection}(first: $first, "
        f"after: $after, query: $query, sortKey: UPDATED_AT) {{ {PAGE_INFO} nodes {{ {fields} }} }} }}"
    )


ORDERS_QUERY = window_query("orders", ORDER_FIELDS)
CUSTOMERS_QUERY = window_query("customers", CUSTOMER_FIELDS)
PRODUCTS_QUERY = window_query("products", PRODUCT_FIELDS)
LOCATIONS_QUERY = (
    "query Locations($first: Int!, $after: String) { locations(first: $first, after: $after, sortKey: ID) "
    f"{{ {PAGE_INFO} nodes {{ {LOCATION_FIELDS} }} }} }}"
)
INVENTORY_LEVELS_QUERY = (
    "query Levels($id: ID!, $first: Int!, $after: String) { location(id: $id) { id "
    "inventoryLevels(first: $first, after: $after) "
    f"{{ {PAGE_INFO} nodes {{ {INVENTORY_LEVEL_FIELDS} }} }} }} }}"
)
SHOP_QUERY = (
    "query Shop { shop { id name email myshopifyDomain ianaTimezone currencyCode "
    "enabledPresentmentCurrencies taxesIncluded plan { displayName } createdAt updatedAt } }"
)


#: Deletions and ids are small nodes: a page of 250 costs 2 + 250 points, well under the 1,000 limit.
DELETION_EVENTS_PAGE = 250
ORDER_IDS_PAGE = 250
#: Orders deleted in a window (``occurred_at`` search terms), oldest first.
DELETION_EVENTS_QUERY = (
    "query Deletions($first: Int!, $after: String, $query: String) { deletionEvents(first: $first, "
    "after: $after, subjectTypes: [ORDER], query: $query, sortKey: CREATED_AT) "
    f"{{ {PAGE_INFO} nodes {{ subjectId subjectType occurredAt }} }} }}"
)
#: One order by id, or null when the shop does not hold it (an id-set finding confirmed).
ORDER_EXISTS_QUERY = "query OrderExists($id: ID!) { order(id: $id) { id } }"
#: The ids of the orders in a ``processed_at`` window (the id-set side of a deletion check).
ORDER_IDS_QUERY = (
    "query OrderIds($first: Int!, $after: String, $query: String) { orders(first: $first, after: $after, "
    f"query: $query, sortKey: ID) {{ {PAGE_INFO} nodes {{ id }} }} }}"
)

#: How many orders (every status) a search query matches: ``limit: null`` lifts the 10,000 default cap,
#: so the count is EXACT (the source-count check of a day's raw orders partition).
ORDERS_COUNT_QUERY = (
    "query OrdersCount($query: String) { ordersCount(query: $query, limit: null) { count precision } }"
)
#: The orders updated in a window, oldest change first, with only what the late-change probe needs.
ORDER_CHANGES_QUERY = (
    "query OrderChanges($first: Int!, $after: String, $query: String) { orders(first: $first, "
    f"after: $after, query: $query, sortKey: UPDATED_AT) {{ {PAGE_INFO} "
    "nodes { id processedAt updatedAt } } }"
)
ORDER_CHANGES_PAGE = 250


def nested_page_query(root: str, connection: str, fields: str) -> str:
    """The next page of one nested ``connection`` of the ``root`` node (``order``, ``product``) by id."""
    return (
        f"query Nested($id: ID!, $first: Int!, $after: String) {{ {root}(id: $id) {{ id "
        f"{connection}(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {fields} }} }} }} }}"
    )


#: Items asked per page when the rest of a nested connection is paged in.
NESTED_PAGE = 20
