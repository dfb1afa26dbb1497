-- dim_location: every location as of its newest staged snapshot.
DELETE FROM dim_location
WHERE tenant_id = :tenant_id AND platform = 'shopify'
  AND location_id IN (
      SELECT CAST(location_id AS VARCHAR) FROM stg_shopify_locations
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO dim_location (tenant_id, platform, location_id, name, city, province, country_code, is_active, snapshot_date)
SELECT tenant_id, 'shopify', CAST(location_id AS VARCHAR), name, city, province, country_code, is_active, partition_date
FROM (
    SELECT l.*, ROW_NUMBER() OVER (PARTITION BY location_id ORDER BY partition_date DESC) AS newest
    FROM stg_shopify_locations l
    WHERE tenant_id = :tenant_id
      AND location_id IN (
          SELECT location_id FROM stg_shopify_locations
          WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
) ranked
WHERE newest = 1;
