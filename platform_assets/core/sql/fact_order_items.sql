-- fact_order_items: the lines of each touched order's current version (as chosen in fact_orders), keyed
-- to the dim_product version in force when the order was processed.
DELETE FROM fact_order_items
WHERE tenant_id = :tenant_id
  AND (platform, order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO fact_order_items (
    tenant_id, platform, order_id, line_id, business_date, date_key, processed_at, product_key, product_id,
    variant_id, sku, quantity, price, gross_amount, discount_amount, net_amount, tax_amount, is_gift_card,
    is_counted
)
SELECT
    l.tenant_id, l.platform, l.order_id, l.line_id, f.business_date, f.date_key, f.processed_at,
    p.product_key, l.product_id, l.variant_id, l.sku, l.quantity, l.price, l.gross_amount, l.discount_amount,
    l.gross_amount - l.discount_amount, l.tax_amount, l.is_gift_card, f.is_counted
FROM fact_orders f
JOIN stg_order_lines l
  ON l.tenant_id = f.tenant_id AND l.platform = f.platform AND l.order_id = f.order_id
 AND l.updated_at = f.updated_at
 AND l.partition_date = (
     SELECT MAX(s.partition_date) FROM stg_orders s
     WHERE s.tenant_id = f.tenant_id AND s.platform = f.platform AND s.order_id = f.order_id
       AND s.updated_at = f.updated_at)
LEFT JOIN dim_product p
  ON p.tenant_id = l.tenant_id AND p.platform = l.platform AND p.variant_id = l.variant_id
 AND p.valid_from <= f.processed_at AND (p.valid_to IS NULL OR f.processed_at < p.valid_to)
WHERE f.tenant_id = :tenant_id
  AND (f.platform, f.order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

-- Product versions learnt from the partitions being materialised re-key the items they describe.
UPDATE fact_order_items
SET product_key = (
    SELECT p.product_key FROM dim_product p
    WHERE p.tenant_id = fact_order_items.tenant_id AND p.platform = fact_order_items.platform
      AND p.variant_id = fact_order_items.variant_id
      AND p.valid_from <= fact_order_items.processed_at
      AND (p.valid_to IS NULL OR fact_order_items.processed_at < p.valid_to))
WHERE tenant_id = :tenant_id
  AND (platform, variant_id) IN (
      SELECT platform, variant_id FROM stg_products
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);
