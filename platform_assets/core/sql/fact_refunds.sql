-- fact_refunds: the refund lines of each touched order's current version, dated on the refund's day.
DELETE FROM fact_refunds
WHERE tenant_id = :tenant_id
  AND (platform, order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO fact_refunds (
    tenant_id, platform, order_id, refund_id, refund_line_id, line_type, line_id, refunded_at, business_date,
    date_key, order_business_date, quantity, returns_amount, shipping_amount, tax_amount, is_gift_card,
    is_counted
)
SELECT
    r.tenant_id, r.platform, r.order_id, r.refund_id, r.refund_line_id, r.line_type, r.line_id, r.refunded_at,
    r.business_date,
    CAST(EXTRACT(YEAR FROM r.business_date) * 10000 + EXTRACT(MONTH FROM r.business_date) * 100
         + EXTRACT(DAY FROM r.business_date) AS INTEGER),
    f.business_date, r.quantity, r.returns_amount, r.shipping_amount, r.tax_amount, r.is_gift_card, f.is_counted
FROM fact_orders f
JOIN stg_refunds r
  ON r.tenant_id = f.tenant_id AND r.platform = f.platform AND r.order_id = f.order_id
 AND r.updated_at = f.updated_at
 AND r.partition_date = (
     SELECT MAX(s.partition_date) FROM stg_orders s
     WHERE s.tenant_id = f.tenant_id AND s.platform = f.platform AND s.order_id = f.order_id
       AND s.updated_at = f.updated_at)
WHERE f.tenant_id = :tenant_id
  AND (f.platform, f.order_id) IN (
      SELECT platform, order_id FROM stg_orders
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);
