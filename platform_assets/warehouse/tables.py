"""Every platform-neutral warehouse table, by layer: conformed staging, star schema, aggregates and
operations. Each source's own staging tables are in its folder (``platform_assets/sources/<platform>/
tables.py``). The grain of each table is its ``key``."""

from __future__ import annotations

from platform_assets.warehouse.schema import (
    BOOL,
    CENTS,
    DATE,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    TIMESTAMP,
    TableSpec,
    col,
)

CURRENCY = r"^[A-Z]{3}$"
FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
)
LINE_TYPES = ("line_item", "shipping", "adjustment")

TENANT = col("tenant_id", TEXT, "Tenant (business) the row belongs to.", nullable=False)
PARTITION = col(
    "partition_date", DATE, "Business day of the raw partition the row was staged from.", nullable=False
)
PLATFORM = col("platform", TEXT, "Source platform: the registered source's name.", nullable=False)
STAGED = (TENANT, PARTITION)
STAGED_INDEXES = (("tenant_id", "partition_date"),)
#: The ``platform`` of the aggregate rows that total every platform of a tenant (agg_daily_sales,
#: agg_weekly_trends): its additive figures are the sum of the platforms' rows, its customer figures count
#: a person once across platforms (docs/metrics.md#across-platforms). No source may be named so.
ALL_PLATFORMS = "all"
AGGREGATE_PLATFORM = col(
    "platform",
    TEXT,
    f"Source platform of the row, or '{ALL_PLATFORMS}': the total across the tenant's platforms.",
    nullable=False,
)


def staging_table(name: str, description: str, key: tuple[str, ...], *columns) -> TableSpec:
    """A source's staging table: rows of one raw partition, keyed by (tenant, business day, ``key``)."""
    return TableSpec(
        name, description, (*STAGED, *columns), ("tenant_id", "partition_date", *key), STAGED_INDEXES
    )


# ---------------------------------------------------------------- conformed, platform-neutral staging
CONFORMED = (TENANT, PLATFORM, PARTITION)
CONFORMED_INDEXES = (("tenant_id", "partition_date"), ("tenant_id", "order_id"))


def _conformed(
    name: str, description: str, key: tuple[str, ...], *columns, indexes=CONFORMED_INDEXES
) -> TableSpec:
    return TableSpec(
        name, description, (*CONFORMED, *columns), ("tenant_id", "platform", "partition_date", *key), indexes
    )


STG_ORDERS = _conformed(
    "stg_orders",
    "Orders from every platform in one shape, with the sale measures computed once.",
    ("order_id",),
    col("order_id", TEXT, "Platform order id.", nullable=False),
    col("order_number", TEXT, "Order number shown to the merchant."),
    col("customer_id", TEXT, "Platform customer id; null for guests."),
    col("email", TEXT, "Buyer email.", pii=True),
    col(
        "customer_key",
        TEXT,
        "Customer identity: normalised email, else 'id:<platform>:<customer id>'.",
        pii=True,
    ),
    col("processed_at", TIMESTAMP, "When the sale happened (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "Version of the order (UTC).", nullable=False),
    col("business_date", DATE, "Tenant-local date the order counts on.", nullable=False),
    col("currency", TEXT, "Shop currency of every amount.", nullable=False, pattern=CURRENCY),
    col("presentment_currency", TEXT, "Currency the buyer paid in.", pattern=CURRENCY),
    col("financial_status", TEXT, "Payment state.", isin=FINANCIAL_STATUSES),
    col("is_test", BOOL, "Test order.", nullable=False),
    col("is_cancelled", BOOL, "Cancelled order.", nullable=False),
    col("is_counted", BOOL, "Counts in sales: not a test and not voided.", nullable=False),
    col("taxes_included", BOOL, "Prices include tax (taken out of every measure here).", nullable=False),
    col("units", INT, "Units over non-gift-card lines.", nullable=False, ge=0),
    col("line_count", INT, "Number of lines.", nullable=False, ge=0),
    col(
        "gross_sales",
        MONEY,
        "Σ price × quantity over non-gift-card lines, tax excluded.",
        nullable=False,
        ge=0,
    ),
    col(
        "discounts",
        MONEY,
        "Σ discount allocations over non-gift-card lines, tax excluded.",
        nullable=False,
        ge=0,
    ),
    col("shipping", MONEY, "Shipping charged less shipping discounts, tax excluded.", nullable=False),
    col("taxes", MONEY, "Σ order tax lines.", nullable=False),
    col("total_price", MONEY, "What the buyer was charged.", nullable=False, ge=0),
)
STG_ORDER_LINES = _conformed(
    "stg_order_lines",
    "Order lines from every platform in one shape.",
    ("order_id", "line_id"),
    col("order_id", TEXT, "Platform order id.", nullable=False),
    col("line_id", TEXT, "Platform line id.", nullable=False),
    col("product_id", TEXT, "Platform product id."),
    col("variant_id", TEXT, "Platform variant id."),
    col("sku", TEXT, "SKU at the time of sale."),
    col("title", TEXT, "Title at the time of sale."),
    col("quantity", INT, "Units.", nullable=False, ge=0),
    col(
        "price", MONEY, "Unit price (tax included when the order's prices include tax).", nullable=False, ge=0
    ),
    col("gross_amount", MONEY, "price × quantity, tax excluded.", nullable=False, ge=0),
    col("discount_amount", MONEY, "Discounts allocated to the line, tax excluded.", nullable=False, ge=0),
    col("tax_amount", MONEY, "Tax on the line.", nullable=False),
    col("is_gift_card", BOOL, "Gift-card line.", nullable=False),
    col("updated_at", TIMESTAMP, "Version of the order this line belongs to (UTC).", nullable=False),
)
STG_REFUNDS = _conformed(
    "stg_refunds",
    "Refund lines from every platform: returned items, shipping refunds and other adjustments.",
    ("order_id", "refund_line_id"),
    col("order_id", TEXT, "Platform order id.", nullable=False),
    col("refund_id", TEXT, "Platform refund id.", nullable=False),
    col("refund_line_id", TEXT, "'line:<id>' for items, 'adjustment:<id>' for adjustments.", nullable=False),
    col("line_type", TEXT, "line_item, shipping or adjustment.", nullable=False, isin=LINE_TYPES),
    col("line_id", TEXT, "Refunded order line (line_item only)."),
    col("refunded_at", TIMESTAMP, "When the refund was created (UTC).", nullable=False),
    col("business_date", DATE, "Tenant-local date the refund counts on.", nullable=False),
    col("quantity", INT, "Units returned.", nullable=False, ge=0),
    col(
        "returns_amount",
        MONEY,
        "Item subtotal returned, tax excluded (counts as returns).",
        nullable=False,
        ge=0,
    ),
    col("shipping_amount", MONEY, "Shipping given back, tax excluded (positive).", nullable=False),
    col("tax_amount", MONEY, "Tax given back (positive).", nullable=False),
    col("is_gift_card", BOOL, "Refunded line is a gift card.", nullable=False),
    col("updated_at", TIMESTAMP, "Version of the order this refund was read from (UTC).", nullable=False),
)
STG_CUSTOMERS = _conformed(
    "stg_customers",
    "Registered customers from every platform in one shape.",
    ("customer_id",),
    col("customer_id", TEXT, "Platform customer id.", nullable=False),
    col("email", TEXT, "Email.", pii=True),
    col(
        "customer_key",
        TEXT,
        "Customer identity: normalised email, else 'id:<platform>:<customer id>'.",
        pii=True,
    ),
    col("first_name", TEXT, "First name.", pii=True),
    col("last_name", TEXT, "Last name.", pii=True),
    col("phone", TEXT, "Phone.", pii=True),
    col("state", TEXT, "Account state."),
    col("created_at", TIMESTAMP, "Account creation (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "Last change (UTC).", nullable=False),
    indexes=(("tenant_id", "partition_date"), ("tenant_id", "customer_id")),
)
STG_PRODUCTS = _conformed(
    "stg_products",
    "Sellable products at variant grain from every platform in one shape.",
    ("variant_id",),
    col("product_id", TEXT, "Platform product id.", nullable=False),
    col("variant_id", TEXT, "Platform variant id.", nullable=False),
    col("product_title", TEXT, "Product title."),
    col("variant_title", TEXT, "Variant title."),
    col("sku", TEXT, "SKU."),
    col("price", MONEY, "Price in shop currency.", nullable=False, ge=0),
    col("vendor", TEXT, "Vendor."),
    col("product_type", TEXT, "Product type."),
    col("created_at", TIMESTAMP, "Creation (UTC).", nullable=False),
    col("updated_at", TIMESTAMP, "Version timestamp (UTC).", nullable=False),
    indexes=(("tenant_id", "partition_date"), ("tenant_id", "variant_id")),
)
STG_LOCATIONS = _conformed(
    "stg_locations",
    "Stores and warehouses of every platform in one shape, as of each day's snapshot (partition_date).",
    ("location_id",),
    col("location_id", TEXT, "Platform location id.", nullable=False),
    col("name", TEXT, "Location name."),
    col("address1", TEXT, "Street address."),
    col("city", TEXT, "City."),
    col("zip", TEXT, "Postal code."),
    col("province", TEXT, "Province or state."),
    col("country_code", TEXT, "Country code."),
    col("is_active", BOOL, "Whether the location is active."),
    col("created_at", TIMESTAMP, "Creation (UTC)."),
    col("updated_at", TIMESTAMP, "Last change (UTC)."),
    indexes=(("tenant_id", "partition_date"), ("tenant_id", "location_id")),
)

STG_INVENTORY_LEVELS = _conformed(
    "stg_inventory_levels",
    "Units available per variant and location from every platform in one shape, as of each day's "
    "snapshot (partition_date): a daily stock history.",
    ("variant_id", "location_id"),
    col("product_id", TEXT, "Platform product id.", nullable=False),
    col("variant_id", TEXT, "Platform variant id (joins stg_products and dim_product).", nullable=False),
    col("sku", TEXT, "SKU of the variant as staged on or before the day."),
    col(
        "location_id",
        TEXT,
        "Platform location id (joins stg_locations); a platform without locations has one per site.",
        nullable=False,
    ),
    col(
        "available",
        INT,
        "Units available to sell at the location as the platform reported them (may be negative when "
        "overselling is allowed; null when the platform does not track the item).",
    ),
    col("updated_at", TIMESTAMP, "When the platform last changed the level (UTC), if it says."),
    col(
        "snapshot_taken_at",
        TIMESTAMP,
        "When the snapshot holding the level was taken (UTC); null for a platform that reports stock only "
        "with the product's changes (docs/metrics.md#inventory).",
    ),
    indexes=(("tenant_id", "partition_date"), ("tenant_id", "variant_id")),
)

# ---------------------------------------------------------------- star schema
DIM_DATE = TableSpec(
    "dim_date",
    "The calendar: one row per date.",
    (
        col("date_key", INT, "yyyymmdd.", nullable=False),
        col("date", DATE, "The date.", nullable=False),
        col("year", INT, "Year.", nullable=False),
        col("quarter", INT, "Quarter 1-4.", nullable=False),
        col("month", INT, "Month 1-12.", nullable=False),
        col("month_name", TEXT, "Month name.", nullable=False),
        col("iso_week", INT, "ISO week number.", nullable=False),
        col("day_of_week", INT, "ISO day of week, Monday = 1.", nullable=False),
        col("day_name", TEXT, "Day name.", nullable=False),
        col("is_weekend", BOOL, "Saturday or Sunday.", nullable=False),
    ),
    ("date_key",),
)
DIM_CUSTOMER = TableSpec(
    "dim_customer",
    "One row per customer per tenant; guests keyed by normalised email.",
    (
        TENANT,
        col(
            "customer_key",
            TEXT,
            "Customer identity: normalised email, else 'id:<platform>:<customer id>'.",
            pii=True,
            nullable=False,
        ),
        col("platform", TEXT, "Platform of the customer's first order."),
        col("customer_id", TEXT, "Registered customer id (latest), null for guests."),
        col("is_guest", BOOL, "No registered account behind this identity.", nullable=False),
        col("email", TEXT, "Email.", pii=True),
        col("first_name", TEXT, "First name.", pii=True),
        col("last_name", TEXT, "Last name.", pii=True),
        col("first_order_date", DATE, "Business date of the first counted order."),
        col("last_order_date", DATE, "Business date of the latest counted order."),
        col("lifetime_orders", INT, "Counted orders.", nullable=False),
        col(
            "lifetime_net_spend",
            MONEY,
            "Σ (gross − discounts) of counted orders − their returns.",
            nullable=False,
        ),
        col("segment", TEXT, "prospect (no order), new (1), returning (2-4), loyal (5+).", nullable=False),
    ),
    ("tenant_id", "customer_key"),
    (("tenant_id", "customer_key"),),
)
DIM_PRODUCT = TableSpec(
    "dim_product",
    "Products at variant grain (per platform), SCD type 2 on price, title and sku: one row per version; "
    "sku_key links the variants of several platforms by SKU.",
    (
        TENANT,
        PLATFORM,
        col(
            "product_key",
            TEXT,
            "Surrogate key of the version: platform:variant_id:valid_from.",
            nullable=False,
        ),
        col("variant_id", TEXT, "Platform variant id.", nullable=False),
        col("product_id", TEXT, "Platform product id.", nullable=False),
        col("product_title", TEXT, "Product title in this version."),
        col("variant_title", TEXT, "Variant title in this version."),
        col("sku", TEXT, "SKU in this version."),
        col(
            "sku_key",
            TEXT,
            "The SKU normalised (trimmed, upper-cased; null without a SKU): links the variants of "
            "different platforms that sell the same item. Not unique: a platform may reuse a SKU.",
        ),
        col("price", MONEY, "Price in this version.", nullable=False, ge=0),
        col("vendor", TEXT, "Vendor."),
        col("product_type", TEXT, "Product type."),
        col("valid_from", TIMESTAMP, "Version in force from (UTC, inclusive).", nullable=False),
        col("valid_to", TIMESTAMP, "Version in force until (UTC, exclusive); null while current."),
        col("is_current", BOOL, "The version in force now.", nullable=False),
    ),
    ("tenant_id", "product_key"),
    # a variant id is the platform's own: the same id on two platforms is two variants
    (("tenant_id", "platform", "variant_id"), ("tenant_id", "sku_key")),
)
DIM_LOCATION = TableSpec(
    "dim_location",
    "Store and warehouse locations, latest snapshot.",
    (
        TENANT,
        PLATFORM,
        col("location_id", TEXT, "Platform location id.", nullable=False),
        col("name", TEXT, "Name."),
        col("city", TEXT, "City."),
        col("province", TEXT, "Province or state."),
        col("country_code", TEXT, "Country code."),
        col("is_active", BOOL, "Active."),
        col("snapshot_date", DATE, "Business day of the snapshot this row comes from.", nullable=False),
    ),
    ("tenant_id", "platform", "location_id"),
)
FACT_ORDERS = TableSpec(
    "fact_orders",
    "One row per order in its current state (newest updated_at wins), dated on its business day.",
    (
        TENANT,
        PLATFORM,
        col("order_id", TEXT, "Platform order id.", nullable=False),
        col("order_number", TEXT, "Order number."),
        col("customer_key", TEXT, "Joins dim_customer.", pii=True),
        col("customer_id", TEXT, "Platform customer id."),
        col("business_date", DATE, "Tenant-local date the order counts on.", nullable=False),
        col("date_key", INT, "Joins dim_date.", nullable=False),
        col("processed_at", TIMESTAMP, "When the sale happened (UTC).", nullable=False),
        col("updated_at", TIMESTAMP, "Version (UTC).", nullable=False),
        col("currency", TEXT, "Shop currency.", nullable=False, pattern=CURRENCY),
        col("presentment_currency", TEXT, "Buyer's currency.", pattern=CURRENCY),
        col("financial_status", TEXT, "Payment state.", isin=FINANCIAL_STATUSES),
        col("is_test", BOOL, "Test order.", nullable=False),
        col("is_cancelled", BOOL, "Cancelled.", nullable=False),
        col("is_counted", BOOL, "Counts in sales: not a test and not voided.", nullable=False),
        col("taxes_included", BOOL, "Prices include tax (taken out of every measure here).", nullable=False),
        col("units", INT, "Units over non-gift-card lines.", nullable=False, ge=0),
        col("line_count", INT, "Lines.", nullable=False, ge=0),
        col(
            "gross_sales",
            MONEY,
            "Σ price × quantity over non-gift-card lines, tax excluded.",
            nullable=False,
            ge=0,
        ),
        col("discounts", MONEY, "Σ line discount allocations, tax excluded.", nullable=False, ge=0),
        col("shipping", MONEY, "Shipping less shipping discounts, tax excluded.", nullable=False),
        col("taxes", MONEY, "Σ order tax lines.", nullable=False),
        col("total_price", MONEY, "Charged.", nullable=False, ge=0),
    ),
    ("tenant_id", "platform", "order_id"),
    (("tenant_id", "order_id"), ("tenant_id", "business_date"), ("tenant_id", "customer_key")),
)
FACT_ORDER_ITEMS = TableSpec(
    "fact_order_items",
    "One row per order line of the order's current version, joined to the product version in force.",
    (
        TENANT,
        PLATFORM,
        col("order_id", TEXT, "Platform order id.", nullable=False),
        col("line_id", TEXT, "Platform line id.", nullable=False),
        col("business_date", DATE, "Order's business date.", nullable=False),
        col("date_key", INT, "Joins dim_date.", nullable=False),
        col(
            "processed_at",
            TIMESTAMP,
            "When the order was processed (UTC); picks the product version.",
            nullable=False,
        ),
        col("product_key", TEXT, "dim_product version in force at order time (null if unknown)."),
        col("product_id", TEXT, "Platform product id."),
        col("variant_id", TEXT, "Platform variant id."),
        col("sku", TEXT, "SKU sold."),
        col("quantity", INT, "Units.", nullable=False, ge=0),
        col("price", MONEY, "Unit price.", nullable=False, ge=0),
        col("gross_amount", MONEY, "price × quantity, tax excluded.", nullable=False, ge=0),
        col("discount_amount", MONEY, "Discounts, tax excluded.", nullable=False, ge=0),
        col("net_amount", MONEY, "gross − discounts.", nullable=False),
        col("tax_amount", MONEY, "Tax.", nullable=False),
        col("is_gift_card", BOOL, "Gift-card line.", nullable=False),
        col("is_counted", BOOL, "Order counts in sales.", nullable=False),
    ),
    ("tenant_id", "platform", "order_id", "line_id"),
    (("tenant_id", "order_id"),),
)
FACT_REFUNDS = TableSpec(
    "fact_refunds",
    "One row per refund line (items, shipping refunds, adjustments), dated on the refund's business day.",
    (
        TENANT,
        PLATFORM,
        col("order_id", TEXT, "Platform order id.", nullable=False),
        col("refund_id", TEXT, "Platform refund id.", nullable=False),
        col("refund_line_id", TEXT, "Refund line id.", nullable=False),
        col("line_type", TEXT, "line_item, shipping or adjustment.", nullable=False, isin=LINE_TYPES),
        col("line_id", TEXT, "Refunded order line."),
        col("refunded_at", TIMESTAMP, "When (UTC).", nullable=False),
        col("business_date", DATE, "Tenant-local date the refund counts on.", nullable=False),
        col("date_key", INT, "Joins dim_date.", nullable=False),
        col("order_business_date", DATE, "Business date of the refunded order.", nullable=False),
        col("quantity", INT, "Units returned.", nullable=False, ge=0),
        col("returns_amount", MONEY, "Item subtotal returned, tax excluded.", nullable=False, ge=0),
        col("shipping_amount", MONEY, "Shipping given back, tax excluded.", nullable=False),
        col("tax_amount", MONEY, "Tax given back.", nullable=False),
        col("is_gift_card", BOOL, "Gift-card line.", nullable=False),
        col("is_counted", BOOL, "The refunded order counts in sales.", nullable=False),
    ),
    ("tenant_id", "platform", "order_id", "refund_line_id"),
    (("tenant_id", "order_id"), ("tenant_id", "business_date")),
)

FACT_INVENTORY_SNAPSHOTS = TableSpec(
    "fact_inventory_snapshots",
    "Stock on hand: one row per tenant, platform, day, variant and location with the units available in "
    "the day's last snapshot (docs/metrics.md#inventory).",
    (
        TENANT,
        PLATFORM,
        col("snapshot_date", DATE, "Tenant-local business day of the snapshot.", nullable=False),
        col("date_key", INT, "Joins dim_date.", nullable=False),
        col("product_id", TEXT, "Platform product id.", nullable=False),
        col("variant_id", TEXT, "Platform variant id (joins dim_product).", nullable=False),
        col("sku", TEXT, "SKU of the variant on that day."),
        col(
            "sku_key",
            TEXT,
            "The SKU normalised as in dim_product (trimmed, upper-cased; null without one): links the stock "
            "of variants that different platforms sell as the same item.",
        ),
        col("location_id", TEXT, "Platform location id (joins dim_location).", nullable=False),
        col("available", INT, "Units available to sell at the location; null when not tracked."),
        col("updated_at", TIMESTAMP, "When the platform last changed the level (UTC), if it says."),
        col(
            "snapshot_taken_at",
            TIMESTAMP,
            "When the day's snapshot was taken (UTC), if the platform takes one.",
        ),
    ),
    ("tenant_id", "platform", "snapshot_date", "variant_id", "location_id"),
    (("tenant_id", "snapshot_date"), ("tenant_id", "platform", "variant_id")),
)

# ---------------------------------------------------------------- aggregates
AGG_DAILY_SALES = TableSpec(
    "agg_daily_sales",
    "Daily sales per tenant, platform and currency, plus the total across platforms (platform = 'all'): "
    "the one definition of every sales metric.",
    (
        TENANT,
        col("date", DATE, "Tenant-local business day.", nullable=False),
        AGGREGATE_PLATFORM,
        col(
            "currency",
            TEXT,
            "Currency of every amount (the shop currency).",
            nullable=False,
            pattern=CURRENCY,
        ),
        col("orders", INT, "Counted orders.", nullable=False, ge=0),
        col("units", INT, "Units sold.", nullable=False, ge=0),
        col("gross_sales", CENTS, "Σ price × quantity, tax excluded, to the cent.", nullable=False, ge=0),
        col("discounts", CENTS, "Σ discount allocations, tax excluded, to the cent.", nullable=False, ge=0),
        col(
            "returns",
            CENTS,
            "Refunded item values, tax excluded, on the refund's day, to the cent.",
            nullable=False,
            ge=0,
        ),
        col("net_sales", CENTS, "gross_sales − discounts − returns.", nullable=False),
        col(
            "shipping",
            CENTS,
            "Shipping less discounts and shipping refunds, tax excluded, to the cent.",
            nullable=False,
        ),
        col("taxes", CENTS, "Taxes less refunded taxes, to the cent.", nullable=False),
        col("total_sales", CENTS, "net_sales + shipping + taxes.", nullable=False),
        col("average_order_value", CENTS, "(gross_sales − discounts) / orders; null without orders."),
        col(
            "customers",
            INT,
            "Distinct customers with a counted order (each person once on the across-platforms row).",
            nullable=False,
            ge=0,
        ),
        col(
            "new_customers",
            INT,
            "Customers whose first counted order ever (across platforms) is this day; on a platform's row, "
            "only if that first order is on this platform.",
            nullable=False,
            ge=0,
        ),
        col("returning_customers", INT, "customers − new_customers.", nullable=False, ge=0),
        col(
            "is_complete",
            BOOL,
            "Every raw orders partition the day's figures depend on (tenant start date through yesterday, "
            "as of the restatement) was ingested: the figures are final unless the source changes them.",
            nullable=False,
        ),
        col(
            "provisional_reason",
            TEXT,
            "Why the figures may still change, naming the days not ingested; null when complete.",
        ),
    ),
    ("tenant_id", "date", "platform", "currency"),
    (("tenant_id", "date"),),
)
AGG_WEEKLY_TRENDS = TableSpec(
    "agg_weekly_trends",
    "Trailing 7-day windows ending on each day, with the change against the 7 days before.",
    (
        TENANT,
        col("date", DATE, "Last day of the window.", nullable=False),
        AGGREGATE_PLATFORM,
        col("currency", TEXT, "Currency.", nullable=False, pattern=CURRENCY),
        col("window_start", DATE, "First day of the window.", nullable=False),
        col("orders_7d", INT, "Orders in the window.", nullable=False, ge=0),
        col("units_7d", INT, "Units in the window.", nullable=False, ge=0),
        col("net_sales_7d", CENTS, "Net sales in the window.", nullable=False),
        col("total_sales_7d", CENTS, "Total sales in the window.", nullable=False),
        col("new_customers_7d", INT, "New customers in the window.", nullable=False),
        col("average_order_value_7d", CENTS, "(gross − discounts) / orders over the window."),
        col("orders_prev_7d", INT, "Orders in the 7 days before.", nullable=False),
        col("net_sales_prev_7d", CENTS, "Net sales in the 7 days before.", nullable=False),
        col("total_sales_prev_7d", CENTS, "Total sales in the 7 days before.", nullable=False),
        col(
            "orders_change_pct",
            PERCENT,
            "Change in orders vs the 7 days before, percent; null if none before.",
        ),
        col("net_sales_change_pct", PERCENT, "Change in net sales, percent; null if none before."),
        col("total_sales_change_pct", PERCENT, "Change in total sales, percent; null if none before."),
    ),
    ("tenant_id", "date", "platform", "currency"),
    (("tenant_id", "date"),),
)

AGG_DAILY_PRODUCT_SALES = TableSpec(
    "agg_daily_product_sales",
    "Daily sales and refunds per tenant, platform, currency, product and variant: what the top products "
    "and refunds answers add up over a range instead of reading the order lines (docs/metrics.md"
    "#agg_daily_product_sales). Sales on the order's day, refunds on the refund's; gift cards left out.",
    (
        TENANT,
        col(
            "date",
            DATE,
            "Tenant-local business day (the order's for sales, the refund's for refunds).",
            nullable=False,
        ),
        PLATFORM,
        col(
            "currency",
            TEXT,
            "Currency of every amount (the shop currency).",
            nullable=False,
            pattern=CURRENCY,
        ),
        col(
            "product_id",
            TEXT,
            "Platform product id; null: lines without a product (custom lines, "
            "shipping and adjustment refunds).",
        ),
        col("variant_id", TEXT, "Platform variant id; null without one."),
        col("sku", TEXT, "The greatest SKU sold on the day (null: none, or refunds only)."),
        col(
            "product_title",
            TEXT,
            "The greatest product title of the versions sold on the day (dim_product "
            "via fact_order_items.product_key).",
        ),
        col("variant_title", TEXT, "The greatest variant title of the versions sold on the day."),
        col("orders", INT, "Counted orders with a line of the variant on the day.", nullable=False, ge=0),
        col(
            "product_orders",
            INT,
            "Counted orders of the product on the day counted on one of its variants "
            "only (the order's smallest variant id): Σ over a product's rows is its distinct orders.",
            nullable=False,
            ge=0,
        ),
        col("units", INT, "Units sold.", nullable=False, ge=0),
        col(
            "net_sales", MONEY, "Σ line gross − discounts, tax excluded, exact (not rounded).", nullable=False
        ),
        col(
            "refunds",
            INT,
            "Refunds of the day counted on one row each (their first line's): Σ over a "
            "day's rows of a platform and currency is its distinct refunds.",
            nullable=False,
            ge=0,
        ),
        col(
            "refunded_orders",
            INT,
            "Orders refunded on the day counted on one row each (their first refund "
            "line's of the day): Σ over a day's rows is its distinct refunded orders.",
            nullable=False,
            ge=0,
        ),
        col("units_refunded", INT, "Units returned.", nullable=False, ge=0),
        col(
            "returns",
            MONEY,
            "Refunded item values, tax excluded, exact (agg_daily_sales.returns before rounding).",
            nullable=False,
            ge=0,
        ),
        col("shipping_refunded", MONEY, "Shipping given back, tax excluded, exact.", nullable=False),
        col("taxes_refunded", MONEY, "Tax given back, exact.", nullable=False),
    ),
    ("tenant_id", "date", "platform", "currency", "product_id", "variant_id"),
    (("tenant_id", "date"),),
)

# ---------------------------------------------------------------- operations
DLQ_RECORDS = TableSpec(
    "dlq_records",
    "Dead letters: raw records that could not be staged, kept with the reason until the partition is "
    "materialised again from a fixed source.",
    (
        TENANT,
        PLATFORM,
        col("entity", TEXT, "Raw entity, e.g. orders.", nullable=False),
        PARTITION,
        col("record_key", TEXT, "The record's id as received (empty when it had none).", nullable=False),
        col("reason", TEXT, "What is wrong, naming the field and value.", nullable=False),
        col("payload_sha256", TEXT, "SHA-256 of the raw payload: tells copies apart.", nullable=False),
        col("raw_payload", TEXT, "The record exactly as received (JSON).", pii=True, nullable=False),
        col("first_seen", TIMESTAMP, "When this dead letter was first seen (UTC).", nullable=False),
        col("last_seen", TIMESTAMP, "When it was last seen (UTC).", nullable=False),
    ),
    ("tenant_id", "platform", "entity", "partition_date", "record_key", "reason", "payload_sha256"),
    (("tenant_id", "entity", "partition_date"),),
)

STAGED_PARTITIONS = TableSpec(
    "staged_partitions",
    "Ledger of ingested raw partitions, for every platform and entity: a row says the partition of that "
    "business day was fetched and staged (written in the staging write's own transaction, also for a day "
    "without records). Whether a day's figures are complete is judged from it (docs/metrics.md).",
    (
        TENANT,
        PLATFORM,
        col("entity", TEXT, "Raw entity, e.g. orders.", nullable=False),
        PARTITION,
        col("timezone", TEXT, "IANA timezone the business day was cut in.", nullable=False),
        col("fetched_at", TIMESTAMP, "When the raw partition was fetched (UTC), if the raw store says."),
        col("staged_at", TIMESTAMP, "When it was staged (UTC).", nullable=False),
        col(
            "whole_day",
            BOOL,
            "Fetched and staged after the business day ended: it holds all of the day's changes.",
            nullable=False,
        ),
    ),
    ("tenant_id", "platform", "entity", "partition_date"),
    (("tenant_id", "entity", "partition_date"),),
)

#: How a deletion was found: the platform's deletion events, or an id-set comparison against the source.
DETECTED_BY = ("event", "id_set")

SOURCE_DELETIONS = TableSpec(
    "source_deletions",
    "Records deleted at the source (an order a merchant deleted in the admin), for every platform: one row "
    "per deleted record, written when a run first detects it. The record leaves the staging tables and the "
    "facts, and the days it counted on are restated (docs/metrics.md#deleted-orders); this row is what "
    "remains, so a deletion is never silent.",
    (
        TENANT,
        PLATFORM,
        col("entity", TEXT, "What was deleted: 'order'.", nullable=False, isin=("order",)),
        col("source_id", TEXT, "The platform's id of the deleted record.", nullable=False),
        col(
            "business_date",
            DATE,
            "Tenant-local day the order counted on (its processed_at); null when it never reached the "
            "warehouse (placed and deleted before a run saw it).",
        ),
        col(
            "customer_key",
            TEXT,
            "The order's customer (dim_customer identity): their days are restated.",
            pii=True,
        ),
        col(
            "deleted_at", TIMESTAMP, "When the source says it was deleted (UTC); null for an id-set finding."
        ),
        col(
            "detected_by",
            TEXT,
            "'event': the platform's deletion events; 'id_set': missing from the source's ids of its day.",
            nullable=False,
            isin=DETECTED_BY,
        ),
        col(
            "detected_on",
            DATE,
            "Business day of the partition whose run detected it (its run restates the order's days).",
            nullable=False,
        ),
        col("recorded_at", TIMESTAMP, "When it was recorded (UTC).", nullable=False),
    ),
    ("tenant_id", "platform", "entity", "source_id"),
    (("tenant_id", "detected_on"),),
)

SHARED_TABLES: list[TableSpec] = [value for value in list(globals().values()) if isinstance(value, TableSpec)]
