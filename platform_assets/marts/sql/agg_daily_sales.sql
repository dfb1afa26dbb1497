-- agg_daily_sales for the given business days, restated in full from the facts. The metric definitions
-- live here and in docs/metrics.md: orders count on their day, refunds on theirs.
DELETE FROM agg_daily_sales WHERE tenant_id = :tenant_id AND date IN :days;

INSERT INTO agg_daily_sales (
    tenant_id, date, platform, currency, orders, units, gross_sales, discounts, returns, net_sales, shipping,
    taxes, total_sales, average_order_value, customers, new_customers, returning_customers,
    is_complete, provisional_reason
)
SELECT
    tenant_id, day, platform, currency, orders, units, gross_sales, discounts, returns,
    gross_sales - discounts - returns,
    shipping, taxes,
    gross_sales - discounts - returns + shipping + taxes,
    CASE WHEN orders > 0 THEN money_ratio(exact_sales_before_returns, orders) END,
    customers, new_customers, customers - new_customers,
    FALSE, 'not judged yet'  -- judged right after, in the same transaction: agg_daily_sales_completeness.sql
FROM (
    -- Each summed figure is rounded once, here, to the cent (halves away from zero); net and total
    -- sales are computed from the rounded figures, so every row adds up as shown.
    SELECT
        tenant_id, day, platform, currency, orders, units,
        ROUND(exact_gross, 2) AS gross_sales, ROUND(exact_discounts, 2) AS discounts,
        ROUND(exact_returns, 2) AS returns, ROUND(exact_shipping, 2) AS shipping,
        ROUND(exact_taxes, 2) AS taxes, exact_gross - exact_discounts AS exact_sales_before_returns,
        customers, new_customers
    FROM (
        SELECT
            tenant_id, day, platform, currency,
            SUM(orders) AS orders, SUM(units) AS units, SUM(gross_sales) AS exact_gross,
            SUM(discounts) AS exact_discounts, SUM(returns) AS exact_returns, SUM(shipping) AS exact_shipping,
            SUM(taxes) AS exact_taxes,
            COUNT(DISTINCT customer_key) AS customers,
            COUNT(DISTINCT CASE WHEN is_first_day THEN customer_key END) AS new_customers
        FROM (
            SELECT f.tenant_id, f.business_date AS day, f.platform, f.currency, 1 AS orders, f.units, f.gross_sales,
                   f.discounts, 0 AS returns, f.shipping, f.taxes, f.customer_key,
                   f.business_date = firsts.first_day AS is_first_day
            FROM fact_orders f
            LEFT JOIN (
                SELECT customer_key, MIN(business_date) AS first_day
                FROM fact_orders
                WHERE tenant_id = :tenant_id AND is_counted AND customer_key IS NOT NULL
                GROUP BY customer_key
            ) firsts ON firsts.customer_key = f.customer_key
            WHERE f.tenant_id = :tenant_id AND f.is_counted AND f.business_date IN :days
            UNION ALL
            SELECT r.tenant_id, r.business_date, r.platform, f.currency, 0, 0, 0, 0,
                   r.returns_amount, -r.shipping_amount, -r.tax_amount, NULL, FALSE
            FROM fact_refunds r
            JOIN fact_orders f ON f.tenant_id = r.tenant_id AND f.platform = r.platform AND f.order_id = r.order_id
            WHERE r.tenant_id = :tenant_id AND r.is_counted AND NOT r.is_gift_card AND r.business_date IN :days
        ) activity
        GROUP BY tenant_id, day, platform, currency
    ) exact
) daily;
