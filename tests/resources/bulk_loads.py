"""The bulk load the runner's tests share (also run in a child process by ``bulk_child.py``): the orders
query with its shape, the paginated query of the same fields, and an all-or-nothing store."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from resources.shopify.bulk import BulkQuery, BulkShape

WINDOW = "created_at:>='2020-01-01'"
ORDER_FIELDS = """id name processedAt totalPriceSet { shopMoney { amount currencyCode } }
  refunds { id createdAt totalRefundedSet { shopMoney { amount } } }"""
LINE_FIELDS = "id sku quantity originalUnitPriceSet { shopMoney { amount } }"
SHIPPING_FIELDS = "__typename title originalPriceSet { shopMoney { amount } }"
DISCOUNT_FIELDS = "__typename index allocationMethod"
ORDERS = BulkQuery(
    f"""{{ orders(query: "{WINDOW}") {{ edges {{ node {{ {ORDER_FIELDS}
  lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }}
  shippingLines {{ edges {{ node {{ {SHIPPING_FIELDS} }} }} }}
  discountApplications {{ edges {{ node {{ {DISCOUNT_FIELDS} }} }} }} }} }} }} }}""",
    BulkShape(
        {
            "Order": {
                "LineItem": "lineItems",
                "ShippingLine": "shippingLines",
                "DiscountCodeApplication": "discountApplications",
                "ManualDiscountApplication": "discountApplications",
                "AutomaticDiscountApplication": "discountApplications",
                "ScriptDiscountApplication": "discountApplications",
            }
        }
    ),
)
PAGE = f"""query Orders($after: String) {{ orders(first: 8, after: $after, query: "{WINDOW}") {{
  pageInfo {{ hasNextPage endCursor }}
  nodes {{ {ORDER_FIELDS}
    lineItems(first: 20) {{ pageInfo {{ hasNextPage }} nodes {{ {LINE_FIELDS} }} }}
    shippingLines(first: 5) {{ pageInfo {{ hasNextPage }} nodes {{ {SHIPPING_FIELDS} }} }}
    discountApplications(first: 5) {{ pageInfo {{ hasNextPage }} nodes {{ {DISCOUNT_FIELDS} }} }} }} }} }}"""
CONNECTIONS = ("lineItems", "shippingLines", "discountApplications")


def store_to(path: Path) -> Callable[[Iterator[dict]], int]:
    """An all-or-nothing store, like the raw store: lines to a temporary file, renamed when whole."""

    def consume(records: Iterator[dict]) -> int:
        tmp = path.with_suffix(".tmp")
        count = 0
        with tmp.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record) + "\n")
                count += 1
        os.replace(tmp, path)
        return count

    return consume
