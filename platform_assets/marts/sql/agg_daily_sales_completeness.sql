-- Completeness of a tenant's agg_daily_sales rows not known complete yet (those just restated, written
-- provisional, and those provisional before): a day's figures depend on every raw orders partition from
-- the tenant's start date (:start_date; first orders decide new vs returning customers) through
-- :yesterday (later changes: edits, voids, refunds). A partition counts once staged_partitions holds it
-- with the whole day in it. A day not over yet (after :yesterday) is provisional too. The reason names
-- the missing days as ranges, e.g. "changes since 2026-11-03 not ingested: 2026-11-04…2026-12-05". A row
-- across platforms (platform 'all', ALL_PLATFORMS) depends on the partitions of every platform of the
-- tenant: a day missing on any of them is missing for it.
UPDATE agg_daily_sales
SET is_complete = verdict.reason IS NULL, provisional_reason = verdict.reason
FROM (
    WITH rows_to_judge AS (
        SELECT DISTINCT date AS day, platform
        FROM agg_daily_sales
        -- (null: a row written before the column existed)
        WHERE tenant_id = :tenant_id AND NOT COALESCE(is_complete, FALSE)
    ),
    needed AS (
        SELECT CAST(g AS DATE) AS day
        FROM generate_series(CAST(:start_date AS TIMESTAMP), CAST(:yesterday AS TIMESTAMP), INTERVAL '1 day') AS s(g)
    ),
    tenant_platforms AS (
        -- the platforms a row across platforms ('all') depends on: every platform the tenant has
        -- staged orders or sales of
        SELECT platform FROM staged_partitions WHERE tenant_id = :tenant_id AND entity = 'orders'
        UNION
        SELECT platform FROM agg_daily_sales WHERE tenant_id = :tenant_id AND platform <> :all_platforms
    ),
    judged_platforms AS (
        -- (row platform, platform whose partitions it needs): a platform's row needs its own; the row
        -- across platforms needs every platform's, a day missing on any of them is missing for it
        SELECT DISTINCT platform, platform AS source_platform
        FROM rows_to_judge WHERE platform <> :all_platforms
        UNION
        SELECT r.platform, tp.platform
        FROM (SELECT DISTINCT platform FROM rows_to_judge WHERE platform = :all_platforms) r
        CROSS JOIN tenant_platforms tp
    ),
    missing AS (
        SELECT DISTINCT p.platform, n.day
        FROM judged_platforms p
        CROSS JOIN needed n
        WHERE NOT EXISTS (
            SELECT 1 FROM staged_partitions l
            WHERE l.tenant_id = :tenant_id AND l.platform = p.source_platform AND l.entity = 'orders'
              AND l.partition_date = n.day AND l.whole_day
        )
    ),
    gaps AS (
        -- consecutive missing days form one gap (gaps and islands)
        SELECT platform, MIN(day) AS first_day, MAX(day) AS last_day
        FROM (
            SELECT platform, day,
                   day - CAST(ROW_NUMBER() OVER (PARTITION BY platform ORDER BY day) AS INTEGER) AS gap
            FROM missing
        ) numbered
        GROUP BY platform, gap
    )
    SELECT r.day, r.platform,
           NULLIF(CONCAT_WS('; ',
               CASE WHEN r.day > :yesterday THEN 'the day is not over yet' END,
               'changes since ' || CAST(r.day AS VARCHAR) || ' not ingested: ' || (
                   SELECT STRING_AGG(
                              CASE WHEN GREATEST(g.first_day, r.day) = g.last_day
                                   THEN CAST(g.last_day AS VARCHAR)
                                   ELSE CAST(GREATEST(g.first_day, r.day) AS VARCHAR) || '…'
                                        || CAST(g.last_day AS VARCHAR) END,
                              ', ' ORDER BY g.first_day)
                   FROM gaps g
                   WHERE g.platform = r.platform AND g.last_day >= r.day),
               'new/returning customers may be wrong: orders before ' || CAST(r.day AS VARCHAR)
                   || ' not ingested: ' || (
                   SELECT STRING_AGG(
                              CASE WHEN g.first_day = LEAST(g.last_day, CAST(r.day - 1 AS DATE))
                                   THEN CAST(g.first_day AS VARCHAR)
                                   ELSE CAST(g.first_day AS VARCHAR) || '…'
                                        || CAST(LEAST(g.last_day, CAST(r.day - 1 AS DATE)) AS VARCHAR) END,
                              ', ' ORDER BY g.first_day)
                   FROM gaps g
                   WHERE g.platform = r.platform AND g.first_day < r.day)
           ), '') AS reason
    FROM rows_to_judge r
) verdict
WHERE agg_daily_sales.tenant_id = :tenant_id
  AND agg_daily_sales.date = verdict.day
  AND agg_daily_sales.platform = verdict.platform;
