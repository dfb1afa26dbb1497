"""Scheduled reports: each tenant's daily report (yesterday against the day before) and weekly report (the
7 days ending Sunday against the 7 before), as Dagster assets above the marts. Each is an HTML email with
the KPI tiles, a 14-day trend and a CSV of the period's daily figures, sent through the alerts' SMTP
settings to the recipients of the tenant's ``reports:`` block; a day whose checks failed or whose figures
are provisional is reported with a warning at the top. See docs/serving.md, "Scheduled reports"."""
