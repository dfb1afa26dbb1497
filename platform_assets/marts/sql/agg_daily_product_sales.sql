-- agg_daily_product_sales for the given business days, restated in full from the facts: per tenant, day,
-- platform, currency, product and variant, what was sold (counted orders, on the order's day) and what was
-- refunded (on the refund's day), gift-card lines left out, as agg_daily_sales counts them. Amounts are
-- kept exact (MONEY, not rounded): a consumer sums the days of a range and rounds once, so its figures
-- are those of the order lines and refund lines themselves (docs/metrics.md#agg_daily_product_sales).
-- Distinct counts are made additive by counting each order (refund) on one row only:
--   orders          an order on every variant row it has a line of (distinct per variant);
--   product_orders  an order once per product, on its smallest variant id (then its first line);
--   refunds         a refund once, on the row of its first refund line (by refund_line_id);
--   refunded_orders an order refunded on the day once, on the row of its first refund line that day.
DELETE FROM agg_daily_product_sales WHERE tenant_id = :tenant_id AND date IN :days;

INSERT INTO agg_daily_product_sales (
    tenant_id, date, platform, currency, product_id, variant_id, sku, product_title, variant_title,
    orders, product_orders, units, net_sales,
    refunds, refunded_orders, units_refunded, returns, shipping_refunded, taxes_refunded
)
WITH sold AS (
    SELECT i.tenant_id, i.business_date AS day, i.platform, o.currency, i.product_id, i.variant_id,
           i.sku, p.product_title, p.variant_title, i.quantity, i.net_amount,
           ROW_NUMBER() OVER (PARTITION BY i.platform, i.order_id, i.product_id, i.variant_id
                              ORDER BY i.line_id) AS nth_of_variant,
           ROW_NUMBER() OVER (PARTITION BY i.platform, i.order_id, i.product_id
                              ORDER BY i.variant_id NULLS LAST, i.line_id) AS nth_of_product
    FROM fact_order_items i
    JOIN fact_orders o ON o.tenant_id = i.tenant_id AND o.platform = i.platform AND o.order_id = i.order_id
    LEFT JOIN dim_product p ON p.tenant_id = i.tenant_id AND p.product_key = i.product_key
    WHERE i.tenant_id = :tenant_id AND i.business_date IN :days AND i.is_counted AND NOT i.is_gift_card
),
refunded AS (
    -- a refund line's product is its order line's (none for shipping and adjustment lines)
    SELECT r.tenant_id, r.business_date AS day, r.platform, o.currency, i.product_id, i.variant_id,
           r.quantity, r.returns_amount, r.shipping_amount, r.tax_amount,
           ROW_NUMBER() OVER (PARTITION BY r.business_date, r.platform, o.currency, r.refund_id
                              ORDER BY r.refund_line_id, r.order_id) AS nth_of_refund,
           ROW_NUMBER() OVER (PARTITION BY r.business_date, r.platform, o.currency, r.order_id
                              ORDER BY r.refund_line_id, r.refund_id) AS nth_of_order
    FROM fact_refunds r
    JOIN fact_orders o ON o.tenant_id = r.tenant_id AND o.platform = r.platform AND o.order_id = r.order_id
    LEFT JOIN fact_order_items i
        ON i.tenant_id = r.tenant_id AND i.platform = r.platform AND i.order_id = r.order_id
       AND i.line_id = r.line_id
    WHERE r.tenant_id = :tenant_id AND r.business_date IN :days AND r.is_counted AND NOT r.is_gift_card
),
activity AS (
    SELECT tenant_id, day, platform, currency, product_id, variant_id, sku, product_title, variant_title,
           CASE WHEN nth_of_variant = 1 THEN 1 ELSE 0 END AS orders,
           CASE WHEN nth_of_product = 1 THEN 1 ELSE 0 END AS product_orders,
           quantity AS units, net_amount AS net_sales,
           0 AS refunds, 0 AS refunded_orders, 0 AS units_refunded, 0 AS returns, 0 AS shipping_refunded,
           0 AS taxes_refunded
    FROM sold
    UNION ALL
    SELECT tenant_id, day, platform, currency, product_id, variant_id, NULL, NULL, NULL, 0, 0, 0, 0,
           CASE WHEN nth_of_refund = 1 THEN 1 ELSE 0 END,
           CASE WHEN nth_of_order = 1 THEN 1 ELSE 0 END,
           quantity, returns_amount, shipping_amount, tax_amount
    FROM refunded
)
SELECT tenant_id, day, platform, currency, product_id, variant_id,
       MAX(sku), MAX(product_title), MAX(variant_title),
       CAST(SUM(orders) AS INTEGER), CAST(SUM(product_orders) AS INTEGER), CAST(SUM(units) AS INTEGER),
       SUM(net_sales),
       CAST(SUM(refunds) AS INTEGER), CAST(SUM(refunded_orders) AS INTEGER),
       CAST(SUM(units_refunded) AS INTEGER), SUM(returns), SUM(shipping_refunded), SUM(taxes_refunded)
FROM activity
GROUP BY tenant_id, day, platform, currency, product_id, variant_id;
