-- Shopify orders: every staging table's columns from the raw JSON, for the records of `raw_input`
-- (partition_date, ord, tz, line). Each raw line is parsed once, into the nested shape below (every leaf
-- as text, typed by the macros of macros.sql). `_rec` says per record whether SQL typed it cleanly
-- (`sql_ok`) and which of its top-level fields are new (`new_fields`, the engine's `unknown_fields`);
-- `_bad` lists records a child value of which did not type cleanly, `_dup` records sharing an id; the
-- engine (platform_assets/staging/declarative.py) re-stages all of those in Python. Each output table
-- carries the record (_day, _ord) its row came from. Mirrors platform_assets/sources/shopify/staging.py.
CREATE OR REPLACE TEMP TABLE _rec AS
SELECT _day, _ord, tz, o, o.id AS id_v, CASE WHEN o IS NOT NULL THEN unknown_fields(line) END AS new_fields,
       o IS NOT NULL
       AND int_ok(o.id) AND present(o.id)
       AND ts_ok(o.created_at) AND present(o.created_at) AND ts_ok(o.updated_at) AND present(o.updated_at)
       AND ts_ok(o.processed_at) AND ts_ok(o.cancelled_at) AND ts_ok(o.closed_at)
       AND txt_ok(o.name) AND int_ok(o.order_number)
       AND txt_ok(o.email) AND txt_ok(o.contact_email) AND txt_ok(o.phone)
       AND txt_ok(o.customer.email) AND txt_ok(o.customer.phone) AND int_ok(o.customer.id)
       AND present(o.currency) AND txt_ok(o.currency) AND txt_ok(o.presentment_currency)
       AND txt_ok(o.cancel_reason) AND txt_ok(o.financial_status) AND txt_ok(o.fulfillment_status)
       AND bool_ok(o.test) AND txt_ok(o.source_name) AND bool_ok(o.taxes_included)
       AND money_ok(o.subtotal_price) AND money_ok(o.total_line_items_price)
       AND money_ok(o.total_discounts) AND money_ok(o.total_tax) AND money_ok(o.total_price)
       AND money_ok(o.total_price_set.presentment_money.amount) AND tags_ok(o.tags) AND txt_ok(o.note)
       AND txt_ok(o.shipping_address.name) AND txt_ok(o.shipping_address.city)
       AND txt_ok(o.shipping_address.zip) AND txt_ok(o.shipping_address.province_code)
       AND txt_ok(o.shipping_address.country_code) AS sql_ok
FROM (
    SELECT partition_date AS _day, ord AS _ord, tz, line,
           CASE WHEN line_ok(line) THEN TRY(json_transform(line, '{
        "id":"VARCHAR",
        "created_at":"VARCHAR",
        "updated_at":"VARCHAR",
        "processed_at":"VARCHAR",
        "cancelled_at":"VARCHAR",
        "closed_at":"VARCHAR",
        "name":"VARCHAR",
        "order_number":"VARCHAR",
        "email":"VARCHAR",
        "contact_email":"VARCHAR",
        "phone":"VARCHAR",
        "customer":{"id":"VARCHAR","email":"VARCHAR","phone":"VARCHAR"},
        "currency":"VARCHAR",
        "presentment_currency":"VARCHAR",
        "cancel_reason":"VARCHAR",
        "financial_status":"VARCHAR",
        "fulfillment_status":"VARCHAR",
        "test":"VARCHAR",
        "source_name":"VARCHAR",
        "taxes_included":"VARCHAR",
        "subtotal_price":"VARCHAR",
        "total_line_items_price":"VARCHAR",
        "total_discounts":"VARCHAR",
        "total_tax":"VARCHAR",
        "total_price":"VARCHAR",
        "total_price_set":{"presentment_money":{"amount":"VARCHAR"}},
        "tags":"VARCHAR",
        "note":"VARCHAR",
        "shipping_address":{"name":"VARCHAR","city":"VARCHAR","zip":"VARCHAR","province_code":"VARCHAR","country_code":"VARCHAR"},
        "discount_codes":[{"code":"VARCHAR","amount":"VARCHAR","type":"VARCHAR"}],
        "tax_lines":[{"title":"VARCHAR","rate":"VARCHAR","price":"VARCHAR","price_set":{"presentment_money":{"amount":"VARCHAR"}}}],
        "line_items":[{"id":"VARCHAR","quantity":"VARCHAR","product_id":"VARCHAR","variant_id":"VARCHAR","sku":"VARCHAR","title":"VARCHAR","variant_title":"VARCHAR","vendor":"VARCHAR","gift_card":"VARCHAR","price":"VARCHAR","price_set":{"presentment_money":{"amount":"VARCHAR"}},"total_discount":"VARCHAR","taxable":"VARCHAR","requires_shipping":"VARCHAR","discount_allocations":[{"discount_application_index":"VARCHAR","amount":"VARCHAR","amount_set":{"presentment_money":{"amount":"VARCHAR"}}}],"tax_lines":[{"title":"VARCHAR","rate":"VARCHAR","price":"VARCHAR","price_set":{"presentment_money":{"amount":"VARCHAR"}}}]}],
        "shipping_lines":[{"id":"VARCHAR","title":"VARCHAR","code":"VARCHAR","source":"VARCHAR","price":"VARCHAR","discounted_price":"VARCHAR","discount_allocations":[{"discount_application_index":"VARCHAR","amount":"VARCHAR","amount_set":{"presentment_money":{"amount":"VARCHAR"}}}],"tax_lines":[{"title":"VARCHAR","rate":"VARCHAR","price":"VARCHAR","price_set":{"presentment_money":{"amount":"VARCHAR"}}}]}],
        "refunds":[{"id":"VARCHAR","created_at":"VARCHAR","processed_at":"VARCHAR","note":"VARCHAR","restock":"VARCHAR","transactions":[{"kind":"VARCHAR","status":"VARCHAR","amount":"VARCHAR"}],"refund_line_items":[{"id":"VARCHAR","line_item_id":"VARCHAR","quantity":"VARCHAR","subtotal":"VARCHAR","total_tax":"VARCHAR","restock_type":"VARCHAR","location_id":"VARCHAR","line_item":{"id":"VARCHAR","price":"VARCHAR","quantity":"VARCHAR","gift_card":"VARCHAR","tax_lines":[{"title":"VARCHAR","rate":"VARCHAR","price":"VARCHAR","price_set":{"presentment_money":{"amount":"VARCHAR"}}}]}}],"order_adjustments":[{"id":"VARCHAR","kind":"VARCHAR","reason":"VARCHAR","amount":"VARCHAR","tax_amount":"VARCHAR"}]}]
    }')) END AS o
    FROM raw_input
);

CREATE OR REPLACE TEMP VIEW _ord AS
SELECT _day, _ord, tz, o, int_of(o.id) AS order_id, truthy(o.taxes_included) AS incl,
       ts_of(o.created_at) AS created_at, COALESCE(ts_of(o.processed_at), ts_of(o.created_at)) AS processed_at
FROM _rec WHERE sql_ok;

-- the children of an order, with their position
CREATE OR REPLACE TEMP TABLE _lines AS
SELECT *, int_of(l.id) AS line_id FROM (
    SELECT _day, _ord, order_id, incl, UNNEST(o.line_items) AS l,
           CAST(generate_subscripts(o.line_items, 1) - 1 AS INTEGER) AS position
    FROM _ord
);
CREATE OR REPLACE TEMP TABLE _ships AS
SELECT _day, _ord, order_id, incl, UNNEST(o.shipping_lines) AS s,
       CAST(generate_subscripts(o.shipping_lines, 1) - 1 AS INTEGER) AS position
FROM _ord;
CREATE OR REPLACE TEMP TABLE _refs AS
SELECT _day, _ord, order_id, incl, tz, UNNEST(o.refunds) AS r FROM _ord;
CREATE OR REPLACE TEMP TABLE _ritems AS
SELECT *, COALESCE(CASE WHEN present(it.line_item_id) AND int_of(it.line_item_id) <> 0
                          THEN int_of(it.line_item_id) END, int_of(it.line_item.id)) AS line_id
FROM (SELECT _day, _ord, order_id, incl, r, UNNEST(r.refund_line_items) AS it FROM _refs);
-- every tax line and discount allocation, with what it belongs to
CREATE OR REPLACE TEMP TABLE _taxes AS
SELECT _day, _ord, order_id, scope, parent_id, UNNEST(a) AS x,
       CAST(generate_subscripts(a, 1) - 1 AS INTEGER) AS position
FROM (
    SELECT _day, _ord, order_id, 'order' AS scope, order_id AS parent_id, o.tax_lines AS a FROM _ord
    UNION ALL
    SELECT _day, _ord, order_id, 'line_item', line_id, l.tax_lines FROM _lines
    UNION ALL
    SELECT _day, _ord, order_id, 'shipping_line', COALESCE(NULLIF(int_of(s.id), 0), position), s.tax_lines FROM _ships
);
CREATE OR REPLACE TEMP TABLE _allocs AS
SELECT _day, _ord, order_id, target_type, target_id, UNNEST(a) AS x,
       CAST(generate_subscripts(a, 1) - 1 AS INTEGER) AS allocation_index
FROM (
    SELECT _day, _ord, order_id, 'line_item' AS target_type, line_id AS target_id, l.discount_allocations AS a FROM _lines
    UNION ALL
    SELECT _day, _ord, order_id, 'shipping_line', COALESCE(NULLIF(int_of(s.id), 0), position), s.discount_allocations FROM _ships
);

-- records a child value of which does not type cleanly
CREATE OR REPLACE TEMP TABLE _bad AS
SELECT DISTINCT _day, _ord FROM (
    SELECT _day, _ord FROM _lines WHERE NOT (
        present(l.id) AND int_ok(l.id) AND present(l.quantity) AND int_ok(l.quantity)
        AND int_ok(l.product_id) AND int_ok(l.variant_id) AND txt_ok(l.sku) AND txt_ok(l.title)
        AND txt_ok(l.variant_title) AND txt_ok(l.vendor) AND bool_ok(l.gift_card)
        AND present(l.price) AND money_ok(l.price) AND money_ok(l.price_set.presentment_money.amount)
        AND money_ok(l.total_discount) AND bool_ok(l.taxable) AND bool_ok(l.requires_shipping))
    UNION ALL
    SELECT _day, _ord FROM _ships WHERE NOT (
        int_ok(s.id) AND txt_ok(s.title) AND txt_ok(s.code) AND txt_ok(s.source)
        AND present(s.price) AND money_ok(s.price) AND money_ok(s.discounted_price))
    UNION ALL
    SELECT _day, _ord FROM _refs WHERE NOT (
        present(r.id) AND int_ok(r.id) AND present(r.created_at) AND ts_ok(r.created_at)
        AND ts_ok(r.processed_at) AND txt_ok(r.note) AND bool_ok(r.restock)
        AND list_bool_and([txt_ok(x.kind) AND txt_ok(x.status) AND money_ok(x.amount) FOR x IN COALESCE(r.transactions, [])])
        AND list_bool_and([present(x.id) AND int_ok(x.id) AND txt_ok(x.kind) AND txt_ok(x.reason)
                           AND money_ok(x.amount) AND money_ok(x.tax_amount) FOR x IN COALESCE(r.order_adjustments, [])]))
    UNION ALL
    SELECT _day, _ord FROM _ritems WHERE NOT (
        int_ok(it.line_item_id) AND int_ok(it.line_item.id) AND line_id IS NOT NULL
        AND present(it.quantity) AND int_ok(it.quantity) AND present(it.id) AND int_ok(it.id)
        AND money_ok(it.subtotal) AND money_ok(it.total_tax) AND money_ok(it.line_item.price)
        AND int_ok(it.line_item.quantity) AND txt_ok(it.restock_type) AND int_ok(it.location_id)
        AND bool_ok(it.line_item.gift_card)
        AND list_bool_and([money_ok(x.price) FOR x IN COALESCE(it.line_item.tax_lines, [])])
        -- a refund line without its own tax whose order line's quantity is not positive
        AND (money_of(it.total_tax) IS NOT NULL
             OR COALESCE(NULLIF(int_of(it.line_item.quantity), 0), NULLIF(int_of(it.quantity), 0), 1) > 0))
    UNION ALL
    SELECT _day, _ord FROM _ord WHERE NOT list_bool_and(
        [txt_ok(x.code) AND money_ok(x.amount) AND txt_ok(x.type) FOR x IN COALESCE(o.discount_codes, [])])
    UNION ALL
    SELECT _day, _ord FROM _taxes WHERE NOT (
        txt_ok(x.title) AND rate_ok(x.rate) AND present(x.price) AND money_ok(x.price)
        AND money_ok(x.price_set.presentment_money.amount))
    UNION ALL
    SELECT _day, _ord FROM _allocs WHERE NOT (
        int_ok(x.discount_application_index) AND present(x.amount) AND money_ok(x.amount)
        AND money_ok(x.amount_set.presentment_money.amount))
    UNION ALL
    -- a refunded line that is not a line of the order
    SELECT ri._day, ri._ord FROM _ritems ri ANTI JOIN _lines l
        ON l._day = ri._day AND l._ord = ri._ord AND l.line_id = ri.line_id
);

CREATE OR REPLACE TEMP TABLE _line_rows AS
SELECT *, CASE WHEN incl THEN CAST(half_up(
              CAST(discount * 10000 AS HUGEINT) * CAST(rates * 1000000 AS HUGEINT),
              1000000 + CAST(rates * 1000000 AS HUGEINT)) AS DECIMAL(18, 0)) / 10000
          ELSE 0 END AS discount_tax
FROM (
    SELECT _day, _ord, order_id, incl, l, line_id, int_of(l.quantity) AS quantity, money_of(l.price) AS price,
           COALESCE(list_sum([money0(a.amount) FOR a IN COALESCE(l.discount_allocations, [])]), 0) AS discount,
           COALESCE(list_sum([money0(x.price) FOR x IN COALESCE(l.tax_lines, [])]), 0) AS tax,
           COALESCE(list_sum([COALESCE(rate_of(x.rate), 0) FOR x IN COALESCE(l.tax_lines, [])]), 0) AS rates
    FROM _lines
);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_orders AS
SELECT _day, _ord, order_id, o.name AS order_name, int_of(o.order_number) AS order_number,
       COALESCE(NULLIF(o.email, ''), NULLIF(o.contact_email, ''), o.customer.email) AS email,
       COALESCE(NULLIF(o.phone, ''), o.customer.phone) AS phone, int_of(o.customer.id) AS customer_id,
       created_at, ts_of(o.updated_at) AS updated_at, processed_at,
       ts_of(o.cancelled_at) AS cancelled_at, ts_of(o.closed_at) AS closed_at, o.cancel_reason,
       local_day(processed_at, tz) AS business_date, o.currency,
       COALESCE(NULLIF(o.presentment_currency, ''), o.currency) AS presentment_currency,
       o.financial_status, o.fulfillment_status, truthy(o.test) AS is_test, o.source_name,
       incl AS taxes_included, money_of(o.subtotal_price) AS subtotal_price,
       money_of(o.total_line_items_price) AS total_line_items_price, money_of(o.total_discounts) AS total_discounts,
       COALESCE(list_sum([money0(s.price) FOR s IN COALESCE(o.shipping_lines, [])]), 0) AS total_shipping,
       money_of(o.total_tax) AS total_tax, money_of(o.total_price) AS total_price,
       money_of(o.total_price_set.presentment_money.amount) AS total_price_presentment,
       o.tags, o.note, o.shipping_address.name AS ship_to_name, o.shipping_address.city AS ship_to_city,
       o.shipping_address.zip AS ship_to_zip, o.shipping_address.province_code AS ship_to_province_code,
       o.shipping_address.country_code AS ship_to_country_code
FROM _ord;

-- tags: split on commas, trimmed, blanks dropped, the first of each kept
CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_tags AS
SELECT _day, _ord, order_id, tag FROM (
    SELECT _day, _ord, order_id, tag, ROW_NUMBER() OVER (PARTITION BY _day, _ord, tag ORDER BY i) AS nth
    FROM (
        SELECT _day, _ord, order_id, TRIM(UNNEST(string_split(o.tags, ','))) AS tag,
               generate_subscripts(string_split(o.tags, ','), 1) AS i
        FROM _ord WHERE o.tags IS NOT NULL AND o.tags <> ''
    )
) WHERE tag <> '' AND nth = 1;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_discount_codes AS
SELECT _day, _ord, order_id, position, x.code AS code, money_of(x.amount) AS amount, x.type AS type
FROM (
    SELECT _day, _ord, order_id, UNNEST(o.discount_codes) AS x,
           CAST(generate_subscripts(o.discount_codes, 1) - 1 AS INTEGER) AS position
    FROM _ord
);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_lines AS
SELECT _day, _ord, order_id, line_id, int_of(l.product_id) AS product_id, int_of(l.variant_id) AS variant_id,
       NULLIF(l.sku, '') AS sku, l.title, l.variant_title, l.vendor, quantity, price,
       money_of(l.price_set.presentment_money.amount) AS price_presentment,
       money_of(l.total_discount) AS total_discount, discount AS discount_allocated, tax AS tax_amount,
       discount_tax, price * quantity - CASE WHEN incl THEN tax + discount_tax ELSE 0 END AS gross_sales,
       discount - discount_tax AS discounts, truthy(l.gift_card) AS is_gift_card,
       bool_of(l.taxable) AS is_taxable, bool_of(l.requires_shipping) AS requires_shipping
FROM _line_rows;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_shipping_lines AS
SELECT _day, _ord, order_id, shipping_line_id, s.title, s.code, s.source, price,
       money_of(s.discounted_price) AS discounted_price, discount AS discount_allocated, tax AS tax_amount,
       price - discount - CASE WHEN incl THEN tax ELSE 0 END AS net_amount
FROM (
    SELECT _day, _ord, order_id, incl, s, COALESCE(NULLIF(int_of(s.id), 0), position) AS shipping_line_id,
           money_of(s.price) AS price,
           COALESCE(list_sum([money0(a.amount) FOR a IN COALESCE(s.discount_allocations, [])]), 0) AS discount,
           COALESCE(list_sum([money0(x.price) FOR x IN COALESCE(s.tax_lines, [])]), 0) AS tax
    FROM _ships
);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_discount_allocations AS
SELECT _day, _ord, order_id, target_type, target_id, allocation_index,
       int_of(x.discount_application_index) AS discount_application_index, money_of(x.amount) AS amount,
       money_of(x.amount_set.presentment_money.amount) AS amount_presentment
FROM _allocs;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_tax_lines AS
SELECT _day, _ord, order_id, scope, parent_id, position, x.title, rate_of(x.rate) AS rate,
       money_of(x.price) AS amount, money_of(x.price_set.presentment_money.amount) AS amount_presentment
FROM _taxes;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_refunds AS
SELECT _day, _ord, order_id, int_of(r.id) AS refund_id, ts_of(r.created_at) AS created_at,
       ts_of(r.processed_at) AS processed_at, local_day(ts_of(r.created_at), tz) AS business_date,
       r.note, bool_of(r.restock) AS restock,
       COALESCE(list_sum([money0(x.amount) FOR x IN COALESCE(r.transactions, [])
                          IF x.kind = 'refund' AND x.status = 'success']), 0) AS transactions_amount
FROM _refs;

CREATE OR REPLACE TEMP TABLE t_stg_shopify_refund_lines AS
SELECT _day, _ord, order_id, refund_id, refund_line_id, line_id, quantity, subtotal, total_tax,
       subtotal - CASE WHEN incl THEN total_tax ELSE 0 END AS returns_amount, restock_type, location_id,
       is_gift_card
FROM (
    SELECT ri._day, ri._ord, ri.order_id, ri.incl, int_of(ri.r.id) AS refund_id, int_of(ri.it.id) AS refund_line_id,
           ri.line_id, int_of(ri.it.quantity) AS quantity,
           COALESCE(money_of(ri.it.subtotal), money0(ri.it.line_item.price) * int_of(ri.it.quantity)) AS subtotal,
           COALESCE(money_of(ri.it.total_tax), CAST(half_up(
               CAST(COALESCE(list_sum([money0(x.price) FOR x IN COALESCE(ri.it.line_item.tax_lines, [])]), 0) * 10000 AS HUGEINT)
                   * int_of(ri.it.quantity),
               COALESCE(NULLIF(int_of(ri.it.line_item.quantity), 0), NULLIF(int_of(ri.it.quantity), 0), 1)
           ) AS DECIMAL(18, 0)) / 10000) AS total_tax,
           ri.it.restock_type, int_of(ri.it.location_id) AS location_id,
           truthy(ri.it.line_item.gift_card) OR COALESCE(l.gift, false) AS is_gift_card
    FROM _ritems ri LEFT JOIN (
        -- whether any of the order's lines with that id is a gift card (only orders with refunds)
        SELECT _day, _ord, line_id, bool_or(truthy(l.gift_card)) AS gift
        FROM _lines SEMI JOIN (SELECT DISTINCT _day, _ord FROM _ritems) r USING (_day, _ord)
        GROUP BY ALL
    ) l ON l._day = ri._day AND l._ord = ri._ord AND l.line_id = ri.line_id
);

CREATE OR REPLACE TEMP TABLE t_stg_shopify_order_adjustments AS
SELECT _day, _ord, order_id, refund_id, int_of(x.id) AS adjustment_id,
       COALESCE(NULLIF(x.kind, ''), 'unknown') AS kind, x.reason,
       money0(x.amount) AS amount, money0(x.tax_amount) AS tax_amount,
       money0(x.amount) - CASE WHEN incl THEN money0(x.tax_amount) ELSE 0 END AS amount_excl_tax
FROM (SELECT _day, _ord, order_id, incl, int_of(r.id) AS refund_id, UNNEST(r.order_adjustments) AS x FROM _refs);

-- records whose id another record of the day shares (every copy: Python keeps one or dead-letters them),
-- ids compared as loosely as Python compares them (1 = 1.0 = true) or more
CREATE OR REPLACE TEMP TABLE _dup AS
SELECT _day, _ord FROM (
    SELECT _day, _ord, COUNT(*) OVER (PARTITION BY _day, id_key) AS copies
    FROM (
        SELECT _day, _ord, CASE id_v WHEN 'true' THEN '1' WHEN 'false' THEN '0'
                                     ELSE COALESCE(CAST(TRY_CAST(id_v AS DOUBLE) AS VARCHAR), id_v) END AS id_key
        FROM _rec WHERE id_v IS NOT NULL
    )
) WHERE copies > 1;
