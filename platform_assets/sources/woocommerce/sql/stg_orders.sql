-- WooCommerce orders → the conformed stg_orders: one row per order per raw partition, with the sale
-- measures computed once (docs/metrics.md, "WooCommerce"). Line subtotal/total are ex-tax in both tax
-- modes, so no tax is taken out here. An order counts when its status is processing, completed, on-hold
-- or refunded, on the business day of date_paid_gmt, else date_created_gmt (staging's sold_at).
-- Fee lines have no measure of their own in the conformed layer: a positive fee (gift wrapping) is gross
-- sales, a negative fee (a credit) a discount, so total_sales is what the customer paid.
DELETE FROM stg_orders
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_orders (
    tenant_id, platform, partition_date, order_id, order_number, customer_id, email, customer_key,
    processed_at, updated_at, business_date, currency, presentment_currency, financial_status,
    is_test, is_cancelled, is_counted, taxes_included, units, line_count, gross_sales, discounts, shipping,
    taxes, total_price
)
SELECT
    o.tenant_id,
    CAST(:platform AS VARCHAR),
    o.partition_date,
    CAST(o.order_id AS VARCHAR),
    o.order_number,
    CAST(o.customer_id AS VARCHAR),
    o.email,
    COALESCE(NULLIF(LOWER(TRIM(o.email)), ''), 'id:' || CAST(:platform AS VARCHAR) || ':' || CAST(o.customer_id AS VARCHAR)),
    o.sold_at,
    o.updated_at,
    o.business_date,
    o.currency,
    o.currency,
    CASE
        WHEN o.status = 'refunded' THEN 'refunded'
        WHEN o.status IN ('processing', 'completed') AND o.refunded_total > 0 THEN 'partially_refunded'
        WHEN o.status IN ('processing', 'completed') THEN 'paid'
        WHEN o.status IN ('pending', 'on-hold', 'checkout-draft') THEN 'pending'
        ELSE 'voided'
    END,
    FALSE,
    o.status = 'cancelled',
    o.status IN ('processing', 'completed', 'on-hold', 'refunded'),
    o.prices_include_tax,
    COALESCE(l.units, 0),
    COALESCE(l.line_count, 0),
    COALESCE(l.gross_sales, 0) + COALESCE(f.charges, 0),
    COALESCE(l.discounts, 0) + COALESCE(f.credits, 0),
    o.shipping_total,
    o.total_tax,
    o.total
FROM stg_woocommerce_orders o
LEFT JOIN (
    SELECT partition_date, order_id, SUM(quantity) AS units, COUNT(*) AS line_count,
           SUM(subtotal) AS gross_sales, SUM(discount) AS discounts
    FROM stg_woocommerce_order_lines
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    GROUP BY partition_date, order_id
) l ON l.partition_date = o.partition_date AND l.order_id = o.order_id
LEFT JOIN (
    SELECT partition_date, order_id,
           SUM(CASE WHEN total > 0 THEN total ELSE 0 END) AS charges,
           SUM(CASE WHEN total < 0 THEN -total ELSE 0 END) AS credits
    FROM stg_woocommerce_fee_lines
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    GROUP BY partition_date, order_id
) f ON f.partition_date = o.partition_date AND f.order_id = o.order_id
WHERE o.tenant_id = :tenant_id AND o.partition_date BETWEEN :start_date AND :end_date;
