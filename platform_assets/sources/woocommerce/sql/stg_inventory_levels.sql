-- WooCommerce stock → the conformed stg_inventory_levels. WooCommerce has no locations: a site is one
-- location, 'site'. Its API has no stock snapshot either: stock_quantity comes with the products
-- partition, which holds only the products modified on the day (the start date takes the whole catalogue).
-- So each staged products day (the ingestion ledger) gets, for every simple product with managed stock,
-- the stock_quantity of its newest version staged on or before that day: the level the site last
-- reported. Variations carry no managed stock in this source's staging (variable products are left out).
DELETE FROM stg_inventory_levels
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_inventory_levels (
    tenant_id, platform, partition_date, product_id, variant_id, sku, location_id, available, updated_at,
    snapshot_taken_at
)
SELECT
    tenant_id, CAST(:platform AS VARCHAR), partition_date, CAST(product_id AS VARCHAR),
    CAST(product_id AS VARCHAR), sku, CAST('site' AS VARCHAR), stock_quantity, updated_at,
    CAST(NULL AS TIMESTAMP)
FROM (
    SELECT d.tenant_id, d.partition_date, p.product_id, p.sku, p.type, p.stock_quantity, p.updated_at,
           ROW_NUMBER() OVER (
               PARTITION BY d.partition_date, p.product_id ORDER BY p.partition_date DESC, p.updated_at DESC
           ) AS newest
    FROM staged_partitions d
    JOIN stg_woocommerce_products p ON p.tenant_id = d.tenant_id AND p.partition_date <= d.partition_date
    WHERE d.tenant_id = :tenant_id AND d.platform = :platform AND d.entity = 'products'
      AND d.partition_date BETWEEN :start_date AND :end_date
) latest
WHERE newest = 1 AND stock_quantity IS NOT NULL AND type IS DISTINCT FROM 'variable';
