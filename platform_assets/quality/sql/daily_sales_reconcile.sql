-- Days of the run whose agg_daily_sales figures differ from the facts' own totals for that day
-- (orders, gross sales, discounts and returns, summed straight from fact_orders and fact_refunds and
-- rounded to the cent per platform and currency, as the aggregate rounds them). Both kinds of row are
-- checked, each on its own: the platforms' rows summed over platforms, and the rows across platforms
-- (platform = 'all', ALL_PLATFORMS); summing both kinds together would count every sale twice.
SELECT COALESCE(a.date, t.day) AS day, COALESCE(a.rows_kind, k.rows_kind) AS rows_kind, a.orders AS agg_orders, t.orders AS fact_orders,
       a.gross_sales AS agg_gross, t.gross_sales AS fact_gross,
       a.discounts AS agg_discounts, t.discounts AS fact_discounts,
       a.returns AS agg_returns, t.returns AS fact_returns
FROM (VALUES ('per platform'), ('across platforms')) AS k(rows_kind)
CROSS JOIN (
    SELECT day, SUM(orders) AS orders, SUM(gross_sales) AS gross_sales, SUM(discounts) AS discounts,
           SUM(returns) AS returns
    FROM (
        SELECT day, platform, currency, SUM(orders) AS orders, ROUND(SUM(gross_sales), 2) AS gross_sales,
               ROUND(SUM(discounts), 2) AS discounts, ROUND(SUM(returns), 2) AS returns
        FROM (
            SELECT business_date AS day, platform, currency, 1 AS orders, gross_sales, discounts, 0 AS returns
            FROM fact_orders
            WHERE tenant_id = :tenant_id AND is_counted AND business_date BETWEEN :start_date AND :end_date
            UNION ALL
            SELECT r.business_date, r.platform, f.currency, 0, 0, 0, r.returns_amount
            FROM fact_refunds r
            JOIN fact_orders f
              ON f.tenant_id = r.tenant_id AND f.platform = r.platform AND f.order_id = r.order_id
            WHERE r.tenant_id = :tenant_id AND r.is_counted AND NOT r.is_gift_card
              AND r.business_date BETWEEN :start_date AND :end_date
        ) facts
        GROUP BY day, platform, currency
    ) per_currency
    GROUP BY day
) t
FULL OUTER JOIN (
    SELECT date,
           CASE WHEN platform = :all_platforms THEN 'across platforms' ELSE 'per platform' END AS rows_kind,
           SUM(orders) AS orders, SUM(gross_sales) AS gross_sales, SUM(discounts) AS discounts,
           SUM(returns) AS returns
    FROM agg_daily_sales
    WHERE tenant_id = :tenant_id AND date BETWEEN :start_date AND :end_date
    GROUP BY date, CASE WHEN platform = :all_platforms THEN 'across platforms' ELSE 'per platform' END
) a ON a.date = t.day AND a.rows_kind = k.rows_kind
WHERE a.date IS NULL OR t.day IS NULL
   OR a.orders <> t.orders OR a.gross_sales <> t.gross_sales OR a.discounts <> t.discounts
   OR a.returns <> t.returns
ORDER BY 1
