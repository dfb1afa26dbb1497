-- agg_weekly_trends for the given days that have sales: the trailing 7 days (the day and the 6 before)
-- against the 7 days before that, from agg_daily_sales. The changes are percentages to the hundredth, exact
-- and rounded halves away from zero on both engines (percent_change, resources/warehouse.py).
DELETE FROM agg_weekly_trends WHERE tenant_id = :tenant_id AND date IN :days;

INSERT INTO agg_weekly_trends (
    tenant_id, date, platform, currency, window_start, orders_7d, units_7d, net_sales_7d, total_sales_7d,
    new_customers_7d, average_order_value_7d, orders_prev_7d, net_sales_prev_7d, total_sales_prev_7d,
    orders_change_pct, net_sales_change_pct, total_sales_change_pct
)
SELECT
    tenant_id, day, platform, currency, CAST(day - 6 AS DATE),
    orders_7d, units_7d, net_sales_7d, total_sales_7d, new_customers_7d,
    CASE WHEN orders_7d > 0 THEN money_ratio(sales_before_returns_7d, orders_7d) END,
    orders_prev_7d, net_sales_prev_7d, total_sales_prev_7d,
    CASE WHEN orders_prev_7d <> 0 THEN percent_change(orders_7d, orders_prev_7d) END,
    CASE WHEN net_sales_prev_7d <> 0 THEN percent_change(net_sales_7d, net_sales_prev_7d) END,
    CASE WHEN total_sales_prev_7d <> 0 THEN percent_change(total_sales_7d, total_sales_prev_7d) END
FROM (
    SELECT
        d.tenant_id, d.day, d.platform, d.currency,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.orders ELSE 0 END) AS orders_7d,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.units ELSE 0 END) AS units_7d,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.net_sales ELSE 0 END) AS net_sales_7d,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.total_sales ELSE 0 END) AS total_sales_7d,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.new_customers ELSE 0 END) AS new_customers_7d,
        SUM(CASE WHEN a.date > d.day - 7 THEN a.gross_sales - a.discounts ELSE 0 END) AS sales_before_returns_7d,
        SUM(CASE WHEN a.date <= d.day - 7 THEN a.orders ELSE 0 END) AS orders_prev_7d,
        SUM(CASE WHEN a.date <= d.day - 7 THEN a.net_sales ELSE 0 END) AS net_sales_prev_7d,
        SUM(CASE WHEN a.date <= d.day - 7 THEN a.total_sales ELSE 0 END) AS total_sales_prev_7d
    FROM (
        SELECT DISTINCT tenant_id, platform, currency, date AS day
        FROM agg_daily_sales
        WHERE tenant_id = :tenant_id AND date IN :days
    ) d
    JOIN agg_daily_sales a
      ON a.tenant_id = d.tenant_id AND a.platform = d.platform AND a.currency = d.currency
     AND a.date BETWEEN d.day - 13 AND d.day
    GROUP BY d.tenant_id, d.day, d.platform, d.currency
) windows;
