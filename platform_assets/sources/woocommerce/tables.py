"""WooCommerce's staging tables: the raw JSON of each entity, typed, one row per record (or per line) of a
day's raw partition. The grain of each table is its ``key``. Money is exact (DECIMAL(18,4)); every
timestamp is UTC, read from the ``date_*_gmt`` fields."""

from __future__ import annotations

from platform_assets.warehouse.schema import (
    BIGINT,
    BOOL,
    DATE,
    INT,
    MONEY,
    RATE,
    TEXT,
    TIMESTAMP,
    TableSpec,
    col,
)
from platform_assets.warehouse.tables import CURRENCY, staging_table

#: Every order status WooCommerce core and its block checkout use.
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
#: The statuses whose orders count in sales (docs/metrics.md, WooCommerce).
COUNTED_STATUSES = ("processing", "completed", "on-hold", "refunded")

STG_WOOCOMMERCE_ORDERS = staging_table(
    "stg_woocommerce_orders",
    "WooCommerce orders as received in a day's raw partition (modified that day), typed: one row per order "
    "per partition.",
    ("order_id",),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("order_number", TEXT, "Order number shown to the merchant."),
    col(
        "status",
        TEXT,
        "Order status; processing, completed, on-hold and refunded count in sales.",
        nullable=False,
        isin=ORDER_STATUSES,
    ),
    col("created_via", TEXT, "checkout, admin, store-api, rest-api…"),
    col("currency", TEXT, "Store currency of every amount.", nullable=False, pattern=CURRENCY),
    col(
        "prices_include_tax",
        BOOL,
        "Whether the store's prices include tax (amounts here are ex-tax).",
        nullable=False,
    ),
    col("customer_id", BIGINT, "Registered customer id; null for guests (customer_id 0)."),
    col("email", TEXT, "Billing email.", pii=True),
    col("phone", TEXT, "Billing phone.", pii=True),
    col("first_name", TEXT, "Billing first name.", pii=True),
    col("last_name", TEXT, "Billing last name.", pii=True),
    col("created_at", TIMESTAMP, "date_created_gmt (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "date_modified_gmt (UTC): the newest version wins.", nullable=False),
    col("paid_at", TIMESTAMP, "date_paid_gmt (UTC); null for orders never paid online."),
    col("completed_at", TIMESTAMP, "date_completed_gmt (UTC)."),
    col("sold_at", TIMESTAMP, "paid_at, else created_at: the moment the sale counts.", nullable=False),
    col("business_date", DATE, "Tenant-local date of sold_at: the day the sale counts on.", nullable=False),
    col("payment_method", TEXT, "Payment gateway id (stripe, bacs, cod…)."),
    col("discount_total", MONEY, "Coupon discounts on the lines, ex-tax.", nullable=False),
    col("discount_tax", MONEY, "Tax inside those discounts.", nullable=False),
    col("shipping_total", MONEY, "Shipping charged, ex-tax.", nullable=False),
    col("shipping_tax", MONEY, "Tax on shipping.", nullable=False),
    col("cart_tax", MONEY, "Tax on the lines (and fees).", nullable=False),
    col("total_tax", MONEY, "All tax on the order.", nullable=False),
    col("total", MONEY, "What the buyer was charged (never changed by refunds).", nullable=False, ge=0),
    col(
        "refunded_total",
        MONEY,
        "Σ of the order's refunds (sent negative in refunds[].total; positive here).",
        nullable=False,
        ge=0,
    ),
    col("customer_note", TEXT, "Buyer note.", pii=True),
    col("ship_to_city", TEXT, "Shipping address city.", pii=True),
    col("ship_to_postcode", TEXT, "Shipping address postcode.", pii=True),
    col("ship_to_state", TEXT, "Shipping address state."),
    col("ship_to_country", TEXT, "Shipping address country code."),
)
STG_WOOCOMMERCE_ORDER_LINES = staging_table(
    "stg_woocommerce_order_lines",
    "Order line items: one row per line per order version. subtotal/total are ex-tax even when prices "
    "include tax (WooCommerce's convention).",
    ("order_id", "line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("line_id", BIGINT, "Line item id.", nullable=False),
    col("product_id", BIGINT, "Product id (the parent product of a variation)."),
    col("variation_id", BIGINT, "Variation id; null for simple products (sent as 0)."),
    col("sku", TEXT, "SKU at the time of sale."),
    col("name", TEXT, "Line name at the time of sale."),
    col("parent_name", TEXT, "Parent product name of a variation."),
    col("tax_class", TEXT, "Tax class."),
    col("quantity", INT, "Units ordered.", nullable=False, ge=0),
    col("price", RATE, "WooCommerce's line price: total ÷ quantity, ex-tax, after coupons (a JSON number)."),
    col(
        "unit_price",
        MONEY,
        "Unit price before coupons: (subtotal [+ subtotal_tax when prices include tax]) "
        "÷ quantity, to 4 decimals.",
        nullable=False,
        ge=0,
    ),
    col("subtotal", MONEY, "Line amount before coupons, ex-tax: gross sales.", nullable=False, ge=0),
    col("subtotal_tax", MONEY, "Tax on subtotal.", nullable=False),
    col("total", MONEY, "Line amount after coupons, ex-tax.", nullable=False, ge=0),
    col("total_tax", MONEY, "Tax on total: what the line was charged in tax.", nullable=False),
    col("discount", MONEY, "subtotal − total: the line's coupon discounts, ex-tax.", nullable=False, ge=0),
)
STG_WOOCOMMERCE_TAX_LINES = staging_table(
    "stg_woocommerce_tax_lines",
    "The order's tax lines, one per tax rate (each rounded per rate, so they may differ by a cent from the "
    "sum of the lines' taxes).",
    ("order_id", "tax_line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("tax_line_id", BIGINT, "Tax line id.", nullable=False),
    col("rate_id", BIGINT, "Tax rate id."),
    col("rate_code", TEXT, "Rate code, e.g. US-NY-STATE-1."),
    col("label", TEXT, "Tax name."),
    col("rate_percent", RATE, "Rate in percent."),
    col("compound", BOOL, "Compound rate."),
    col("tax_total", MONEY, "Tax on the lines and fees at this rate.", nullable=False),
    col("shipping_tax_total", MONEY, "Tax on shipping at this rate.", nullable=False),
)
STG_WOOCOMMERCE_SHIPPING_LINES = staging_table(
    "stg_woocommerce_shipping_lines",
    "Shipping lines charged on an order (ex-tax in both tax modes).",
    ("order_id", "shipping_line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("shipping_line_id", BIGINT, "Shipping line id.", nullable=False),
    col("method_id", TEXT, "flat_rate, free_shipping, local_pickup…"),
    col("method_title", TEXT, "Method shown to the buyer."),
    col("total", MONEY, "Shipping charged, ex-tax.", nullable=False),
    col("total_tax", MONEY, "Tax on it.", nullable=False),
)
STG_WOOCOMMERCE_FEE_LINES = staging_table(
    "stg_woocommerce_fee_lines",
    "Fee lines: charges (gift wrapping) and, negative, credits (a manual discount).",
    ("order_id", "fee_line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("fee_line_id", BIGINT, "Fee line id.", nullable=False),
    col("name", TEXT, "Fee name."),
    col("tax_status", TEXT, "taxable or none."),
    col("total", MONEY, "Fee amount, ex-tax (negative for a credit).", nullable=False),
    col("total_tax", MONEY, "Tax on it.", nullable=False),
)
STG_WOOCOMMERCE_COUPON_LINES = staging_table(
    "stg_woocommerce_coupon_lines",
    "Coupon codes used on an order and what each took off.",
    ("order_id", "coupon_line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("coupon_line_id", BIGINT, "Coupon line id.", nullable=False),
    col("code", TEXT, "The code the buyer entered."),
    col("discount", MONEY, "Discount, ex-tax.", nullable=False),
    col("discount_tax", MONEY, "Tax inside the discount.", nullable=False),
)
STG_WOOCOMMERCE_REFUNDS = staging_table(
    "stg_woocommerce_refunds",
    "Refunds of an order (read from orders/{id}/refunds with the order), dated on the refund's own day. "
    "amount is positive, as the refund object sends it.",
    ("order_id", "refund_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("refund_id", BIGINT, "Refund id.", nullable=False),
    col("created_at", TIMESTAMP, "date_created_gmt of the refund (UTC).", nullable=False),
    col("business_date", DATE, "Tenant-local date of created_at: the day returns count on.", nullable=False),
    col("reason", TEXT, "Refund reason.", pii=True),
    col("refunded_payment", BOOL, "Whether the money went back through the gateway."),
    col(
        "amount", MONEY, "Money given back (positive), tax, shipping and fees included.", nullable=False, ge=0
    ),
    col("items_amount", MONEY, "Σ refunded line totals, ex-tax (positive).", nullable=False),
    col("items_tax", MONEY, "Σ refunded line taxes (positive).", nullable=False),
    col(
        "other_amount",
        MONEY,
        "amount − items − their tax: shipping and fees given back (not itemised), ex-tax.",
        nullable=False,
    ),
    col(
        "other_tax",
        MONEY,
        "The tax inside the part not itemised (shipping tax, rounding), positive.",
        nullable=False,
    ),
)
STG_WOOCOMMERCE_REFUND_LINES = staging_table(
    "stg_woocommerce_refund_lines",
    "Refunded line items, positive (WooCommerce sends quantity, subtotal, total and taxes negative).",
    ("order_id", "refund_line_id"),
    col("order_id", BIGINT, "WooCommerce order id.", nullable=False),
    col("refund_id", BIGINT, "Refund id.", nullable=False),
    col("refund_line_id", BIGINT, "Refund line item id.", nullable=False),
    col("line_id", BIGINT, "The order line refunded (_refunded_item_id)."),
    col("product_id", BIGINT, "Product id."),
    col("variation_id", BIGINT, "Variation id; null for simple products."),
    col("sku", TEXT, "SKU."),
    col("quantity", INT, "Units refunded.", nullable=False, ge=0),
    col("subtotal", MONEY, "Refunded amount before coupons, ex-tax.", nullable=False),
    col("total", MONEY, "Refunded amount after coupons, ex-tax: the returns.", nullable=False, ge=0),
    col("total_tax", MONEY, "Refunded tax.", nullable=False),
)
STG_WOOCOMMERCE_CUSTOMERS = staging_table(
    "stg_woocommerce_customers",
    "Registered customers (WordPress users of every role), from the day's full scan: the endpoint has no "
    "date filter, so each day's partition is a snapshot of all customers.",
    ("customer_id",),
    col("customer_id", BIGINT, "WooCommerce customer (user) id.", nullable=False),
    col("email", TEXT, "Email address.", pii=True),
    col("first_name", TEXT, "First name.", pii=True),
    col("last_name", TEXT, "Last name.", pii=True),
    col("username", TEXT, "WordPress username.", pii=True),
    col("role", TEXT, "customer, subscriber, shop_manager, administrator…"),
    col("is_paying_customer", BOOL, "WooCommerce's paying-customer flag."),
    col("phone", TEXT, "Billing phone.", pii=True),
    col("city", TEXT, "Billing city.", pii=True),
    col("postcode", TEXT, "Billing postcode.", pii=True),
    col("country", TEXT, "Billing country code."),
    col("created_at", TIMESTAMP, "date_created_gmt (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "date_modified_gmt (UTC).", nullable=False),
)
STG_WOOCOMMERCE_PRODUCTS = staging_table(
    "stg_woocommerce_products",
    "Products changed on the day (the start date takes the whole catalogue).",
    ("product_id",),
    col("product_id", BIGINT, "WooCommerce product id.", nullable=False),
    col("name", TEXT, "Product name."),
    col("slug", TEXT, "URL slug."),
    col("type", TEXT, "simple, variable, grouped, external."),
    col("status", TEXT, "publish, draft, pending, private."),
    col("sku", TEXT, "SKU (simple products)."),
    col("price", MONEY, "Current price (the lowest variation's for a variable product)."),
    col("regular_price", MONEY, "Regular price."),
    col("sale_price", MONEY, "Sale price."),
    col("tax_class", TEXT, "Tax class."),
    col("stock_quantity", INT, "Stock managed on the product."),
    col("created_at", TIMESTAMP, "date_created_gmt (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "date_modified_gmt (UTC).", nullable=False),
)
STG_WOOCOMMERCE_VARIATIONS = staging_table(
    "stg_woocommerce_variations",
    "Variations of the day's variable products (read with them from products/{id}/variations).",
    ("variation_id",),
    col("variation_id", BIGINT, "Variation id.", nullable=False),
    col("product_id", BIGINT, "Parent product id.", nullable=False),
    col("sku", TEXT, "SKU."),
    col("price", MONEY, "Current price.", nullable=False, ge=0),
    col("regular_price", MONEY, "Regular price."),
    col("sale_price", MONEY, "Sale price."),
    col("status", TEXT, "publish, private…"),
    col("attributes", TEXT, "Options as 'name: option' pairs, comma-separated."),
    col("created_at", TIMESTAMP, "date_created_gmt (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "date_modified_gmt (UTC).", nullable=False),
)
STG_WOOCOMMERCE_COUPONS = staging_table(
    "stg_woocommerce_coupons",
    "Coupons created or changed on the day (the start date takes all of them).",
    ("coupon_id",),
    col("coupon_id", BIGINT, "Coupon id.", nullable=False),
    col("code", TEXT, "Code."),
    col("discount_type", TEXT, "percent, fixed_cart or fixed_product."),
    col("amount", MONEY, "Amount (percent or money, by discount_type)."),
    col("free_shipping", BOOL, "Grants free shipping."),
    col("usage_count", INT, "Times used."),
    col("expires_at", TIMESTAMP, "date_expires_gmt (UTC)."),
    col("created_at", TIMESTAMP, "date_created_gmt (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "date_modified_gmt (UTC).", nullable=False),
)

WOOCOMMERCE_TABLES: list[TableSpec] = [
    value for value in list(globals().values()) if isinstance(value, TableSpec)
]
