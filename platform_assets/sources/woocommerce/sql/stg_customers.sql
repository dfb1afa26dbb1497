-- WooCommerce customers → the conformed stg_customers (each day's partition is the full scan of that day).
DELETE FROM stg_customers
WHERE tenant_id = :tenant_id AND platform = :platform AND partition_date BETWEEN :start_date AND :end_date;

INSERT INTO stg_customers (
    tenant_id, platform, partition_date, customer_id, email, customer_key, first_name, last_name, phone,
    state, created_at, updated_at
)
SELECT
    tenant_id, CAST(:platform AS VARCHAR), partition_date, CAST(customer_id AS VARCHAR), email,
    COALESCE(NULLIF(LOWER(TRIM(email)), ''), 'id:' || CAST(:platform AS VARCHAR) || ':' || CAST(customer_id AS VARCHAR)),
    first_name, last_name, phone, role, created_at, updated_at
FROM stg_woocommerce_customers
WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date;
