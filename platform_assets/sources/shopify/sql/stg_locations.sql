-- Shopify locations → the conformed stg_locations: every store and warehouse as of each day's snapshot
-- (the partition's day), so the core reads locations without knowing the platform.
DELETE FROM stg_locations
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_locations (
    tenant_id, platform, partition_date, location_id, name, address1, city, zip, province, country_code,
    is_active, created_at, updated_at
)
SELECT
    tenant_id, CAST(:platform AS VARCHAR), partition_date, CAST(location_id AS VARCHAR), name, address1,
    city, zip, province, country_code, is_active, created_at, updated_at
FROM stg_shopify_locations
WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date;
