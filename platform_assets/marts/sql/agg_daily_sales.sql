-- agg_daily_sales for the given business days, restated in full from the facts. The metric definitions
-- live here and in docs/metrics.md: orders count on their day, refunds on theirs.
-- Two kinds of row: one per (day, platform, currency), and one per (day, currency) across every
-- platform, with platform 'all' (ALL_PLATFORMS). The additive figures of the latter are the sums of the
-- platforms' rows (already rounded, so they add up as shown); its customer figures count a person once
-- across platforms (by customer_key, the dim_customer identity), so they are not the sum.
DELETE FROM agg_daily_sales WHERE tenant_id = :tenant_id AND date IN :days;

INSERT INTO agg_daily_sales (
    tenant_id, date, platform, currency, orders, units, gross_sales, discounts, returns, net_sales, shipping,
    taxes, total_sales, average_order_value, customers, new_customers, returning_customers,
    is_complete, provisional_reason
)
WITH firsts AS (
    -- Each person's first counted order across every platform (the earliest business day, then the
    -- earliest processed_at): its day makes them new, and only on its platform's row.
    SELECT customer_key, business_date AS first_day, platform AS first_platform
    FROM (
        SELECT customer_key, business_date, platform,
               ROW_NUMBER() OVER (PARTITION BY customer_key
                                  ORDER BY business_date, processed_at, platform, order_id) AS nth
        FROM fact_orders
        WHERE tenant_id = :tenant_id AND is_counted AND customer_key IS NOT NULL
    ) ordered
    WHERE nth = 1
),
activity AS (
    SELECT f.tenant_id, f.business_date AS day, f.platform, f.currency, 1 AS orders, f.units, f.gross_sales,
           f.discounts, 0 AS returns, f.shipping, f.taxes, f.customer_key,
           COALESCE(f.business_date = firsts.first_day, FALSE) AS is_first_day,
           COALESCE(f.business_date = firsts.first_day AND f.platform = firsts.first_platform, FALSE)
               AS is_first_day_here
    FROM fact_orders f
    LEFT JOIN firsts ON firsts.customer_key = f.customer_key
    WHERE f.tenant_id = :tenant_id AND f.is_counted AND f.business_date IN :days
    UNION ALL
    SELECT r.tenant_id, r.business_date, r.platform, f.currency, 0, 0, 0, 0,
           r.returns_amount, -r.shipping_amount, -r.tax_amount, NULL, FALSE, FALSE
    FROM fact_refunds r
    JOIN fact_orders f ON f.tenant_id = r.tenant_id AND f.platform = r.platform AND f.order_id = r.order_id
    WHERE r.tenant_id = :tenant_id AND r.is_counted AND NOT r.is_gift_card AND r.business_date IN :days
),
per_platform AS (
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
            COUNT(DISTINCT CASE WHEN is_first_day_here THEN customer_key END) AS new_customers
        FROM activity
        GROUP BY tenant_id, day, platform, currency
    ) exact
),
people AS (
    -- A person counts once a day across platforms; new when their first order ever is on the day.
    SELECT tenant_id, day, currency,
           COUNT(DISTINCT customer_key) AS customers,
           COUNT(DISTINCT CASE WHEN is_first_day THEN customer_key END) AS new_customers
    FROM activity
    GROUP BY tenant_id, day, currency
),
across_platforms AS (
    SELECT
        p.tenant_id, p.day, CAST(:all_platforms AS VARCHAR) AS platform, p.currency,
        CAST(SUM(p.orders) AS BIGINT) AS orders, CAST(SUM(p.units) AS BIGINT) AS units,
        SUM(p.gross_sales) AS gross_sales,
        SUM(p.discounts) AS discounts, SUM(p.returns) AS returns, SUM(p.shipping) AS shipping,
        SUM(p.taxes) AS taxes, SUM(p.exact_sales_before_returns) AS exact_sales_before_returns,
        MIN(c.customers) AS customers, MIN(c.new_customers) AS new_customers
    FROM per_platform p
    JOIN people c ON c.tenant_id = p.tenant_id AND c.day = p.day AND c.currency = p.currency
    GROUP BY p.tenant_id, p.day, p.currency
),
daily AS (
    SELECT tenant_id, day, platform, currency, orders, units, gross_sales, discounts, returns, shipping,
           taxes, exact_sales_before_returns, customers, new_customers
    FROM per_platform
    UNION ALL
    SELECT tenant_id, day, platform, currency, orders, units, gross_sales, discounts, returns, shipping,
           taxes, exact_sales_before_returns, customers, new_customers
    FROM across_platforms
)
SELECT
    tenant_id, day, platform, currency, orders, units, gross_sales, discounts, returns,
    gross_sales - discounts - returns,
    shipping, taxes,
    gross_sales - discounts - returns + shipping + taxes,
    CASE WHEN orders > 0 THEN money_ratio(exact_sales_before_returns, orders) END,
    customers, new_customers, customers - new_customers,
    FALSE, 'not judged yet'  -- judged right after, in the same transaction: agg_daily_sales_completeness.sql
FROM daily;
