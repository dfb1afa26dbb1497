-- Shopify orders → the conformed stg_orders: one row per order per raw partition, with the sale
-- measures computed once (non-gift-card lines only; shipping net of its discounts; order tax lines).
-- Every measure but taxes is tax excluded: staging takes the tax out of each line, shipping line and
-- refund when the order's prices include tax (staging.py; docs/metrics.md).
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
    CAST(o.order_number AS VARCHAR),
    CAST(o.customer_id AS VARCHAR),
    o.email,
    COALESCE(NULLIF(LOWER(TRIM(o.email)), ''), 'id:' || CAST(:platform AS VARCHAR) || ':' || CAST(o.customer_id AS VARCHAR)),
    o.processed_at,
    o.updated_at,
    o.business_date,
    o.currency,
    o.presentment_currency,
    o.financial_status,
    o.is_test,
    o.cancelled_at IS NOT NULL,
    NOT o.is_test AND COALESCE(o.financial_status, '') <> 'voided',
    COALESCE(o.taxes_included, FALSE),
    COALESCE(l.units, 0),
    COALESCE(l.line_count, 0),
    COALESCE(l.gross_sales, 0),
    COALESCE(l.discounts, 0),
    COALESCE(s.shipping, 0),
    COALESCE(tx.taxes, 0),
    COALESCE(o.total_price, 0)
FROM stg_shopify_orders o
LEFT JOIN (
    SELECT partition_date, order_id,
           SUM(CASE WHEN is_gift_card THEN 0 ELSE quantity END) AS units,
           COUNT(*) AS line_count,
           SUM(CASE WHEN is_gift_card THEN 0 ELSE gross_sales END) AS gross_sales,
           SUM(CASE WHEN is_gift_card THEN 0 ELSE discounts END) AS discounts
    FROM stg_shopify_order_lines
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    GROUP BY partition_date, order_id
) l ON l.partition_date = o.partition_date AND l.order_id = o.order_id
LEFT JOIN (
    SELECT partition_date, order_id, SUM(net_amount) AS shipping
    FROM stg_shopify_shipping_lines
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    GROUP BY partition_date, order_id
) s ON s.partition_date = o.partition_date AND s.order_id = o.order_id
LEFT JOIN (
    SELECT partition_date, order_id, SUM(amount) AS taxes
    FROM stg_shopify_tax_lines
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date AND scope = 'order'
    GROUP BY partition_date, order_id
) tx ON tx.partition_date = o.partition_date AND tx.order_id = o.order_id
WHERE o.tenant_id = :tenant_id AND o.partition_date BETWEEN :start_date AND :end_date;
