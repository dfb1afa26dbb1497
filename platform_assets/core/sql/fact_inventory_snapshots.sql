-- fact_inventory_snapshots: the stock history. Each day of the range gets, per platform, variant and
-- location, the units available in that day's snapshot from the conformed stg_inventory_levels (staging
-- replaces a day's snapshot whenever it runs again, so this is the day's last one). A day is rebuilt
-- whole from its own snapshot: materialising again or in another order gives the same rows.
DELETE FROM fact_inventory_snapshots
WHERE tenant_id = :tenant_id AND snapshot_date BETWEEN :start_date AND :end_date;

INSERT INTO fact_inventory_snapshots (
    tenant_id, platform, snapshot_date, date_key, product_id, variant_id, sku, sku_key, location_id,
    available, updated_at, snapshot_taken_at
)
SELECT
    tenant_id, platform, partition_date,
    CAST(EXTRACT(YEAR FROM partition_date) * 10000 + EXTRACT(MONTH FROM partition_date) * 100
         + EXTRACT(DAY FROM partition_date) AS INTEGER),
    product_id, variant_id, sku, NULLIF(UPPER(TRIM(sku)), ''), location_id, available, updated_at,
    snapshot_taken_at
FROM stg_inventory_levels
WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date;
