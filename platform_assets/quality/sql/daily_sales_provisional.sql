-- Days of the run whose agg_daily_sales figures are provisional because a raw orders partition they
-- depend on is not ingested, with the reason: see docs/metrics.md#completeness. A day that is only not
-- over yet (today, refreshed hourly) is provisional in the table but does not make the check warn.
-- Judged on the rows across platforms (platform 'all', ALL_PLATFORMS): such a row is provisional when
-- any platform of the tenant misses a partition, so it covers every platform's rows, and a day is one
-- day however many platforms sold on it.
SELECT date AS day, platform, currency, provisional_reason
FROM agg_daily_sales
WHERE tenant_id = :tenant_id AND date BETWEEN :start_date AND :end_date AND platform = :all_platforms
  AND NOT COALESCE(is_complete, FALSE)  -- null: a row from before the column, not judged yet
  AND COALESCE(provisional_reason, '') <> 'the day is not over yet'
ORDER BY date, platform, currency
