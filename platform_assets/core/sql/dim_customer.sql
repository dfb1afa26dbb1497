-- dim_customer: one row per customer identity per tenant (registered customers and guests alike are
-- keyed by normalised email; customers without an email by 'id:<platform>:<customer id>'). Rebuilt for every
-- identity touched by the partitions being materialised, from the facts and the latest customer record;
-- also for the customer of each order these partitions' runs found deleted at the source (source_deletions):
-- rebuilt from the orders left, or gone when a guest has none left.
-- The identity spans platforms: a person who buys on two platforms with one email is one row, whose
-- figures count the orders of both and whose platform is that of their first order; a guest on one
-- platform and a registered customer of another with the same email are that one row (not a guest).
DELETE FROM dim_customer
WHERE tenant_id = :tenant_id AND customer_key IN (
    SELECT customer_key FROM stg_orders
    WHERE tenant_id = :tenant_id AND (platform, order_id) IN (
        SELECT platform, order_id FROM stg_orders
        WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
    UNION
    SELECT customer_key FROM stg_customers
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    UNION
    SELECT customer_key FROM source_deletions
    WHERE tenant_id = :tenant_id AND detected_on BETWEEN :start_date AND :end_date);

INSERT INTO dim_customer (
    tenant_id, customer_key, platform, customer_id, is_guest, email, first_name, last_name, first_order_date,
    last_order_date, lifetime_orders, lifetime_net_spend, segment
)
SELECT
    :tenant_id,
    k.customer_key,
    COALESCE(o.first_platform, c.platform),
    c.customer_id,
    c.customer_id IS NULL,
    COALESCE(c.email, CASE WHEN k.customer_key LIKE 'id:%' THEN NULL ELSE k.customer_key END),
    c.first_name,
    c.last_name,
    o.first_order_date,
    o.last_order_date,
    COALESCE(o.lifetime_orders, 0),
    COALESCE(o.net_spend, 0) - COALESCE(rf.returns, 0),
    CASE WHEN COALESCE(o.lifetime_orders, 0) = 0 THEN 'prospect'
         WHEN o.lifetime_orders = 1 THEN 'new'
         WHEN o.lifetime_orders < 5 THEN 'returning'
         ELSE 'loyal' END
FROM (
    SELECT customer_key FROM stg_orders
    WHERE tenant_id = :tenant_id AND customer_key IS NOT NULL AND (platform, order_id) IN (
        SELECT platform, order_id FROM stg_orders
        WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date)
    UNION
    SELECT customer_key FROM stg_customers
    WHERE tenant_id = :tenant_id AND partition_date BETWEEN :start_date AND :end_date
    UNION
    SELECT customer_key FROM source_deletions
    WHERE tenant_id = :tenant_id AND detected_on BETWEEN :start_date AND :end_date
      AND customer_key IN (
          SELECT customer_key FROM fact_orders WHERE tenant_id = :tenant_id
          UNION
          SELECT customer_key FROM stg_customers WHERE tenant_id = :tenant_id)
) k
LEFT JOIN (
    SELECT customer_key,
           MIN(business_date) AS first_order_date,
           MAX(business_date) AS last_order_date,
           COUNT(*) AS lifetime_orders,
           SUM(gross_sales - discounts) AS net_spend,
           -- the platform of the first counted order across every platform (the order agg_daily_sales
           -- counts the person new with: earliest business day, then processed_at)
           MIN(CASE WHEN nth = 1 THEN platform END) AS first_platform
    FROM (
        SELECT customer_key, business_date, gross_sales, discounts, platform,
               ROW_NUMBER() OVER (PARTITION BY customer_key
                                  ORDER BY business_date, processed_at, platform, order_id) AS nth
        FROM fact_orders
        WHERE tenant_id = :tenant_id AND is_counted AND customer_key IS NOT NULL
    ) counted
    GROUP BY customer_key
) o ON o.customer_key = k.customer_key
LEFT JOIN (
    SELECT f.customer_key, SUM(r.returns_amount) AS returns
    FROM fact_refunds r
    JOIN fact_orders f ON f.tenant_id = r.tenant_id AND f.platform = r.platform AND f.order_id = r.order_id
    WHERE r.tenant_id = :tenant_id AND r.is_counted AND NOT r.is_gift_card
    GROUP BY f.customer_key
) rf ON rf.customer_key = k.customer_key
LEFT JOIN (
    SELECT customer_key, platform, customer_id, email, first_name, last_name
    FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_key
                                       ORDER BY updated_at DESC, partition_date DESC, customer_id) AS newest
        FROM stg_customers c
        WHERE tenant_id = :tenant_id
    ) ranked
    WHERE newest = 1
) c ON c.customer_key = k.customer_key
WHERE o.customer_key IS NOT NULL OR c.customer_key IS NOT NULL;
