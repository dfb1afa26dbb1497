-- Typing rules of Shopify REST values, as DuckDB macros over the text json_transform gives every leaf
-- (a JSON string unescaped, a number or true/false as written, an object or array as JSON text). Each
-- *_ok macro says the value types in SQL exactly as the Python parsers (platform_assets/sources/shopify/parse.py)
-- type it; a record with a value that does not is re-staged by the Python stager, which names the field
-- and the value in its dead letter (or stages it, where SQL was only stricter).
--
-- text: a JSON number with a fraction or an exponent, an object or an array would read differently
CREATE OR REPLACE TEMP MACRO txt_ok(v) AS v IS NULL
    OR NOT (left(v, 1) IN ('{', '[') OR regexp_full_match(v, '-?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+'));
-- true/false stored as is (Python writes True as 'true')
CREATE OR REPLACE TEMP MACRO bool_ok(v) AS v IS NULL OR v IN ('true', 'false');
CREATE OR REPLACE TEMP MACRO bool_of(v) AS CAST(v AS BOOLEAN);
-- Python truthiness of a true/false value: absent is false
CREATE OR REPLACE TEMP MACRO truthy(v) AS COALESCE(v = 'true', false);
-- integers: digits (a JSON integer or a digit string); absent or '' is NULL
CREATE OR REPLACE TEMP MACRO int_ok(v) AS v IS NULL OR v = '' OR regexp_full_match(v, '-?[0-9]{1,18}');
CREATE OR REPLACE TEMP MACRO int_of(v) AS TRY_CAST(NULLIF(v, '') AS BIGINT);
CREATE OR REPLACE TEMP MACRO present(v) AS v IS NOT NULL AND v <> '';
-- money: a plain decimal with at most 4 decimal places that fits DECIMAL(18,4)
CREATE OR REPLACE TEMP MACRO money_ok(v) AS v IS NULL OR v = '' OR regexp_full_match(v, '-?[0-9]{1,13}(\.[0-9]{1,4})?');
CREATE OR REPLACE TEMP MACRO money_of(v) AS TRY_CAST(NULLIF(v, '') AS DECIMAL(18, 4));
CREATE OR REPLACE TEMP MACRO money0(v) AS COALESCE(money_of(v), CAST(0 AS DECIMAL(18, 4)));
-- a tax rate: up to 6 decimal places, not negative (the tax-inclusive split divides by 1 + rate)
CREATE OR REPLACE TEMP MACRO rate_ok(v) AS v IS NULL OR v = '' OR regexp_full_match(v, '[0-9]{1,6}(\.[0-9]{1,6})?');
CREATE OR REPLACE TEMP MACRO rate_of(v) AS TRY_CAST(NULLIF(v, '') AS DECIMAL(12, 6));
-- timestamps: ISO 8601 with a UTC offset, stored as naive UTC
CREATE OR REPLACE TEMP MACRO ts_ok(v) AS v IS NULL OR v = ''
    OR (regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})')
        AND TRY_CAST(v AS TIMESTAMPTZ) IS NOT NULL);
CREATE OR REPLACE TEMP MACRO ts_of(v) AS timezone('UTC', TRY_CAST(NULLIF(v, '') AS TIMESTAMPTZ));
-- the tenant-local day of a naive UTC instant
CREATE OR REPLACE TEMP MACRO local_day(ts, tz) AS CAST(timezone(tz, timezone('UTC', ts)) AS DATE);
-- round(numerator / denominator) half away from zero, exactly, for a positive denominator
CREATE OR REPLACE TEMP MACRO half_up(num, den) AS SIGN(num) * ((2 * ABS(num) + den) // (2 * den));
-- Shopify tags that split in SQL exactly as in Python (printable ASCII only; else Python does it)
CREATE OR REPLACE TEMP MACRO tags_ok(v) AS v IS NULL OR (txt_ok(v) AND NOT regexp_matches(v, '[^ -~]'));
-- a raw line SQL leaves to Python whole: a NUL or surrogate escape; a list, object or true/false field
-- (by name, at any depth: at worst a clean record goes to Python) holding a string, a number or
-- anything else Python would read differently
CREATE OR REPLACE TEMP MACRO line_ok(line) AS regexp_matches(line, '^\s*\{')
    AND NOT contains(line, '\u0000')
    AND NOT ((contains(line, '\ud') OR contains(line, '\uD')) AND regexp_matches(line, '\\u[dD][89a-fA-F]'))
    AND NOT regexp_matches(line, '"(?:line_items|shipping_lines|refunds|discount_codes|tax_lines|discount_allocations|transactions|refund_line_items|order_adjustments|customer|shipping_address|line_item|presentment_money|total_price_set|price_set|amount_set|test|gift_card|taxes_included)":\s*[^\[{ntf\s]');
