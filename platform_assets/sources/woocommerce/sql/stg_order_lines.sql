-- WooCommerce order lines → the conformed stg_order_lines. A simple product is its own variant
-- (variant_id = product_id), a variation is the variant. gross = subtotal, discount = subtotal − total,
-- both ex-tax; price is the unit price before coupons (tax included when the store's prices include it).
DELETE FROM stg_order_lines
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_order_lines (
    tenant_id, platform, partition_date, order_id, line_id, product_id, variant_id, sku, title, quantity,
    price, gross_amount, discount_amount, tax_amount, is_gift_card, updated_at
)
SELECT
    l.tenant_id, CAST(:platform AS VARCHAR), l.partition_date,
    CAST(l.order_id AS VARCHAR), CAST(l.line_id AS VARCHAR),
    CAST(l.product_id AS VARCHAR), CAST(COALESCE(l.variation_id, l.product_id) AS VARCHAR),
    l.sku, l.name, l.quantity, l.unit_price, l.subtotal, l.discount, l.total_tax,
    FALSE, o.updated_at
FROM stg_woocommerce_order_lines l
JOIN stg_woocommerce_orders o
  ON o.tenant_id = l.tenant_id AND o.partition_date = l.partition_date AND o.order_id = l.order_id
WHERE l.tenant_id = :tenant_id AND l.partition_date BETWEEN :start_date AND :end_date;
