"""Serving: what merchants and their tools read, above the marts (imports only point down): the KPI read
layer (``kpis``), the scheduled reports (``reports``) and the reporting API. Every figure comes from the
marts, by the one definition of docs/metrics.md."""
