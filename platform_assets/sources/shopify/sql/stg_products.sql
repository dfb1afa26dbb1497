-- Shopify products and variants → the conformed stg_products (variant grain). A variant's version time
-- is the later of its own and its product's updated_at, since a product title change is a new version.
DELETE FROM stg_products
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_products (
    tenant_id, platform, partition_date, product_id, variant_id, product_title, variant_title, sku, price,
    vendor, product_type, created_at, updated_at
)
SELECT
    v.tenant_id, CAST(:platform AS VARCHAR), v.partition_date,
    CAST(v.product_id AS VARCHAR), CAST(v.variant_id AS VARCHAR),
    p.title, v.title, v.sku, v.price, p.vendor, p.product_type, v.created_at,
    CASE WHEN p.updated_at > v.updated_at THEN p.updated_at ELSE v.updated_at END
FROM stg_shopify_product_variants v
JOIN stg_shopify_products p
  ON p.tenant_id = v.tenant_id AND p.partition_date = v.partition_date AND p.product_id = v.product_id
WHERE v.tenant_id = :tenant_id AND v.partition_date BETWEEN :start_date AND :end_date;
