-- Typing rules of Shopify REST JSON values, as DuckDB macros over JSON values. Each *_ok macro says the
-- value types cleanly exactly as the Python parsers (platform_assets/shopify/parse.py) would type it; a
-- record with any value that does not is re-staged by the Python stager, which names the field and value.
CREATE OR REPLACE TEMP MACRO j_absent(v) AS v IS NULL OR json_type(v) = 'NULL';
-- text: a JSON string (or absent); anything else is left to Python
CREATE OR REPLACE TEMP MACRO txt_ok(v) AS j_absent(v) OR json_type(v) = 'VARCHAR';
CREATE OR REPLACE TEMP MACRO txt(v) AS CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END;
-- a JSON true/false (or absent), stored as is
CREATE OR REPLACE TEMP MACRO bool_ok(v) AS j_absent(v) OR json_type(v) = 'BOOLEAN';
CREATE OR REPLACE TEMP MACRO bool_of(v) AS CASE WHEN json_type(v) = 'BOOLEAN' THEN CAST(json_extract_string(v, '$') AS BOOLEAN) END;
-- Python truthiness of a true/false value: absent is false
CREATE OR REPLACE TEMP MACRO truthy(v) AS COALESCE(bool_of(v), false);
-- integers: JSON integers or plain digit strings; absent or '' is NULL
CREATE OR REPLACE TEMP MACRO int_ok(v) AS j_absent(v) OR (json_type(v) IN ('BIGINT', 'UBIGINT') AND TRY_CAST(json_extract_string(v, '$') AS BIGINT) IS NOT NULL)
    OR (json_type(v) = 'VARCHAR' AND (json_extract_string(v, '$') = '' OR regexp_full_match(json_extract_string(v, '$'), '-?[0-9]{1,18}')));
CREATE OR REPLACE TEMP MACRO int_of(v) AS TRY_CAST(NULLIF(json_extract_string(v, '$'), '') AS BIGINT);
CREATE OR REPLACE TEMP MACRO present(v) AS NOT j_absent(v) AND json_extract_string(v, '$') <> '';
-- money: a plain decimal string or JSON number with at most 4 decimal places (that fits DECIMAL(18,4))
CREATE OR REPLACE TEMP MACRO money_ok(v) AS j_absent(v)
    OR (json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
        AND (json_extract_string(v, '$') = '' AND json_type(v) = 'VARCHAR' OR regexp_full_match(json_extract_string(v, '$'), '-?[0-9]{1,13}(\.[0-9]{1,4})?')));
CREATE OR REPLACE TEMP MACRO money_of(v) AS TRY_CAST(NULLIF(json_extract_string(v, '$'), '') AS DECIMAL(18, 4));
CREATE OR REPLACE TEMP MACRO money0(v) AS COALESCE(money_of(v), CAST(0 AS DECIMAL(18, 4)));
-- a tax rate: up to 6 decimal places, not negative (the tax-inclusive split divides by 1 + rate)
CREATE OR REPLACE TEMP MACRO rate_ok(v) AS j_absent(v)
    OR (json_type(v) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')
        AND (json_extract_string(v, '$') = '' AND json_type(v) = 'VARCHAR' OR regexp_full_match(json_extract_string(v, '$'), '[0-9]{1,6}(\.[0-9]{1,6})?')));
CREATE OR REPLACE TEMP MACRO rate_of(v) AS TRY_CAST(NULLIF(json_extract_string(v, '$'), '') AS DECIMAL(12, 6));
-- timestamps: ISO 8601 with a UTC offset, stored as naive UTC
CREATE OR REPLACE TEMP MACRO ts_ok(v) AS j_absent(v)
    OR (json_type(v) = 'VARCHAR' AND (json_extract_string(v, '$') = ''
        OR (regexp_full_match(json_extract_string(v, '$'), '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})')
            AND TRY_CAST(json_extract_string(v, '$') AS TIMESTAMPTZ) IS NOT NULL)));
CREATE OR REPLACE TEMP MACRO ts_of(v) AS timezone('UTC', TRY_CAST(NULLIF(json_extract_string(v, '$'), '') AS TIMESTAMPTZ));
-- the tenant-local day of a naive UTC instant
CREATE OR REPLACE TEMP MACRO local_day(ts, tz) AS CAST(timezone(tz, timezone('UTC', ts)) AS DATE);
-- an object or an array (or absent)
CREATE OR REPLACE TEMP MACRO obj_ok(v) AS j_absent(v) OR json_type(v) = 'OBJECT';
CREATE OR REPLACE TEMP MACRO arr_ok(v) AS j_absent(v) OR json_type(v) = 'ARRAY';
CREATE OR REPLACE TEMP MACRO arr_of(v) AS CASE WHEN json_type(v) = 'ARRAY' THEN CAST(v AS JSON[]) ELSE CAST([] AS JSON[]) END;
-- the presentment amount of a *_set money bag
CREATE OR REPLACE TEMP MACRO bag_ok(v) AS j_absent(v) OR json_type(v) <> 'OBJECT'
    OR (obj_ok(json_extract(v, '$.presentment_money')) AND money_ok(json_extract(v, '$.presentment_money.amount')));
CREATE OR REPLACE TEMP MACRO bag_of(v) AS CASE WHEN json_type(v) = 'OBJECT' THEN money_of(json_extract(v, '$.presentment_money.amount')) END;
-- round(numerator / denominator) half away from zero, exactly, for a positive denominator
CREATE OR REPLACE TEMP MACRO half_up(num, den) AS SIGN(num) * ((2 * ABS(num) + den) // (2 * den));
-- Shopify tags text that splits in SQL exactly as in Python (printable ASCII only; else Python does it)
CREATE OR REPLACE TEMP MACRO tags_ok(v) AS j_absent(v) OR (json_type(v) = 'VARCHAR' AND NOT regexp_matches(json_extract_string(v, '$'), '[^ -~]'));
