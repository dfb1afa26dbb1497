"""The Shopify source: raw fetch, staging into stg_shopify_*, and the SQL conforming it to the
platform-neutral stg_* tables."""

#: The value of ``platform`` in every row Shopify writes to a platform-neutral table (conformed staging,
#: dead letters, the ingestion ledger); a partition's rewrite replaces only the rows carrying it.
PLATFORM = "shopify"
