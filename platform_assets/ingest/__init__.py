"""The ingest layer every source shares: partitions (business day x tenant), day windows, backfill."""
