-- WooCommerce refunds → the conformed stg_refunds, on the refund's own day, money given back positive:
-- each refunded line (returns = its total, ex-tax after coupons; its tax given back), and, for a refund
-- giving back more than its lines (a full refund: shipping and fees, which WooCommerce does not itemise),
-- one 'shipping' row with that rest ex-tax and its tax.
DELETE FROM stg_refunds
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_refunds (
    tenant_id, platform, partition_date, order_id, refund_id, refund_line_id, line_type, line_id,
    refunded_at, business_date, quantity, returns_amount, shipping_amount, tax_amount, is_gift_card, updated_at
)
SELECT
    rl.tenant_id, CAST(:platform AS VARCHAR), rl.partition_date,
    CAST(rl.order_id AS VARCHAR), CAST(rl.refund_id AS VARCHAR), 'line:' || CAST(rl.refund_line_id AS VARCHAR),
    'line_item', CAST(rl.line_id AS VARCHAR),
    r.created_at, r.business_date, rl.quantity, rl.total, 0, rl.total_tax, FALSE, o.updated_at
FROM stg_woocommerce_refund_lines rl
JOIN stg_woocommerce_refunds r
  ON r.tenant_id = rl.tenant_id AND r.partition_date = rl.partition_date
 AND r.order_id = rl.order_id AND r.refund_id = rl.refund_id
JOIN stg_woocommerce_orders o
  ON o.tenant_id = rl.tenant_id AND o.partition_date = rl.partition_date AND o.order_id = rl.order_id
WHERE rl.tenant_id = :tenant_id AND rl.partition_date BETWEEN :start_date AND :end_date
UNION ALL
SELECT
    r.tenant_id, CAST(:platform AS VARCHAR), r.partition_date,
    CAST(r.order_id AS VARCHAR), CAST(r.refund_id AS VARCHAR), 'adjustment:' || CAST(r.refund_id AS VARCHAR),
    'shipping', NULL,
    r.created_at, r.business_date, 0, 0, r.other_amount, r.other_tax, FALSE, o.updated_at
FROM stg_woocommerce_refunds r
JOIN stg_woocommerce_orders o
  ON o.tenant_id = r.tenant_id AND o.partition_date = r.partition_date AND o.order_id = r.order_id
WHERE r.tenant_id = :tenant_id AND r.partition_date BETWEEN :start_date AND :end_date
  AND (r.other_amount <> 0 OR r.other_tax <> 0);
