-- fact_orders: one row per order in its current state. For every order touched by the partitions being
-- materialised, the newest version across all staged partitions wins (latest updated_at, then the latest
-- partition), so re-running or backfilling in any order converges on the same rows.
DELETE FROM fact_orders
WHERE tenant_id = :tenant_id
  AND (platform, order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO fact_orders (
    tenant_id, platform, order_id, order_number, customer_key, customer_id, business_date, date_key,
    processed_at, updated_at, currency, presentment_currency, financial_status, is_test, is_cancelled,
    is_counted, taxes_included, units, line_count, gross_sales, discounts, shipping, taxes, total_price
)
SELECT
    tenant_id, platform, order_id, order_number, customer_key, customer_id, business_date,
    CAST(EXTRACT(YEAR FROM business_date) * 10000 + EXTRACT(MONTH FROM business_date) * 100
         + EXTRACT(DAY FROM business_date) AS INTEGER),
    processed_at, updated_at, currency, presentment_currency, financial_status, is_test, is_cancelled,
    is_counted, taxes_included, units, line_count, gross_sales, discounts, shipping, taxes, total_price
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (PARTITION BY s.platform, s.order_id
                              ORDER BY s.updated_at DESC, s.partition_date DESC) AS version_rank
    FROM stg_orders s
    WHERE s.tenant_id = :tenant_id
      AND (s.platform, s.order_id) IN (
          SELECT platform, order_id FROM stg_orders
          WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
) latest
WHERE version_rank = 1;
