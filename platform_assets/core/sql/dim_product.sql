-- dim_product: SCD type 2 at variant grain. For every variant seen in the partitions being materialised,
-- all of its staged snapshots are replayed in time order and a new version starts whenever price, sku,
-- product title or variant title changes. The first version starts at the variant's creation.
-- A variant is (platform, variant_id): the same id on two platforms is two variants, each with its own
-- versions. sku_key (the SKU trimmed and upper-cased, null without one) links variants across platforms.
DELETE FROM dim_product
WHERE tenant_id = :tenant_id
  AND (platform, variant_id) IN (
      SELECT platform, variant_id FROM stg_products
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO dim_product (
    tenant_id, platform, product_key, variant_id, product_id, product_title, variant_title, sku, sku_key,
    price, vendor, product_type, valid_from, valid_to, is_current
)
SELECT
    tenant_id, platform, platform || ':' || variant_id || ':' || CAST(valid_from AS VARCHAR),
    variant_id, product_id, product_title, variant_title, sku, NULLIF(UPPER(TRIM(sku)), ''), price, vendor,
    product_type, valid_from, valid_to, valid_to IS NULL
FROM (
    SELECT changes.*,
           LEAD(valid_from) OVER (PARTITION BY platform, variant_id ORDER BY valid_from) AS valid_to
    FROM (
        SELECT snapshots.*,
               CASE WHEN snapshot_number = 1 THEN created_at ELSE updated_at END AS valid_from
        FROM (
            SELECT s.*,
                   ROW_NUMBER() OVER w AS snapshot_number,
                   LAG(s.price) OVER w AS previous_price,
                   LAG(s.sku) OVER w AS previous_sku,
                   LAG(s.product_title) OVER w AS previous_product_title,
                   LAG(s.variant_title) OVER w AS previous_variant_title
            FROM (
                SELECT DISTINCT tenant_id, platform, variant_id, product_id, product_title, variant_title, sku,
                       price, vendor, product_type, created_at, updated_at
                FROM stg_products
                WHERE tenant_id = :tenant_id
                  AND (platform, variant_id) IN (
                      SELECT platform, variant_id FROM stg_products
                      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
            ) s
            WINDOW w AS (PARTITION BY s.platform, s.variant_id ORDER BY s.updated_at, s.price, s.sku)
        ) snapshots
        WHERE snapshot_number = 1
           OR price IS DISTINCT FROM previous_price
           OR sku IS DISTINCT FROM previous_sku
           OR product_title IS DISTINCT FROM previous_product_title
           OR variant_title IS DISTINCT FROM previous_variant_title
    ) changes
) versions;
