"""One sale, two platforms: an order with the same lines, coupon discount, tax, shipping and a partial
refund, as Shopify and as WooCommerce send it, staged by each source's stager and conformed by each
source's SQL, gives the same measures in stg_orders, stg_order_lines and stg_refunds, for a tax-exclusive
store (New York, 8 %) and a tax-inclusive one (London, 20 % VAT), on DuckDB and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest

from platform_assets.sources.registry import source
from platform_assets.warehouse import tables as t
from platform_assets.warehouse.sql import run_file
from resources.warehouse import WarehouseResource

DAY = date(2026, 2, 10)
REFUND_DAY = date(2026, 2, 13)


def _shopify_order(inclusive: bool) -> dict:
    """Shopify: line prices (tax included when taxes_included), discount allocations, tax lines."""
    if inclusive:
        lines = [
            ("60.00", 1, "6.00", "9.00"),  # 60 incl. 20 % VAT, 6.00 off: VAT (60 − 6) / 6 = 9.00
            ("12.00", 2, "0.00", "4.00"),
        ]
        shipping, shipping_tax, refund = ("6.00", "1.00", ("54.00", "9.00", 1))
        total, total_tax = "84.00", "14.00"
    else:
        lines = [("25.00", 2, "5.00", "3.60"), ("10.00", 1, "0.00", "0.80")]
        shipping, shipping_tax, refund = ("7.00", "0.56", ("22.50", "1.80", 1))
        total, total_tax = "66.96", "4.96"
    return {
        "id": 9001,
        "order_number": 9001,
        "email": "Ann@Example.com",
        "created_at": "2026-02-10T15:00:00-05:00",
        "processed_at": "2026-02-10T15:00:00-05:00",
        "updated_at": "2026-02-13T10:00:00-05:00",
        "currency": "USD",
        "financial_status": "partially_refunded",
        "taxes_included": inclusive,
        "total_price": total,
        "total_tax": total_tax,
        "line_items": [
            {
                "id": index,
                "product_id": 10 + index,
                "variant_id": 100 + index,
                "sku": f"SKU-{index}",
                "title": f"Item {index}",
                "quantity": quantity,
                "price": price,
                "discount_allocations": [{"amount": discount, "discount_application_index": 0}],
                "tax_lines": [{"title": "Tax", "rate": "0.2" if inclusive else "0.08", "price": tax}],
            }
            for index, (price, quantity, discount, tax) in enumerate(lines, start=1)
        ],
        "tax_lines": [{"title": "Tax", "rate": "0.2" if inclusive else "0.08", "price": total_tax}],
        "shipping_lines": [
            {
                "id": 5,
                "price": shipping,
                "discount_allocations": [],
                "tax_lines": [
                    {"title": "Tax", "rate": "0.2" if inclusive else "0.08", "price": shipping_tax}
                ],
            }
        ],
        "refunds": [
            {
                "id": 70,
                "created_at": "2026-02-13T10:00:00-05:00",
                "refund_line_items": [
                    {
                        "id": 701,
                        "line_item_id": 1,
                        "quantity": refund[2],
                        "subtotal": refund[0],
                        "total_tax": refund[1],
                    }
                ],
                "transactions": [],
                "order_adjustments": [],
            }
        ],
    }


def _woocommerce_order(inclusive: bool) -> dict:
    """WooCommerce: line subtotal/total ex-tax in both modes, tax beside them; the refund object negative
    lines and a positive amount, the order's refunds[].total negative."""
    if inclusive:
        lines = [("50.00", "10.00", "45.00", "9.00", 1), ("20.00", "4.00", "20.00", "4.00", 2)]
        shipping, shipping_tax = "5.00", "1.00"
        refund_line, refund_tax, amount = "45.00", "9.00", "54.00"
        total, total_tax, discount, discount_tax, cart_tax = "84.00", "14.00", "5.00", "1.00", "13.00"
    else:
        lines = [("50.00", "4.00", "45.00", "3.60", 2), ("10.00", "0.80", "10.00", "0.80", 1)]
        shipping, shipping_tax = "7.00", "0.56"
        refund_line, refund_tax, amount = "22.50", "1.80", "24.30"
        total, total_tax, discount, discount_tax, cart_tax = "66.96", "4.96", "5.00", "0.40", "4.40"
    return {
        "id": 9001,
        "number": "9001",
        "status": "processing",
        "currency": "USD",
        "prices_include_tax": inclusive,
        "customer_id": 0,
        "billing": {"email": "Ann@Example.com"},
        "date_created": "2026-02-10T15:00:00",
        "date_created_gmt": "2026-02-10T20:00:00",
        "date_paid_gmt": "2026-02-10T20:00:00",
        "date_modified_gmt": "2026-02-13T15:00:00",
        "discount_total": discount,
        "discount_tax": discount_tax,
        "shipping_total": shipping,
        "shipping_tax": shipping_tax,
        "total_tax": total_tax,
        "total": total,
        "line_items": [
            {
                "id": index,
                "product_id": 10 + index,
                "variation_id": 100 + index,
                "sku": f"SKU-{index}",
                "name": f"Item {index}",
                "quantity": quantity,
                "subtotal": subtotal,
                "subtotal_tax": subtotal_tax,
                "total": line_total,
                "total_tax": line_tax,
                "price": float(Decimal(line_total) / quantity),
            }
            for index, (subtotal, subtotal_tax, line_total, line_tax, quantity) in enumerate(lines, start=1)
        ],
        "tax_lines": [{"id": 30, "rate_id": 1, "tax_total": cart_tax, "shipping_tax_total": shipping_tax}],
        "cart_tax": cart_tax,
        "shipping_lines": [{"id": 5, "method_id": "flat_rate", "total": shipping, "total_tax": shipping_tax}],
        "fee_lines": [],
        "coupon_lines": [{"id": 40, "code": "save", "discount": discount, "discount_tax": discount_tax}],
        "refunds": [{"id": 70, "reason": "", "total": f"-{amount}"}],
        "storehouse_refunds": [
            {
                "id": 70,
                "date_created_gmt": "2026-02-13T15:00:00",
                "amount": amount,
                "line_items": [
                    {
                        "id": 701,
                        "product_id": 11,
                        "variation_id": 101,
                        "quantity": -1,
                        "subtotal": f"-{refund_line}",
                        "total": f"-{refund_line}",
                        "total_tax": f"-{refund_tax}",
                        "meta_data": [{"key": "_refunded_item_id", "value": "1"}],
                    }
                ],
            }
        ],
    }


def _conform(url: str, platform: str, order: dict) -> WarehouseResource:
    """The order staged by the platform's stager and conformed by its SQL, in the (empty) warehouse at url."""
    registered = source(platform)
    staging = import_module(f"platform_assets.sources.{platform}.staging")
    staged = staging.stage_orders([order], "t1", REFUND_DAY, ZoneInfo("America/New_York"))
    assert staged.dead_letters == [] and staged.staged == 1
    warehouse = WarehouseResource(url=url)
    conformed = [t.STG_ORDERS, t.STG_ORDER_LINES, t.STG_REFUNDS]
    warehouse.ensure_tables([*registered.staging_tables, *conformed])
    specs = {spec.name: spec for spec in registered.staging_tables}
    with warehouse.transaction() as conn:
        for name, rows in staged.rows.items():
            warehouse.insert_rows(conn, specs[name], rows)
        for spec in conformed:
            model = registered.conformed_for(spec)
            assert model is not None
            params = {
                "platform": platform,
                "tenant_id": "t1",
                "start_date": REFUND_DAY,
                "end_date": REFUND_DAY,
            }
            run_file(conn, model.sql_file, params)
    return warehouse


def _measures(warehouse: WarehouseResource) -> dict[str, object]:
    order = warehouse.query(
        "SELECT business_date, customer_key, is_counted, taxes_included, units, line_count, gross_sales, "
        "discounts, shipping, taxes, total_price FROM stg_orders"
    ).to_dict("records")
    lines = warehouse.query(
        "SELECT line_id, quantity, price, gross_amount, discount_amount, tax_amount FROM stg_order_lines "
        "ORDER BY line_id"
    ).to_dict("records")
    refunds = warehouse.query(
        "SELECT business_date, SUM(quantity) AS units, SUM(returns_amount) AS returns, "
        "SUM(shipping_amount) AS shipping, SUM(tax_amount) AS taxes FROM stg_refunds GROUP BY business_date"
    ).to_dict("records")

    def exact(rows: list[dict]) -> list[dict]:
        return [
            {k: Decimal(str(v)).normalize() if isinstance(v, Decimal | float) else v for k, v in row.items()}
            for row in rows
        ]

    return {"order": exact(order), "lines": exact(lines), "refunds": exact(refunds)}


@pytest.mark.parametrize("inclusive", [False, True], ids=["tax-exclusive", "tax-inclusive"])
def test_the_same_sale_gives_the_same_figures_on_shopify_and_woocommerce(new_warehouse_url, inclusive):
    shopify = _measures(_conform(new_warehouse_url("shopify"), "shopify", _shopify_order(inclusive)))
    woocommerce = _measures(
        _conform(new_warehouse_url("woocommerce"), "woocommerce", _woocommerce_order(inclusive))
    )

    assert woocommerce == shopify
    order = shopify["order"][0]
    assert order["business_date"] == DAY and order["customer_key"] == "ann@example.com"
    if inclusive:  # 60 incl. VAT less 6.00 and 2 × 12.00; shipping 6.00 incl. VAT
        assert (order["gross_sales"], order["discounts"], order["shipping"], order["taxes"]) == (
            Decimal(70),
            Decimal(5),
            Decimal(5),
            Decimal(14),
        )
        assert shopify["refunds"][0]["returns"] == Decimal(45)
    else:
        assert (order["gross_sales"], order["discounts"], order["shipping"], order["taxes"]) == (
            Decimal(60),
            Decimal(5),
            Decimal(7),
            Decimal("4.96"),
        )
        assert shopify["refunds"][0]["returns"] == Decimal("22.5")
