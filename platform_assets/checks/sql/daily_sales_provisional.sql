-- Days of the run whose agg_daily_sales figures are provisional (a raw orders partition they depend on
-- is not ingested, or the day is not over), with the reason: see docs/metrics.md#completeness.
SELECT date AS day, platform, currency, provisional_reason
FROM agg_daily_sales
WHERE tenant_id = :tenant_id AND date BETWEEN :start_date AND :end_date
  AND NOT COALESCE(is_complete, FALSE)  -- null: a row from before the column, not judged yet
ORDER BY date, platform, currency
