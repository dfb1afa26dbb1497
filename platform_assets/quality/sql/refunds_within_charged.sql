-- Touched orders whose refunds give back more than the order charged.
SELECT f.order_id, f.total_price AS charged,
       SUM(r.returns_amount + r.shipping_amount + r.tax_amount) AS refunded
FROM fact_orders f
JOIN fact_refunds r ON r.tenant_id = f.tenant_id AND r.platform = f.platform AND r.order_id = f.order_id
WHERE f.tenant_id = :tenant_id
  AND (f.platform, f.order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
GROUP BY f.order_id, f.total_price
HAVING SUM(r.returns_amount + r.shipping_amount + r.tax_amount) > f.total_price
ORDER BY f.order_id
