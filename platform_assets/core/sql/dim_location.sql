-- dim_location: every location as of its newest snapshot in the conformed stg_locations, whatever its
-- platform. A range rebuilds the locations snapshotted in it, each from all its snapshots.
DELETE FROM dim_location
WHERE tenant_id = :tenant_id
  AND (platform, location_id) IN (
      SELECT platform, location_id FROM stg_locations
      WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date);

INSERT INTO dim_location (tenant_id, platform, location_id, name, city, province, country_code, is_active, snapshot_date)
SELECT tenant_id, platform, location_id, name, city, province, country_code, is_active, partition_date
FROM (
    SELECT l.*, ROW_NUMBER() OVER (PARTITION BY platform, location_id ORDER BY partition_date DESC) AS newest
    FROM stg_locations l
    WHERE tenant_id = :tenant_id
      AND (platform, location_id) IN (
          SELECT platform, location_id FROM stg_locations
          WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
) ranked
WHERE newest = 1;
