-- Orders whose line items do not add up to the order's own total_line_items_price.
SELECT o.partition_date, o.order_id, o.total_line_items_price AS order_total,
       COALESCE(SUM(l.price * l.quantity), 0) AS lines_total
FROM stg_shopify_orders o
LEFT JOIN stg_shopify_order_lines l
  ON l.tenant_id = o.tenant_id AND l.partition_date = o.partition_date AND l.order_id = o.order_id
WHERE o.tenant_id = :tenant_id AND o.partition_date BETWEEN :start_date AND :end_date
  AND o.total_line_items_price IS NOT NULL
GROUP BY o.partition_date, o.order_id, o.total_line_items_price
HAVING o.total_line_items_price <> COALESCE(SUM(l.price * l.quantity), 0)
ORDER BY o.partition_date, o.order_id
