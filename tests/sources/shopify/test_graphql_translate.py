"""A GraphQL order, customer, product, location and inventory level translated into the REST records
staging reads: ids, money bags in two currencies, enums, lists, and what REST derives; then staged, to
the cent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from platform_assets.sources.shopify import tables as st
from platform_assets.sources.shopify.graphql_translate import (
    _decimal_amount,
    amount,
    joined_tags,
    money_set,
    numeric_id,
    priced,
    shop_amount,
    translate,
    translate_customer,
    translate_order,
    translate_product,
)
from platform_assets.sources.shopify.staging import stage_orders


def bag(shop: str, presentment: str) -> dict:
    """A money bag of a Berlin shop (EUR) whose customer paid in US dollars."""
    return {
        "shopMoney": {"amount": shop, "currencyCode": "EUR"},
        "presentmentMoney": {"amount": presentment, "currencyCode": "USD"},
    }


#: A GraphQL order record (connections unwrapped): two lines at 19 % and 7 % VAT (prices include tax), a
#: 10 % code on the first line, shipping, and a refund of one unit of the first line with its transaction.
ORDER = {
    "id": "gid://shopify/Order/5551001",
    "legacyResourceId": "5551001",
    "name": "#1042",
    "number": 42,
    "email": "kunde@example.de",
    "phone": None,
    "createdAt": "2026-03-05T09:15:00Z",
    "updatedAt": "2026-03-07T16:00:00Z",
    "processedAt": "2026-03-05T09:15:00Z",
    "cancelledAt": None,
    "cancelReason": None,
    "closedAt": None,
    "test": False,
    "currencyCode": "EUR",
    "presentmentCurrencyCode": "USD",
    "taxesIncluded": True,
    "displayFinancialStatus": "PARTIALLY_REFUNDED",
    "displayFulfillmentStatus": "UNFULFILLED",
    "sourceName": "web",
    "tags": ["vip", "wholesale"],
    "note": None,
    "customer": {"id": "gid://shopify/Customer/77", "email": "kunde@example.de", "phone": None},
    "shippingAddress": {
        "name": "Eva Kunde",
        "city": "Berlin",
        "zip": "10115",
        "provinceCode": None,
        "countryCodeV2": "DE",
    },
    "totalPriceSet": bag("57.9", "62.53"),
    "subtotalPriceSet": bag("52.9", "57.13"),
    "totalTaxSet": bag("7.61", "8.22"),
    "totalDiscountsSet": bag("3.0", "3.24"),
    "totalShippingPriceSet": bag("5.0", "5.4"),
    "taxLines": [
        {"title": "MwSt", "rate": 0.19, "priceSet": bag("5.07", "5.48")},
        {"title": "MwSt ermäßigt", "rate": 0.07, "priceSet": bag("2.54", "2.74")},
    ],
    "discountApplications": [
        {
            "index": 0,
            "targetType": "LINE_ITEM",
            "allocationMethod": "ACROSS",
            "value": {"__typename": "PricingPercentageValue", "percentage": 10.0},
            "code": "FRUEHLING10",
        }
    ],
    "lineItems": [
        {
            "id": "gid://shopify/LineItem/9001",
            "title": "Mühle",
            "variantTitle": "Schwarz",
            "sku": "MUE-1",
            "vendor": "Kaffeehaus",
            "quantity": 2,
            "taxable": True,
            "requiresShipping": True,
            "isGiftCard": False,
            "product": {"id": "gid://shopify/Product/301"},
            "variant": {"id": "gid://shopify/ProductVariant/401"},
            "originalUnitPriceSet": bag("15.0", "16.2"),
            "totalDiscountSet": bag("0.0", "0.0"),
            "discountAllocations": [
                {"allocatedAmountSet": bag("3.0", "3.24"), "discountApplication": {"index": 0}}
            ],
            "taxLines": [{"title": "MwSt", "rate": 0.19, "priceSet": bag("4.31", "4.66")}],
        },
        {
            "id": "gid://shopify/LineItem/9002",
            "title": "Espresso 1 kg",
            "variantTitle": None,
            "sku": "ESP-1000",
            "vendor": "Kaffeehaus",
            "quantity": 1,
            "taxable": True,
            "requiresShipping": True,
            "isGiftCard": False,
            "product": {"id": "gid://shopify/Product/302"},
            "variant": {"id": "gid://shopify/ProductVariant/402"},
            "originalUnitPriceSet": bag("25.9", "27.97"),
            "totalDiscountSet": bag("0.0", "0.0"),
            "discountAllocations": [],
            "taxLines": [{"title": "MwSt ermäßigt", "rate": 0.07, "priceSet": bag("1.69", "1.83")}],
        },
    ],
    "shippingLines": [
        {
            "id": "gid://shopify/ShippingLine/8001",
            "title": "DHL",
            "code": "dhl",
            "source": "shopify",
            "originalPriceSet": bag("5.0", "5.4"),
            "discountedPriceSet": bag("5.0", "5.4"),
            "discountAllocations": [],
            "taxLines": [
                {"title": "MwSt", "rate": 0.19, "priceSet": bag("0.76", "0.82")},
            ],
        }
    ],
    "refunds": [
        {
            "id": "gid://shopify/Refund/7001",
            "createdAt": "2026-03-07T16:00:00Z",
            "note": "Mühle defekt",
            "refundLineItems": [
                {
                    "id": "gid://shopify/RefundLineItem/6001",
                    "quantity": 1,
                    "restockType": "RETURN",
                    "restocked": True,
                    "location": {"id": "gid://shopify/Location/11"},
                    "lineItem": {"id": "gid://shopify/LineItem/9001"},
                    "subtotalSet": bag("13.5", "14.58"),
                    "totalTaxSet": bag("2.16", "2.33"),
                }
            ],
            "transactions": [{"kind": "REFUND", "status": "SUCCESS", "amountSet": bag("13.5", "14.58")}],
            "orderAdjustments": [],
        }
    ],
}


def test_ids_and_amounts_read_as_rest_writes_them() -> None:
    assert numeric_id("gid://shopify/Order/5551001") == 5551001
    assert numeric_id("gid://shopify/MailingAddress/12?model_name=CustomerAddress") == 12
    assert numeric_id(None) is None and numeric_id("not-a-gid") == "not-a-gid"
    assert [amount(v) for v in ("151.3", "0.0", "7", "0.1235", None)] == [
        "151.30",
        "0.00",
        "7.00",
        "0.1235",
        None,
    ]


#: Amounts in every notation the fast path must handle as the Decimal path does (or leave to it).
AMOUNT_SPELLINGS = (
    "151.3", "151.30", "151.305", "0", "0.0", "0.00", "-0", "-0.0", "-0.00", "-7", "-7.5", "-7.25",
    "10", "100.1", "007.5", "0.5", "00", "-00.10", "1.", ".5", "-.5", "+1.5", " 1.5", "1.5 ", "1e2",
    "1E+2", "1.5e-3", "-1E-5", "NaN", "Infinity", "-inf", "", "-", "abc", "1,50", "١٢.٥", "12_000.5",
    "99999999999999999999.999", None, 7, 1.5, 0, -3, Decimal("2.5"), Decimal("1E+1"), True,
)  # fmt: skip


def test_plain_amounts_are_padded_as_text_exactly_as_through_a_decimal() -> None:
    """The fast path (no Decimal for GraphQL's plain strings) gives the Decimal path's answer, type
    included, for every spelling."""
    for value in AMOUNT_SPELLINGS:
        fast, exact = amount(value), _decimal_amount(value)
        assert (fast, type(fast)) == (exact, type(exact)), value


def test_priced_is_shop_amount_and_money_set() -> None:
    bags = (
        {"shopMoney": {"amount": "1.5", "currencyCode": "EUR"}, "presentmentMoney": None},
        {"shopMoney": None, "presentmentMoney": {"amount": "2", "currencyCode": "USD"}},
        {"shopMoney": {"amount": 1.5}, "presentmentMoney": {"amount": None, "currencyCode": "USD"}},
        {"shopMoney": {"amount": "1E+2"}, "presentmentMoney": {"amount": "abc", "currencyCode": "X"}},
        {"shopMoney": {"amount": "-0.0", "currencyCode": "EUR"}, "presentmentMoney": {}},
        {"presentmentMoney": {"amount": "2", "currencyCode": "USD"}},
        {},
        None,
        "1.50",
    )
    for bag in bags * 2:  # twice: the second time from the cache of converted amounts
        assert priced(bag) == (shop_amount(bag), money_set(bag)), bag


def test_tags_join_as_rest_writes_them() -> None:
    assert joined_tags(["vip", "wholesale"]) == "vip, wholesale"
    assert joined_tags(["vip", 7, None]) == "vip, 7, None"  # not strings: as before, each str()-ed
    assert (joined_tags([]), joined_tags(None), joined_tags("a, b")) == ("", None, "a, b")


def test_an_order_becomes_the_rest_order_field_by_field() -> None:
    order = translate_order(ORDER)
    assert {
        k: order[k] for k in ("id", "order_number", "financial_status", "fulfillment_status", "tags")
    } == {
        "id": 5551001,
        "order_number": 1042,
        "financial_status": "partially_refunded",
        "fulfillment_status": None,
        "tags": "vip, wholesale",
    }
    assert order["total_price"] == "57.90" and order["total_line_items_price"] == "55.90"
    assert order["total_price_set"] == {
        "shop_money": {"amount": "57.90", "currency_code": "EUR"},
        "presentment_money": {"amount": "62.53", "currency_code": "USD"},
    }
    assert order["discount_codes"] == [{"code": "FRUEHLING10", "amount": "3.00", "type": "percentage"}]
    assert order["tax_lines"][1] == {
        "title": "MwSt ermäßigt",
        "rate": 0.07,
        "price": "2.54",
        "price_set": {
            "shop_money": {"amount": "2.54", "currency_code": "EUR"},
            "presentment_money": {"amount": "2.74", "currency_code": "USD"},
        },
    }
    line = order["line_items"][0]
    assert (line["id"], line["product_id"], line["variant_id"], line["price"], line["gift_card"]) == (
        9001,
        301,
        401,
        "15.00",
        False,
    )
    assert line["discount_allocations"] == [
        {
            "discount_application_index": 0,
            "amount": "3.00",
            "amount_set": {
                "shop_money": {"amount": "3.00", "currency_code": "EUR"},
                "presentment_money": {"amount": "3.24", "currency_code": "USD"},
            },
        }
    ]
    (refund,) = order["refunds"]
    assert (refund["id"], refund["restock"], refund["note"]) == (7001, True, "Mühle defekt")
    # REST's refund transactions are in the currency the customer paid in.
    assert refund["transactions"] == [
        {"kind": "refund", "status": "success", "amount": "14.58", "currency": "USD"}
    ]
    (item,) = refund["refund_line_items"]
    assert {
        k: item[k]
        for k in ("id", "line_item_id", "location_id", "quantity", "restock_type", "subtotal", "total_tax")
    } == {
        "id": 6001,
        "line_item_id": 9001,
        "location_id": 11,
        "quantity": 1,
        "restock_type": "return",
        "subtotal": "13.50",
        "total_tax": "2.16",
    }
    assert item["line_item"] is line  # REST embeds the refunded line


def test_the_translated_order_stages_to_the_cent() -> None:
    staged = stage_orders(translate("orders", [ORDER]), "berlin", date(2026, 3, 7), ZoneInfo("Europe/Berlin"))
    assert staged.dead_letters == [] and staged.staged == 1 and not staged.new_fields
    rows = staged.rows
    orders = [
        dict(zip(st.STG_SHOPIFY_ORDERS.column_names, row, strict=True))
        for row in rows[st.STG_SHOPIFY_ORDERS.name]
    ]
    assert [
        (o["order_id"], o["order_number"], o["total_price"], o["total_price_presentment"], o["total_tax"])
        for o in orders
    ] == [(5551001, 1042, Decimal("57.90"), Decimal("62.53"), Decimal("7.61"))]
    assert orders[0]["business_date"] == date(2026, 3, 5) and orders[0]["total_shipping"] == Decimal("5.00")
    lines = [
        dict(zip(st.STG_SHOPIFY_ORDER_LINES.column_names, row, strict=True))
        for row in rows[st.STG_SHOPIFY_ORDER_LINES.name]
    ]
    assert [
        (
            line["line_id"],
            line["quantity"],
            line["price"],
            line["price_presentment"],
            line["discount_allocated"],
            line["tax_amount"],
        )
        for line in lines
    ] == [
        (9001, 2, Decimal("15.00"), Decimal("16.20"), Decimal("3.00"), Decimal("4.31")),
        (9002, 1, Decimal("25.90"), Decimal("27.97"), Decimal("0"), Decimal("1.69")),
    ]
    refunds = [
        dict(zip(st.STG_SHOPIFY_REFUNDS.column_names, row, strict=True))
        for row in rows[st.STG_SHOPIFY_REFUNDS.name]
    ]
    assert [
        (r["refund_id"], r["created_at"], r["business_date"], r["transactions_amount"], r["processed_at"])
        for r in refunds
    ] == [(7001, datetime(2026, 3, 7, 16, 0), date(2026, 3, 7), Decimal("14.58"), None)]
    refund_lines = [
        dict(zip(st.STG_SHOPIFY_REFUND_LINES.column_names, row, strict=True))
        for row in rows[st.STG_SHOPIFY_REFUND_LINES.name]
    ]
    assert [
        (r["refund_line_id"], r["line_id"], r["quantity"], r["subtotal"], r["total_tax"])
        for r in refund_lines
    ] == [(6001, 9001, 1, Decimal("13.50"), Decimal("2.16"))]
    taxes = sorted((r[-5], r[-4], r[-3], r[-2], r[-1]) for r in rows[st.STG_SHOPIFY_TAX_LINES.name])
    assert taxes == sorted(
        [
            (0, "MwSt", Decimal("0.19"), Decimal("5.07"), Decimal("5.48")),
            (1, "MwSt ermäßigt", Decimal("0.07"), Decimal("2.54"), Decimal("2.74")),
            (0, "MwSt", Decimal("0.19"), Decimal("4.31"), Decimal("4.66")),
            (0, "MwSt ermäßigt", Decimal("0.07"), Decimal("1.69"), Decimal("1.83")),
            (0, "MwSt", Decimal("0.19"), Decimal("0.76"), Decimal("0.82")),
        ]
    )


def test_customers_and_products_read_as_rest_ones() -> None:
    customer = translate_customer(
        {
            "id": "gid://shopify/Customer/77",
            "firstName": "Eva",
            "lastName": "Kunde",
            "email": "kunde@example.de",
            "phone": None,
            "state": "ENABLED",
            "verifiedEmail": True,
            "taxExempt": False,
            "numberOfOrders": "3",
            "amountSpent": {"amount": "120.5", "currencyCode": "EUR"},
            "createdAt": "2026-01-02T10:00:00Z",
            "updatedAt": "2026-03-07T16:00:00Z",
            "note": None,
            "tags": [],
            "defaultAddress": {"id": "gid://shopify/MailingAddress/12?model_name=CustomerAddress"},
            "addresses": [
                {
                    "id": "gid://shopify/MailingAddress/12?model_name=CustomerAddress",
                    "city": "Berlin",
                    "countryCodeV2": "DE",
                },
                {
                    "id": "gid://shopify/MailingAddress/13?model_name=CustomerAddress",
                    "city": "Potsdam",
                    "countryCodeV2": "DE",
                },
            ],
        }
    )
    assert (
        customer["id"],
        customer["state"],
        customer["orders_count"],
        customer["total_spent"],
        customer["tags"],
    ) == (77, "enabled", 3, "120.50", "")
    assert [(a["id"], a["default"], a["city"], a["country_code"]) for a in customer["addresses"]] == [
        (12, True, "Berlin", "DE"),
        (13, False, "Potsdam", "DE"),
    ]
    product = translate_product(
        {
            "id": "gid://shopify/Product/301",
            "title": "Mühle",
            "handle": "muehle",
            "vendor": "Kaffeehaus",
            "productType": "Geräte",
            "status": "ACTIVE",
            "tags": ["geraete"],
            "createdAt": "2025-12-01T00:00:00Z",
            "updatedAt": "2026-03-01T00:00:00Z",
            "publishedAt": "2025-12-01T00:00:00Z",
            "variants": [
                {
                    "id": "gid://shopify/ProductVariant/401",
                    "title": "Schwarz",
                    "sku": "MUE-1",
                    "price": "15.00",
                    "compareAtPrice": None,
                    "barcode": None,
                    "position": 1,
                    "inventoryQuantity": 12,
                    "taxable": True,
                    "createdAt": "2025-12-01T00:00:00Z",
                    "updatedAt": "2026-03-01T00:00:00Z",
                    "inventoryItem": {
                        "id": "gid://shopify/InventoryItem/501",
                        "measurement": {"weight": {"unit": "KILOGRAMS", "value": 1.25}},
                    },
                }
            ],
        }
    )
    assert (product["id"], product["status"], product["tags"]) == (301, "active", "geraete")
    (variant,) = product["variants"]
    assert (variant["id"], variant["product_id"], variant["grams"], variant["inventory_item_id"]) == (
        401,
        301,
        1250,
        501,
    )
