-- Order items of the touched orders that do not join a dim_product version in force when the order was
-- processed (or join none at all).
SELECT i.order_id, i.line_id, i.variant_id, i.product_key, i.processed_at
FROM fact_order_items i
LEFT JOIN dim_product p
  ON p.tenant_id = i.tenant_id AND p.product_key = i.product_key
 AND p.valid_from <= i.processed_at AND (p.valid_to IS NULL OR i.processed_at < p.valid_to)
WHERE i.tenant_id = :tenant_id AND i.variant_id IS NOT NULL AND p.product_key IS NULL
  AND (i.platform, i.order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
ORDER BY i.order_id, i.line_id
