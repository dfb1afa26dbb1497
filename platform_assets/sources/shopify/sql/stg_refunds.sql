-- Shopify refunds → the conformed stg_refunds: refunded items, and shipping refunds / other adjustments
-- (sent as negative amounts by the API, stored here as positive money given back), tax excluded.
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
    r.created_at, r.business_date, rl.quantity, rl.returns_amount, 0, rl.total_tax, rl.is_gift_card, o.updated_at
FROM stg_shopify_refund_lines rl
JOIN stg_shopify_refunds r
  ON r.tenant_id = rl.tenant_id AND r.partition_date = rl.partition_date
 AND r.order_id = rl.order_id AND r.refund_id = rl.refund_id
JOIN stg_shopify_orders o
  ON o.tenant_id = rl.tenant_id AND o.partition_date = rl.partition_date AND o.order_id = rl.order_id
WHERE rl.tenant_id = :tenant_id AND rl.partition_date BETWEEN :start_date AND :end_date
UNION ALL
SELECT
    a.tenant_id, CAST(:platform AS VARCHAR), a.partition_date,
    CAST(a.order_id AS VARCHAR), CAST(a.refund_id AS VARCHAR), 'adjustment:' || CAST(a.adjustment_id AS VARCHAR),
    CASE WHEN a.kind = 'shipping_refund' THEN 'shipping' ELSE 'adjustment' END, NULL,
    r.created_at, r.business_date, 0, 0,
    CASE WHEN a.kind = 'shipping_refund' THEN -a.amount_excl_tax ELSE 0 END,
    CASE WHEN a.kind = 'shipping_refund' THEN -a.tax_amount ELSE 0 END,
    FALSE, o.updated_at
FROM stg_shopify_order_adjustments a
JOIN stg_shopify_refunds r
  ON r.tenant_id = a.tenant_id AND r.partition_date = a.partition_date
 AND r.order_id = a.order_id AND r.refund_id = a.refund_id
JOIN stg_shopify_orders o
  ON o.tenant_id = a.tenant_id AND o.partition_date = a.partition_date AND o.order_id = a.order_id
WHERE a.tenant_id = :tenant_id AND a.partition_date BETWEEN :start_date AND :end_date;
