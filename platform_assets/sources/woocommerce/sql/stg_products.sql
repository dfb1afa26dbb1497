-- WooCommerce products → the conformed stg_products (variant grain): a simple product is its own variant
-- (variant_id = product_id), a variable product contributes one row per variation (the product itself,
-- which is not sold, none). A variation's version time is the later of its own and its product's
-- date_modified, since a product name change is a new version.
DELETE FROM stg_products
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_products (
    tenant_id, platform, partition_date, product_id, variant_id, product_title, variant_title, sku, price,
    vendor, product_type, created_at, updated_at
)
SELECT
    p.tenant_id, CAST(:platform AS VARCHAR), p.partition_date,
    CAST(p.product_id AS VARCHAR), CAST(p.product_id AS VARCHAR),
    p.name, NULL, p.sku, COALESCE(p.price, 0), NULL, p.type, p.created_at, p.updated_at
FROM stg_woocommerce_products p
WHERE p.tenant_id = :tenant_id AND p.partition_date BETWEEN :start_date AND :end_date
  AND NOT EXISTS (
      SELECT 1 FROM stg_woocommerce_variations v
      WHERE v.tenant_id = p.tenant_id AND v.partition_date = p.partition_date AND v.product_id = p.product_id)
UNION ALL
SELECT
    v.tenant_id, CAST(:platform AS VARCHAR), v.partition_date,
    CAST(v.product_id AS VARCHAR), CAST(v.variation_id AS VARCHAR),
    p.name, v.attributes, v.sku, v.price, NULL, p.type, v.created_at,
    CASE WHEN p.updated_at > v.updated_at THEN p.updated_at ELSE v.updated_at END
FROM stg_woocommerce_variations v
JOIN stg_woocommerce_products p
  ON p.tenant_id = v.tenant_id AND p.partition_date = v.partition_date AND p.product_id = v.product_id
WHERE v.tenant_id = :tenant_id AND v.partition_date BETWEEN :start_date AND :end_date;
