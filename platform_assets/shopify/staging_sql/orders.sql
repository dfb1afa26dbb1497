-- Shopify orders: every staging table's columns from the raw JSON, for the records of `raw_input`
-- (partition_date, ord, tz, line). `_rec` says per record whether SQL typed it cleanly (`sql_ok`); the
-- engine (platform_assets/staging/declarative.py) re-stages every other record in Python. Each output
-- table carries the record (_day, _ord) it came from. Mirrors platform_assets/shopify/staging.py.
CREATE OR REPLACE TEMP TABLE _rec AS
WITH parsed AS (
    SELECT partition_date AS _day, ord AS _ord, tz, line,
           CASE WHEN regexp_matches(line, '^\s*\{') AND NOT regexp_matches(line, '\\u(0000|[dD][89a-fA-F])')
                THEN TRY(json_transform(line, '{"id":"JSON","created_at":"JSON","updated_at":"JSON",
                    "processed_at":"JSON","cancelled_at":"JSON","closed_at":"JSON","name":"JSON",
                    "order_number":"JSON","email":"JSON","contact_email":"JSON","phone":"JSON","customer":"JSON",
                    "currency":"JSON","presentment_currency":"JSON","cancel_reason":"JSON",
                    "financial_status":"JSON","fulfillment_status":"JSON","test":"JSON","source_name":"JSON",
                    "taxes_included":"JSON","subtotal_price":"JSON","total_line_items_price":"JSON",
                    "total_discounts":"JSON","total_tax":"JSON","total_price":"JSON","total_price_set":"JSON",
                    "tags":"JSON","note":"JSON","shipping_address":"JSON","discount_codes":"JSON",
                    "tax_lines":"JSON","line_items":"JSON","shipping_lines":"JSON","refunds":"JSON"}')) END AS f
    FROM raw_input
), typed AS (
    SELECT *, json_transform(f.customer, '{"id":"JSON","email":"JSON","phone":"JSON"}') AS c,
           json_transform(f.shipping_address, '{"name":"JSON","city":"JSON","zip":"JSON","province_code":"JSON",
               "country_code":"JSON"}') AS a
    FROM parsed
)
SELECT _day, _ord, tz, line, f, c, a, f.id AS id_v,
       f IS NOT NULL
       AND int_ok(f.id) AND present(f.id)
       AND ts_ok(f.created_at) AND present(f.created_at)
       AND ts_ok(f.updated_at) AND present(f.updated_at)
       AND ts_ok(f.processed_at) AND ts_ok(f.cancelled_at) AND ts_ok(f.closed_at)
       AND txt_ok(f.name) AND int_ok(f.order_number)
       AND txt_ok(f.email) AND txt_ok(f.contact_email) AND txt_ok(f.phone)
       AND obj_ok(f.customer) AND txt_ok(c.email) AND txt_ok(c.phone) AND int_ok(c.id)
       AND json_type(f.currency) = 'VARCHAR' AND json_extract_string(f.currency, '$') <> ''
       AND txt_ok(f.presentment_currency) AND txt_ok(f.cancel_reason)
       AND txt_ok(f.financial_status) AND txt_ok(f.fulfillment_status)
       AND bool_ok(f.test) AND txt_ok(f.source_name) AND bool_ok(f.taxes_included)
       AND money_ok(f.subtotal_price) AND money_ok(f.total_line_items_price)
       AND money_ok(f.total_discounts) AND money_ok(f.total_tax) AND money_ok(f.total_price)
       AND bag_ok(f.total_price_set) AND tags_ok(f.tags) AND txt_ok(f.note)
       AND obj_ok(f.shipping_address)
       AND txt_ok(a.name) AND txt_ok(a.city) AND txt_ok(a.zip) AND txt_ok(a.province_code) AND txt_ok(a.country_code)
       AND arr_ok(f.discount_codes) AND arr_ok(f.tax_lines) AND arr_ok(f.line_items)
       AND arr_ok(f.shipping_lines) AND arr_ok(f.refunds) AS sql_ok
FROM typed;

CREATE OR REPLACE TEMP TABLE _ord AS
SELECT _day, _ord, tz, f, c, a, int_of(id_v) AS order_id, truthy(f.taxes_included) AS incl,
       ts_of(f.created_at) AS created_at, COALESCE(ts_of(f.processed_at), ts_of(f.created_at)) AS processed_at
FROM _rec WHERE sql_ok;

-- child objects of an order, with their position
CREATE OR REPLACE TEMP TABLE _lines AS
SELECT o._day, o._ord, o.order_id, o.incl, CAST(u.i - 1 AS INTEGER) AS position,
       json_type(u.x) = 'OBJECT' AS is_obj, json_transform(u.x, '{"id":"JSON","quantity":"JSON","product_id":"JSON","variant_id":"JSON","sku":"JSON","title":"JSON","variant_title":"JSON","vendor":"JSON","gift_card":"JSON","price":"JSON","price_set":"JSON","total_discount":"JSON","taxable":"JSON","requires_shipping":"JSON","discount_allocations":"JSON","tax_lines":"JSON"}') AS l
FROM _ord o, UNNEST(arr_of(o.f.line_items)) WITH ORDINALITY AS u(x, i);
CREATE OR REPLACE TEMP TABLE _ships AS
SELECT o._day, o._ord, o.order_id, o.incl, CAST(u.i - 1 AS INTEGER) AS position,
       json_type(u.x) = 'OBJECT' AS is_obj, json_transform(u.x, '{"id":"JSON","title":"JSON","code":"JSON","source":"JSON","price":"JSON","discounted_price":"JSON","discount_allocations":"JSON","tax_lines":"JSON"}') AS s
FROM _ord o, UNNEST(arr_of(o.f.shipping_lines)) WITH ORDINALITY AS u(x, i);
CREATE OR REPLACE TEMP TABLE _refs AS
SELECT o._day, o._ord, o.order_id, o.incl, o.tz,
       json_type(u.x) = 'OBJECT' AS is_obj, json_transform(u.x, '{"id":"JSON","created_at":"JSON","processed_at":"JSON","note":"JSON","restock":"JSON","transactions":"JSON","refund_line_items":"JSON","order_adjustments":"JSON"}') AS r
FROM _ord o, UNNEST(arr_of(o.f.refunds)) WITH ORDINALITY AS u(x, i);
CREATE OR REPLACE TEMP TABLE _ritems AS
SELECT *, json_transform(it.line_item, '{"id":"JSON","price":"JSON","quantity":"JSON","tax_lines":"JSON","gift_card":"JSON"}') AS li,
       COALESCE(CASE WHEN present(it.line_item_id) AND int_of(it.line_item_id) <> 0 THEN int_of(it.line_item_id) END,
                int_of(json_transform(it.line_item, '{"id":"JSON"}').id)) AS line_id
FROM (
    SELECT r._day, r._ord, r.order_id, r.incl, r.r, json_type(u.x) = 'OBJECT' AS is_obj,
           json_transform(u.x, '{"id":"JSON","line_item_id":"JSON","quantity":"JSON","subtotal":"JSON","total_tax":"JSON","restock_type":"JSON","location_id":"JSON","line_item":"JSON"}') AS it
    FROM _refs r, UNNEST(arr_of(r.r.refund_line_items)) AS u(x)
);

-- every child value types cleanly (else the record goes to Python)
CREATE OR REPLACE TEMP TABLE _bad AS
SELECT DISTINCT _day, _ord FROM (
    SELECT _day, _ord FROM _lines WHERE NOT (
        is_obj AND int_ok(l.id) AND present(l.id)
        AND int_ok(l.quantity) AND present(l.quantity)
        AND int_ok(l.product_id) AND int_ok(l.variant_id) AND txt_ok(l.sku)
        AND txt_ok(l.title) AND txt_ok(l.variant_title) AND txt_ok(l.vendor)
        AND bool_ok(l.gift_card) AND money_ok(l.price) AND present(l.price)
        AND bag_ok(l.price_set) AND money_ok(l.total_discount)
        AND bool_ok(l.taxable) AND bool_ok(l.requires_shipping)
        AND arr_ok(l.discount_allocations) AND arr_ok(l.tax_lines))
    UNION ALL
    SELECT _day, _ord FROM _ships WHERE NOT (
        is_obj AND int_ok(s.id) AND txt_ok(s.title) AND txt_ok(s.code)
        AND txt_ok(s.source) AND money_ok(s.price) AND present(s.price)
        AND money_ok(s.discounted_price)
        AND arr_ok(s.discount_allocations) AND arr_ok(s.tax_lines))
    UNION ALL
    SELECT _day, _ord FROM _refs WHERE NOT (
        is_obj AND int_ok(r.id) AND present(r.id)
        AND ts_ok(r.created_at) AND present(r.created_at) AND ts_ok(r.processed_at)
        AND txt_ok(r.note) AND bool_ok(r.restock) AND arr_ok(r.transactions)
        AND arr_ok(r.refund_line_items) AND arr_ok(r.order_adjustments))
    UNION ALL
    SELECT _day, _ord FROM _ritems WHERE NOT (
        is_obj AND obj_ok(it.line_item) AND int_ok(it.line_item_id)
        AND int_ok(li.id) AND line_id IS NOT NULL
        AND int_ok(it.quantity) AND present(it.quantity) AND int_ok(it.id) AND present(it.id)
        AND money_ok(it.subtotal) AND money_ok(it.total_tax) AND money_ok(li.price)
        AND int_ok(li.quantity) AND arr_ok(li.tax_lines)
        AND txt_ok(it.restock_type) AND int_ok(it.location_id) AND bool_ok(li.gift_card))
    UNION ALL
    SELECT _day, _ord FROM (
        SELECT _day, _ord, x FROM _ord, UNNEST(arr_of(f.discount_codes)) AS u(x)) WHERE NOT (
        json_type(x) = 'OBJECT' AND txt_ok(json_extract(x, '$.code')) AND money_ok(json_extract(x, '$.amount')) AND txt_ok(json_extract(x, '$.type')))
    UNION ALL
    SELECT _day, _ord FROM (
        SELECT _day, _ord, x FROM _ord, UNNEST(arr_of(f.tax_lines)) AS u(x)
        UNION ALL SELECT _day, _ord, x FROM _lines, UNNEST(arr_of(l.tax_lines)) AS u(x)
        UNION ALL SELECT _day, _ord, x FROM _ships, UNNEST(arr_of(s.tax_lines)) AS u(x)
        UNION ALL SELECT _day, _ord, x FROM _ritems, UNNEST(arr_of(li.tax_lines)) AS u(x)
    ) WHERE NOT (json_type(x) = 'OBJECT' AND txt_ok(json_extract(x, '$.title')) AND rate_ok(json_extract(x, '$.rate'))
                 AND money_ok(json_extract(x, '$.price')) AND present(json_extract(x, '$.price')) AND bag_ok(json_extract(x, '$.price_set')))
    UNION ALL
    SELECT _day, _ord FROM (
        SELECT _day, _ord, x FROM _lines, UNNEST(arr_of(l.discount_allocations)) AS u(x)
        UNION ALL SELECT _day, _ord, x FROM _ships, UNNEST(arr_of(s.discount_allocations)) AS u(x)
    ) WHERE NOT (json_type(x) = 'OBJECT' AND int_ok(json_extract(x, '$.discount_application_index'))
                 AND money_ok(json_extract(x, '$.amount')) AND present(json_extract(x, '$.amount')) AND bag_ok(json_extract(x, '$.amount_set')))
    UNION ALL
    SELECT _day, _ord FROM (
        SELECT _day, _ord, x FROM _refs, UNNEST(arr_of(r.transactions)) AS u(x)) WHERE NOT (
        json_type(x) = 'OBJECT' AND txt_ok(json_extract(x, '$.kind')) AND txt_ok(json_extract(x, '$.status')) AND money_ok(json_extract(x, '$.amount')))
    UNION ALL
    SELECT _day, _ord FROM (
        SELECT _day, _ord, x FROM _refs, UNNEST(arr_of(r.order_adjustments)) AS u(x)) WHERE NOT (
        json_type(x) = 'OBJECT' AND money_ok(json_extract(x, '$.amount')) AND money_ok(json_extract(x, '$.tax_amount'))
        AND int_ok(json_extract(x, '$.id')) AND present(json_extract(x, '$.id')) AND txt_ok(json_extract(x, '$.kind')) AND txt_ok(json_extract(x, '$.reason')))
    UNION ALL
    -- a refunded line that is not a line of the order
    SELECT ri._day, ri._ord FROM _ritems ri
    WHERE NOT EXISTS (SELECT 1 FROM _lines l WHERE l._day = ri._day AND l._ord = ri._ord AND int_of(l.l.id) = ri.line_id)
    UNION ALL
    -- a refund line without its own tax whose order line's quantity is not positive
    SELECT _day, _ord FROM _ritems
    WHERE money_of(it.total_tax) IS NULL
      AND COALESCE(NULLIF(int_of(li.quantity), 0), NULLIF(int_of(it.quantity), 0), 1) <= 0
);

CREATE OR REPLACE TEMP TABLE _line_rows AS
SELECT _day, _ord, order_id, incl, position, l,
       int_of(l.id) AS line_id, CAST(int_of(l.quantity) AS BIGINT) AS quantity,
       money_of(l.price) AS price,
       (SELECT COALESCE(SUM(money0(json_extract(a, '$.amount'))), 0) FROM UNNEST(arr_of(l.discount_allocations)) AS u(a)) AS discount,
       (SELECT COALESCE(SUM(money0(json_extract(x, '$.price'))), 0) FROM UNNEST(arr_of(l.tax_lines)) AS u(x)) AS tax,
       (SELECT COALESCE(SUM(COALESCE(rate_of(json_extract(x, '$.rate')), 0)), 0) FROM UNNEST(arr_of(l.tax_lines)) AS u(x)) AS rates
FROM _lines;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_orders AS
SELECT o._day, o._ord, o.order_id,
       txt(f.name) AS order_name, int_of(f.order_number) AS order_number,
       COALESCE(NULLIF(txt(f.email), ''), NULLIF(txt(f.contact_email), ''), txt(c.email)) AS email,
       COALESCE(NULLIF(txt(f.phone), ''), txt(c.phone)) AS phone,
       int_of(c.id) AS customer_id,
       o.created_at, ts_of(f.updated_at) AS updated_at, o.processed_at,
       ts_of(f.cancelled_at) AS cancelled_at, ts_of(f.closed_at) AS closed_at,
       txt(f.cancel_reason) AS cancel_reason, local_day(o.processed_at, o.tz) AS business_date,
       txt(f.currency) AS currency,
       COALESCE(NULLIF(txt(f.presentment_currency), ''), txt(f.currency)) AS presentment_currency,
       txt(f.financial_status) AS financial_status, txt(f.fulfillment_status) AS fulfillment_status,
       truthy(f.test) AS is_test, txt(f.source_name) AS source_name, o.incl AS taxes_included,
       money_of(f.subtotal_price) AS subtotal_price,
       money_of(f.total_line_items_price) AS total_line_items_price,
       money_of(f.total_discounts) AS total_discounts,
       (SELECT COALESCE(SUM(money0(s.price)), 0) FROM UNNEST(arr_of(f.shipping_lines)) AS u(s)) AS total_shipping,
       money_of(f.total_tax) AS total_tax, money_of(f.total_price) AS total_price,
       bag_of(f.total_price_set) AS total_price_presentment,
       txt(f.tags) AS tags, txt(f.note) AS note,
       txt(a.name) AS ship_to_name, txt(a.city) AS ship_to_city,
       txt(a.zip) AS ship_to_zip,
       txt(a.province_code) AS ship_to_province_code,
       txt(a.country_code) AS ship_to_country_code
FROM _ord o;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_tags AS
SELECT _day, _ord, order_id, tag FROM (
    SELECT _day, _ord, order_id, TRIM(u.tag) AS tag, u.i,
           ROW_NUMBER() OVER (PARTITION BY _day, _ord, TRIM(u.tag) ORDER BY u.i) AS nth
    FROM _ord, UNNEST(string_split(COALESCE(txt(f.tags), ''), ',')) WITH ORDINALITY AS u(tag, i)
) WHERE tag <> '' AND nth = 1;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_discount_codes AS
SELECT _day, _ord, order_id, CAST(u.i - 1 AS INTEGER) AS position, txt(json_extract(u.x, '$.code')) AS code,
       money_of(json_extract(u.x, '$.amount')) AS amount, txt(json_extract(u.x, '$.type')) AS type
FROM _ord, UNNEST(arr_of(f.discount_codes)) WITH ORDINALITY AS u(x, i);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_lines AS
SELECT _day, _ord, order_id, line_id,
       int_of(l.product_id) AS product_id, int_of(l.variant_id) AS variant_id,
       NULLIF(txt(l.sku), '') AS sku, txt(l.title) AS title,
       txt(l.variant_title) AS variant_title, txt(l.vendor) AS vendor,
       quantity, price, bag_of(l.price_set) AS price_presentment,
       money_of(l.total_discount) AS total_discount, discount AS discount_allocated,
       tax AS tax_amount, discount_tax,
       price * quantity - CASE WHEN incl THEN tax + discount_tax ELSE 0 END AS gross_sales,
       discount - discount_tax AS discounts,
       truthy(l.gift_card) AS is_gift_card, bool_of(l.taxable) AS is_taxable,
       bool_of(l.requires_shipping) AS requires_shipping
FROM (
    SELECT *, CASE WHEN incl THEN CAST(half_up(
                  CAST(discount * 10000 AS HUGEINT) * CAST(rates * 1000000 AS HUGEINT),
                  1000000 + CAST(rates * 1000000 AS HUGEINT)) AS DECIMAL(18, 0)) / 10000
              ELSE 0 END AS discount_tax
    FROM _line_rows
);

CREATE OR REPLACE TEMP TABLE _ship_rows AS
SELECT _day, _ord, order_id, incl, s,
       COALESCE(NULLIF(int_of(s.id), 0), position) AS shipping_line_id,
       money_of(s.price) AS price,
       (SELECT COALESCE(SUM(money0(json_extract(a, '$.amount'))), 0) FROM UNNEST(arr_of(s.discount_allocations)) AS u(a)) AS discount,
       (SELECT COALESCE(SUM(money0(json_extract(x, '$.price'))), 0) FROM UNNEST(arr_of(s.tax_lines)) AS u(x)) AS tax
FROM _ships;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_shipping_lines AS
SELECT _day, _ord, order_id, shipping_line_id, txt(s.title) AS title, txt(s.code) AS code,
       txt(s.source) AS source, price, money_of(s.discounted_price) AS discounted_price,
       discount AS discount_allocated, tax AS tax_amount,
       price - discount - CASE WHEN incl THEN tax ELSE 0 END AS net_amount
FROM _ship_rows;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_discount_allocations AS
SELECT _day, _ord, order_id, target_type, target_id, CAST(u.i - 1 AS INTEGER) AS allocation_index,
       int_of(json_extract(u.x, '$.discount_application_index')) AS discount_application_index,
       money_of(json_extract(u.x, '$.amount')) AS amount, bag_of(json_extract(u.x, '$.amount_set')) AS amount_presentment
FROM (
    SELECT _day, _ord, order_id, 'line_item' AS target_type, line_id AS target_id, l.discount_allocations AS a FROM _line_rows
    UNION ALL
    SELECT _day, _ord, order_id, 'shipping_line', shipping_line_id, s.discount_allocations FROM _ship_rows
), UNNEST(arr_of(a)) WITH ORDINALITY AS u(x, i);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_tax_lines AS
SELECT _day, _ord, order_id, scope, parent_id, CAST(u.i - 1 AS INTEGER) AS position,
       txt(json_extract(u.x, '$.title')) AS title, rate_of(json_extract(u.x, '$.rate')) AS rate, money_of(json_extract(u.x, '$.price')) AS amount,
       bag_of(json_extract(u.x, '$.price_set')) AS amount_presentment
FROM (
    SELECT _day, _ord, order_id, 'order' AS scope, order_id AS parent_id, f.tax_lines AS a FROM _ord
    UNION ALL
    SELECT _day, _ord, order_id, 'line_item', line_id, l.tax_lines FROM _line_rows
    UNION ALL
    SELECT _day, _ord, order_id, 'shipping_line', shipping_line_id, s.tax_lines FROM _ship_rows
), UNNEST(arr_of(a)) WITH ORDINALITY AS u(x, i);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_refunds AS
SELECT _day, _ord, order_id, int_of(r.id) AS refund_id, ts_of(r.created_at) AS created_at,
       ts_of(r.processed_at) AS processed_at, local_day(ts_of(r.created_at), tz) AS business_date,
       txt(r.note) AS note, bool_of(r.restock) AS restock,
       (SELECT COALESCE(SUM(money0(json_extract(x, '$.amount'))), 0) FROM UNNEST(arr_of(r.transactions)) AS u(x)
        WHERE txt(json_extract(x, '$.kind')) = 'refund' AND txt(json_extract(x, '$.status')) = 'success') AS transactions_amount
FROM _refs;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_refund_lines AS
SELECT _day, _ord, order_id, refund_id, refund_line_id, line_id, quantity, subtotal, total_tax,
       subtotal - CASE WHEN incl THEN total_tax ELSE 0 END AS returns_amount, restock_type, location_id,
       is_gift_card
FROM (
    SELECT ri._day, ri._ord, ri.order_id, ri.incl, int_of(ri.r.id) AS refund_id,
           int_of(ri.it.id) AS refund_line_id, ri.line_id, int_of(ri.it.quantity) AS quantity,
           COALESCE(money_of(ri.it.subtotal), money0(ri.li.price) * int_of(ri.it.quantity)) AS subtotal,
           COALESCE(money_of(ri.it.total_tax), CAST(half_up(
               CAST((SELECT COALESCE(SUM(money0(json_extract(x, '$.price'))), 0)
                     FROM UNNEST(arr_of(ri.li.tax_lines)) AS u(x)) * 10000 AS HUGEINT)
                   * int_of(ri.it.quantity),
               COALESCE(NULLIF(int_of(ri.li.quantity), 0), NULLIF(int_of(ri.it.quantity), 0), 1)
           ) AS DECIMAL(18, 0)) / 10000) AS total_tax,
           txt(ri.it.restock_type) AS restock_type, int_of(ri.it.location_id) AS location_id,
           truthy(ri.li.gift_card) OR EXISTS (
               SELECT 1 FROM _line_rows l
               WHERE l._day = ri._day AND l._ord = ri._ord AND l.line_id = ri.line_id AND truthy(l.l.gift_card)
           ) AS is_gift_card
    FROM _ritems ri
);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_adjustments AS
SELECT _day, _ord, order_id, int_of(r.id) AS refund_id, int_of(json_extract(u.x, '$.id')) AS adjustment_id,
       COALESCE(NULLIF(txt(json_extract(u.x, '$.kind')), ''), 'unknown') AS kind, txt(json_extract(u.x, '$.reason')) AS reason,
       money0(json_extract(u.x, '$.amount')) AS amount, money0(json_extract(u.x, '$.tax_amount')) AS tax_amount,
       money0(json_extract(u.x, '$.amount')) - CASE WHEN incl THEN money0(json_extract(u.x, '$.tax_amount')) ELSE 0 END AS amount_excl_tax
FROM _refs, UNNEST(arr_of(r.order_adjustments)) AS u(x);

-- records whose id another record of the day shares (every copy: Python keeps one or dead-letters them),
-- with ids compared as Python compares them (1 = 1.0 = true) or more loosely
CREATE OR REPLACE TEMP TABLE _dup AS
SELECT _day, _ord FROM (
    SELECT _day, _ord, COUNT(*) OVER (PARTITION BY _day, id_key) AS copies
    FROM (
        SELECT _day, _ord, CASE json_type(id_v)
                               WHEN 'BOOLEAN' THEN CASE WHEN json_extract_string(id_v, '$') = 'true' THEN '1' ELSE '0' END
                               ELSE COALESCE(CAST(TRY_CAST(json_extract_string(id_v, '$') AS DOUBLE) AS VARCHAR), json_extract_string(id_v, '$'))
                           END AS id_key
        FROM _rec WHERE id_v IS NOT NULL
    )
) WHERE copies > 1;
