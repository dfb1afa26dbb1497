"""The bulk queries of the windowed entities: the paginated documents' fields, in the form a bulk
operation accepts.

A bulk query (``bulkOperationRunQuery``) reads one top-level connection with no paging arguments; its
nested connections (at most five, two deep, never inside a list) come back as lines of their own, put
back under their parents by :class:`~resources.shopify.bulk_jsonl.BulkShape`. The nodes select exactly
the fields of the paginated documents (``graphql_queries``), so that a bulk record, once reassembled, has
the shape of a paginated one (``graphql_records``) and translates into the same REST record:

* orders: their own fields, discount applications, line items and shipping lines. A refund's lines,
  transactions and adjustments are connections inside the ``refunds`` list, which a bulk query cannot
  hold: the bulk query asks for refund ids only, and the refunds of the orders that have any are read
  after with :data:`ORDERS_REFUNDS_QUERY` (the paginated document's refund fields), ten orders a query;
* customers: their own fields and addresses (a list);
* products: their own fields and variants.

Children select ``__typename`` (discount applications have no id); :func:`drop_child_typenames` takes it
out again, as the paginated documents do not ask for it.
"""

from __future__ import annotations

import json
from datetime import datetime

from resources.shopify import graphql_queries as q
from resources.shopify.bulk import BulkQuery
from resources.shopify.bulk_jsonl import BulkShape
from resources.shopify.graphql import search_window

TYPENAME = "__typename"
#: The discount application types an order's ``discountApplications`` connection holds.
DISCOUNT_APPLICATION_TYPES = (
    "AutomaticDiscountApplication",
    "DiscountCodeApplication",
    "ManualDiscountApplication",
    "ScriptDiscountApplication",
)


def _children(name: str, fields: str) -> str:
    return f"{name} {{ edges {{ node {{ {TYPENAME} {fields} }} }} }}"


#: Per entity: (root connection, the node's selection, where child lines go).
BULK_ENTITIES: dict[str, tuple[str, str, BulkShape]] = {
    "orders": (
        "orders",
        " ".join(
            (
                q.ORDER_OWN_FIELDS,
                _children("discountApplications", q.DISCOUNT_APPLICATION_FIELDS),
                _children("lineItems", q.LINE_ITEM_FIELDS),
                _children("shippingLines", q.SHIPPING_LINE_FIELDS),
                "refunds { id }",
            )
        ),
        BulkShape(
            {
                "Order": {
                    "LineItem": "lineItems",
                    "ShippingLine": "shippingLines",
                    **dict.fromkeys(DISCOUNT_APPLICATION_TYPES, "discountApplications"),
                }
            }
        ),
    ),
    "customers": ("customers", q.CUSTOMER_FIELDS, BulkShape()),
    "products": (
        "products",
        f"{q.PRODUCT_OWN_FIELDS} {_children('variants', q.VARIANT_FIELDS)}",
        BulkShape({"Product": {"ProductVariant": "variants"}}),
    ),
}
#: The access scopes each bulk query reads with (orders older than 60 days need ``read_all_orders`` too):
#: named when a job ends ``ACCESS_DENIED``.
BULK_SCOPES: dict[str, tuple[str, ...]] = {
    "orders": ("read_orders", "read_all_orders"),
    "customers": ("read_customers",),
    "products": ("read_products",),
}
#: Connections whose child lines carry a ``__typename`` the paginated records do not have.
CHILD_CONNECTIONS: dict[str, tuple[str, ...]] = {
    "orders": ("discountApplications", "lineItems", "shippingLines"),
    "customers": (),
    "products": ("variants",),
}
#: Orders whose refunds are read in full per request (its requested cost stays under 1,000 points).
REFUND_ORDERS_PER_QUERY = 10
#: Orders' refunds in full (the paginated document's fields), for orders the bulk file says have any.
ORDERS_REFUNDS_QUERY = (
    "query OrdersRefunds($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id "
    f"refunds {{ {q.REFUND_FIELDS} }} }} }} }}"
)


def bulk_window_query(entity: str, updated_at_min: datetime | None, updated_at_max: datetime) -> BulkQuery:
    """The bulk query of ``entity`` (orders, customers, products) updated in ``[min, max]`` (both
    inclusive; no lower bound when ``min`` is None): the paginated path's search, sorted alike."""
    if entity not in BULK_ENTITIES:
        raise ValueError(f"no bulk query for {entity!r}; bulk reads {sorted(BULK_ENTITIES)}")
    connection, fields, shape = BULK_ENTITIES[entity]
    search = json.dumps(search_window(updated_at_min, updated_at_max))  # a GraphQL string literal
    document = (
        f"{{ {connection}(query: {search}, sortKey: UPDATED_AT) {{ edges {{ node {{ {fields} }} }} }} }}"
    )
    return BulkQuery(document, shape)


def drop_child_typenames(entity: str, record: dict) -> dict:
    """``record`` without the ``__typename`` its child lines were asked for (see module doc)."""
    for key in CHILD_CONNECTIONS[entity]:
        for child in record.get(key) or []:
            child.pop(TYPENAME, None)
    return record
