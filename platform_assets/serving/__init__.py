"""Serving: what merchants and their tools read, the layer above the marts (raw → staging → conformed → core
→ marts → serving). It imports only downward and never writes the warehouse's tables; see docs/serving.md."""
