"""Serving: what merchants and their tools read, the layer above the marts (raw → staging → conformed → core
→ marts → serving). It imports only downward and never writes the warehouse's tables: the reporting API
(``api``, ``queries``), the KPI read layer (``kpis``), the scheduled reports (``reports``) and the dashboard
the API's app serves (``dashboard``). Every figure comes from the marts, by the one definition of
docs/metrics.md (but for the distinct customers of a multi-day period, which the marts' days cannot add up:
counted in fact_orders); see docs/serving.md."""
