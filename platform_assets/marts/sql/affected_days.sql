-- The business days whose figures the partitions being materialised can change: the days of every
-- version of each touched order, the days of their refunds, and every order day of the customers
-- involved (a customer's first order decides whether they count as new or returning on later days); and
-- for the orders found deleted at the source by these partitions' runs (source_deletions), the day each
-- counted on and every order day of its customer.
WITH touched AS (
    SELECT platform, order_id FROM stg_orders
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
)
SELECT business_date AS day FROM stg_orders
WHERE tenant_id = :tenant_id AND (platform, order_id) IN (SELECT platform, order_id FROM touched)
UNION
SELECT business_date FROM stg_refunds
WHERE tenant_id = :tenant_id AND (platform, order_id) IN (SELECT platform, order_id FROM touched)
UNION
SELECT business_date FROM fact_orders
WHERE tenant_id = :tenant_id AND customer_key IN (
    SELECT customer_key FROM stg_orders
    WHERE tenant_id = :tenant_id AND (platform, order_id) IN (SELECT platform, order_id FROM touched))
UNION
SELECT business_date FROM source_deletions
WHERE tenant_id = :tenant_id AND detected_on BETWEEN :start_date AND :end_date
UNION
SELECT business_date FROM fact_orders
WHERE tenant_id = :tenant_id AND customer_key IN (
    SELECT customer_key FROM source_deletions
    WHERE tenant_id = :tenant_id AND detected_on BETWEEN :start_date AND :end_date)
