-- Shopify inventory levels → the conformed stg_inventory_levels: each day's snapshot of units available per
-- inventory item and location, keyed by the variant that owns the inventory item. Products partitions hold
-- only the day's changes, so the variant is its newest version staged on or before the day, else (a variant
-- created after the day but in the day's snapshot, which is taken when it runs) its first later one. A level
-- whose inventory item belongs to no staged variant (a deleted variant, or products not staged yet: see
-- docs/metrics.md#inventory) is left out: it has no variant to report against.
DELETE FROM stg_inventory_levels
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_inventory_levels (
    tenant_id, platform, partition_date, product_id, variant_id, sku, location_id, available, updated_at,
    snapshot_taken_at
)
SELECT
    tenant_id, CAST(:platform AS VARCHAR), partition_date, CAST(product_id AS VARCHAR),
    CAST(variant_id AS VARCHAR), sku, CAST(location_id AS VARCHAR), available, updated_at, snapshot_taken_at
FROM (
    SELECT l.tenant_id, l.partition_date, l.location_id, l.available, l.updated_at, l.snapshot_taken_at,
           v.product_id, v.variant_id, v.sku,
           ROW_NUMBER() OVER (
               PARTITION BY l.partition_date, l.inventory_item_id, l.location_id
               ORDER BY CASE WHEN v.partition_date <= l.partition_date THEN 0 ELSE 1 END,
                        CASE WHEN v.partition_date <= l.partition_date THEN v.partition_date END DESC,
                        v.partition_date, v.updated_at DESC, v.variant_id
           ) AS newest
    FROM stg_shopify_inventory_levels l
    JOIN stg_shopify_product_variants v
      ON v.tenant_id = l.tenant_id AND v.inventory_item_id = l.inventory_item_id
    WHERE l.tenant_id = :tenant_id AND l.partition_date BETWEEN :start_date AND :end_date
) matched
WHERE newest = 1;
